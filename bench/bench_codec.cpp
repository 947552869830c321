// CPU-side cost of the SDK: decoding pages, encoding requests, mapping
// errors, and one whole Client call over an in-memory transport. Every
// benchmark reports `allocs` (heap allocations per operation) from the
// counting operator new of counting_allocator.cpp.
#include <getxapi/getxapi.hpp>

#include "counting_allocator.hpp"
#include "decode.hpp"
#include "encode.hpp"
#include "error_mapping.hpp"
#include "json_util.hpp"
#include "memory_pages.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "hand_decode.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

using getxapi::Endpoint;
using getxapi::HttpResponse;
using nlohmann::json;

std::string read_fixture(char const* name) {
  std::ifstream in(std::string(GETXAPI_FIXTURES_DIR) + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("missing fixture ") + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fixture's page with its first item repeated to `count` items, ids made
// distinct, so the shape is the documented one and the size a real page's.
std::string scaled_page(char const* fixture, char const* items_key, int count) {
  json page = json::parse(read_fixture(fixture));
  json const prototype = page[items_key].at(0);
  json items = json::array();
  for (int i = 0; i < count; ++i) {
    json item = prototype;
    std::string id = item["id"].get<std::string>();
    std::string const suffix = std::to_string(i);
    id.replace(id.size() - suffix.size(), suffix.size(), suffix);
    item["id"] = id;
    if (item.contains("userName")) item["userName"] = "user_" + suffix;
    items.push_back(std::move(item));
  }
  page[items_key] = std::move(items);
  if (page.contains("message_count")) page["message_count"] = count;
  if (page.contains("user_count")) page["user_count"] = count;
  return page.dump();
}

// Runs `body` per iteration and reports allocations per iteration.
template <class Body>
void run_counting(benchmark::State& state, Body body) {
  long const before = getxapi::bench::allocations();
  for (auto _ : state) body();
  long const allocations = getxapi::bench::allocations() - before;
  state.counters["allocs"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
}

// ---- Decoding ------------------------------------------------------------

void BM_DecodeDmListPage50(benchmark::State& state) {
  std::string const body = scaled_page("dm_list_page.json", "messages", 50);
  run_counting(state, [&] {
    auto page = getxapi::internal::decode_message_page(body);
    if (!page || page->items.size() != 50) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(page);
  });
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_DecodeDmListPage50);

void BM_DecodeFollowersPage70(benchmark::State& state) {
  std::string const body = scaled_page("followers_page.json", "followers", 70);
  run_counting(state, [&] {
    auto page = getxapi::internal::decode_user_page(body, "followers");
    if (!page || page->items.size() != 70) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(page);
  });
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_DecodeFollowersPage70);

// dm/list's inbox shape: the fixture's first conversation repeated to 50
// (ids distinct), no messages, so the conversations are what is decoded.
std::string conversation_page(int count) {
  json page = json::parse(read_fixture("dm_list_inbox.json"));
  json const prototype = page["conversations"].at(0);
  json conversations = json::array();
  for (int i = 0; i < count; ++i) {
    json c = prototype;
    c["conversation_id"] = "1700000000000000001-" + std::to_string(1800000000000000000L + i);
    conversations.push_back(std::move(c));
  }
  page["conversations"] = std::move(conversations);
  page["messages"] = json::array();
  page["conversation_count"] = count;
  page["message_count"] = 0;
  return page.dump();
}

void BM_DecodeConversationPage50(benchmark::State& state) {
  std::string const body = conversation_page(50);
  run_counting(state, [&] {
    auto page = getxapi::internal::decode_message_page(body);
    if (!page || page->conversations.size() != 50) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(page);
  });
}
BENCHMARK(BM_DecodeConversationPage50);

void BM_DecodeConversationPage50HandWritten(benchmark::State& state) {
  std::string const body = conversation_page(50);
  run_counting(state, [&] {
    auto doc = json::parse(body);
    std::vector<std::string> times;
    auto conversations = getxapi::bench::decode_conversations_by_hand(doc, times);
    if (conversations.size() != 50) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(conversations);
    benchmark::DoNotOptimize(times);
  });
}
BENCHMARK(BM_DecodeConversationPage50HandWritten);

void BM_DecodeUserInfo(benchmark::State& state) {
  std::string const body = read_fixture("user_info.json");
  run_counting(state, [&] {
    auto user = getxapi::internal::decode_user_info(body);
    if (!user) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(user);
  });
}
BENCHMARK(BM_DecodeUserInfo);

// What a hand-written parser does with the same body: nlohmann parse, copy
// the fields out, drop the document. The floor for BM_DecodeUserInfo.
void BM_DecodeUserInfoHandWritten(benchmark::State& state) {
  std::string const body = read_fixture("user_info.json");
  run_counting(state, [&] {
    auto doc = json::parse(body);
    std::string created_at;
    auto user = getxapi::bench::decode_user_by_hand(doc.at("data"), created_at);
    benchmark::DoNotOptimize(user);
    benchmark::DoNotOptimize(created_at);
  });
}
BENCHMARK(BM_DecodeUserInfoHandWritten);

// ---- Memory per response ---------------------------------------------------

// Peak heap (the counting allocator's high-water mark) while the client's
// decoder takes a ~7.5 MB followers page, the body included, as a multiple
// of the body's size: `peak_x` (the worst iteration). Bytes, not time.
void run_peak(benchmark::State& state, std::string const& body, bool expect_ok) {
  double worst = 0;
  std::size_t users = 0;
  for (auto _ : state) {
    std::size_t const before = getxapi::bench::live_bytes();
    getxapi::bench::reset_peak();
    {
      std::string copy = body;  // what the transport hands over
      auto page = getxapi::internal::consume_user_page(std::move(copy), "followers");
      if (static_cast<bool>(page) != expect_ok) state.SkipWithError("unexpected outcome");
      users = page ? page->items.size() : 0;
    }
    worst = std::max(worst, static_cast<double>(getxapi::bench::peak_bytes() - before) /
                                static_cast<double>(body.size()));
  }
  state.counters["peak_x"] = worst;
  state.counters["body_mb"] = static_cast<double>(body.size()) / 1e6;
  state.counters["users"] = static_cast<double>(users);
  state.counters["budget_x"] = static_cast<double>(getxapi::internal::kResponseMemoryFactor);
}

nlohmann::json prototype_user() {
  return json::parse(read_fixture("followers_page.json")).at("followers").at(0);
}

void BM_PeakFollowersPage7MB(benchmark::State& state) {
  using getxapi::bench::PageShape;
  run_peak(state,
           getxapi::bench::followers_page(PageShape::kRealShaped, getxapi::bench::kBigPageBytes,
                                          prototype_user()),
           true);
}
BENCHMARK(BM_PeakFollowersPage7MB)->Iterations(2)->Unit(benchmark::kMillisecond);

void BM_PeakOneFieldUsersPage7MB(benchmark::State& state) {
  using getxapi::bench::PageShape;
  run_peak(state,
           getxapi::bench::followers_page(PageShape::kOneFieldUsers, getxapi::bench::kBigPageBytes),
           false);
}
BENCHMARK(BM_PeakOneFieldUsersPage7MB)->Iterations(2)->Unit(benchmark::kMillisecond);

void BM_PeakEmptyObjectsPage7MB(benchmark::State& state) {
  using getxapi::bench::PageShape;
  run_peak(state,
           getxapi::bench::followers_page(PageShape::kEmptyObjects, getxapi::bench::kBigPageBytes,
                                          prototype_user()),
           false);
}
BENCHMARK(BM_PeakEmptyObjectsPage7MB)->Iterations(2)->Unit(benchmark::kMillisecond);

// ---- Encoding --------------------------------------------------------------

void BM_EncodeUserInfoUrl(benchmark::State& state) {
  run_counting(state, [&] {
    auto url = getxapi::internal::build_url("https://api.getxapi.com", "/twitter/user/info",
                                            {{"userName", "ada_example"}});
    benchmark::DoNotOptimize(url);
  });
}
BENCHMARK(BM_EncodeUserInfoUrl);

void BM_EncodeFollowersUrl(benchmark::State& state) {
  run_counting(state, [&] {
    auto url = getxapi::internal::build_url(
        "https://api.getxapi.com", "/twitter/user/followers_v2",
        {{"userName", "ada_example"}, {"cursor", "DAABCgABGpage2/+=="}});
    benchmark::DoNotOptimize(url);
  });
}
BENCHMARK(BM_EncodeFollowersUrl);

void BM_EncodeSendDm(benchmark::State& state) {
  auto const recipient = getxapi::Recipient::by_username("grace_h");
  run_counting(state, [&] {
    auto body = getxapi::internal::encode_send_dm("sandbox-token-ada", recipient, "grace_h",
                                                  "Hi Grace, thanks for the follow!");
    benchmark::DoNotOptimize(body);
  });
}
BENCHMARK(BM_EncodeSendDm);

void BM_EncodeListDms(benchmark::State& state) {
  run_counting(state, [&] {
    auto body = getxapi::internal::encode_list_dms("sandbox-token-ada", "DAABCgABGinbox2", 50);
    benchmark::DoNotOptimize(body);
  });
}
BENCHMARK(BM_EncodeListDms);

void BM_EncodeLogin(benchmark::State& state) {
  getxapi::LoginRequest const request{"ada_example", "sandbox-password", "ada@example.org", ""};
  run_counting(state, [&] {
    auto body = getxapi::internal::encode_login(request);
    benchmark::DoNotOptimize(body);
  });
}
BENCHMARK(BM_EncodeLogin);

// ---- Error mapping -------------------------------------------------------

// Maps every documented error body of tests/fixtures/errors.json in turn.
void BM_MapHttpError(benchmark::State& state) {
  std::vector<HttpResponse> responses;
  for (auto const& entry : json::parse(read_fixture("errors.json"))) {
    HttpResponse response;
    response.status = entry.at("status").get<int>();
    response.body = entry.at("body").dump();
    if (response.status == 429) response.headers.emplace_back("retry-after", "3");
    responses.push_back(std::move(response));
  }
  auto const now = std::chrono::system_clock::now();
  std::size_t i = 0;
  run_counting(state, [&] {
    auto error = getxapi::internal::map_http_error(Endpoint::kDmSend,
                                                   responses[i++ % responses.size()], now);
    benchmark::DoNotOptimize(error);
  });
}
BENCHMARK(BM_MapHttpError);

// ---- One whole call, network excluded ---------------------------------------

// Answers every request with the same response, so the benchmark measures
// what the Client itself adds around the transport.
class CannedTransport : public getxapi::Transport {
 public:
  explicit CannedTransport(std::string body) {
    response_.status = 200;
    response_.headers.emplace_back("content-type", "application/json");
    response_.body = std::move(body);
  }
  getxapi::Result<HttpResponse> send(getxapi::HttpRequest const&) override { return response_; }

 private:
  HttpResponse response_;
};

void BM_ClientUserInfoNoNetwork(benchmark::State& state) {
  getxapi::ClientOptions options;
  options.api_key = "bench-key";
  options.transport = std::make_shared<CannedTransport>(read_fixture("user_info.json"));
  getxapi::Client client(std::move(options));
  run_counting(state, [&] {
    auto user = client.user_info("ada_example");
    if (!user) state.SkipWithError("call failed");
    benchmark::DoNotOptimize(user);
  });
}
BENCHMARK(BM_ClientUserInfoNoNetwork);

void BM_ClientListDmsNoNetwork(benchmark::State& state) {
  getxapi::ClientOptions options;
  options.api_key = "bench-key";
  options.pacing.enabled = false;  // 900 calls / 15 min would otherwise pace the loop
  options.transport =
      std::make_shared<CannedTransport>(scaled_page("dm_list_page.json", "messages", 50));
  getxapi::Client client(std::move(options));
  getxapi::ListDmsRequest const request{"sandbox-token-ada", "DAABCgABGinbox2", 50};
  run_counting(state, [&] {
    auto page = client.list_dms(request);
    if (!page) state.SkipWithError("call failed");
    benchmark::DoNotOptimize(page);
  });
}
BENCHMARK(BM_ClientListDmsNoNetwork);

}  // namespace

BENCHMARK_MAIN();
