// Hostile responses: whatever a server (or whatever sits between us and it)
// sends, every call ends with a typed Error, within the configured timeout,
// with bounded memory, and never crashes.
#include <getxapi/getxapi.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "decode.hpp"
#include "fake_transport.hpp"
#include "raw_server.hpp"
#include "test_server.hpp"

#include <chrono>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace getxapi {
namespace {

using ::getxapi::testing::FakeTransport;
using ::getxapi::testing::fixture;
using ::getxapi::testing::RawServer;
using ::getxapi::testing::TestServer;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr milliseconds kTimeout{500};
// Generous: sanitizer builds on a busy 2-core machine are slow.
constexpr milliseconds kSlack{2500};

ClientOptions hostile_options(std::string base_url) {
  ClientOptions o;
  o.api_key = "hostile-test-api-key";
  o.base_url = std::move(base_url);
  o.timeout = kTimeout;
  o.connect_timeout = kTimeout;
  o.retry_policy = std::make_shared<NoRetryPolicy>();
  o.pacing.enabled = false;
  return o;
}

struct CallOutcome {
  std::string call;
  bool ok = false;
  Error error;
  milliseconds took{0};
};

// Every Client call once; each must fail.
std::vector<CallOutcome> call_everything(Client& client) {
  std::vector<CallOutcome> out;
  auto run = [&](std::string name, auto&& fn) {
    auto const start = std::chrono::steady_clock::now();
    auto result = fn();
    CallOutcome o;
    o.call = std::move(name);
    o.ok = result.ok();
    if (!result) o.error = result.error();
    o.took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    out.push_back(std::move(o));
  };
  run("login", [&] {
    return client.login(LoginRequest{"ada_example", "hostile-password", "ada@example.org", ""});
  });
  run("user_info", [&] { return client.user_info("ada_example"); });
  run("followers", [&] { return client.followers("ada_example"); });
  run("following", [&] { return client.following("ada_example"); });
  run("send_dm", [&] {
    return client.send_dm(
        SendDmRequest{"hostile-auth-token", Recipient::by_id("1700000000000000002"), "hi"});
  });
  run("list_dms", [&] { return client.list_dms(ListDmsRequest{"hostile-auth-token", "", 20}); });
  return out;
}

void expect_all_fail_with(std::vector<CallOutcome> const& outcomes, ErrorCode code) {
  for (auto const& o : outcomes) {
    SCOPED_TRACE(o.call);
    ASSERT_FALSE(o.ok);
    EXPECT_EQ(o.error.code(), code) << o.error;
    EXPECT_FALSE(o.error.message().empty());
    EXPECT_LE(o.took, kTimeout + kSlack);
  }
}

// A real server answering every API call with `status` and `body`.
class BodyServer {
 public:
  BodyServer(int status, std::string body) {
    auto handler = [status, body = std::move(body)](httplib::Request const&,
                                                    httplib::Response& res) {
      res.status = status;
      res.set_content(body, "application/json");
    };
    server_.server().Get(".*", handler);
    server_.server().Post(".*", handler);
    url_ = server_.start();
  }
  std::string const& url() const { return url_; }

