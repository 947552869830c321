// The sandbox's wire contract (design.md section 2), admin API and fault injection.
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

std::regex const kIsoMicro(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");
std::regex const kIsoMillis(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
std::regex const kTwitterDate(
    R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d \d\d:\d\d:\d\d \+0000 \d{4})");

// Every key of `expected` is present in `actual` with the same JSON type (null matches any).
void expect_same_shape(json const& expected, json const& actual, std::string const& where) {
  ASSERT_TRUE(actual.is_object()) << where << ": " << actual.dump();
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    ASSERT_TRUE(actual.contains(it.key())) << where << ": missing " << it.key();
    auto const& a = actual[it.key()];
    if (it->is_null() || a.is_null()) continue;
    EXPECT_EQ(it->type_name(), std::string(a.type_name())) << where << "." << it.key();
  }
}

std::uint64_t id_of(json const& message) { return std::stoull(message["id"].get<std::string>()); }

// ---- users ---------------------------------------------------------------------------------

TEST_F(SandboxTest, UserInfoMatchesFixtureShape) {
  auto r = get("/twitter/user/info", {{"userName", "ada_example"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  json const fixture = load_fixture("user_info.json");
  expect_same_shape(fixture, r.body, "user/info");
  expect_same_shape(fixture["data"], r.body["data"], "user/info data");
  auto const& u = r.body["data"];
  EXPECT_EQ(r.body["status"], "success");
  EXPECT_EQ(u["id"], "1700000000000000001");
  EXPECT_EQ(u["userName"], "ada_example");
  EXPECT_EQ(u["name"], "Ada Example");
  EXPECT_EQ(u["canDm"], true);
  EXPECT_EQ(u["followers"], 150);
  EXPECT_EQ(u["createdAt"], "2019-03-14T09:26:53.000000Z");
  EXPECT_TRUE(std::regex_match(u["createdAt"].get<std::string>(), kIsoMicro));
  // Usernames are case-insensitive, as on X.
  auto upper = get("/twitter/user/info", {{"userName", "ADA_Example"}});
  EXPECT_EQ(upper.status, 200);
  EXPECT_EQ(upper.body["data"]["userName"], "ada_example");
  EXPECT_EQ(get("/twitter/user/info", {{"userName", "closed_dms"}}).body["data"]["canDm"], false);
}

TEST_F(SandboxTest, UserInfoErrors) {
  auto missing = get("/twitter/user/info");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body, json({{"error", "Missing required field: userName"}}));
  auto unknown = get("/twitter/user/info", {{"userName", "nobody_here"}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, json({{"error", "Could not find user @nobody_here"}}));
}

TEST_F(SandboxTest, ApiKeyIsRequired) {
  json const expected = {{"error", "Invalid or missing API key"}};
  for (auto const& headers : std::vector<httplib::Headers>{
           {}, {{"Authorization", "Bearer "}}, {{"Authorization", "Basic abc"}}}) {
    auto r = get("/twitter/user/info", {{"userName", "ada_example"}}, headers);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, expected);
  }
  auto post_r = post("/twitter/dm/send", {{"auth_token", "x"}}, {});
  EXPECT_EQ(post_r.status, 401);
  // Admin endpoints need no key.
  EXPECT_EQ(admin_get("/_sandbox/time").status, 200);

  SandboxOptions options;
  options.api_key = "the-one-key";
  restart(options);
  EXPECT_EQ(get("/twitter/user/info", {{"userName", "ada_example"}}, auth("other")).status, 401);
  EXPECT_EQ(get("/twitter/user/info", {{"userName", "ada_example"}}, auth("the-one-key")).status,
            200);
}

TEST_F(SandboxTest, UnknownPathsAndMethods) {
  auto r = get("/twitter/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.body.contains("error"));
  auto wrong = get("/twitter/dm/send");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(admin_get("/_sandbox/nope").status, 404);
}

TEST_F(SandboxTest, FollowersFirstPageMatchesFixture) {
  auto r = get("/twitter/user/followers_v2", {{"userName", "ada_example"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  json const fixture = load_fixture("followers_page.json");
  expect_same_shape(fixture, r.body, "followers page");
  EXPECT_EQ(r.body["userName"], "ada_example");
  EXPECT_EQ(r.body["user_count"], 70);
  EXPECT_EQ(r.body["followers"].size(), 70u);
  EXPECT_EQ(r.body["has_more"], true);
  ASSERT_TRUE(r.body["next_cursor"].is_string());
  // grace_h and closed_dms are ada's newest followers, exactly as in the fixture.
  for (std::size_t i = 0; i < 2; ++i) {
    json const& want = fixture["followers"][i];
    json const& got = r.body["followers"][i];
    for (auto it = want.begin(); it != want.end(); ++it) {
      EXPECT_EQ(got[it.key()], it.value()) << want["userName"] << "." << it.key();
    }
    EXPECT_EQ(got["protected"], false);
  }
}

class SandboxWalkTest : public SandboxTest {
 protected:
  // Walks every page; returns all users and checks the page invariants on the way.
  std::vector<json> walk(std::string const& endpoint, std::string const& key,
                         std::string const& user) {
    std::vector<json> all;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
      httplib::Params params{{"userName", user}};
      if (!cursor.empty()) params.emplace("cursor", cursor);
      Reply r = get(endpoint, params);
      EXPECT_EQ(r.status, 200) << r.raw;
      if (r.status != 200) break;
      auto const& items = r.body[key];
      EXPECT_EQ(r.body["user_count"], items.size());
      for (auto const& u : items) {
        EXPECT_EQ(u["type"], "user");
        EXPECT_TRUE(std::regex_match(u["createdAt"].get<std::string>(), kTwitterDate))
            << u["createdAt"];
        all.push_back(u);
      }
      if (!r.body["has_more"].get<bool>()) {
        EXPECT_TRUE(r.body["next_cursor"].is_null());
        return all;
      }
      EXPECT_EQ(items.size(), 70u);
      cursor = r.body["next_cursor"].get<std::string>();
    }
    ADD_FAILURE() << "pagination did not end";
    return all;
  }
};

TEST_F(SandboxWalkTest, PremiumBrandFollowersWalk) {
  auto users = walk("/twitter/user/followers_v2", "followers", "premium_brand");
  ASSERT_EQ(users.size(), 2000u);
  std::set<std::string> ids;
  int closed = 0;
  for (auto const& u : users) {
    ids.insert(u["id"].get<std::string>());
    if (!u["canDm"].get<bool>()) ++closed;
  }
  EXPECT_EQ(ids.size(), 2000u);
  EXPECT_EQ(closed, 600);
  EXPECT_EQ(get("/twitter/user/info", {{"userName", "premium_brand"}}).body["data"]["followers"],
            2000);
}

TEST_F(SandboxWalkTest, GraphSizesAndFollowing) {
  EXPECT_EQ(walk("/twitter/user/followers_v2", "followers", "ada_example").size(), 150u);
  EXPECT_EQ(walk("/twitter/user/followers_v2", "followers", "new_account").size(), 5u);
  EXPECT_EQ(walk("/twitter/user/followers_v2", "followers", "lonely_user").size(), 0u);
  auto following = walk("/twitter/user/following_v2", "following", "ada_example");
  EXPECT_EQ(following.size(), 40u);
  auto grace_following = walk("/twitter/user/following_v2", "following", "grace_h");
  EXPECT_EQ(grace_following.size(), 90u);
  bool follows_ada = false;
  for (auto const& u : grace_following) follows_ada |= u["userName"] == "ada_example";
  EXPECT_TRUE(follows_ada);
  auto empty = get("/twitter/user/following_v2", {{"userName", "lonely_user"}});
  EXPECT_EQ(empty.body["following"], json::array());
  EXPECT_EQ(empty.body["has_more"], false);
  EXPECT_TRUE(empty.body["next_cursor"].is_null());
  EXPECT_EQ(get("/twitter/user/followers_v2", {{"userName", "nobody_here"}}).status, 404);
  EXPECT_EQ(get("/twitter/user/followers_v2").status, 400);
}

TEST_F(SandboxTest, CursorsAreOpaqueAndChecked) {
  auto first = get("/twitter/user/followers_v2", {{"userName", "premium_brand"}});
  std::string const cursor = first.body["next_cursor"];
  EXPECT_EQ(cursor.find("70"), std::string::npos) << "cursor looks like a plain offset";
  auto second =
      get("/twitter/user/followers_v2", {{"userName", "premium_brand"}, {"cursor", cursor}});
  EXPECT_EQ(second.status, 200);
  EXPECT_NE(second.body["followers"][0]["id"], first.body["followers"][0]["id"]);
  for (auto const& bad : {std::string("70"), std::string("DAABgarbage"), cursor + "x"}) {
    auto r = get("/twitter/user/followers_v2", {{"userName", "premium_brand"}, {"cursor", bad}});
    EXPECT_EQ(r.status, 400) << bad;
  }
  // A cursor is bound to its list and its user.
  EXPECT_EQ(
      get("/twitter/user/following_v2", {{"userName", "premium_brand"}, {"cursor", cursor}}).status,
      400);
  EXPECT_EQ(get("/twitter/user/followers_v2", {{"userName", "grace_h"}, {"cursor", cursor}}).status,
            400);
}

// ---- login ---------------------------------------------------------------------------------

TEST_F(SandboxTest, LoginSucceedsWithFixtureShape) {
  auto r = post("/twitter/user_login", {{"username", "ada_example"},
                                        {"password", "sandbox-password"},
                                        {"email", "ada@example.org"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  expect_same_shape(load_fixture("login.json"), r.body, "login");
  EXPECT_EQ(r.body["msg"], "login success");
  EXPECT_EQ(r.body["auth_token"], "sandbox-token-ada");
  EXPECT_EQ(r.body["twid"], "u=1700000000000000001");
  EXPECT_FALSE(r.body["ct0"].get<std::string>().empty());
  auto premium = post("/twitter/user_login",
                      {{"username", "premium_brand"}, {"password", "sandbox-password"}});
  EXPECT_EQ(premium.body["auth_token"], "sandbox-token-premium");
  auto fresh =
      post("/twitter/user_login", {{"username", "new_account"}, {"password", "sandbox-password"}});
  EXPECT_EQ(fresh.body["auth_token"], "sandbox-token-new");
}

TEST_F(SandboxTest, LoginFailuresAndChallenges) {
  auto wrong = post("/twitter/user_login", {{"username", "ada_example"}, {"password", "nope"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_THAT(wrong.body["error"].get<std::string>(), HasSubstr("wrong username or password"));
  EXPECT_EQ(post("/twitter/user_login", {{"username", "nobody"}, {"password", "x"}}).status, 401);
  auto no_password = post("/twitter/user_login", {{"username", "ada_example"}});
  EXPECT_EQ(no_password.status, 400);
  EXPECT_EQ(no_password.body["error"], "Missing required field: password");
  EXPECT_EQ(post("/twitter/user_login", {{"password", "x"}}).status, 400);

  auto totp =
      post("/twitter/user_login", {{"username", "totp_user"}, {"password", "sandbox-password"}});
  EXPECT_EQ(totp.status, 401);
  EXPECT_EQ(totp.body, json({{"error", "Two-factor authentication is enabled, provide totp_secret"},
                             {"challenge", "totp_required"}}));
  auto totp_ok = post("/twitter/user_login", {{"username", "totp_user"},
                                              {"password", "sandbox-password"},
                                              {"totp_secret", "JBSWY3DPEHPK3PXP"}});
  EXPECT_EQ(totp_ok.status, 200);
  EXPECT_EQ(totp_ok.body["auth_token"], "sandbox-token-totp");
  EXPECT_EQ(post("/twitter/user_login", {{"username", "totp_user"},
                                         {"password", "sandbox-password"},
                                         {"totp_secret", "not base32!"}})
                .status,
            400);

  auto locked =
      post("/twitter/user_login", {{"username", "locked_user"}, {"password", "sandbox-password"}});
  EXPECT_EQ(locked.status, 423);
  EXPECT_EQ(locked.body,
            json({{"error", "Account locked, unlock it, then retry."}, {"challenge", "locked"}}));
  EXPECT_EQ(post_raw("/twitter/user_login", "username=ada_example&password=sandbox-password",
                     "application/x-www-form-urlencoded")
                .status,
            400);
}

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
  EXPECT_EQ(empty.body, json({{"userId", "1700000000000000020"},
                              {"message_count", 0},
                              {"has_more", false},
                              {"next_cursor", nullptr},
                              {"messages", json::array()}}));
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

// ---- faults --------------------------------------------------------------------------------

TEST_F(SandboxTest, FaultStatusCountAndDefaults) {
  auto created = admin_post("/_sandbox/faults",
                            {{"path", "/twitter/user/info"}, {"status", 503}, {"count", 2}});
  ASSERT_EQ(created.status, 201) << created.raw;
  ASSERT_EQ(created.body["ids"].size(), 1u);
  EXPECT_EQ(admin_get("/_sandbox/faults").body["faults"].size(), 1u);
  for (int i = 0; i < 2; ++i) {
    auto r = get("/twitter/user/info", {{"userName", "ada_example"}});
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body["error"], "Service temporarily unavailable. Try again shortly.");
  }
  EXPECT_EQ(get("/twitter/user/info", {{"userName", "ada_example"}}).status, 200);
  EXPECT_EQ(admin_get("/_sandbox/faults").body["faults"].size(), 0u);
  // Faults apply before the API key check, like a failing gateway.
  admin_post("/_sandbox/faults", {{"path", "*"}, {"status", 500}});
  EXPECT_EQ(get("/twitter/whatever", {}, {}).status, 500);
  // Default count is 1, custom bodies win.
  admin_post("/_sandbox/faults", {{"path", "/twitter/dm/send"},
                                  {"status", 403},
                                  {"body", {{"error", "custom"}, {"twitter_error_code", 476}}}});
  auto custom = send_dm("sandbox-token-ada", "grace_h", "x");
  EXPECT_EQ(custom.status, 403);
  EXPECT_EQ(custom.body, json({{"error", "custom"}, {"twitter_error_code", 476}}));
  EXPECT_EQ(send_dm("sandbox-token-ada", "grace_h", "x").status, 200);
}

TEST_F(SandboxTest, FaultRetryAfter) {
  admin_post("/_sandbox/faults",
             {{"faults", {{{"path", "/twitter/dm/list"}, {"status", 429}, {"retry_after", 2}}}}});
  auto r = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, json({{"error", "Please try again shortly."}, {"retry_after", 2}}));
  ASSERT_TRUE(r.headers.count("Retry-After"));
  EXPECT_EQ(r.headers.find("Retry-After")->second, "2");
}

TEST_F(SandboxTest, FaultDelayDoesNotBlockOthers) {
  admin_post("/_sandbox/faults", {{"path", "/twitter/user/info"}, {"delay_ms", 400}});
  auto const start = std::chrono::steady_clock::now();
  std::atomic<int> delayed_status{0};
  std::thread slow([&] {
    auto c = make_client();
    auto r = c->Get("/twitter/user/info?userName=ada_example", auth());
    delayed_status = r ? r->status : -1;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto fast_start = std::chrono::steady_clock::now();
  EXPECT_EQ(get("/twitter/user/followers_v2", {{"userName", "new_account"}}).status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - fast_start, std::chrono::milliseconds(200));
  slow.join();
  EXPECT_EQ(delayed_status, 200) << "a delay alone still answers normally";
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(400));
}

TEST_F(SandboxTest, FaultMalformed) {
  admin_post("/_sandbox/faults", {{"path", "/twitter/user/info"}, {"malformed", true}});
  auto r = get("/twitter/user/info", {{"userName", "ada_example"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.is_discarded()) << r.raw;
  EXPECT_FALSE(r.raw.empty());
}

TEST_F(SandboxTest, FaultDropClosesWithoutResponse) {
  admin_post("/_sandbox/faults", {{"path", "/twitter/dm/send"}, {"drop", true}});
  auto r = send_dm("sandbox-token-ada", "grace_h", "lost");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error, httplib::Error::Success);
  EXPECT_EQ(admin_get("/_sandbox/messages").body.size(), 0u) << "dropped before processing";
  // The next request works on a fresh connection.
  EXPECT_EQ(send_dm("sandbox-token-ada", "grace_h", "arrives").status, 200);
  auto logged = admin_get("/_sandbox/requests?path=/twitter/dm/send").body;
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[0]["dropped"], true);
  EXPECT_EQ(logged[0]["status"], 0);
}

TEST_F(SandboxTest, FaultAfterDeliveryDeliversThenFails) {
  admin_post("/_sandbox/faults",
             {{"path", "/twitter/dm/send"}, {"status", 500}, {"after_delivery", true}});
  auto r = send_dm("sandbox-token-ada", "grace_h", "did this arrive?");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, json({{"error", "Internal server error"}}));
  auto delivered = admin_get("/_sandbox/messages").body;
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0]["text"], "did this arrive?");
  auto inbox = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"count", 1}});
  EXPECT_EQ(inbox.body["messages"][0]["text"], "did this arrive?");
  // Delivered, then the connection dies: the worst case for exactly-once.
  admin_post("/_sandbox/faults",
             {{"path", "/twitter/dm/send"}, {"drop", true}, {"after_delivery", true}});
  EXPECT_EQ(send_dm("sandbox-token-ada", "grace_h", "and this?").status, 0);
  EXPECT_EQ(admin_get("/_sandbox/messages").body.size(), 2u);
}

TEST_F(SandboxTest, FaultProbabilityIsSeededAndRepeatable) {
  auto run = [&] {
    admin_post("/_sandbox/faults",
               {{"path", "/twitter/user/info"}, {"status", 502}, {"probability", 0.25}});
    std::string pattern;
    for (int i = 0; i < 200; ++i) {
      pattern += get("/twitter/user/info", {{"userName", "ada_example"}}).status == 502 ? 'x' : '.';
    }
    return pattern;
  };
  std::string const first = run();
  auto const failures = std::count(first.begin(), first.end(), 'x');
  EXPECT_THAT(failures, AllOf(Ge(25), Le(75))) << first;
  EXPECT_EQ(admin_get("/_sandbox/faults").body["faults"].size(), 1u) << "stays until cleared";
  EXPECT_EQ(admin_delete("/_sandbox/faults").status, 200);
  EXPECT_EQ(admin_get("/_sandbox/faults").body["faults"].size(), 0u);
  admin_post("/_sandbox/reset", json::object());
  EXPECT_EQ(run(), first) << "same fault seed, same sequence";
}

TEST_F(SandboxTest, FaultValidationAndDeleteById) {
  EXPECT_EQ(admin_post("/_sandbox/faults", {{"status", 500}}).status, 400);
  EXPECT_EQ(admin_post("/_sandbox/faults", {{"path", "/x"}, {"status", 999}}).status, 400);
  EXPECT_EQ(admin_post("/_sandbox/faults", {{"path", "/x"}, {"stauts", 500}}).status, 400);
  EXPECT_EQ(admin_post("/_sandbox/faults", {{"path", "/x"}}).status, 400);
  EXPECT_EQ(admin_post("/_sandbox/faults", {{"path", "/x"}, {"retry_after", 3}}).status, 400);
  auto created = admin_post(
      "/_sandbox/faults",
      {{"faults", {{{"path", "/a"}, {"status", 500}}, {{"path", "/b"}, {"status", 502}}}}});
  ASSERT_EQ(created.body["ids"].size(), 2u);
  std::string const id = created.body["ids"][0].dump();
  EXPECT_EQ(admin_delete("/_sandbox/faults/" + id).status, 200);
  EXPECT_EQ(admin_delete("/_sandbox/faults/" + id).status, 404);
  auto left = admin_get("/_sandbox/faults").body["faults"];
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["path"], "/b");
}

// ---- requests log, stats, time, reset ------------------------------------------------------

TEST_F(SandboxTest, RequestsLogMasksSecrets) {
  SandboxOptions options;
  options.api_key = "secret-api-key-123";
  restart(options);
  auto key = auth("secret-api-key-123");
  auto login = post("/twitter/user_login",
                    {{"username", "totp_user"},
                     {"password", "sandbox-password"},
                     {"totp_secret", "JBSWY3DPEHPK3PXP"}},
                    key);
  ASSERT_EQ(login.status, 200);
  std::string const ct0 = login.body["ct0"];
  post("/twitter/dm/send",
       {{"auth_token", "sandbox-token-ada"}, {"recipient_username", "grace_h"}, {"text", "hi"}},
       key);
  post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"ct0", ct0}}, key);
  post_raw("/twitter/dm/send", "auth_token=sandbox-token-new&password=sandbox-password",
           "application/x-www-form-urlencoded", key);
  post_raw("/twitter/dm/list", R"({"auth_token": "sandbox-token-premium", broken)",
           "application/json", key);
  get("/twitter/user/info", {{"userName", "ada_example"}, {"auth_token", "sandbox-token-grace"}},
      key);

  auto log = admin_get("/_sandbox/requests");
  ASSERT_EQ(log.status, 200);
  ASSERT_EQ(log.body.size(), 6u);
  std::string const text = log.raw;
  for (std::string secret : {"secret-api-key-123", "sandbox-password", "JBSWY3DPEHPK3PXP",
                             "sandbox-token", ct0.c_str()}) {
    EXPECT_THAT(text, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(text, HasSubstr("***"));
  auto const& first = log.body[0];
  EXPECT_EQ(first["method"], "POST");
  EXPECT_EQ(first["path"], "/twitter/user_login");
  EXPECT_EQ(first["status"], 200);
  EXPECT_EQ(first["body"]["username"], "totp_user");
  EXPECT_EQ(first["body"]["password"], "***");
  EXPECT_EQ(first["headers"]["authorization"], "***");
  EXPECT_TRUE(first.contains("time"));
  EXPECT_EQ(log.body[1]["body"]["text"], "hi");
  auto filtered = admin_get("/_sandbox/requests?path=/twitter/dm/list");
  EXPECT_EQ(filtered.body.size(), 2u);
}

TEST_F(SandboxTest, StatsCountPathsAndStatuses) {
  get("/twitter/user/info", {{"userName", "ada_example"}});
  get("/twitter/user/info", {{"userName", "nobody_here"}});
  send_dm("sandbox-token-ada", "grace_h", "x");
  auto stats = admin_get("/_sandbox/stats").body;
  EXPECT_EQ(stats["total_requests"], 3);
  EXPECT_EQ(stats["messages_delivered"], 1);
  EXPECT_EQ(stats["paths"]["/twitter/user/info"]["total"], 2);
  EXPECT_EQ(stats["paths"]["/twitter/user/info"]["by_status"]["200"], 1);
  EXPECT_EQ(stats["paths"]["/twitter/user/info"]["by_status"]["404"], 1);
  EXPECT_EQ(stats["paths"]["/twitter/dm/send"]["by_status"]["200"], 1);
}

TEST_F(SandboxTest, TimeAdvances) {
  auto before = admin_get("/_sandbox/time").body;
  EXPECT_TRUE(std::regex_match(before["now"].get<std::string>(), kIsoMillis));
  EXPECT_EQ(before["offset_seconds"], 0);
  auto after = admin_post("/_sandbox/time", {{"advance_seconds", 86400}}).body;
  EXPECT_EQ(after["offset_seconds"], 86400);
  EXPECT_GE(after["epoch_ms"].get<std::int64_t>() - before["epoch_ms"].get<std::int64_t>(),
            86400000);
  auto sent = send_dm("sandbox-token-ada", "grace_h", "from tomorrow");
  EXPECT_EQ(sent.body["data"]["createdAt"].get<std::string>().substr(0, 10),
            after["now"].get<std::string>().substr(0, 10));
  EXPECT_EQ(admin_post("/_sandbox/time", {{"advance_seconds", "1"}}).status, 400);
  // Far enough to overflow the clock: refused, and the clock stays put.
  for (json far :
       {json(std::int64_t{1} << 60), json(-(std::int64_t{1} << 60)),
        json(std::uint64_t{18446744073709551615u}), json(std::int64_t{200} * 366 * 86400)}) {
    EXPECT_EQ(admin_post("/_sandbox/time", {{"advance_seconds", far}}).status, 400) << far;
  }
  EXPECT_EQ(admin_get("/_sandbox/time").body["offset_seconds"], 86400);
}

TEST_F(SandboxTest, ResetRestoresEverything) {
  send_dm("sandbox-token-ada", "grace_h", "x");
  admin_post("/_sandbox/faults", {{"path", "/twitter/user/info"}, {"status", 500}, {"count", 5}});
  admin_post("/_sandbox/time", {{"advance_seconds", 3600}});
  auto r = admin_post("/_sandbox/reset", json::object());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(admin_get("/_sandbox/messages").body, json::array());
  EXPECT_EQ(admin_get("/_sandbox/faults").body["faults"], json::array());
  EXPECT_EQ(admin_get("/_sandbox/requests").body, json::array());
  EXPECT_EQ(admin_get("/_sandbox/stats").body["total_requests"], 0);
  EXPECT_EQ(admin_get("/_sandbox/time").body["offset_seconds"], 0);
  EXPECT_EQ(get("/twitter/user/info", {{"userName", "ada_example"}}).status, 200);
  auto inbox = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"count", 100}});
  EXPECT_EQ(inbox.body["messages"][0]["id"], "2000000000000000120") << "history only";
  // The in-process API does the same.
  send_dm("sandbox-token-ada", "grace_h", "y");
  sandbox_->reset();
  EXPECT_EQ(admin_get("/_sandbox/messages").body, json::array());
}

