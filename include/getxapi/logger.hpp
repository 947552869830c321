/// @file
/// The logging hook. Every line it receives has secrets masked.
#pragma once

#include <getxapi/export.hpp>

#include <functional>
#include <iosfwd>
#include <string_view>

namespace getxapi {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

GETXAPI_EXPORT std::string_view to_string(LogLevel level) noexcept;

/// Receives one line per event. At kDebug: each request (method, URL,
/// headers, body) and response (status, time, body); at kInfo: one line per
/// call and per retry; at kWarning: retries and waits. The API key, auth
/// tokens, ct0, passwords and TOTP secrets are replaced by "***" before the
/// line is built. Called from the calling thread; must be thread-safe.
struct Logger {
  LogLevel min_level = LogLevel::kInfo;
  std::function<void(LogLevel, std::string_view)> sink;

  explicit operator bool() const noexcept { return static_cast<bool>(sink); }
  bool enabled(LogLevel level) const noexcept { return sink && level >= min_level; }
};

/// A logger writing `[getxapi LEVEL] line` to `os` (guarded by a mutex).
GETXAPI_EXPORT Logger stream_logger(std::ostream& os, LogLevel min_level = LogLevel::kInfo);

}  // namespace getxapi
