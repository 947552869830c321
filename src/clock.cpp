#include <getxapi/clock.hpp>

#include <mutex>
#include <random>
#include <thread>

namespace getxapi {

std::int64_t utc_day(Timestamp t) noexcept {
  return std::chrono::floor<std::chrono::duration<std::int64_t, std::ratio<86400>>>(
             t.time_since_epoch())
      .count();
}

Timestamp next_utc_midnight(Timestamp t) noexcept {
  return Timestamp(
      std::chrono::duration_cast<Timestamp::duration>(std::chrono::hours(24) * (utc_day(t) + 1)));
}

namespace {

class RealClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
  Timestamp system_now() const override { return std::chrono::system_clock::now(); }
};

class ThreadSleeper final : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds duration) override {
    if (duration.count() > 0) std::this_thread::sleep_for(duration);
  }
};

class MtRandom final : public RandomSource {
 public:
  MtRandom() : engine_(std::random_device{}()) {}
  double uniform01() override {
    std::lock_guard<std::mutex> lock(mu_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
  }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

}  // namespace

std::shared_ptr<Clock> system_clock() {
  static auto const instance = std::make_shared<RealClock>();
  return instance;
}

std::shared_ptr<Sleeper> thread_sleeper() {
  static auto const instance = std::make_shared<ThreadSleeper>();
  return instance;
}

std::shared_ptr<RandomSource> default_random() { return std::make_shared<MtRandom>(); }

}  // namespace getxapi
