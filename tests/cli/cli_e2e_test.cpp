// The CLI end to end against the in-process sandbox: every command, flag and exit status.
#include "cli_test_support.hpp"
#include "sandbox.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
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
namespace fixed = getxapi::sandbox::fixed;

constexpr char kApiKey[] = "sk-cli-e2e-key-7Hq2Lm9Xz4";
constexpr char kTotpSecret[] = "JBSWY3DPEHPK3PXP";

class CliE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    getxapi::sandbox::SandboxOptions options;
    options.api_key = kApiKey;  // so a wrong or missing key is noticed
    sandbox_ = new getxapi::sandbox::Sandbox(options);
    sandbox_->start();
  }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }
  void SetUp() override { sandbox_->reset(); }

  static std::string url() { return sandbox_->base_url(); }

  RunOptions options(Environment overrides = {}) const {
    RunOptions o;
    o.env = {{"GETXAPI_API_KEY", kApiKey},
             {"GETXAPI_BASE_URL", url()},
             {"GETXAPI_AUTH_TOKEN", fixed::kAdaToken}};
    for (auto& [k, v] : overrides) o.env[k] = v;
    return o;
  }
  CliRun run(std::vector<std::string> args, Environment overrides = {},
             std::string const& stdin_text = "") const {
    return run_in_process(std::move(args), options(std::move(overrides)), stdin_text);
  }

  // Requests the sandbox received (admin calls excluded), optionally for one path.
  static json requests(std::string const& path = "") {
    return admin_get(url(),
                     path.empty() ? "/_sandbox/requests" : "/_sandbox/requests?path=" + path);
  }
  static void expect_nothing_sent() { EXPECT_EQ(requests().size(), 0u) << requests().dump(); }

  static getxapi::sandbox::Sandbox* sandbox_;
};

getxapi::sandbox::Sandbox* CliE2eTest::sandbox_ = nullptr;

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

