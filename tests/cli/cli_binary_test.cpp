// The built `getxapi` executable as a user runs it: a subprocess with its own environment,
// stdin and stdout/stderr, against the in-process sandbox.
#include "sandbox.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
namespace fixed = getxapi::sandbox::fixed;

constexpr char kApiKey[] = "sk-binary-test-9Zx8Yw7V";

struct ProcessRun {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the CLI with exactly `env` as its environment, `stdin_text` on stdin, and stdout /
// stderr captured through files (no pipe to deadlock on).
ProcessRun run_binary(std::vector<std::string> args, std::vector<std::string> env,
                      std::string const& stdin_text = "") {
  char dir_template[] = "/tmp/getxapi-cli-test-XXXXXX";
  std::string const dir = ::mkdtemp(dir_template);
  std::string const in_path = dir + "/in", out_path = dir + "/out", err_path = dir + "/err";
  std::ofstream(in_path, std::ios::binary) << stdin_text;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  args.insert(args.begin(), GETXAPI_CLI_EXECUTABLE);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  ProcessRun run;
  pid_t pid = 0;
  int const spawned =
      ::posix_spawn(&pid, GETXAPI_CLI_EXECUTABLE, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned == 0) {
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
    run.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  }
  run.out = slurp(out_path);
  run.err = slurp(err_path);
  for (auto const& p : {in_path, out_path, err_path}) std::remove(p.c_str());
  ::rmdir(dir.c_str());
  return run;
}

class CliBinaryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    getxapi::sandbox::SandboxOptions options;
    options.api_key = kApiKey;
    sandbox_ = new getxapi::sandbox::Sandbox(options);
    sandbox_->start();
  }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }
  void SetUp() override { sandbox_->reset(); }

  std::vector<std::string> env(bool with_key = true) const {
    std::vector<std::string> e = {"GETXAPI_BASE_URL=" + sandbox_->base_url(),
                                  std::string("GETXAPI_AUTH_TOKEN=") + fixed::kAdaToken,
                                  "PATH=/usr/bin:/bin"};
    if (with_key) e.push_back(std::string("GETXAPI_API_KEY=") + kApiKey);
    return e;
  }

  static getxapi::sandbox::Sandbox* sandbox_;
};

getxapi::sandbox::Sandbox* CliBinaryTest::sandbox_ = nullptr;

TEST_F(CliBinaryTest, HelpExitsZero) {
  auto r = run_binary({"--help"}, {});
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("GETXAPI_API_KEY"));
  EXPECT_EQ(r.err, "");
}

TEST_F(CliBinaryTest, UserInfoReadsKeyAndBaseUrlFromTheEnvironment) {
  auto r = run_binary({"--json", "user", "info", "ada_example"}, env());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"userName\":\"ada_example\""));
  EXPECT_THAT(r.err, Not(HasSubstr("\r")));  // stderr is a file: no progress line
}

TEST_F(CliBinaryTest, LoginReadsThePasswordFromStdin) {
  auto r = run_binary({"login", "--username", "ada_example"}, env(),
                      std::string(fixed::kPassword) + "\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, std::string(fixed::kAdaToken) + "\n");
}

TEST_F(CliBinaryTest, MissingApiKeyExitsTwo) {
  auto r = run_binary({"user", "info", "ada_example"}, env(false));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, StartsWith("error: kInvalidArgument: GETXAPI_API_KEY"));
}

TEST_F(CliBinaryTest, ApiErrorExitsOneWithItsCodeAndNoSecretWithVerbose) {
  auto r = run_binary({"--verbose", "dm", "send", "--to", fixed::kClosedUserName, "hi"}, env());
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("error: kCannotDm: "));
  EXPECT_THAT(r.err, HasSubstr("[getxapi DEBUG] > POST"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(kApiKey)));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(fixed::kAdaToken)));
}

TEST_F(CliBinaryTest, UnknownFlagExitsTwo) {
  auto r = run_binary({"--bogus"}, env());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, StartsWith("error: kInvalidArgument: "));
}

// Like run_binary, but stderr is a pipe the test reads (what cron and journald give).
ProcessRun run_binary_stderr_pipe(std::vector<std::string> args, std::vector<std::string> env) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  args.insert(args.begin(), GETXAPI_CLI_EXECUTABLE);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  ProcessRun run;
  pid_t pid = 0;
  int const spawned =
      ::posix_spawn(&pid, GETXAPI_CLI_EXECUTABLE, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    run.err.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  if (spawned == 0) {
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
    run.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  }
  return run;
}

TEST_F(CliBinaryTest, ProgressLinesAppearWhenStderrIsAPipe) {
  auto e = env();
  e.push_back("GETXAPI_PROGRESS_SECONDS=0.001");
  auto r = run_binary_stderr_pipe({"followers", "ada_example", "--all"}, e);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("progress: followers of @ada_example: "));
  EXPECT_THAT(r.err, HasSubstr(" users/s"));
  EXPECT_THAT(r.err, Not(HasSubstr("\r")));
}

TEST_F(CliBinaryTest, VersionNamesTheCommitAndCompletionScriptsParse) {
  auto version = run_binary({"--version"}, {});
  EXPECT_EQ(version.status, 0);
  EXPECT_THAT(version.out, ::testing::ContainsRegex("^getxapi [0-9]+\\.[0-9]+\\.[0-9]+ \\(commit "
                                                    "([0-9a-f]{12}|unknown)\\)\n$"));
  auto bash = run_binary({"completion", "bash"}, {});
  ASSERT_EQ(bash.status, 0);
  std::string const path = "/tmp/getxapi-completion-test-" + std::to_string(::getpid());
  std::ofstream(path) << bash.out;
  // Syntax, then a real completion: `getxapi dm l<TAB>` offers list.
  std::string const check = "bash -c 'set -e; source " + path +
                            "; COMP_WORDS=(getxapi dm l); COMP_CWORD=2; _getxapi; "
                            "[ \"${COMPREPLY[*]}\" = list ]'";
  EXPECT_EQ(std::system(check.c_str()), 0);
  std::remove(path.c_str());
  // Installed next to the binary by the build (share/...), the man page too when help2man is.
  std::string const share = std::string(GETXAPI_CLI_SHARE_DIR);
  for (auto const* f : {"/bash-completion/completions/getxapi", "/zsh/site-functions/_getxapi",
                        "/fish/vendor_completions.d/getxapi.fish"}) {
    EXPECT_TRUE(std::ifstream(share + f).good()) << share + f;
  }
}

}  // namespace
