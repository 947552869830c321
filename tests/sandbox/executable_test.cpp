// The getxapi-sandbox executable: first stdout line, serving, signals, flags.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A child getxapi-sandbox with its stdout on a pipe.
class Process {
 public:
  // With `merge_stderr`, stderr goes to the same pipe as stdout.
  explicit Process(std::vector<std::string> args, bool merge_stderr = false) {
    args.insert(args.begin(), GETXAPI_SANDBOX_EXE);
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      if (merge_stderr) dup2(fds[1], STDERR_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }

  // The next stdout line, or "" after `timeout`.
  std::string read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char c;
      if (read(out_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }

  std::string read_all() {
    std::string all;
    char buf[65536];
    ssize_t n;
    while ((n = read(out_, buf, sizeof buf)) > 0) all.append(buf, static_cast<std::size_t>(n));
    return all;
  }

  // Exit status, or -1 if it did not exit within `timeout`.
  int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }

  void signal(int sig) { kill(pid_, sig); }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

int port_from(std::string const& line) {
  std::smatch m;
  static std::regex const kLine(R"(listening on http://127\.0\.0\.1:(\d+))");
  if (!std::regex_match(line, m, kLine)) return 0;
  return std::stoi(m[1]);
}

void expect_serves_then_stops_on(int sig) {
  Process p({"--port", "0"});
  std::string const line = p.read_line();
  int const port = port_from(line);
  ASSERT_GT(port, 0) << "first line was: " << line;
  {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(2);
    auto r = c.Get("/twitter/user/info?userName=grace_h", {{"Authorization", "Bearer k"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(json::parse(r->body)["data"]["id"], "1700000000000000002");
  }
  p.signal(sig);
  EXPECT_EQ(p.wait_exit(), 0);
}

TEST(SandboxExecutable, PrintsListeningLineAndStopsOnSigterm) {
  expect_serves_then_stops_on(SIGTERM);
}

TEST(SandboxExecutable, StopsOnSigint) { expect_serves_then_stops_on(SIGINT); }

TEST(SandboxExecutable, ApiKeyFlag) {
  Process p({"--port", "0", "--api-key", "only-this", "--log-requests"});
  int const port = port_from(p.read_line());
  ASSERT_GT(port, 0);
  httplib::Client c("127.0.0.1", port);
  EXPECT_EQ(
      c.Get("/twitter/user/info?userName=grace_h", {{"Authorization", "Bearer nope"}})->status,
      401);
  EXPECT_EQ(
      c.Get("/twitter/user/info?userName=grace_h", {{"Authorization", "Bearer only-this"}})->status,
      200);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait_exit(), 0);
}

TEST(SandboxExecutable, DumpWorldWithSeed) {
  Process seeded({"--seed", "99", "--dump-world", "-"});
  json const world = json::parse(seeded.read_all());
  EXPECT_EQ(seeded.wait_exit(), 0);
  EXPECT_EQ(world["format"], "getxapi-sandbox-world");
  EXPECT_EQ(world["seed"], 99);
  EXPECT_EQ(world["users"][0]["userName"], "ada_example");
}

TEST(SandboxExecutable, UsageErrors) {
  Process both(
      {"--seed", "1", "--data", GETXAPI_SOURCE_DIR "/tools/sandbox/data/example-world.json"});
  EXPECT_EQ(both.wait_exit(), 2);
  Process bad_port({"--port", "70000"});
  EXPECT_EQ(bad_port.wait_exit(), 2);
}

TEST(SandboxExecutable, MissingDataFileIsAStartUpFailure) {
  Process missing({"--data", "/nonexistent.json"}, true);
  EXPECT_EQ(missing.wait_exit(), 1);
  EXPECT_THAT(missing.read_all(), HasSubstr("cannot open world data file /nonexistent.json"));
}

TEST(SandboxExecutable, VersionAndHelp) {
  Process version({"--version"});
  EXPECT_THAT(version.read_all(), StartsWith("getxapi-sandbox 0."));
  EXPECT_EQ(version.wait_exit(), 0);
  Process help({"--help"});
  std::string const text = help.read_all();
  EXPECT_EQ(help.wait_exit(), 0);
  for (char const* flag : {"--host", "--port", "--data", "--seed", "--api-key", "--log-requests",
                           "--dump-world", "--version"}) {
    EXPECT_THAT(text, HasSubstr(flag));
  }
  EXPECT_THAT(text, HasSubstr("Exit status"));
}

// The documented `--port 8080` started twice: the second exits 1 instead of sharing the
// port (and splitting the requests between two worlds).
TEST(SandboxExecutable, ATakenPortExits1WithAClearMessage) {
  Process first({"--port", "0"});
  int const port = port_from(first.read_line());
  ASSERT_GT(port, 0);
  Process second({"--port", std::to_string(port)}, true);
  EXPECT_EQ(second.wait_exit(), 1);
  std::string const out = second.read_all();
  EXPECT_THAT(out, HasSubstr("cannot bind 127.0.0.1:" + std::to_string(port)));
  EXPECT_THAT(out, Not(HasSubstr("listening on")));
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get("/_sandbox/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait_exit(), 0);
}

}  // namespace