 private:
  TestServer server_;
  std::string url_;
};

std::vector<CallOutcome> against_body(int status, std::string body, bool debug_log = false) {
  BodyServer server(status, std::move(body));
  auto options = hostile_options(server.url());
  std::ostringstream log;
  if (debug_log) options.logger = stream_logger(log, LogLevel::kDebug);
  Client client(options);
  return call_everything(client);
}

std::string nested(std::size_t depth, char open, char close, std::string_view inner = "") {
  std::string s;
  s.reserve(depth * 2 + inner.size());
  for (std::size_t i = 0; i < depth; ++i) {
    s += open;
    if (open == '{') s += "\"a\":";
  }
  s += inner.empty() ? std::string_view("1") : inner;
  s.append(depth, close);
  return s;
}

// ---- bodies ----------------------------------------------------------------

TEST(HostileBody, ArraysNested200000DeepAreInvalidResponse) {
  expect_all_fail_with(against_body(200, nested(200000, '[', ']'), /*debug_log=*/true),
                       ErrorCode::kInvalidResponse);
}

TEST(HostileBody, ObjectsNested200000DeepAreInvalidResponse) {
  auto outcomes = against_body(200, nested(200000, '{', '}'), /*debug_log=*/true);
  expect_all_fail_with(outcomes, ErrorCode::kInvalidResponse);
  EXPECT_THAT(outcomes[0].error.message(), HasSubstr("nested too deeply"));
}

TEST(HostileBody, DeepErrorBodyStillGivesTheStatusCode) {
  // The error path parses the body too (and so does debug logging).
  expect_all_fail_with(against_body(500, nested(200000, '[', ']'), /*debug_log=*/true),
                       ErrorCode::kServerError);
  expect_all_fail_with(against_body(404, "{\"error\":" + nested(200000, '[', ']') + "}"),
                       ErrorCode::kNotFound);
}

TEST(HostileBody, EmptyBodyWith200IsInvalidResponse) {
  auto outcomes = against_body(200, "");
  expect_all_fail_with(outcomes, ErrorCode::kInvalidResponse);
  EXPECT_THAT(outcomes[1].error.message(), HasSubstr("empty body"));
}

TEST(HostileBody, ArrayWhereAnObjectBelongsIsInvalidResponse) {
  expect_all_fail_with(against_body(200, "[]"), ErrorCode::kInvalidResponse);
  expect_all_fail_with(against_body(200, R"([{"id":"1","auth_token":"x"}])"),
                       ErrorCode::kInvalidResponse);
  expect_all_fail_with(against_body(200, "\"a string\""), ErrorCode::kInvalidResponse);
  expect_all_fail_with(against_body(200, "null"), ErrorCode::kInvalidResponse);
  expect_all_fail_with(against_body(200, "12"), ErrorCode::kInvalidResponse);
}

TEST(HostileBody, InvalidUtf8IsInvalidResponse) {
  std::string const bad = "\xff\xfe\xc3\x28\xed\xa0\x80";
  expect_all_fail_with(
      against_body(200,
                   "{\"id\":\"1\",\"auth_token\":\"" + bad + "\",\"data\":{\"id\":\"" + bad +
                       "\",\"userName\":\"" + bad + "\"},\"messages\":[{\"id\":\"" + bad +
                       "\"}],\"followers\":[{\"id\":\"" + bad + "\"}],\"following\":[]}",
                   /*debug_log=*/true),
      ErrorCode::kInvalidResponse);
  // Raw bytes that are not JSON at all.
  expect_all_fail_with(against_body(200, bad), ErrorCode::kInvalidResponse);
}

TEST(HostileBody, InvalidUtf8InAnErrorBodyKeepsTheStatusCode) {
  auto outcomes = against_body(403, "{\"error\":\"\xff\xfe broken\"}", /*debug_log=*/true);
  expect_all_fail_with(outcomes, ErrorCode::kForbidden);
}

TEST(HostileBody, DuplicateKeysAreInvalidResponse) {
  // Which of two values a parser keeps differs between parsers; a response
  // that means two things is refused rather than guessed at.
  expect_all_fail_with(
      against_body(200, R"({"auth_token":"a1","auth_token":"b2","id":"1","id":"2",)"
                        R"("data":{"id":"1","id":"2"},"messages":[],"messages":[],)"
                        R"("followers":[],"followers":[],"following":[],"following":[]})"),
      ErrorCode::kInvalidResponse);
  // Nested duplicates too.
  std::string user = fixture("user_info.json");
  auto pos = user.find("\"userName\"");
  ASSERT_NE(pos, std::string::npos);
  user.insert(pos, "\"userName\": \"mallory\", ");
  auto decoded = internal::decode_user_info(user);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code(), ErrorCode::kInvalidResponse);
  EXPECT_THAT(decoded.error().message(), HasSubstr("duplicate"));
}

TEST(HostileBody, DuplicateKeysInAnErrorBodyAreIgnoredNotFatal) {
  auto outcomes =
      against_body(429, R"({"error":"slow","error":"down","retry_after":1,"retry_after":99})");
  expect_all_fail_with(outcomes, ErrorCode::kRateLimited);
}

TEST(HostileBody, OverTheSizeCapIsInvalidResponse) {
  BodyServer server(200, std::string(3 * 1024 * 1024, ' ') + "{}");
  auto options = hostile_options(server.url());
  options.curl.max_response_bytes = 1024 * 1024;
  Client client(options);
  auto outcomes = call_everything(client);
  expect_all_fail_with(outcomes, ErrorCode::kInvalidResponse);
  EXPECT_THAT(outcomes[0].error.message(), HasSubstr("larger than"));
}

// ---- wrong types in every field ---------------------------------------------

struct FieldCase {
  std::string fixture;
  std::string pointer;  // JSON pointer of the field
  std::string field;    // how the error names it
  char kind;            // s(tring), b(oolean), i(nteger), a(rray)
};

char kind_of(std::string_view field) {
  for (auto f : {"protected", "isVerified", "isBlueVerified", "canDm", "has_more"}) {
    if (field == f) return 'b';
  }
  if (field == "followers" || field == "following") return 'i';
  return 's';
}

std::vector<Json> wrong_values_for(char kind) {
  std::vector<Json> values = {Json::object()};
  if (kind != 'a') values.push_back(Json::array());
  if (kind != 's') values.push_back("12");
  if (kind != 'b') values.push_back(true);
  if (kind != 'i') values.push_back(12);
  if (kind == 'i') {
    values.push_back(1.5);
    values.push_back(1e300);
    values.push_back(Json::parse("18446744073709551615"));
  }
  return values;
}

