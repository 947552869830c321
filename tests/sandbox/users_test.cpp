// The sandbox wire contract for users: user/info, followers/following pages, cursors, login.
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

}  // namespace
}  // namespace getxapi::sandbox::testing
