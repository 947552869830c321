#include <getxapi/timestamp.hpp>

#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace getxapi {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
// days_from_civil), so parsing never depends on the process's time zone.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  std::int64_t const era = (y >= 0 ? y : y - 399) / 400;
  auto const yoe = static_cast<unsigned>(y - era * 400);
  unsigned const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  bool lit(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  // Exactly `n` digits.
  bool num(int n, int& out) {
    out = 0;
    for (int k = 0; k < n; ++k) {
      if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
      out = out * 10 + (s[i++] - '0');
    }
    return true;
  }
};

bool valid_date(int y, int mo, int d, int h, int mi, int sec) {
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > kDays[static_cast<std::size_t>(mo - 1)]) {
    return false;
  }
  bool const leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
  if (mo == 2 && d == 29 && !leap) return false;
  return h <= 23 && mi <= 59 && sec <= 60;
}

// nullopt past what Timestamp can hold: system_clock counts nanoseconds in
// 64 bits on libstdc++, so it ends in April 2262 ("2633-..." from a hostile
// or broken server must not overflow).
std::optional<Timestamp> make_time(int y, int mo, int d, int h, int mi, int sec, std::int64_t ms,
                                   int offset_minutes) {
  std::int64_t const days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  std::int64_t const secs = days * 86400 + std::int64_t{h} * 3600 + std::int64_t{mi} * 60 + sec -
                            std::int64_t{offset_minutes} * 60;
  std::int64_t const total_ms = secs * 1000 + ms;  // years < 10000: far inside int64
  constexpr auto kMaxMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(Timestamp::duration::max()).count();
  constexpr auto kMinMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(Timestamp::duration::min()).count();
  if (total_ms > kMaxMs || total_ms < kMinMs) return std::nullopt;
  return Timestamp(
      std::chrono::duration_cast<Timestamp::duration>(std::chrono::milliseconds(total_ms)));
}

std::optional<Timestamp> parse_iso(std::string_view text) {
  Cursor c{text};
  int y, mo, d, h, mi, sec;
  if (!c.num(4, y) || !c.lit('-') || !c.num(2, mo) || !c.lit('-') || !c.num(2, d)) return {};
  if (!c.lit('T') && !c.lit(' ')) return {};
  if (!c.num(2, h) || !c.lit(':') || !c.num(2, mi) || !c.lit(':') || !c.num(2, sec)) return {};
  std::int64_t ms = 0;
  if (c.lit('.')) {
    int digits = 0;
    while (!c.done() && std::isdigit(static_cast<unsigned char>(c.s[c.i]))) {
      if (digits < 3) ms = ms * 10 + (c.s[c.i] - '0');
      ++digits;
      ++c.i;
    }
    if (digits == 0) return {};
    for (int k = digits; k < 3; ++k) ms *= 10;
  }
  int offset = 0;
  if (!c.lit('Z')) {
    bool neg = false;
    if (c.lit('-')) {
      neg = true;
    } else if (!c.lit('+')) {
      return {};
    }
    int oh, om;
    if (!c.num(2, oh)) return {};
    c.lit(':');
    if (!c.num(2, om)) return {};
    offset = (neg ? -1 : 1) * (oh * 60 + om);
  }
  if (!c.done() || !valid_date(y, mo, d, h, mi, sec)) return {};
  return make_time(y, mo, d, h, mi, sec, ms, offset);
}

// "Tue Dec 02 04:25:09 +0000 2025"
std::optional<Timestamp> parse_twitter(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 30 || text[3] != ' ' || text[7] != ' ') return {};
  int mo = 0;
  for (std::size_t k = 0; k < kMonths.size(); ++k) {
    if (text.substr(4, 3) == kMonths[k]) mo = static_cast<int>(k) + 1;
  }
  if (mo == 0) return {};
  Cursor c{text, 8};
  int d, h, mi, sec, oh, om, y;
  if (!c.num(2, d) || !c.lit(' ') || !c.num(2, h) || !c.lit(':') || !c.num(2, mi) || !c.lit(':') ||
      !c.num(2, sec) || !c.lit(' ')) {
    return {};
  }
  bool neg = false;
  if (c.lit('-')) {
    neg = true;
  } else if (!c.lit('+')) {
    return {};
  }
  if (!c.num(2, oh) || !c.num(2, om) || !c.lit(' ') || !c.num(4, y) || !c.done()) return {};
  if (!valid_date(y, mo, d, h, mi, sec)) return {};
  return make_time(y, mo, d, h, mi, sec, 0, (neg ? -1 : 1) * (oh * 60 + om));
}

}  // namespace

std::optional<Timestamp> parse_timestamp(std::string_view text) {
  if (text.size() >= 10 && std::isdigit(static_cast<unsigned char>(text[0]))) {
    return parse_iso(text);
  }
  return parse_twitter(text);
}

std::string format_timestamp(Timestamp t) {
  auto const ms_total =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::int64_t days = ms_total >= 0 ? ms_total / 86'400'000 : (ms_total - 86'399'999) / 86'400'000;
  std::int64_t const ms_of_day = ms_total - days * 86'400'000;
  // civil_from_days
  days += 719468;
  std::int64_t const era = (days >= 0 ? days : days - 146096) / 146097;
  auto const doe = static_cast<unsigned>(days - era * 146097);
  unsigned const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  unsigned const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned const mp = (5 * doy + 2) / 153;
  unsigned const d = doy - (153 * mp + 2) / 5 + 1;
  unsigned const m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(ms_of_day / 3'600'000),
                static_cast<long long>(ms_of_day / 60'000 % 60),
                static_cast<long long>(ms_of_day / 1000 % 60),
                static_cast<long long>(ms_of_day % 1000));
  return buf;
}

}  // namespace getxapi
