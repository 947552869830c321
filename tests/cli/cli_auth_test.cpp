// `getxapi auth login | status | logout` against a scratch XDG_CONFIG_HOME: the file's mode,
// the environment winning over it, secrets never printed.
#include "cli_sandbox_fixture.hpp"
#include "credentials.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace getxapi::cli::testing {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class CliAuthTest : public CliE2eTest {
 protected:
  void SetUp() override {
    CliE2eTest::SetUp();
    char dir[] = "/tmp/getxapi-auth-test-XXXXXX";
    xdg_ = ::mkdtemp(dir);
  }
  void TearDown() override {
    std::string const cmd = "rm -rf '" + xdg_ + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
  }
  std::string file() const { return xdg_ + "/getxapi/credentials.json"; }
  // No key or token in the environment: only what the file holds.
  CliRun run_stored(std::vector<std::string> args, std::string const& stdin_text = "",
                    Environment extra = {}) const {
    Environment env = {
        {"GETXAPI_API_KEY", ""}, {"GETXAPI_AUTH_TOKEN", ""}, {"XDG_CONFIG_HOME", xdg_}};
    for (auto& [k, v] : extra) env[k] = v;
    return run(std::move(args), env, stdin_text);
  }
  static mode_t mode_of(std::string const& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
  }
  std::string xdg_;
};

TEST_F(CliAuthTest, LoginStoresTheTokenAndKeyWithMode0600AndLaterRunsUseThem) {
  auto login = run_stored({"auth", "login"}, std::string(kApiKey) + "\n" + fixed::kAdaToken + "\n");
  ASSERT_EQ(login.status, 0) << login.err;
  EXPECT_EQ(mode_of(file()), 0600u);
  EXPECT_EQ(mode_of(xdg_ + "/getxapi"), 0700u);
  std::ifstream in(file());
  auto const stored = json::parse(in);
  EXPECT_EQ(stored["auth_token"], fixed::kAdaToken);
  EXPECT_EQ(stored["api_key"], kApiKey);
  EXPECT_THAT(login.out + login.err,
              AllOf(Not(HasSubstr(kApiKey)), Not(HasSubstr(fixed::kAdaToken))));
  EXPECT_THAT(login.err, HasSubstr(file()));

  // A later run with nothing in the environment reads them from the file.
  auto list = run_stored({"--json", "dm", "list", "--count", "2"});
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_FALSE(json_lines(list.out).empty());
  // No temporary file is left behind by the atomic write.
  auto listing = run_stored({"auth", "status", "--no-check"});
  EXPECT_EQ(listing.status, 0) << listing.err;
  EXPECT_THAT(listing.out, AllOf(HasSubstr("stored in the file"), HasSubstr(file())));
  std::string const ls = "ls -A '" + xdg_ + "/getxapi' | grep -c . | grep -qx 1";
  EXPECT_EQ(std::system(ls.c_str()), 0) << "stray files next to the credentials";
}

TEST_F(CliAuthTest, TheEnvironmentWinsOverTheFile) {
  ASSERT_EQ(
      run_stored({"auth", "login"}, std::string(kApiKey) + "\n" + "sandbox-token-bogus1\n").status,
      0);
  // The stored token is not a sandbox session; the environment's is, and wins.
  auto with_env =
      run_stored({"dm", "list", "--count", "1"}, "", {{"GETXAPI_AUTH_TOKEN", fixed::kAdaToken}});
  EXPECT_EQ(with_env.status, 0) << with_env.err;
  auto stored_only = run_stored({"dm", "list", "--count", "1"});
  EXPECT_EQ(stored_only.status, 1);
  EXPECT_THAT(stored_only.err, HasSubstr("kAuthTokenInvalid"));
  auto status =
      run_stored({"auth", "status", "--no-check"}, "", {{"GETXAPI_AUTH_TOKEN", fixed::kAdaToken}});
  EXPECT_THAT(status.out, HasSubstr("from GETXAPI_AUTH_TOKEN (wins over the file)"));
}

