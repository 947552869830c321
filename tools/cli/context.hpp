// What every `getxapi` subcommand shares: the global options, the output streams, the
// environment, and the one way to build a Client and to report a failure.
#pragma once

#include <getxapi/getxapi.hpp>

#include <chrono>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
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

/// A failure found inside a command that is a getxapi::Error (e.g. unreadable stored
/// credentials); run_cli prints it with Context::fail.
class CommandError : public std::runtime_error {
 public:
  explicit CommandError(getxapi::Error error)
      : std::runtime_error(error.message()), error_(std::move(error)) {}
  getxapi::Error const& error() const noexcept { return error_; }

 private:
  getxapi::Error error_;
};

/// The GETXAPI_* variables the CLI reads (and HOME, XDG_CONFIG_HOME for the stored
/// credentials). Tests pass their own so they never touch the process environment.
using Environment = std::map<std::string, std::string>;

/// The process environment's GETXAPI_* variables, HOME and XDG_CONFIG_HOME.
Environment process_environment();

/// What progress lines read the time from; tests inject a fake one.
using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

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

  /// When stderr is not a terminal, a progress line is printed at most this often
  /// (GETXAPI_PROGRESS_SECONDS; 0 turns them off).
  std::chrono::milliseconds progress_interval{std::chrono::seconds(10)};
  SteadyNow now = [] { return std::chrono::steady_clock::now(); };

  /// A client from the API key (see api_key()), GETXAPI_BASE_URL/--base-url, --timeout,
  /// --verbose; throws UsageError when there is no key. `base` lets a command set pacing etc.
  getxapi::Client make_client(getxapi::ClientOptions base = {});
  /// The options `make_client` builds its client from (for the outreach runner, which builds
  /// its own client so pacing, clock and timeout come from one place).
  getxapi::ClientOptions client_options(getxapi::ClientOptions base = {});
  /// GETXAPI_API_KEY, else the key `getxapi auth login` stored; nullopt when neither.
  std::optional<std::string> api_key() const;
  /// GETXAPI_AUTH_TOKEN, else the stored one, or throws UsageError.
  std::string auth_token() const;
  /// A variable of the environment this context was given; nullopt when unset or empty.
  std::optional<std::string> env(std::string const& name) const;
  Environment const& environment() const { return env_; }

  /// Prints the error on err: `error: <kCode>: message` (with the hints a user acts on:
  /// X's code, retry-after, "the DM may have been delivered"), or under --json one
  /// `{"error":{"code":...,"message":...}}` line. A non-empty `resume_cursor` (a walk that
  /// failed midway) adds `resume with: --cursor C`. Returns kExitUsage for
  /// refused-before-sending kInvalidArgument (attempts()==0), else kExitFailure.
  int fail(getxapi::Error const& error, std::string const& resume_cursor = "");
  /// Prints "error: <code>: message" on err (for failures that are not a getxapi::Error).
  void print_error(std::string_view code, std::string_view message);
  /// One line on err for people (notes, hints), escaped and scrubbed like errors.
  void note(std::string_view text);

  /// Schedules the command to run after parsing; its return value is the exit code.
  void run(std::function<int()> action);
  /// The scheduled action, if a command was selected (used by run_cli).
  std::function<int()> const& scheduled() const { return action_; }

  bool stderr_is_tty() const { return err_is_terminal; }
  /// A progress line on stderr: on a terminal `\r<text>` kept up to date (every call);
  /// otherwise a whole line at most every `progress_interval` (cron, journald), the first
  /// one an interval after the first call, so short runs print none.
  void progress(std::string const& text);
  /// Erases the progress line, if one was written on a terminal.
  void end_progress();

  /// Values that must never be printed: anything the CLI writes to err (errors, verbose
  /// lines) has them replaced by "***", on top of the library's own masking.
  void add_secret(std::string secret) const;
  std::string scrub(std::string text) const;

 private:
  // The value of `name`, else the same field of the stored credentials.
  std::optional<std::string> env_or_stored(std::string const& name) const;

  Environment env_;
  std::function<int()> action_;
  mutable bool stored_loaded_ = false;
  mutable Environment stored_;                // GETXAPI_API_KEY / GETXAPI_AUTH_TOKEN from the file
  mutable std::vector<std::string> secrets_;  // grows as secrets are read
  bool progress_shown_ = false;
  std::optional<std::chrono::steady_clock::time_point> progress_line_at_;
};

}  // namespace getxapi::cli
