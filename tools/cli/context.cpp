#include "context.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
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

}  // namespace

Environment process_environment() {
  Environment env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view const text(*entry);
    auto const eq = text.find('=');
    if (eq == std::string_view::npos || text.substr(0, kEnvPrefix.size()) != kEnvPrefix) continue;
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
    : out(out), err(err), in(in), env_(std::move(env)) {}

std::optional<std::string> Context::env(std::string const& name) const {
  auto it = env_.find(name);
  if (it == env_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

getxapi::Client Context::make_client(getxapi::ClientOptions base) {
  return getxapi::Client(client_options(std::move(base)));
}

getxapi::ClientOptions Context::client_options(getxapi::ClientOptions base) {
  auto key = env("GETXAPI_API_KEY");
  if (!key) throw UsageError("GETXAPI_API_KEY is not set (export your GetXAPI key)");
  add_secret(*key);
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
      err << "[getxapi " << getxapi::to_string(level) << "] " << scrub(std::string(line)) << '\n';
    };
  }
  return base;
}

std::string Context::auth_token() const {
  auto token = env("GETXAPI_AUTH_TOKEN");
  if (!token) {
    throw UsageError(
        "GETXAPI_AUTH_TOKEN is not set (export the auth_token printed by `getxapi login`)");
  }
  add_secret(*token);
  return *token;
}

int Context::fail(getxapi::Error const& error) {
  std::string message = error.message();
  if (auto const& challenge = error.challenge();
      challenge && message.find(*challenge) == std::string::npos) {
    message += " (challenge: " + *challenge + ")";
  }
  if (auto code = error.twitter_error_code()) {
    message += " (twitter code " + std::to_string(*code) + ")";
  }
  if (auto after = error.retry_after()) {
    message += " (retry after " + std::to_string(after->count()) + "s)";
  }
  if (error.code() == getxapi::ErrorCode::kServerError && error.request_sent() &&
      error.endpoint() == "/twitter/dm/send") {
    message += " (the message may have been delivered: check `getxapi dm list` before resending)";
  }
  print_error(getxapi::to_string(error.code()), message);
  bool const refused_before_sending =
      error.code() == getxapi::ErrorCode::kInvalidArgument && error.attempts() == 0;
  return refused_before_sending ? kExitUsage : kExitFailure;
}

void Context::print_error(std::string_view code, std::string_view message) {
  end_progress();
  err << "error: " << code << ": " << scrub(std::string(message)) << '\n';
  err.flush();
}

void Context::run(std::function<int()> action) { action_ = std::move(action); }

void Context::progress(std::string const& text) {
  if (!err_is_terminal) return;
  // \x1b[K clears what a longer previous line left behind.
  err << '\r' << text << "\x1b[K" << std::flush;
  progress_shown_ = true;
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