TEST_F(CliAuthTest, StatusChecksTheTokenWithOneBilledDmListCallAndSaysSo) {
  ASSERT_EQ(
      run_stored({"auth", "login"}, std::string(kApiKey) + "\n" + fixed::kAdaToken + "\n").status,
      0);
  auto status = run_stored({"auth", "status"});
  ASSERT_EQ(status.status, 0) << status.err;
  EXPECT_THAT(status.out, AllOf(HasSubstr("token works:      yes"),
                                HasSubstr("checked with 1 dm/list call, $0.002")));
  EXPECT_EQ(requests("/twitter/dm/list").size(), 1u);
  EXPECT_EQ(requests().size(), 1u);
  EXPECT_THAT(status.out + status.err,
              AllOf(Not(HasSubstr(kApiKey)), Not(HasSubstr(fixed::kAdaToken))));

  auto json_status = run_stored({"--json", "auth", "status"});
  auto const j = json::parse(json_status.out);
  EXPECT_EQ(j["token_works"], true);
  EXPECT_EQ(j["auth_token"], "file");

  // A rejected token: says so, exit 1.
  ASSERT_EQ(run_stored({"auth", "login"}, "sandbox-token-bogus2\n").status, 0);  // key kept
  auto bad = run_stored({"auth", "status"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.out, HasSubstr("token works:      no"));
  EXPECT_THAT(bad.err, HasSubstr("error: kAuthTokenInvalid: "));
}

TEST_F(CliAuthTest, LoginWithUsernameRunsTheLoginFlow) {
  auto login = run_stored({"auth", "login", "--username", "ada_example"},
                          std::string(fixed::kPassword) + "\n", {{"GETXAPI_API_KEY", kApiKey}});
  ASSERT_EQ(login.status, 0) << login.err;
  EXPECT_THAT(login.err, HasSubstr("for @ada_example"));
  EXPECT_THAT(login.out + login.err,
              AllOf(Not(HasSubstr(fixed::kAdaToken)), Not(HasSubstr(fixed::kPassword))));
  std::ifstream in(file());
  auto const stored = json::parse(in);
  EXPECT_EQ(stored["auth_token"], fixed::kAdaToken);
  EXPECT_EQ(stored["api_key"], kApiKey);  // the key it used, from the environment
  EXPECT_EQ(stored["username"], "ada_example");
  EXPECT_EQ(mode_of(file()), 0600u);
}

TEST_F(CliAuthTest, LogoutRemovesTheFile) {
  ASSERT_EQ(
      run_stored({"auth", "login"}, std::string(kApiKey) + "\n" + fixed::kAdaToken + "\n").status,
      0);
  auto out = run_stored({"auth", "logout"});
  EXPECT_EQ(out.status, 0);
  EXPECT_NE(::access(file().c_str(), F_OK), 0);
  EXPECT_THAT(out.err, HasSubstr("removed"));
  auto again = run_stored({"auth", "logout"});
  EXPECT_EQ(again.status, 0);
  EXPECT_THAT(again.err, HasSubstr("nothing stored"));
  EXPECT_EQ(run_stored({"dm", "list"}).status, 2);  // no token anywhere now
}

TEST_F(CliAuthTest, AFileOthersCanReadIsRefusedAndBadInputIsAUsageError) {
  ASSERT_EQ(
      run_stored({"auth", "login"}, std::string(kApiKey) + "\n" + fixed::kAdaToken + "\n").status,
      0);
  ASSERT_EQ(::chmod(file().c_str(), 0644), 0);
  auto r = run_stored({"dm", "list"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr("kStoreError"), HasSubstr("readable by others")));
  ASSERT_EQ(::chmod(file().c_str(), 0600), 0);

  EXPECT_EQ(run_stored({"auth", "login"}, "").status, 2);  // no token (the key is stored)
  EXPECT_EQ(run_stored({"auth", "login"}, "\n", {{"GETXAPI_API_KEY", kApiKey}}).status,
            2);  // empty
  EXPECT_EQ(run_stored({"auth", "login"}, "two words\n", {{"GETXAPI_API_KEY", kApiKey}}).status, 2);
  // Nowhere to store: neither XDG_CONFIG_HOME nor HOME.
  EXPECT_EQ(run({"auth", "login"}, {}, "tok-123456\n").status, 2);
  expect_nothing_sent();
}

}  // namespace
}  // namespace getxapi::cli::testing
