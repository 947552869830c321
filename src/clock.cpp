#include <getxapi/clock.hpp>

#include <mutex>
#include <random>
#include <thread>

namespace getxapi {
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
