// Virtual time for unit tests, as google-cloud-cpp's testing_util/fake_clock.h:
// the sleeper advances the clock instead of sleeping, and records each wait.
#pragma once

#include <getxapi/clock.hpp>

#include <chrono>
#include <mutex>
#include <vector>

namespace getxapi::testing {

class FakeClock : public Clock {
 public:
  /// Starts at 2026-03-02T10:00:00Z (so message timestamps in fixtures are near).
  FakeClock() : system_(std::chrono::system_clock::from_time_t(1772445600)) {}

  std::chrono::steady_clock::time_point steady_now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return steady_;
  }
  Timestamp system_now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return system_;
  }
  void advance(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> lock(mu_);
    steady_ += d;
    system_ += d;
  }
  void set_system(Timestamp t) {
    std::lock_guard<std::mutex> lock(mu_);
    system_ = t;
  }

 private:
  mutable std::mutex mu_;
  std::chrono::steady_clock::time_point steady_{std::chrono::hours(1000)};
  Timestamp system_;
};

class FakeSleeper : public Sleeper {
 public:
  explicit FakeSleeper(std::shared_ptr<FakeClock> clock) : clock_(std::move(clock)) {}
  void sleep_for(std::chrono::milliseconds d) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(d);
    }
    clock_->advance(d);
  }
  std::vector<std::chrono::milliseconds> sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  std::shared_ptr<FakeClock> clock_;
  mutable std::mutex mu_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

/// Always the same number: makes full jitter predictable.
class FixedRandom : public RandomSource {
 public:
  explicit FixedRandom(double value) : value_(value) {}
  double uniform01() override { return value_; }

 private:
  double value_;
};

}  // namespace getxapi::testing
