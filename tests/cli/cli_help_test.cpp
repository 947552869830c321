// Help for people: the command list, `help COMMAND`, global options in every command's
// help, --help-all over every command, and "did you mean" for unknown commands.
#include "cli_sandbox_fixture.hpp"
#include "help.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace getxapi::cli::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class CliHelpTest : public CliE2eTest {};

TEST_F(CliHelpTest, BareGetxapiAndHelpPrintTheCommandListAndExitZero) {
  for (auto const& args : std::vector<std::vector<std::string>>{{}, {"help"}, {"--json"}}) {
    auto r = run(args);
    EXPECT_EQ(r.status, 0) << ::testing::PrintToString(args) << r.err;
    EXPECT_THAT(r.out, AllOf(HasSubstr("Subcommands:"), HasSubstr("followers"), HasSubstr("dm"),
                             HasSubstr("auth"), HasSubstr("completion")));
    EXPECT_EQ(r.err, "");
  }
  expect_nothing_sent();
}

TEST_F(CliHelpTest, HelpCommandPrintsThatCommandsHelp) {
  auto send = run({"help", "dm", "send"});
  EXPECT_EQ(send.status, 0) << send.err;
  EXPECT_THAT(send.out, AllOf(StartsWith("Send one direct message"),
                              HasSubstr("Usage: getxapi dm send"), HasSubstr("--to-id")));
  auto dm = run({"help", "dm"});
  EXPECT_EQ(dm.status, 0);
  EXPECT_THAT(dm.out, AllOf(HasSubstr("send"), HasSubstr("list")));
  auto bad = run({"help", "dm", "sned"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err,
            "error: kInvalidArgument: unknown command 'dm sned'; did you mean 'dm send'?\n");
  expect_nothing_sent();
}

TEST_F(CliHelpTest, UnknownCommandsSuggestTheNearestAndExitTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  std::vector<Case> const cases = {
      {{"usr", "info", "ada_example"}, "unknown command 'usr'; did you mean 'user'?"},
      {{"--json", "folowers", "ada"}, "unknown command 'folowers'; did you mean 'followers'?"},
      {{"--timeout", "5", "dm", "lsit"}, "unknown command 'dm lsit'; did you mean 'dm list'?"},
      {{"user", "ifno", "ada"}, "unknown command 'user ifno'; did you mean 'user info'?"},
      {{"auth", "stauts"}, "unknown command 'auth stauts'; did you mean 'auth status'?"},
  };
  for (auto const& c : cases) {
    auto r = run(c.args);
    EXPECT_EQ(r.status, 2) << ::testing::PrintToString(c.args);
    EXPECT_THAT(r.err, HasSubstr(c.error));
    EXPECT_EQ(r.out, "");
  }
  auto far = run({"frobnicate"});
  EXPECT_EQ(far.status, 2);
  EXPECT_THAT(far.err, AllOf(HasSubstr("unknown command 'frobnicate'"),
                             Not(HasSubstr("did you mean")), HasSubstr("getxapi help")));
  expect_nothing_sent();
}

TEST_F(CliHelpTest, NearestNeedsACloseEnoughWord) {
  std::vector<std::string> const names = {"send", "list", "conversations", "thread"};
  EXPECT_EQ(nearest("sned", names), "send");
  EXPECT_EQ(nearest("lst", names), "list");
  EXPECT_EQ(nearest("thraed", names), "thread");
  EXPECT_EQ(nearest("xyz", names), std::nullopt);
  EXPECT_EQ(nearest("s", names), std::nullopt);
}

TEST_F(CliHelpTest, EveryCommandsHelpShowsTheGlobalOptions) {
  for (auto const& args : std::vector<std::vector<std::string>>{{"dm", "send", "--help"},
                                                                {"user", "info", "--help"},
                                                                {"followers", "--help"},
                                                                {"auth", "status", "--help"},
                                                                {"help", "dm", "list"}}) {
    auto r = run(args);
    EXPECT_EQ(r.status, 0) << ::testing::PrintToString(args);
    EXPECT_THAT(r.out, AllOf(HasSubstr("Global options:"), HasSubstr("--base-url"),
                             HasSubstr("--json"), HasSubstr("--verbose"), HasSubstr("--timeout")))
        << ::testing::PrintToString(args);
  }
}

TEST_F(CliHelpTest, HelpAllListsEveryCommandWithItsOptions) {
  auto all = run({"--help-all"});
  ASSERT_EQ(all.status, 0);
  // Each command's own section, its options included.
  for (auto const& word :
       {"getxapi user info\n", "getxapi dm send\n", "getxapi dm list\n", "getxapi auth login\n",
        "getxapi auth status\n", "getxapi completion\n", "--to-id", "--count", "--can-dm",
        "--username", "--no-check", "Global options", "GETXAPI_API_KEY"}) {
    EXPECT_THAT(all.out, HasSubstr(word));
  }
#ifdef GETXAPI_CLI_HAS_OUTREACH
  EXPECT_THAT(all.out, AllOf(HasSubstr("getxapi outreach run\n"), HasSubstr("--followers-of"),
                             HasSubstr("getxapi outreach status\n")));
#endif
  // A command group alone is a usage error that names its commands.
  auto group = run({"dm"});
  EXPECT_EQ(group.status, 2);
  EXPECT_THAT(group.err, HasSubstr("'getxapi dm' needs a command: send, list"));
  expect_nothing_sent();
}

TEST_F(CliHelpTest, CompletionScriptsCoverEveryCommandAndFlag) {
  for (std::string const shell : {"bash", "zsh", "fish"}) {
    auto r = run({"completion", shell});
    ASSERT_EQ(r.status, 0) << shell << r.err;
    // fish writes `-l can-dm`, the others `--can-dm`.
    std::string const dashes = shell == "fish" ? "-l " : "--";
    for (auto const* word : {"followers", "status", "logout", "completion"}) {
      EXPECT_TRUE(r.out.find(word) != std::string::npos) << shell << " lacks " << word;
    }
    for (auto const* flag : {"can-dm", "to-id", "count", "base-url", "no-check", "username"}) {
      EXPECT_TRUE(r.out.find(dashes + flag) != std::string::npos) << shell << " lacks " << flag;
    }
  }
  EXPECT_EQ(run({"completion", "tcsh"}).status, 2);
  expect_nothing_sent();
}

}  // namespace
}  // namespace getxapi::cli::testing
