// The sandbox wire contract for DMs: dm/send, daily caps, dm/list paging and rate limit.
#include <atomic>
#include <chrono>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness.hpp"

namespace getxapi::sandbox::testing {
namespace {

using ::testing::AllOf;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::Le;
using ::testing::Not;

// ---- dm/send -------------------------------------------------------------------------------

TEST_F(SandboxTest, SendDmValidation) {
  auto expect_400 = [&](Reply const& r, std::string const& error) {
    EXPECT_EQ(r.status, 400) << r.raw;
    if (!error.empty()) {
      EXPECT_EQ(r.body["error"], error);
    }
  };
  json const ok = {
      {"auth_token", "sandbox-token-ada"}, {"recipient_username", "grace_h"}, {"text", "hi"}};
  expect_400(post_raw("/twitter/dm/send", ok.dump(), "text/plain"), "");
  expect_400(post_raw("/twitter/dm/send", "{not json", "application/json"), "");
  expect_400(post_raw("/twitter/dm/send", "[1,2]", "application/json"), "");
  json no_token = ok;
  no_token.erase("auth_token");
  expect_400(post("/twitter/dm/send", no_token), "Missing required field: auth_token");
  json both = ok;
  both["recipient_id"] = "1700000000000000002";
  expect_400(post("/twitter/dm/send", both),
             "Missing required field: recipient_id or recipient_username");
  json neither = ok;
  neither.erase("recipient_username");
  expect_400(post("/twitter/dm/send", neither),
             "Missing required field: recipient_id or recipient_username");
  json empty_text = ok;
  empty_text["text"] = "";
  expect_400(post("/twitter/dm/send", empty_text), "");
  json numeric_id = neither;
  numeric_id["recipient_id"] = 1700000000000000002ULL;
  expect_400(post("/twitter/dm/send", numeric_id), "");

  json bad_token = ok;
  bad_token["auth_token"] = "not-a-token";
  auto r401 = post("/twitter/dm/send", bad_token);
  EXPECT_EQ(r401.status, 401);
  EXPECT_EQ(r401.body, json({{"error", "Invalid auth_token - could not extract userId"}}));

  json unknown = ok;
  unknown["recipient_username"] = "nobody_here";
  EXPECT_EQ(post("/twitter/dm/send", unknown).status, 404);
  json unknown_id = neither;
  unknown_id["recipient_id"] = "42";
  EXPECT_EQ(post("/twitter/dm/send", unknown_id).status, 404);

  auto closed = send_dm("sandbox-token-ada", "closed_dms", "hello?");
  EXPECT_EQ(closed.status, 403);
  EXPECT_EQ(closed.body,
            json({{"error", "Cannot send messages to this user"}, {"twitter_error_code", 349}}));
  EXPECT_EQ(admin_get("/_sandbox/messages").body, json::array()) << "nothing was delivered";
}

TEST_F(SandboxTest, SendDmDeliversToBothInboxes) {
  auto r = send_dm("sandbox-token-ada", "grace_h", "Hi Grace, thanks for the follow!");
  ASSERT_EQ(r.status, 200) << r.raw;
  json const fixture = load_fixture("dm_send.json");
  expect_same_shape(fixture, r.body, "dm/send");
  expect_same_shape(fixture["data"], r.body["data"], "dm/send data");
  auto const& m = r.body["data"];
  EXPECT_EQ(r.body["msg"], "DM sent successfully");
  EXPECT_EQ(m["senderId"], "1700000000000000001");
  EXPECT_EQ(m["recipientId"], "1700000000000000002");
  EXPECT_EQ(m["recipient_username"], "grace_h");
  EXPECT_TRUE(std::regex_match(m["createdAt"].get<std::string>(), kIsoMillis)) << m["createdAt"];

  auto by_id = post("/twitter/dm/send", {{"auth_token", "sandbox-token-ada"},
                                         {"recipient_id", "1700000000000000002"},
                                         {"text", "second"}});
  ASSERT_EQ(by_id.status, 200);
  EXPECT_GT(id_of(by_id.body["data"]), id_of(m));

  auto ada_inbox = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"count", 2}});
  ASSERT_EQ(ada_inbox.status, 200);
  EXPECT_EQ(ada_inbox.body["messages"][0]["id"], by_id.body["data"]["id"]);
  EXPECT_EQ(ada_inbox.body["messages"][1]["id"], m["id"]);
  auto grace_inbox =
      post("/twitter/dm/list", {{"auth_token", "sandbox-token-grace"}, {"count", 2}});
  ASSERT_EQ(grace_inbox.status, 200);
  EXPECT_EQ(grace_inbox.body["userId"], "1700000000000000002");
  EXPECT_EQ(grace_inbox.body["messages"][1]["text"], "Hi Grace, thanks for the follow!");

  auto delivered = admin_get("/_sandbox/messages");
  ASSERT_EQ(delivered.body.size(), 2u);
  EXPECT_EQ(delivered.body[0]["id"], m["id"]);
  EXPECT_EQ(delivered.body[0]["senderId"], "1700000000000000001");
  EXPECT_EQ(admin_get("/_sandbox/messages?sender_id=1700000000000000002").body.size(), 0u);
  EXPECT_EQ(admin_get("/_sandbox/messages?sender_id=1700000000000000001").body.size(), 2u);

  // A user who is not an account still has an inbox: grace's reply lands in ada's.
  auto reply = send_dm("sandbox-token-grace", "ada_example", "Thanks! Happy to chat.");
  ASSERT_EQ(reply.status, 200);
  auto again = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"count", 1}});
  EXPECT_EQ(again.body["messages"][0]["text"], "Thanks! Happy to chat.");
}

