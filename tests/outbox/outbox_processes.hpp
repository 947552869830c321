// Worker processes for the outbox's e2e tests: spawn a `getxapi outbox work` (or the
// test worker) with a given environment, its output in files, kill it, wait for it;
// and the sandbox's delivered messages, counted per sender.
#pragma once

#include "../outreach/sandbox_fixture.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace getxapi::outbox::testing {

using getxapi::outreach::testing::SandboxFixture;

inline std::string slurp(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Child processes with a given environment and their output in files.
class Proc {
 public:
  Proc(std::vector<std::string> env, std::string out, std::string err)
      : env_(std::move(env)), out_(std::move(out)), err_(std::move(err)) {}

  pid_t spawn(std::vector<std::string> argv_s, std::vector<std::string> const& extra_env = {}) {
    std::vector<std::string> env = env_;
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> argv, envp;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0600);
    pid_t pid = -1;
    int const rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv_s[0]);
    return pid;
  }
  /// Exit status, or 128 + signal.
  static int wait(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }

 private:
  std::vector<std::string> env_;
  std::string out_, err_;
};

inline std::vector<std::string> base_env(std::string const& url) {
  return {"GETXAPI_API_KEY=sandbox-api-key",
          "GETXAPI_BASE_URL=" + url,
          "PATH=/usr/bin:/bin",
          "LC_ALL=C.UTF-8",
          "TOKEN_A=sandbox-token-ada",
          "TOKEN_B=sandbox-token-grace"};
}

// sender id -> (recipient id + text) -> deliveries
inline std::map<std::string, std::map<std::string, int>> deliveries(SandboxFixture& sb) {
  std::map<std::string, std::map<std::string, int>> out;
  for (auto const& m : sb.get("/_sandbox/messages")) {
    out[m["senderId"].get<std::string>()]
       [m["recipientId"].get<std::string>() + '|' + m["text"].get<std::string>()]++;
  }
  return out;
}

}  // namespace getxapi::outbox::testing
