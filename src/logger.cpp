#include <getxapi/logger.hpp>

#include <memory>
#include <mutex>
#include <ostream>

namespace getxapi {

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

Logger stream_logger(std::ostream& os, LogLevel min_level) {
  auto mu = std::make_shared<std::mutex>();
  Logger logger;
  logger.min_level = min_level;
  logger.sink = [&os, mu](LogLevel level, std::string_view line) {
    std::lock_guard<std::mutex> lock(*mu);
    os << "[getxapi " << to_string(level) << "] " << line << '\n';
  };
  return logger;
}

}  // namespace getxapi
