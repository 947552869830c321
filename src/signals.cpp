#include <getxapi/signals.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <thread>

namespace getxapi {
namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "used from a signal handler");

// C++ linkage on purpose: a C name would clash with outreach's copy of this handler.
void on_core_stop_signal(int signum) {
  if (g_signal.exchange(signum) != 0) {
    // A second signal: the user means it.
    std::signal(signum, SIG_DFL);
    std::raise(signum);
  }
}

struct SavedHandlers {
  struct sigaction interrupt;
  struct sigaction terminate;
};
SavedHandlers g_saved;

class InterruptibleSleeper : public Sleeper {
 public:
  InterruptibleSleeper(std::function<bool()> stop, std::chrono::milliseconds slice)
      : stop_(std::move(stop)), slice_(slice) {}
  void sleep_for(std::chrono::milliseconds duration) override {
    auto const until = std::chrono::steady_clock::now() + duration;
    while (!(stop_ && stop_())) {
      auto const now = std::chrono::steady_clock::now();
      if (now >= until) return;
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(until - now, slice_));
    }
  }

 private:
  std::function<bool()> stop_;
  std::chrono::milliseconds slice_;
};

}  // namespace

SignalStop::SignalStop() {
  g_signal = 0;
  struct sigaction action {};
  action.sa_handler = &on_core_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: let a blocking call notice
  sigaction(SIGINT, &action, &g_saved.interrupt);
  sigaction(SIGTERM, &action, &g_saved.terminate);
}

SignalStop::~SignalStop() {
  sigaction(SIGINT, &g_saved.interrupt, nullptr);
  sigaction(SIGTERM, &g_saved.terminate, nullptr);
  g_signal = 0;
}

bool SignalStop::requested() const noexcept { return g_signal.load() != 0; }
int SignalStop::signal_number() const noexcept { return g_signal.load(); }
std::function<bool()> SignalStop::predicate() const {
  return [] { return g_signal.load() != 0; };
}

std::shared_ptr<Sleeper> interruptible_sleeper(std::function<bool()> stop,
                                               std::chrono::milliseconds slice) {
  return std::make_shared<InterruptibleSleeper>(std::move(stop), slice);
}

}  // namespace getxapi
