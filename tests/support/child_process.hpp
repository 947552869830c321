// Child processes for the end-to-end tests (the CLI, the test workers): started
// with posix_spawn and an environment of the test's choosing (never the
// caller's: no stray GETXAPI_* variable leaks in), stdin from /dev/null,
// stdout and stderr into files; waited for; their files read back.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace getxapi::testing {

/// The whole file (empty when it does not exist).
inline std::string slurp(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// How a child's output files are opened.
enum class OutputFiles { kTruncate, kAppend };

/// Starts `argv` (argv[0] a path) with exactly `env`; throws when it cannot.
inline pid_t spawn_process(std::vector<std::string> argv_s, std::vector<std::string> env,
                           std::string const& out, std::string const& err,
                           OutputFiles mode = OutputFiles::kTruncate) {
  std::vector<char*> argv, envp;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  int const flags = O_WRONLY | O_CREAT | (mode == OutputFiles::kAppend ? O_APPEND : O_TRUNC);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), flags, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), flags, 0600);
  pid_t pid = -1;
  int const rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv_s[0]);
  return pid;
}

/// Exit status, or 128 + signal.
inline int wait_process(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace getxapi::testing
