#include "progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace getxapi::cli {

ProgressMeter::ProgressMeter(Context& ctx, std::string label, std::string unit)
    : ctx_(ctx), label_(std::move(label)), unit_(std::move(unit)), start_(ctx.now()) {}

std::string format_duration(std::chrono::seconds d) {
  long long const s = std::max<long long>(0, d.count());
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  }
  return buf;
}

std::string ProgressMeter::line(std::uint64_t done, std::optional<std::uint64_t> total,
                                std::string const& counts) const {
  std::string text = label_ + ": ";
  text += counts.empty() ? std::to_string(done) + " " + unit_ : counts;
  double const elapsed = std::chrono::duration<double>(ctx_.now() - start_).count();
  if (elapsed <= 0 || done == 0) return text;
  double const rate = static_cast<double>(done) / elapsed;
  char buf[64];
  std::snprintf(buf, sizeof buf, rate < 10 ? ", %.1f %s/s" : ", %.0f %s/s", rate, unit_.c_str());
  text += buf;
  if (total && *total > done) {
    auto const left = static_cast<double>(*total - done) / rate;
    text += ", ETA " + format_duration(std::chrono::seconds(std::llround(std::min(left, 1e9))));
  }
  return text;
}

void ProgressMeter::update(std::uint64_t done, std::optional<std::uint64_t> total,
                           std::string const& counts) {
  ctx_.progress(line(done, total, counts));
}

void ProgressMeter::finish() { ctx_.end_progress(); }

}  // namespace getxapi::cli
