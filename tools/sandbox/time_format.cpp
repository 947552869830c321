// The time formats of the wire contract, without timegm()/gmtime_r().
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include "world.hpp"

namespace getxapi::sandbox {
namespace {

// Howard Hinnant's civil-date algorithms: portable, no timegm()/gmtime_r() dependency.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  std::int64_t const era = (y >= 0 ? y : y - 399) / 400;
  auto const yoe = static_cast<unsigned>(y - era * 400);
  unsigned const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month, day, hour, minute, second, weekday;  // weekday 0 = Sunday
};

Civil civil_from_seconds(std::int64_t t) {
  std::int64_t days = t / 86400;
  std::int64_t secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  std::int64_t const z = days + 719468;
  std::int64_t const era = (z >= 0 ? z : z - 146096) / 146097;
  auto const doe = static_cast<unsigned>(z - era * 146097);
  unsigned const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned const mp = (5 * doy + 2) / 153;
  Civil c{};
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<std::int64_t>(yoe) + era * 400 + (c.month <= 2);
  c.hour = static_cast<unsigned>(secs / 3600);
  c.minute = static_cast<unsigned>(secs / 60 % 60);
  c.second = static_cast<unsigned>(secs % 60);
  c.weekday = static_cast<unsigned>(((days % 7 + 7) % 7 + 4) % 7);
  return c;
}

constexpr std::array<char const*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<char const*, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

}  // namespace

std::string format_iso_micro(std::int64_t t) {
  Civil const c = civil_from_seconds(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.000000Z",
                static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second);
  return buf;
}

std::string format_twitter(std::int64_t t) {
  Civil const c = civil_from_seconds(t);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s %s %02u %02u:%02u:%02u +0000 %04lld", kWeekdays[c.weekday],
                kMonths[c.month - 1], c.day, c.hour, c.minute, c.second,
                static_cast<long long>(c.year));
  return buf;
}

std::string format_iso_ms(std::int64_t ms) {
  std::int64_t secs = ms / 1000;
  std::int64_t frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  Civil const c = civil_from_seconds(secs);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03lldZ",
                static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second,
                static_cast<long long>(frac));
  return buf;
}

std::optional<std::int64_t> parse_time_ms(std::string const& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &consumed) ==
      6) {
    std::int64_t ms = 0;
    std::size_t i = static_cast<std::size_t>(consumed);
    if (i < s.size() && s[i] == '.') {
      ++i;
      int digits = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        if (digits < 3) ms = ms * 10 + (s[i] - '0');
        ++digits;
        ++i;
      }
      if (digits == 0) return std::nullopt;
      for (; digits < 3; ++digits) ms *= 10;
    }
    if (i + 1 != s.size() || s[i] != 'Z') return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
      return std::nullopt;
    }
    std::int64_t const days =
        days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    return ((days * 86400) + h * 3600 + mi * 60 + sec) * 1000 + ms;
  }
  char wd[4] = {}, mon[4] = {};
  if (std::sscanf(s.c_str(), "%3s %3s %2d %2d:%2d:%2d +0000 %4d%n", wd, mon, &d, &h, &mi, &sec, &y,
                  &consumed) == 7 &&
      static_cast<std::size_t>(consumed) == s.size()) {
    auto it = std::find_if(kMonths.begin(), kMonths.end(),
                           [&](char const* m) { return std::string(m) == mon; });
    if (it == kMonths.end()) return std::nullopt;
    auto const m = static_cast<unsigned>(it - kMonths.begin() + 1);
    std::int64_t const days = days_from_civil(y, m, static_cast<unsigned>(d));
    return ((days * 86400) + h * 3600 + mi * 60 + sec) * 1000;
  }
  return std::nullopt;
}

}  // namespace getxapi::sandbox