Result<int> decode_fixture(std::string const& name, std::string const& body) {
  auto typed = [](auto r) -> Result<int> {
    if (r) return 0;
    return r.error();
  };
  if (name == "user_info.json") return typed(internal::decode_user_info(body));
  if (name == "followers_page.json") return typed(internal::decode_user_page(body, "followers"));
  if (name == "dm_send.json") return typed(internal::decode_send_dm(body));
  if (name == "dm_list_page.json") return typed(internal::decode_message_page(body));
  if (name == "login.json") return typed(internal::decode_login(body));
  return Error(ErrorCode::kUnknown, "no decoder for " + name);
}

TEST(HostileBody, WrongTypeInEveryDocumentedFieldIsInvalidResponseNamingIt) {
  std::vector<FieldCase> cases;
  for (auto const* f : {"id", "userName", "name", "description", "location", "url", "protected",
                        "isVerified", "isBlueVerified", "followers", "following", "createdAt",
                        "profilePicture", "coverPicture", "canDm"}) {
    cases.push_back(
        {"user_info.json", std::string("/data/") + f, std::string("data.") + f, kind_of(f)});
    cases.push_back({"followers_page.json", std::string("/followers/0/") + f,
                     std::string("followers[0].") + f, kind_of(f)});
  }
  for (auto const* f : {"userName", "has_more", "next_cursor"}) {
    cases.push_back({"followers_page.json", std::string("/") + f, f, kind_of(f)});
  }
  cases.push_back({"followers_page.json", "/followers", "followers", 'a'});
  for (auto const* f :
       {"id", "createdAt", "senderId", "recipientId", "text", "recipient_username"}) {
    cases.push_back({"dm_send.json", std::string("/data/") + f, std::string("data.") + f, 's'});
  }
  for (auto const* f : {"id", "createdAt", "senderId", "recipientId", "text"}) {
    cases.push_back({"dm_list_page.json", std::string("/messages/0/") + f,
                     std::string("messages[0].") + f, 's'});
  }
  for (auto const* f : {"userId", "has_more", "next_cursor"}) {
    cases.push_back({"dm_list_page.json", std::string("/") + f, f, kind_of(f)});
  }
  cases.push_back({"dm_list_page.json", "/messages", "messages", 'a'});
  for (auto const* f : {"auth_token", "ct0", "twid"}) {
    cases.push_back({"login.json", std::string("/") + f, f, 's'});
  }

  int checked = 0;
  for (auto const& c : cases) {
    Json doc = Json::parse(fixture(c.fixture));
    Json::json_pointer const ptr(c.pointer);
    for (auto const& wrong : wrong_values_for(c.kind)) {
      Json mutated = doc;
      mutated[ptr] = wrong;
      std::string const body = mutated.dump();
      SCOPED_TRACE(c.fixture + " " + c.pointer + " = " + wrong.dump());
      auto result = decode_fixture(c.fixture, body);
      ASSERT_FALSE(result);
      EXPECT_EQ(result.error().code(), ErrorCode::kInvalidResponse);
      EXPECT_THAT(result.error().message(), HasSubstr("'" + c.field + "'"));
      ++checked;
    }
  }
  EXPECT_GT(checked, 150);
}

TEST(HostileBody, WrongTypesThroughTheClientAreInvalidResponse) {
  auto transport = std::make_shared<FakeTransport>();
  Json user = Json::parse(fixture("user_info.json"));
  user["data"]["followers"] = "many";
  transport->then(200, user.dump());
  auto options = hostile_options("https://api.example.test");
  options.transport = transport;
  Client client(options);
  auto result = client.user_info("ada_example");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidResponse);
  EXPECT_THAT(result.error().message(), HasSubstr("data.followers"));
  EXPECT_EQ(result.error().http_status(), 200);
}

TEST(HostileBody, WrongTypesInAnErrorBodyAreIgnored) {
  for (std::string body :
       {R"({"error":12,"twitter_error_code":{},"retry_after":"soon","challenge":[]})",
        R"({"error":null,"twitter_error_code":18446744073709551615,"retry_after":-5})",
        R"({"error":"x","twitter_error_code":1e300,"retry_after":1e300})",
        R"({"error":"x","twitter_error_code":"99999999999","retry_after":"99999999999"})"}) {
    SCOPED_TRACE(body);
    auto const parsed = internal::decode_error_body(body);
    EXPECT_FALSE(parsed.twitter_error_code.has_value());
    EXPECT_FALSE(parsed.challenge.has_value());
    auto outcomes = against_body(429, body);
    expect_all_fail_with(outcomes, ErrorCode::kRateLimited);
  }
}