TEST_F(CliE2eTest, ProgressLineAppearsOnlyWhenStderrIsATerminal) {
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

// ---- dm send ---------------------------------------------------------------------------

TEST_F(CliE2eTest, DmSendToUsernameSendsTheDocumentedBody) {
  auto r = run({"dm", "send", "--to", "grace_h", "Hello Grace, ça va?"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, AllOf(StartsWith("sent "), HasSubstr("to @grace_h (1700000000000000002)")));
  auto sent = requests("/twitter/dm/send");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["method"], "POST");
  EXPECT_EQ(sent[0]["headers"]["content-type"], "application/json");
  // The sandbox masks the token; its value is checked against the strict server.
  EXPECT_EQ(sent[0]["body"], json({{"auth_token", "***"},
                                   {"recipient_username", "grace_h"},
                                   {"text", "Hello Grace, ça va?"}}));
  auto delivered = admin_get(url(), std::string("/_sandbox/messages?sender_id=") + fixed::kAdaId);
  ASSERT_FALSE(delivered.empty());
  EXPECT_EQ(delivered.back()["text"], "Hello Grace, ça va?");
  EXPECT_EQ(delivered.back()["recipientId"], fixed::kGraceId);
}

TEST_F(CliE2eTest, DmSendToIdPrintsTheWireMessageUnderJson) {
  auto r = run({"--json", "dm", "send", "--to-id", fixed::kGraceId, "by id"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto m = json_lines(r.out).at(0);
  EXPECT_EQ(m["senderId"], fixed::kAdaId);
  EXPECT_EQ(m["recipientId"], fixed::kGraceId);
  EXPECT_EQ(m["text"], "by id");
  EXPECT_TRUE(m.contains("id") && m.contains("createdAt"));
  EXPECT_EQ(requests("/twitter/dm/send")[0]["body"],
            json({{"auth_token", "***"}, {"recipient_id", fixed::kGraceId}, {"text", "by id"}}));
}

TEST_F(CliE2eTest, DmSendReadsTheTextFromStdinForDash) {
  auto r = run({"--json", "dm", "send", "--to", "grace_h", "-"}, {}, "line one\nline two\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json_lines(r.out).at(0)["text"], "line one\nline two");
}

TEST_F(CliE2eTest, DmSendEmptyOrBlankTextIsRefusedWithNothingSent) {
  for (auto const& text : {"", "   "}) {
    auto r = run({"dm", "send", "--to", "grace_h", text});
    EXPECT_EQ(r.status, 2) << "'" << text << "'";
    EXPECT_THAT(r.err, StartsWith("error: kInvalidArgument: "));
    EXPECT_EQ(r.out, "");
  }
  expect_nothing_sent();
}

TEST_F(CliE2eTest, DmSendNeedsExactlyOneRecipientAndATextNothingSentOtherwise) {
  EXPECT_EQ(run({"dm", "send", "hello"}).status, 2);
  EXPECT_EQ(run({"dm", "send", "--to", "grace_h", "--to-id", fixed::kGraceId, "hello"}).status, 2);
  EXPECT_EQ(run({"dm", "send", "--to", "grace_h"}).status, 2);
  EXPECT_EQ(run({"dm", "send", "--to", "grace_h", "one", "two"}).status, 2);
  expect_nothing_sent();
}

TEST_F(CliE2eTest, DmSendToAClosedAccountExitsOneWithKCannotDm) {
  auto r = run({"dm", "send", "--to", fixed::kClosedUserName, "hi"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, StartsWith("error: kCannotDm: HTTP 403 from /twitter/dm/send: "));
  EXPECT_THAT(r.err, HasSubstr("twitter code 349"));
  EXPECT_EQ(r.out, "");
}

TEST_F(CliE2eTest, DmSendWithAnInvalidAuthTokenExitsOne) {
  auto r =
      run({"dm", "send", "--to", "grace_h", "hi"}, {{"GETXAPI_AUTH_TOKEN", "bogus-token-zz9"}});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, StartsWith("error: kAuthTokenInvalid: "));
  EXPECT_THAT(r.all(), Not(HasSubstr("bogus-token-zz9")));
}

TEST_F(CliE2eTest, DmSendAfterAServerErrorIsNotSentTwice) {
  ASSERT_TRUE(admin_post(
      url(), "/_sandbox/faults",
      {{"path", "/twitter/dm/send"}, {"status", 500}, {"count", 1}, {"after_delivery", true}}));
  auto r = run({"dm", "send", "--to", "grace_h", "exactly once please"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("not sent twice"));
  auto delivered = admin_get(url(), std::string("/_sandbox/messages?sender_id=") + fixed::kAdaId);
  EXPECT_EQ(std::count_if(delivered.begin(), delivered.end(),
                          [](json const& m) { return m["text"] == "exactly once please"; }),
            1);
}

// ---- dm list ---------------------------------------------------------------------------

TEST_F(CliE2eTest, DmListPrintsOnePageTableWithCount) {
  auto r = run({"dm", "list", "--count", "5"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto rows = lines(r.out);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_THAT(rows[0], AllOf(StartsWith("ID"), HasSubstr("CREATED_AT"), HasSubstr("FROM"),
                             HasSubstr("TO"), HasSubstr("TEXT")));
  EXPECT_THAT(r.err, StartsWith("next cursor: "));
  auto sent = requests("/twitter/dm/list");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["body"], json({{"auth_token", "***"}, {"count", 5}}));
}

TEST_F(CliE2eTest, DmListJsonCursorContinuesWhereThePageEnded) {
  auto first = run({"--json", "dm", "list", "--count", "3"});
  ASSERT_EQ(first.status, 0) << first.err;
  auto page1 = json_lines(first.out);
  ASSERT_EQ(page1.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(page1[i].contains("senderId") && page1[i].contains("recipientId") &&
                page1[i].contains("text") && page1[i].contains("createdAt"));
  }
  std::string const cursor = page1[3]["next_cursor"];

  auto second = run({"--json", "dm", "list", "--count", "3", "--cursor", cursor});
  ASSERT_EQ(second.status, 0) << second.err;
  auto page2 = json_lines(second.out);
  ASSERT_GE(page2.size(), 1u);
  EXPECT_NE(page2[0]["id"], page1[0]["id"]);
  EXPECT_EQ(requests("/twitter/dm/list")[1]["body"]["cursor"], cursor);
}

TEST_F(CliE2eTest, DmListAllWalksTheInboxAndLimitStopsIt) {
  auto all = run({"--json", "dm", "list", "--all", "--count", "7"});
  ASSERT_EQ(all.status, 0) << all.err;
  auto messages = json_lines(all.out);
  ASSERT_GT(messages.size(), 7u);
  std::set<std::string> ids;
  for (auto const& m : messages) ids.insert(m["id"].get<std::string>());
  EXPECT_EQ(ids.size(), messages.size());
  auto const pages = requests("/twitter/dm/list");
  // ceil(n / 7) pages, one more if the last full page still claimed has_more.
  EXPECT_GE(pages.size(), (messages.size() + 6) / 7);
  EXPECT_LE(pages.size(), messages.size() / 7 + 1);
  for (auto const& p : pages) EXPECT_EQ(p["body"]["count"], 7);

  sandbox_->reset();
  auto limited = run({"--json", "dm", "list", "--all", "--count", "7", "--limit", "10"});
  ASSERT_EQ(limited.status, 0) << limited.err;
  EXPECT_EQ(json_lines(limited.out).size(), 10u);
  EXPECT_EQ(requests("/twitter/dm/list").size(), 2u);
}

TEST_F(CliE2eTest, DmListCountOutOfRangeIsAUsageError) {
  for (auto const& bad : {"0", "101", "x"}) {
    auto r = run({"dm", "list", "--count", bad});
    EXPECT_EQ(r.status, 2) << bad;
    EXPECT_THAT(r.err, StartsWith("error: kInvalidArgument: "));
  }
  expect_nothing_sent();
}

TEST_F(CliE2eTest, DmCommandsNeedAnAuthTokenFromTheEnvironment) {
  for (auto args : std::vector<std::vector<std::string>>{{"dm", "list"},
                                                         {"dm", "send", "--to", "grace_h", "hi"}}) {
    auto r = run(args, {{"GETXAPI_AUTH_TOKEN", ""}});
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.err, StartsWith("error: kInvalidArgument: GETXAPI_AUTH_TOKEN"));
  }
  // There is no flag for it: secrets on the command line show up in `ps`.
  EXPECT_EQ(run({"dm", "list", "--auth-token", "x"}).status, 2);
  expect_nothing_sent();
}

// ---- login -----------------------------------------------------------------------------

TEST_F(CliE2eTest, LoginReadsThePasswordFromStdinAndPrintsTheTokenAlone) {
  auto r = run({"login", "--username", "ada_example", "--email", "ada@example.org"}, {},
               std::string(fixed::kPassword) + "\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, std::string(fixed::kAdaToken) + "\n");
  EXPECT_EQ(r.err, "");
  auto sent = requests("/twitter/user_login");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["body"],
            json({{"username", "ada_example"}, {"password", "***"}, {"email", "ada@example.org"}}));
}

TEST_F(CliE2eTest, LoginSendsATotpSecretFromTheSecondLine) {
  auto r = run({"login", "--username", fixed::kTotpUserName}, {},
               std::string(fixed::kPassword) + "\r\nJBSW Y3DP EHPK 3PXP\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, std::string(fixed::kTotpToken) + "\n");
  EXPECT_EQ(requests("/twitter/user_login")[0]["body"]["totp_secret"], "***");
}

TEST_F(CliE2eTest, LoginChallengesExitOneWithKLoginChallenge) {
  auto totp =
      run({"login", "--username", fixed::kTotpUserName}, {}, std::string(fixed::kPassword) + "\n");
  EXPECT_EQ(totp.status, 1);
  EXPECT_THAT(totp.err, StartsWith("error: kLoginChallenge: "));
  EXPECT_THAT(totp.err, HasSubstr("totp_required"));
  EXPECT_EQ(totp.out, "");

  auto locked = run({"login", "--username", fixed::kLockedUserName}, {},
                    std::string(fixed::kPassword) + "\n");
  EXPECT_EQ(locked.status, 1);
  EXPECT_THAT(locked.err, StartsWith("error: kLoginChallenge: "));
  EXPECT_EQ(locked.out, "");
}

TEST_F(CliE2eTest, LoginWithoutAPasswordOrUsernameIsAUsageError) {
  auto no_password = run({"login", "--username", "ada_example"}, {}, "");
  EXPECT_EQ(no_password.status, 2);
  EXPECT_THAT(no_password.err, StartsWith("error: kInvalidArgument: no password"));
  EXPECT_EQ(run({"login", "--username", "ada_example"}, {}, "\n").status, 2);
  EXPECT_EQ(run({"login"}, {}, "pw\n").status, 2);
  // The password is never an argument.
  EXPECT_EQ(run({"login", "--username", "ada_example", "--password", "pw"}).status, 2);
  expect_nothing_sent();
}

TEST_F(CliE2eTest, LoginWithAWrongPasswordExitsOne) {
  auto r = run({"login", "--username", "ada_example"}, {}, "not-the-password\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, StartsWith("error: k"));
  EXPECT_THAT(r.all(), Not(HasSubstr("not-the-password")));
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
      {},
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

// ---- secrets ---------------------------------------------------------------------------

TEST_F(CliE2eTest, NoSecretIsEverPrintedEvenWithVerbose) {
  struct Case {
    std::vector<std::string> args;
    Environment env;
    std::string stdin_text;
    std::string token_allowed_on_stdout;
  };
  std::string const password_line = std::string(fixed::kPassword) + "\n";
  std::vector<Case> const cases = {
      {{"user", "info", "ada_example"}, {}, "", ""},
      {{"--json", "followers", "ada_example", "--all", "--can-dm", "--limit", "80"}, {}, "", ""},
      {{"following", "ada_example"}, {}, "", ""},
      {{"dm", "send", "--to", "grace_h", "hello"}, {}, "", ""},
      {{"--json", "dm", "send", "--to-id", fixed::kGraceId, "hello"}, {}, "", ""},
      {{"dm", "send", "--to", fixed::kClosedUserName, "hello"}, {}, "", ""},
      {{"dm", "send", "--to", "grace_h", " "}, {}, "", ""},
      {{"dm", "list", "--all", "--count", "20"}, {}, "", ""},
      {{"dm", "list"}, {{"GETXAPI_AUTH_TOKEN", "sandbox-token-premium"}}, "", ""},
      {{"login", "--username", "ada_example"}, {}, password_line, fixed::kAdaToken},
      {{"login", "--username", fixed::kTotpUserName},
       {},
       password_line + kTotpSecret + "\n",
       fixed::kTotpToken},
      {{"login", "--username", fixed::kTotpUserName}, {}, password_line, ""},
      {{"login", "--username", fixed::kLockedUserName}, {}, password_line, ""},
      {{"user", "info", "ada_example"}, {{"GETXAPI_API_KEY", "sk-wrong-key-5555555"}}, "", ""},
  };
  std::vector<std::string> const secrets = {
      kApiKey,          fixed::kAdaToken, fixed::kTotpToken, "sandbox-token-premium",
      fixed::kPassword, kTotpSecret,      "JBSW Y3DP",       "sk-wrong-key-5555555"};
  for (auto const& c : cases) {
    std::vector<std::string> args = {"--verbose"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run(args, c.env, c.stdin_text);
    auto const label = ::testing::PrintToString(args);
    if (r.status != 2) {
      EXPECT_THAT(r.err, HasSubstr("[getxapi DEBUG] > ")) << label;  // verbose really logged
    }
    for (auto const& secret : secrets) {
      EXPECT_THAT(r.err, Not(HasSubstr(secret))) << label << " leaked " << secret;
      if (secret != c.token_allowed_on_stdout) {
        EXPECT_THAT(r.out, Not(HasSubstr(secret))) << label << " leaked " << secret;
      }
    }
    if (!c.token_allowed_on_stdout.empty()) {
      EXPECT_EQ(r.out, c.token_allowed_on_stdout + "\n") << label;
    }
  }
}

}  // namespace
}  // namespace getxapi::cli::testing