TEST_F(SandboxTest, DailyCapThenNextDay) {
  // new_account's cap is 500 a UTC day of the sandbox clock.
  auto time_now = admin_get("/_sandbox/time").body;
  std::int64_t const now_ms = time_now["epoch_ms"];
  std::int64_t const to_midnight = 86400 - (now_ms / 1000) % 86400;
  if (to_midnight < 120) {  // keep the 500 sends inside one day
    admin_post("/_sandbox/time", {{"advance_seconds", to_midnight + 1}});
  }
  for (int i = 0; i < 500; ++i) {
    auto r = send_dm("sandbox-token-new", "grace_h", "hello " + std::to_string(i));
    ASSERT_EQ(r.status, 200) << i << " " << r.raw;
  }
  auto capped = send_dm("sandbox-token-new", "grace_h", "one too many");
  EXPECT_EQ(capped.status, 429);
  EXPECT_EQ(capped.body, json({{"error", "You've hit your daily message request limit."},
                               {"twitter_error_code", 502}}));
  // Other senders have their own caps.
  EXPECT_EQ(send_dm("sandbox-token-ada", "grace_h", "still fine").status, 200);
  // The cap resets at the next UTC midnight of the sandbox clock.
  std::int64_t const now2 = admin_get("/_sandbox/time").body["epoch_ms"];
  std::int64_t const until_midnight = 86400 - (now2 / 1000) % 86400;
  auto adv = admin_post("/_sandbox/time", {{"advance_seconds", until_midnight + 1}});
  ASSERT_EQ(adv.status, 200);
  EXPECT_EQ(send_dm("sandbox-token-new", "grace_h", "a new day").status, 200);
  EXPECT_EQ(admin_get("/_sandbox/messages?sender_id=1700000000000000010").body.size(), 501u);
}

// ---- dm/list -------------------------------------------------------------------------------