// ---- connections that misbehave ---------------------------------------------

TEST(HostileConnection, ServerThatNeverAnswersTimesOut) {
  RawServer server([](int fd, RawServer& s) {
    RawServer::read_request_head(fd);
    s.hold(fd);
  });
  Client client(hostile_options(server.base_url()));
  auto outcomes = call_everything(client);
  expect_all_fail_with(outcomes, ErrorCode::kTimeout);
  for (auto const& o : outcomes) {
    EXPECT_GE(o.took, kTimeout - milliseconds(50)) << o.call;
    EXPECT_TRUE(o.error.request_sent()) << o.call;
  }
}

TEST(HostileConnection, ChunkedBodyThatNeverEndsTimesOut) {
  RawServer server([](int fd, RawServer& s) {
    RawServer::read_request_head(fd);
    RawServer::send_all(fd,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"id\"\r\n");
    while (!s.stopping()) {  // a trickle, never the final chunk
      if (!RawServer::send_all(fd, "1\r\n \r\n")) return;
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  Client client(hostile_options(server.base_url()));
  expect_all_fail_with(call_everything(client), ErrorCode::kTimeout);
}

TEST(HostileConnection, EndlessFastChunkedBodyHitsTheSizeCapNotMemory) {
  RawServer server([](int fd, RawServer& s) {
    RawServer::read_request_head(fd);
    RawServer::send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    std::string const chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
    while (!s.stopping() && RawServer::send_all(fd, chunk)) {
    }
  });
  auto options = hostile_options(server.base_url());
  options.timeout = milliseconds(10000);  // the cap, not the timeout, must end it
  options.curl.max_response_bytes = 256 * 1024;
  Client client(options);
  auto outcomes = call_everything(client);
  for (auto const& o : outcomes) {
    SCOPED_TRACE(o.call);
    ASSERT_FALSE(o.ok);
    EXPECT_EQ(o.error.code(), ErrorCode::kInvalidResponse) << o.error;
    EXPECT_LT(o.took, milliseconds(5000));
  }
}

TEST(HostileConnection, ServerClosingMidBodyIsNetworkError) {
  RawServer server([](int fd, RawServer&) {
    RawServer::read_request_head(fd);
    RawServer::send_all(fd,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        "Content-Length: 1000\r\n\r\n{\"status\":\"success\",\"data\":{\"id\"");
    // Returning closes the socket with 970 bytes still owed.
  });
  Client client(hostile_options(server.base_url()));
  auto outcomes = call_everything(client);
  expect_all_fail_with(outcomes, ErrorCode::kNetwork);
  for (auto const& o : outcomes) EXPECT_TRUE(o.error.request_sent()) << o.call;
}

TEST(HostileConnection, ServerClosingBeforeAnyByteIsNetworkError) {
  RawServer server([](int fd, RawServer&) { RawServer::read_request_head(fd); });
  Client client(hostile_options(server.base_url()));
  expect_all_fail_with(call_everything(client), ErrorCode::kNetwork);
}

TEST(HostileConnection, GarbageInsteadOfHttpIsNetworkError) {
  RawServer server([](int fd, RawServer&) {
    RawServer::read_request_head(fd);
    RawServer::send_all(
        fd, std::string("\x16\x03\x01 not http at all\r\n\r\n") + std::string(10000, '\xff'));
  });
  Client client(hostile_options(server.base_url()));
  auto outcomes = call_everything(client);
  for (auto const& o : outcomes) {
    SCOPED_TRACE(o.call);
    ASSERT_FALSE(o.ok);
    EXPECT_THAT(o.error.code(), ::testing::AnyOf(ErrorCode::kNetwork, ErrorCode::kInvalidResponse))
        << o.error;
  }
}

TEST(HostileConnection, NeverAnsweringWithRetriesStaysWithinThePolicyBudget) {
  RawServer server([](int fd, RawServer& s) {
    RawServer::read_request_head(fd);
    s.hold(fd);
  });
  auto options = hostile_options(server.base_url());
  options.timeout = milliseconds(200);
  options.retry_policy =
      std::make_shared<LimitedRetryPolicy>(3, std::chrono::seconds(5), std::chrono::seconds(1));
  options.backoff_policy =
      std::make_shared<ExponentialBackoffPolicy>(milliseconds(1), milliseconds(5));
  Client client(options);
  auto const start = std::chrono::steady_clock::now();
  auto result = client.user_info("ada_example");
  auto const took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kTimeout);
  EXPECT_EQ(result.error().attempts(), 3);
  EXPECT_EQ(server.connections(), 3);
  EXPECT_LT(took, milliseconds(600) + kSlack);
}

}  // namespace
}  // namespace getxapi
