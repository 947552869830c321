// #11 item 3: a server whose next_cursor loops (A -> B -> A, or back to the
// cursor a range was resumed from) ends the walk with kInvalidResponse after
// one pass, never a billed loop: over a scripted fetcher, and over the wire
// for all_followers and all_dms with a fake transport that cycles forever.
#include <getxapi/range.hpp>

#include "unit_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace getxapi::unit {
namespace {

using ::testing::HasSubstr;

// The cursor a request asked for: the query's for GETs, the body's for POSTs.
std::string requested_cursor(HttpRequest const& r) {
  if (r.method == "POST") return body_json(r).value("cursor", "");
  auto const pos = r.url.find("cursor=");
  return pos == std::string::npos ? "" : r.url.substr(pos + 7);
}

// Next cursor after `cursor` in the endless loop "" -> A -> B -> A -> B ...
std::string cycle_after(std::string const& cursor) { return cursor == "A" ? "B" : "A"; }

TEST(RangeCycle, ABAOverAFetcher) {
  std::vector<std::string> requested;
  Range<int> range([&](std::string const& cursor) -> Result<Range<int>::Chunk> {
    requested.push_back(cursor);
    if (requested.size() > 50) return Error(ErrorCode::kUnknown, "walked forever");
    return Range<int>::Chunk{{static_cast<int>(requested.size())}, cycle_after(cursor), true};
  });
  std::vector<int> items;
  std::vector<Error> errors;
  for (auto const& r : range) {
    if (r) {
      items.push_back(*r);
    } else {
      errors.push_back(r.error());
    }
  }
  EXPECT_EQ(requested, (std::vector<std::string>{"", "A", "B"}));
  EXPECT_EQ(items, (std::vector<int>{1, 2, 3}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), ErrorCode::kInvalidResponse);
  EXPECT_THAT(errors[0].message(), HasSubstr("already walked"));
}

TEST(RangeCycle, BackToTheResumeCursor) {
  std::vector<std::string> requested;
  RangeOptions options;
  options.cursor = "A";
  Range<int> range(
      [&](std::string const& cursor) -> Result<Range<int>::Chunk> {
        requested.push_back(cursor);
        if (requested.size() > 50) return Error(ErrorCode::kUnknown, "walked forever");
        return Range<int>::Chunk{{1}, cycle_after(cursor), true};
      },
      options);
  std::optional<Error> error;
  for (auto const& r : range) {
    if (!r) error = r.error();
  }
  EXPECT_EQ(requested, (std::vector<std::string>{"A", "B"}));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::kInvalidResponse);
}

class ClientRangeCycle : public ::testing::Test {
 protected:
  Harness h;
};

TEST_F(ClientRangeCycle, AllFollowersStopsOnABA) {
  h.transport->set_handler([](HttpRequest const& r) -> Result<HttpResponse> {
    auto const cursor = requested_cursor(r);
    return json_response(200, user_page("followers", {"u" + cursor}, true, cycle_after(cursor)));
  });
  auto client = h.client();
  std::vector<std::string> seen;
  for (auto const& user : client.all_followers("ada_example")) {
    seen.push_back(user ? user->id : std::string(to_string(user.error().code())));
    if (seen.size() > 50) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"u", "uA", "uB", "kInvalidResponse"}));
  EXPECT_EQ(h.transport->request_count(), 3u);
  EXPECT_EQ(client.stats().at(Endpoint::kFollowers).billed_calls, 3);
}

TEST_F(ClientRangeCycle, AllDmsStopsOnABA) {
  h.transport->set_handler([](HttpRequest const& r) -> Result<HttpResponse> {
    auto const cursor = requested_cursor(r);
    nlohmann::json messages = nlohmann::json::array({{{"id", "m" + cursor}}});
    return json_response(200, message_page(messages, true, cycle_after(cursor)));
  });
  auto client = h.client();
  std::vector<std::string> seen;
  std::string message;
  for (auto const& m : client.all_dms(kAuthToken)) {
    seen.push_back(m ? m->id : std::string(to_string(m.error().code())));
    if (!m) message = m.error().message();
    if (seen.size() > 50) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"m", "mA", "mB", "kInvalidResponse"}));
  EXPECT_THAT(message, HasSubstr("already walked"));
  EXPECT_EQ(h.transport->request_count(), 3u);
}

}  // namespace
}  // namespace getxapi::unit
