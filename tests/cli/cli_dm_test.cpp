// The CLI end to end against the in-process sandbox: dm send, dm list, login, secrets.
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