TEST_F(SandboxTest, ConcurrentSendsGetUniqueIncreasingIds) {
  constexpr int kThreads = 8, kEach = 40;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::uint64_t>> ids(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = make_client();
      for (int i = 0; i < kEach; ++i) {
        json body = {{"auth_token", "sandbox-token-premium"},
                     {"recipient_username", "grace_h"},
                     {"text", "t" + std::to_string(t) + "-" + std::to_string(i)}};
        auto r = c->Post("/twitter/dm/send", auth(), body.dump(), "application/json");
        if (r && r->status == 200) ids[t].push_back(id_of(json::parse(r->body)["data"]));
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> all;
  for (auto const& v : ids) {
    EXPECT_EQ(v.size(), static_cast<std::size_t>(kEach));
    for (std::size_t i = 1; i < v.size(); ++i) EXPECT_GT(v[i], v[i - 1]);
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(admin_get("/_sandbox/messages").body.size(), all.size());
}

TEST_F(SandboxTest, StopIsPromptWithIdleKeepAliveConnections) {
  ASSERT_EQ(get("/twitter/user/info", {{"userName", "ada_example"}}).status, 200);
  // client_ still holds its keep-alive connection open.
  auto const start = std::chrono::steady_clock::now();
  sandbox_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  // And it can serve again.
  int const port = sandbox_->start();
  EXPECT_GT(port, 0);
  client_ = make_client();
  EXPECT_EQ(get("/twitter/user/info", {{"userName", "ada_example"}}).status, 200);
}

}  // namespace
}  // namespace getxapi::sandbox::testing
