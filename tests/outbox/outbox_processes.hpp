// Worker processes for the outbox's e2e tests: spawn a `getxapi outbox work` (or the
// test worker) with a given environment, its output in files, kill it, wait for it;
// and the sandbox's delivered messages, counted per sender.
#pragma once

#include "../outreach/sandbox_fixture.hpp"
#include "../support/child_process.hpp"

#include <signal.h>

#include <map>
#include <string>
#include <vector>

namespace getxapi::outbox::testing {

using getxapi::outreach::testing::SandboxFixture;

using getxapi::testing::slurp;

/// Child processes with a given environment and their output in files (appended).
class Proc {
 public:
  Proc(std::vector<std::string> env, std::string out, std::string err)
      : env_(std::move(env)), out_(std::move(out)), err_(std::move(err)) {}

  pid_t spawn(std::vector<std::string> argv, std::vector<std::string> const& extra_env = {}) {
    std::vector<std::string> env = env_;
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    return getxapi::testing::spawn_process(std::move(argv), std::move(env), out_, err_,
                                           getxapi::testing::OutputFiles::kAppend);
  }
  /// Exit status, or 128 + signal.
  static int wait(pid_t pid) { return getxapi::testing::wait_process(pid); }
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