TEST_F(SandboxTest, DmListPaginatesNewestFirst) {
  json const fixture = load_fixture("dm_list_page.json");
  std::vector<std::uint64_t> ids;
  std::string cursor;
  std::vector<std::size_t> sizes;
  for (int page = 0; page < 10; ++page) {
    json req = {{"auth_token", "sandbox-token-ada"}};
    if (!cursor.empty()) req["cursor"] = cursor;
    auto r = post("/twitter/dm/list", req);
    ASSERT_EQ(r.status, 200) << r.raw;
    expect_same_shape(fixture, r.body, "dm/list");
    EXPECT_EQ(r.body["userId"], "1700000000000000001");
    EXPECT_EQ(r.body["message_count"], r.body["messages"].size());
    sizes.push_back(r.body["messages"].size());
    for (auto const& m : r.body["messages"]) {
      expect_same_shape(fixture["messages"][0], m, "dm/list message");
      EXPECT_TRUE(m["media"].is_null());
      EXPECT_TRUE(std::regex_match(m["createdAt"].get<std::string>(), kIsoMillis));
      ids.push_back(id_of(m));
    }
    if (!r.body["has_more"].get<bool>()) {
      EXPECT_TRUE(r.body["next_cursor"].is_null());
      break;
    }
    cursor = r.body["next_cursor"];
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{50, 50, 20}));
  ASSERT_EQ(ids.size(), 120u);
  for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i - 1], ids[i]);

  auto empty = post("/twitter/dm/list", {{"auth_token", "sandbox-token-premium"}});
  EXPECT_EQ(empty.body["userId"], "1700000000000000020");
  EXPECT_EQ(empty.body["tab"], "all");
  EXPECT_EQ(empty.body["message_count"], 0);
  EXPECT_EQ(empty.body["conversation_count"], 0);
  EXPECT_EQ(empty.body["has_more"], false);
  EXPECT_TRUE(empty.body["next_cursor"].is_null());
  EXPECT_EQ(empty.body["messages"], json::array());
  EXPECT_EQ(empty.body["conversations"], json::array());
  EXPECT_EQ(empty.body["events"], json::array());
  // The owner is always in the users lookup, so nobody pays a call to learn their own id.
  EXPECT_EQ(empty.body["users"]["1700000000000000020"]["screen_name"], "premium_brand");
}

TEST_F(SandboxTest, DmListValidation) {
  for (json count : {json(0), json(101), json("50"), json(2.5)}) {
    auto r = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"count", count}});
    EXPECT_EQ(r.status, 400) << count;
  }
  EXPECT_EQ(post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"count", 100}})
                .body["messages"]
                .size(),
            100u);
  EXPECT_EQ(post("/twitter/dm/list", json::object()).status, 400);
  EXPECT_EQ(post("/twitter/dm/list", {{"auth_token", "bogus"}}).status, 401);
  EXPECT_EQ(
      post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"cursor", "junk"}}).status,
      400);
  // Someone else's cursor is refused.
  auto ada = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"count", 5}});
  EXPECT_EQ(post("/twitter/dm/list",
                 {{"auth_token", "sandbox-token-grace"}, {"cursor", ada.body["next_cursor"]}})
                .status,
            400);
  EXPECT_EQ(
      post_raw("/twitter/dm/list", R"({"auth_token":"sandbox-token-ada"})", "text/plain").status,
      400);
}

TEST_F(SandboxTest, DmListRateLimitSmallWindow) {
  SandboxOptions options;
  options.dm_list_limit = 3;
  options.dm_list_window = std::chrono::seconds(60);
  restart(options);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}}).status, 200);
  }
  auto limited = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}});
  ASSERT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body["error"], "Please try again shortly.");
  int const retry_after = limited.body["retry_after"];
  EXPECT_THAT(retry_after, AllOf(Ge(1), Le(60)));
  ASSERT_TRUE(limited.headers.count("Retry-After"));
  EXPECT_EQ(limited.headers.find("Retry-After")->second, std::to_string(retry_after));
  // Per auth_token: grace is unaffected.
  EXPECT_EQ(post("/twitter/dm/list", {{"auth_token", "sandbox-token-grace"}}).status, 200);
  admin_post("/_sandbox/time", {{"advance_seconds", retry_after}});
  EXPECT_EQ(post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}}).status, 200);
}

TEST_F(SandboxTest, DmListDefaultLimitIs900Per15Minutes) {
  for (int i = 0; i < 900; ++i) {
    auto r = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"count", 1}});
    ASSERT_EQ(r.status, 200) << "call " << i;
  }
  auto limited = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"count", 1}});
  ASSERT_EQ(limited.status, 429);
  int const retry_after = limited.body["retry_after"];
  EXPECT_THAT(retry_after, AllOf(Ge(850), Le(900)));
  admin_post("/_sandbox/time", {{"advance_seconds", 901}});
  EXPECT_EQ(post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"count", 1}}).status,
            200);
}

}  // namespace
}  // namespace getxapi::sandbox::testing
