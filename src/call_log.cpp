#include "call_log.hpp"

#include <getxapi/escape.hpp>

#include <algorithm>
#include <cctype>

namespace getxapi::internal {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string body_for_log(Endpoint endpoint, std::string_view body, Redactor const& redactor) {
  if (endpoint == Endpoint::kLogin) {
    return "<login body not logged, " + std::to_string(body.size()) + " bytes>";
  }
  return redactor.body(body);
}

void CallLog::emit(LogLevel level, std::string const& line) const {
  // Server text (bodies, error messages, cursors in URLs) may hold control
  // characters that would move a terminal's cursor or forge a second line.
  logger_.sink(level, escape_control(line));
}

void CallLog::request(Endpoint endpoint, HttpRequest const& request, Redactor const& redactor,
                      int attempt) const {
  if (!logger_.enabled(LogLevel::kDebug)) return;
  std::string line = "> " + request.method + " " + redactor.scrub(request.url);
  line += " (attempt " + std::to_string(attempt) + ")";
  for (auto const& [name, value] : request.headers) {
    line += " | " + name + ": " + (iequals(name, "authorization") ? "Bearer ***" : value);
  }
  if (!request.body.empty()) line += " | body: " + body_for_log(endpoint, request.body, redactor);
  emit(LogLevel::kDebug, line);
}

void CallLog::response(Endpoint endpoint, Result<HttpResponse> const& response,
                       Redactor const& redactor, std::chrono::milliseconds took) const {
  if (!logger_) return;
  if (!response) {
    if (logger_.enabled(LogLevel::kInfo)) {
      emit(LogLevel::kInfo, std::string(to_string(endpoint)) + " failed after " +
                                std::to_string(took.count()) +
                                " ms: " + redactor.scrub(response.error().message()));
    }
    return;
  }
  if (logger_.enabled(LogLevel::kDebug)) {
    emit(LogLevel::kDebug, "< " + std::to_string(response->status) + " in " +
                               std::to_string(took.count()) +
                               " ms | body: " + body_for_log(endpoint, response->body, redactor));
  } else if (logger_.enabled(LogLevel::kInfo)) {
    emit(LogLevel::kInfo, std::string(to_string(endpoint)) + " -> " +
                              std::to_string(response->status) + " in " +
                              std::to_string(took.count()) + " ms");
  }
}

void CallLog::wait(Endpoint endpoint, std::string_view reason, std::chrono::milliseconds delay,
                   std::optional<Error> const& error) const {
  if (!logger_.enabled(LogLevel::kWarning)) return;
  std::string line = std::string(to_string(endpoint)) + ": waiting " +
                     std::to_string(delay.count()) + " ms (" + std::string(reason) + ")";
  if (error) {
    line += " after " + std::string(to_string(error->code())) + " http " +
            std::to_string(error->http_status());
  }
  emit(LogLevel::kWarning, line);
}

}  // namespace getxapi::internal
