// The CLI end to end against the in-process sandbox: user info, followers/following, global
// options, usage errors and help.
#include "cli_sandbox_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace getxapi::cli::testing {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// ---- user info -----------------------------------------------------------------------

TEST_F(CliE2eTest, UserInfoPrintsTheProfileAsFieldLines) {
  auto r = run({"user", "info", "ada_example"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("id:             1700000000000000001\n"));
  EXPECT_THAT(r.out, HasSubstr("userName:       @ada_example\n"));
  EXPECT_THAT(r.out, HasSubstr("canDm:          yes\n"));
  auto sent = requests("/twitter/user/info");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["query"]["userName"], "ada_example");
  EXPECT_EQ(sent[0]["method"], "GET");
}

TEST_F(CliE2eTest, UserInfoJsonIsTheWireObjectWithGetXapiFieldNames) {
  auto r = run({"--json", "user", "info", "@grace_h"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto objects = json_lines(r.out);
  ASSERT_EQ(objects.size(), 1u);
  auto const& u = objects[0];
  EXPECT_EQ(u["id"], fixed::kGraceId);
  EXPECT_EQ(u["userName"], "grace_h");
  EXPECT_EQ(u["canDm"], true);
  EXPECT_TRUE(u.contains("followers") && u["followers"].is_number());
  EXPECT_TRUE(u.contains("createdAt"));
  EXPECT_FALSE(u.contains("user_name"));
  EXPECT_FALSE(u.contains("can_dm"));
  // '@' is stripped before sending.
  EXPECT_EQ(requests("/twitter/user/info")[0]["query"]["userName"], "grace_h");
}

TEST_F(CliE2eTest, GlobalOptionsAreAcceptedAfterTheCommand) {
  auto r = run({"user", "info", "closed_dms", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json_lines(r.out).at(0)["canDm"], false);
}

TEST_F(CliE2eTest, AnInvalidUserNameIsRefusedBeforeSending) {
  auto r = run({"user", "info", "this_name_is_far_too_long"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, StartsWith("error: kInvalidArgument: "));
  expect_nothing_sent();
}

TEST_F(CliE2eTest, UnknownUserExitsOneWithItsCodeName) {
  auto r = run({"user", "info", "nobody_here"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, StartsWith("error: kNotFound: "));
  EXPECT_EQ(r.out, "");
}

// ---- followers / following -------------------------------------------------------------

TEST_F(CliE2eTest, FollowersPrintsOnePageAsATableAndTheNextCursorOnStderr) {
  auto r = run({"followers", "ada_example"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto rows = lines(r.out);
  ASSERT_EQ(rows.size(), 71u);  // header + one page of 70
  EXPECT_THAT(rows[0], AllOf(StartsWith("ID"), HasSubstr("USERNAME"), HasSubstr("NAME"),
                             HasSubstr("FOLLOWERS"), HasSubstr("CAN_DM")));
  EXPECT_THAT(r.err, StartsWith("next cursor: "));
  EXPECT_EQ(requests("/twitter/user/followers_v2").size(), 1u);
}

TEST_F(CliE2eTest, FollowersJsonEndsWithTheNextCursorWhichContinuesTheWalk) {
  auto first = run({"--json", "followers", "ada_example"});
  ASSERT_EQ(first.status, 0) << first.err;
  auto objects = json_lines(first.out);
  ASSERT_EQ(objects.size(), 71u);
  auto const& last = objects.back();
  ASSERT_TRUE(last.contains("next_cursor")) << last;
  EXPECT_EQ(last["has_more"], true);
  EXPECT_FALSE(last.contains("id"));
  for (std::size_t i = 0; i + 1 < objects.size(); ++i) {
    EXPECT_TRUE(objects[i].contains("userName") && objects[i].contains("canDm"));
  }

  std::string const cursor = last["next_cursor"];
  auto second = run({"--json", "followers", "ada_example", "--cursor", cursor});
  ASSERT_EQ(second.status, 0) << second.err;
  auto page2 = json_lines(second.out);
  ASSERT_FALSE(page2.empty());
  EXPECT_NE(page2[0]["id"], objects[0]["id"]);
  EXPECT_EQ(requests("/twitter/user/followers_v2")[1]["query"]["cursor"], cursor);
}

TEST_F(CliE2eTest, FollowersAllWalksEveryPageAndCanDmFilters) {
  auto all = run({"--json", "followers", "ada_example", "--all"});
  ASSERT_EQ(all.status, 0) << all.err;
  auto users = json_lines(all.out);
  auto const pages = requests("/twitter/user/followers_v2").size();
  EXPECT_EQ(pages, (users.size() + 69) / 70);
  EXPECT_GT(pages, 1u);
  std::set<std::string> ids;
  std::size_t open = 0;
  for (auto const& u : users) {
    ids.insert(u["id"].get<std::string>());
    if (u["canDm"] == true) ++open;
  }
  EXPECT_EQ(ids.size(), users.size());
  auto const total = json_lines(run({"--json", "user", "info", "ada_example"}).out)[0]["followers"];
  EXPECT_EQ(users.size(), total.get<std::size_t>());

  auto filtered = run({"--json", "followers", "ada_example", "--all", "--can-dm"});
  ASSERT_EQ(filtered.status, 0) << filtered.err;
  auto dm_able = json_lines(filtered.out);
  EXPECT_EQ(dm_able.size(), open);
  EXPECT_LT(dm_able.size(), users.size());  // the world has closed accounts to filter out
  for (auto const& u : dm_able) EXPECT_EQ(u["canDm"], true) << u;
}

TEST_F(CliE2eTest, FollowersAllLimitStopsTheWalkEarly) {
  auto r =
      run({"--json", "followers", fixed::kPremiumUserName, "--all", "--can-dm", "--limit", "100"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto users = json_lines(r.out);
  ASSERT_EQ(users.size(), 100u);
  for (auto const& u : users) EXPECT_EQ(u["canDm"], true);
  // 2,000 followers would be 29 pages; 100 open ones need only a few.
  EXPECT_LE(requests("/twitter/user/followers_v2").size(), 3u);
}

TEST_F(CliE2eTest, FollowersLimitWithoutAllCutsThePageAndPrintsNoCursor) {
  auto r = run({"followers", "ada_example", "--limit", "5"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines(r.out).size(), 6u);
  EXPECT_THAT(r.err, Not(HasSubstr("next cursor")));
}

TEST_F(CliE2eTest, FollowingListsTheAccountsAUserFollows) {
  auto r = run({"--json", "following", "ada_example", "--all"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto const total = json_lines(run({"--json", "user", "info", "ada_example"}).out)[0]["following"];
  EXPECT_EQ(json_lines(r.out).size(), total.get<std::size_t>());
  EXPECT_GE(requests("/twitter/user/following_v2").size(), 1u);
  EXPECT_EQ(requests("/twitter/user/followers_v2").size(), 0u);

  auto table = run({"following", "ada_example", "--can-dm"});
  ASSERT_EQ(table.status, 0) << table.err;
  auto rows = lines(table.out);
  ASSERT_GT(rows.size(), 1u);
  for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_THAT(rows[i], HasSubstr("yes"));
}

TEST_F(CliE2eTest, TerminalProgressLineIsKeptUpToDateAndErased) {
  auto tty = options();
  tty.stderr_is_tty = true;
  auto with = run_in_process({"followers", "ada_example", "--all"}, tty);
  ASSERT_EQ(with.status, 0) << with.err;
  EXPECT_THAT(with.err, HasSubstr("\rfollowers of @ada_example: "));
  EXPECT_THAT(with.err, HasSubstr("(3 pages)"));
  EXPECT_THAT(with.err, ::testing::EndsWith("\r\x1b[K"));  // erased at the end
  EXPECT_THAT(with.out, Not(HasSubstr("\r")));

  auto without = run({"followers", "ada_example", "--all"});
  ASSERT_EQ(without.status, 0);
  EXPECT_THAT(without.err, Not(HasSubstr("\r")));
}

TEST_F(CliE2eTest, InvalidLimitIsAUsageError) {
  for (auto const& bad : {"0", "-3", "many"}) {
    auto r = run({"followers", "ada_example", "--limit", bad});
    EXPECT_EQ(r.status, 2) << bad;
    EXPECT_THAT(r.err, StartsWith("error: kInvalidArgument: "));
  }
  expect_nothing_sent();
}

// ---- environment, global options, usage ------------------------------------------------

TEST_F(CliE2eTest, MissingApiKeyIsAUsageErrorForEveryCommandAndNothingIsSent) {
  std::vector<std::vector<std::string>> const commands = {{"user", "info", "ada_example"},
                                                          {"followers", "ada_example"},
                                                          {"following", "ada_example"},
                                                          {"dm", "send", "--to", "grace_h", "hi"},
                                                          {"dm", "list"},
                                                          {"login", "--username", "ada_example"}};
  for (auto const& args : commands) {
    auto r = run(args, {{"GETXAPI_API_KEY", ""}}, "sandbox-password\n");
    EXPECT_EQ(r.status, 2) << args[0];
    EXPECT_THAT(r.err, StartsWith("error: kInvalidArgument: GETXAPI_API_KEY is not set"));
    EXPECT_EQ(r.out, "");
  }
  expect_nothing_sent();
}

TEST_F(CliE2eTest, ARejectedApiKeyExitsOneWithKApiKeyRejected) {
  auto r = run({"user", "info", "ada_example"}, {{"GETXAPI_API_KEY", "sk-wrong-key-000000"}});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, StartsWith("error: kApiKeyRejected: "));
  EXPECT_THAT(r.err, Not(HasSubstr("sk-wrong-key-000000")));
  EXPECT_EQ(requests()[0]["headers"]["authorization"], "***");  // it was sent, as a Bearer
}

TEST_F(CliE2eTest, BaseUrlFlagWinsOverTheEnvironment) {
  // An environment URL the library refuses outright shows which of the two was used.
  Environment const unusable_env = {{"GETXAPI_BASE_URL", "ftp://nowhere.invalid"}};
  auto r = run({"--base-url", url(), "user", "info", "ada_example"}, unusable_env);
  EXPECT_EQ(r.status, 0) << r.err;
  auto env_only = run({"user", "info", "ada_example"}, unusable_env);
  EXPECT_EQ(env_only.status, 2);
  EXPECT_THAT(env_only.err, StartsWith("error: kInvalidArgument: "));
  EXPECT_EQ(requests().size(), 1u);
}

TEST_F(CliE2eTest, AnUnusableBaseUrlIsRefusedBeforeSending) {
  auto r = run({"--base-url", "ftp://example.org", "user", "info", "ada_example"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, StartsWith("error: kInvalidArgument: "));
}

TEST_F(CliE2eTest, TimeoutAppliesToEachRequest) {
  // The first response comes after 1.5 s: with --timeout 0.3 the first attempt times out and
  // the retry succeeds; with the default 30 s the first attempt would have been enough.
  ASSERT_TRUE(admin_post(url(), "/_sandbox/faults",
                         {{"path", "/twitter/user/info"}, {"delay_ms", 1500}, {"count", 1}}));
  auto r = run({"--timeout", "0.3", "--verbose", "user", "info", "ada_example"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("(attempt 2)"));

  for (auto const& bad : {"0", "-1", "soon"}) {
    EXPECT_EQ(run({"--timeout", bad, "user", "info", "ada_example"}).status, 2) << bad;
  }
}

TEST_F(CliE2eTest, ParseErrorsExitTwoWithTheErrorLine) {
  std::vector<std::vector<std::string>> const bad = {
      {"--no-such-flag", "user", "info", "ada_example"},
      {"user", "info", "ada_example", "--no-such-flag"},
      {"user"},
      {"user", "info"},
      {"dm"},
      {"frobnicate"},
      {"followers"},
      {"dm", "list", "--all", "extra"},
  };
  for (auto const& args : bad) {
    auto r = run(args);
    EXPECT_EQ(r.status, 2) << ::testing::PrintToString(args);
    EXPECT_THAT(r.err, StartsWith("error: kInvalidArgument: "));
    EXPECT_EQ(r.out, "");
  }
  expect_nothing_sent();
}

TEST_F(CliE2eTest, HelpIsCompleteAndExitsZero) {
  auto root = run({"--help"});
  EXPECT_EQ(root.status, 0);
  for (auto const& word :
       {"login", "user", "followers", "following", "dm", "--base-url", "--json", "--verbose",
        "--timeout", "GETXAPI_API_KEY", "GETXAPI_AUTH_TOKEN", "GETXAPI_BASE_URL", "Exit status"}) {
    EXPECT_THAT(root.out, HasSubstr(word));
  }
  auto send = run({"dm", "send", "--help"});
  EXPECT_EQ(send.status, 0);
  EXPECT_THAT(send.out, AllOf(HasSubstr("--to"), HasSubstr("--to-id"), HasSubstr("TEXT")));
  auto list = run({"dm", "list", "--help"});
  EXPECT_THAT(list.out, AllOf(HasSubstr("--all"), HasSubstr("--count"), HasSubstr("--cursor"),
                              HasSubstr("--limit")));
  auto followers = run({"followers", "--help"});
  EXPECT_THAT(followers.out,
              AllOf(HasSubstr("--all"), HasSubstr("--can-dm"), HasSubstr("--limit")));
  auto login = run({"login", "--help"});
  EXPECT_THAT(login.out, AllOf(HasSubstr("--username"), HasSubstr("--email"), HasSubstr("stdin")));
  EXPECT_EQ(run({"user", "info", "--help"}).status, 0);
  auto all = run({"--help-all"});
  EXPECT_EQ(all.status, 0);
  EXPECT_THAT(all.out, AllOf(HasSubstr("--can-dm"), HasSubstr("--username")));
  auto version = run({"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_THAT(version.out, StartsWith("getxapi "));
  expect_nothing_sent();
}

}  // namespace
}  // namespace getxapi::cli::testing
