// What every `getxapi` subcommand shares: the global options, the output streams, the
// environment, and the one way to build a Client and to report a failure.
#pragma once

#include <getxapi/getxapi.hpp>

#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace getxapi::cli {

enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2 };

/// The options before COMMAND, valid once parsing is done (i.e. inside `Context::run` actions).
struct GlobalOptions {
  std::string base_url;  ///< --base-url; empty: GETXAPI_BASE_URL, then the library default.
  bool json = false;
  bool verbose = false;
  double timeout_seconds = 30;
};

/// A mistake of the caller, found before anything was sent: exit 2 with
/// `error: kInvalidArgument: <msg>`.
class UsageError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The GETXAPI_* variables the CLI reads. Tests pass their own so they never touch the
/// process environment.
using Environment = std::map<std::string, std::string>;

/// The process environment's GETXAPI_* variables.
Environment process_environment();

class Context {
 public:
  /// Reads the process environment and std::cin.
  Context(std::ostream& out, std::ostream& err);
  Context(std::ostream& out, std::ostream& err, std::istream& in, Environment env);

  GlobalOptions global;
  std::ostream& out;
  std::ostream& err;
  std::istream& in;
  /// Whether progress lines are shown (stderr is a terminal).
  bool err_is_terminal = false;
  /// Whether `in` is an interactive terminal (login then prompts and turns echo off).
  bool in_is_terminal = false;

  /// A client from GETXAPI_API_KEY, GETXAPI_BASE_URL/--base-url, --timeout, --verbose;
  /// throws UsageError when the key is missing. `base` lets a command set pacing etc.
  getxapi::Client make_client(getxapi::ClientOptions base = {});
  /// The options `make_client` builds its client from (for the outreach runner, which builds
  /// its own client so pacing, clock and timeout come from one place).
  getxapi::ClientOptions client_options(getxapi::ClientOptions base = {});
  /// GETXAPI_AUTH_TOKEN, or throws UsageError.
  std::string auth_token() const;
  /// A variable of the environment this context was given; nullopt when unset or empty.
  std::optional<std::string> env(std::string const& name) const;

  /// Prints "error: <kCode>: message" on err; returns kExitUsage for refused-before-sending
  /// kInvalidArgument (attempts()==0), else kExitFailure.
  int fail(getxapi::Error const& error);
  /// Prints "error: <code>: message" on err (for failures that are not a getxapi::Error).
  void print_error(std::string_view code, std::string_view message);

  /// Schedules the command to run after parsing; its return value is the exit code.
  void run(std::function<int()> action);
  /// The scheduled action, if a command was selected (used by run_cli).
  std::function<int()> const& scheduled() const { return action_; }

  bool stderr_is_tty() const { return err_is_terminal; }
  /// Writes `\r<text>` progress on stderr only when it is a terminal.
  void progress(std::string const& text);
  /// Erases the progress line, if one was written.
  void end_progress();

  /// Values that must never be printed: anything the CLI writes to err (errors, verbose
  /// lines) has them replaced by "***", on top of the library's own masking.
  void add_secret(std::string secret) const;
  std::string scrub(std::string text) const;

 private:
  Environment env_;
  std::function<int()> action_;
  mutable std::vector<std::string> secrets_;  // grows as secrets are read
  bool progress_shown_ = false;
};

}  // namespace getxapi::cli
