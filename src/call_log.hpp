// The log lines of one connection: requests and responses at kDebug, one line
// per call at kInfo, waits at kWarning. Every line is masked (Redactor) and
// escaped (escape_control) before the sink sees it, and login bodies are never
// logged at all: they carry a password going out and issued tokens coming back.
#pragma once

#include <getxapi/endpoint.hpp>
#include <getxapi/error.hpp>
#include <getxapi/logger.hpp>
#include <getxapi/result.hpp>
#include <getxapi/transport.hpp>

#include "redact.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace getxapi::internal {

class CallLog {
 public:
  explicit CallLog(Logger const& logger) : logger_(logger) {}

  /// Whether anything is logged at all (worth timing the exchange for).
  bool active() const noexcept { return static_cast<bool>(logger_); }

  void request(Endpoint endpoint, HttpRequest const& request, Redactor const& redactor,
               int attempt) const;
  void response(Endpoint endpoint, Result<HttpResponse> const& response, Redactor const& redactor,
                std::chrono::milliseconds took) const;
  void wait(Endpoint endpoint, std::string_view reason, std::chrono::milliseconds delay,
            std::optional<Error> const& error) const;

 private:
  void emit(LogLevel level, std::string const& line) const;

  Logger const& logger_;
};

/// A body as a log line may show it: masked, cut short; never a login body.
std::string body_for_log(Endpoint endpoint, std::string_view body, Redactor const& redactor);

}  // namespace getxapi::internal
