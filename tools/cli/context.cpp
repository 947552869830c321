#include "context.hpp"

#include "credentials.hpp"
#include "output.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <ostream>
#include <string_view>
#include <utility>

extern char** environ;

namespace getxapi::cli {

namespace {

constexpr std::string_view kEnvPrefix = "GETXAPI_";
// Shorter values are too likely to occur in ordinary text to be masked usefully; the
// library masks secrets by field anyway, this is only a second line of defence.
constexpr std::size_t kMinScrubbedSecret = 6;

bool wanted_variable(std::string_view name) {
  return name.substr(0, kEnvPrefix.size()) == kEnvPrefix || name == "HOME" ||
         name == "XDG_CONFIG_HOME";
}

// A failure after which the DM may have gone out: a 5xx, or no (readable) answer to a request
// that reached the network. Core's Error::may_have_taken_effect() will say this in one place.
bool dm_may_have_been_delivered(getxapi::Error const& error) {
  if (error.endpoint() != "/twitter/dm/send") return false;
  if (error.code() == getxapi::ErrorCode::kServerError) return true;
  return error.request_sent() && (error.code() == getxapi::ErrorCode::kNetwork ||
                                  error.code() == getxapi::ErrorCode::kTimeout ||
                                  error.code() == getxapi::ErrorCode::kInvalidResponse);
}

constexpr char kDeliveryHint[] =
    "the DM may have been delivered; check `getxapi dm list` before sending again";

}  // namespace

Environment process_environment() {
  Environment env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view const text(*entry);
    auto const eq = text.find('=');
    if (eq == std::string_view::npos || !wanted_variable(text.substr(0, eq))) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

Context::Context(std::ostream& out, std::ostream& err)
    : Context(out, err, std::cin, process_environment()) {
  err_is_terminal = &err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
  in_is_terminal = ::isatty(STDIN_FILENO) == 1;
}

Context::Context(std::ostream& out, std::ostream& err, std::istream& in, Environment env)
    : out(out), err(err), in(in), env_(std::move(env)) {
  if (auto seconds = this->env("GETXAPI_PROGRESS_SECONDS")) {
    char* end = nullptr;
    double const value = std::strtod(seconds->c_str(), &end);
    if (end != seconds->c_str() && *end == '\0' && value >= 0 && value < 1e6) {
      progress_interval = std::chrono::milliseconds(std::llround(value * 1000.0));
    }
  }
}

std::optional<std::string> Context::env(std::string const& name) const {
  auto it = env_.find(name);
  if (it == env_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Context::env_or_stored(std::string const& name) const {
  if (auto value = env(name)) return value;
  if (!stored_loaded_) {
    stored_loaded_ = true;
    if (auto path = credentials_path(env_)) {
      auto loaded = load_credentials(*path);
      if (!loaded) throw CommandError(loaded.error());
      if (*loaded) {
        stored_["GETXAPI_API_KEY"] = (*loaded)->api_key;
        stored_["GETXAPI_AUTH_TOKEN"] = (*loaded)->auth_token;
      }
    }
  }
  auto it = stored_.find(name);
  if (it == stored_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Context::api_key() const {
  auto key = env_or_stored("GETXAPI_API_KEY");
  if (key) add_secret(*key);
  return key;
}

getxapi::Client Context::make_client(getxapi::ClientOptions base) {
  return getxapi::Client(client_options(std::move(base)));
}

getxapi::ClientOptions Context::client_options(getxapi::ClientOptions base) {
  auto key = base.api_key.empty() ? api_key() : std::optional<std::string>(base.api_key);
  if (!key) {
    throw UsageError(
        "GETXAPI_API_KEY is not set (export your GetXAPI key, or store it with `getxapi auth "
        "login`)");
  }
  base.api_key = std::move(*key);
  if (!global.base_url.empty()) {
    base.base_url = global.base_url;
  } else if (auto url = env("GETXAPI_BASE_URL")) {
    base.base_url = std::move(*url);
  }
  if (!(global.timeout_seconds > 0) || !std::isfinite(global.timeout_seconds)) {
    throw UsageError("--timeout must be a positive number of seconds");
  }
  // A day is as good as forever here, and keeps the milliseconds from overflowing.
  double const seconds = std::min(global.timeout_seconds, 86400.0);
  auto const timeout =
      std::chrono::milliseconds(std::max<long long>(1, std::llround(seconds * 1000.0)));
  base.timeout = timeout;
  base.connect_timeout = std::min(base.connect_timeout, timeout);
  if (global.verbose) {
    auto mu = std::make_shared<std::mutex>();
    base.logger.min_level = getxapi::LogLevel::kDebug;
    base.logger.sink = [this, mu](getxapi::LogLevel level, std::string_view line) {
      std::lock_guard<std::mutex> lock(*mu);
      err << "[getxapi " << getxapi::to_string(level) << "] "
          << escape_control(scrub(std::string(line))) << '\n';
    };
  }
  return base;
}

std::string Context::auth_token() const {
  auto token = env_or_stored("GETXAPI_AUTH_TOKEN");
  if (!token) {
    throw UsageError(
        "GETXAPI_AUTH_TOKEN is not set (export the auth_token printed by `getxapi login`, or "
        "store it with `getxapi auth login`)");
  }
  add_secret(*token);
  return *token;
}

int Context::fail(getxapi::Error const& error, std::string const& resume_cursor) {
  bool const refused_before_sending =
      error.code() == getxapi::ErrorCode::kInvalidArgument && error.attempts() == 0;
  int const status = refused_before_sending ? kExitUsage : kExitFailure;
  bool const may_have_been_delivered = dm_may_have_been_delivered(error);
  std::string message = error.message();
  if (auto const& challenge = error.challenge();
      challenge && message.find(*challenge) == std::string::npos) {
    message += " (challenge: " + *challenge + ")";
  }
  if (global.json) {
    nlohmann::json e = {{"code", getxapi::to_string(error.code())}, {"message", scrub(message)}};
    if (error.http_status() != 0) e["http_status"] = error.http_status();
    if (auto code = error.twitter_error_code()) e["twitter_code"] = *code;
    if (auto after = error.retry_after()) e["retry_after_seconds"] = after->count();
    if (may_have_been_delivered) e["may_have_been_delivered"] = true;
    if (!resume_cursor.empty()) e["resume_cursor"] = resume_cursor;
    end_progress();
    // ensure_ascii: every control or non-ASCII character of server text is a \u escape.
    err << nlohmann::json{{"error", e}}.dump(-1, ' ', true,
                                             nlohmann::json::error_handler_t::replace)
        << '\n';
    err.flush();
    return status;
  }
  if (auto code = error.twitter_error_code()) {
    message += " (twitter code " + std::to_string(*code) + ")";
  }
  if (auto after = error.retry_after()) {
    message += " (retry after " + std::to_string(after->count()) + "s)";
  }
  if (may_have_been_delivered) message += std::string(" (") + kDeliveryHint + ")";
  print_error(getxapi::to_string(error.code()), message);
  if (!resume_cursor.empty()) note("resume with: --cursor " + resume_cursor);
  return status;
}

void Context::print_error(std::string_view code, std::string_view message) {
  end_progress();
  if (global.json) {
    nlohmann::json const e = {{"code", code}, {"message", scrub(std::string(message))}};
    err << nlohmann::json{{"error", e}}.dump(-1, ' ', true,
                                             nlohmann::json::error_handler_t::replace)
        << '\n';
  } else {
    err << "error: " << code << ": " << escape_control(scrub(std::string(message))) << '\n';
  }
  err.flush();
}

void Context::note(std::string_view text) {
  end_progress();
  err << escape_control(scrub(std::string(text))) << '\n';
}

void Context::run(std::function<int()> action) { action_ = std::move(action); }

void Context::progress(std::string const& text) {
  if (err_is_terminal) {
    // \x1b[K clears what a longer previous line left behind.
    err << '\r' << escape_control(text) << "\x1b[K" << std::flush;
    progress_shown_ = true;
    return;
  }
  if (progress_interval.count() == 0) return;
  auto const t = now();
  if (!progress_line_at_) {
    progress_line_at_ = t;  // the first line comes one interval after the start
    return;
  }
  if (t - *progress_line_at_ < progress_interval) return;
  progress_line_at_ = t;
  err << "progress: " << escape_control(text) << '\n' << std::flush;
}

void Context::end_progress() {
  if (!progress_shown_) return;
  err << "\r\x1b[K" << std::flush;
  progress_shown_ = false;
}

void Context::add_secret(std::string secret) const {
  if (secret.size() < kMinScrubbedSecret) return;
  for (auto const& known : secrets_) {
    if (known == secret) return;
  }
  secrets_.push_back(std::move(secret));
}

std::string Context::scrub(std::string text) const {
  for (auto const& secret : secrets_) {
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
      text.replace(pos, secret.size(), "***");
    }
  }
  return text;
}

}  // namespace getxapi::cli
