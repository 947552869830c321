// A worker process for the outbox's crash tests: `getxapi outbox work` with the
// timings a test can afford (a 1 s lease instead of 5 min), so that SIGKILLed
// workers are taken over quickly. Usage:
//   outbox_test_worker STORE LEASE_S RECHECK_S SETTLE_S once|loop NAME=ENV_VAR[:TIER]...
// GETXAPI_BASE_URL and GETXAPI_API_KEY come from the environment, like the tokens.
#include <getxapi/getxapi.hpp>
#include <getxapi/outbox.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

class NoSleep : public getxapi::Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds) override {}
};

}  // namespace

int main(int argc, char** argv) {
  namespace ob = getxapi::outbox;
  if (argc < 7) {
    std::cerr
        << "usage: outbox_test_worker STORE LEASE_S RECHECK_S SETTLE_S once|loop ACCOUNT...\n";
    return 2;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  ob::WorkerOptions o;
  o.lease = std::chrono::seconds(std::atoi(argv[2]));
  o.recheck = std::chrono::seconds(std::atoi(argv[3]));
  o.settle = std::chrono::seconds(std::atoi(argv[4]));
  o.once = std::string(argv[5]) == "once";
  char const* delay = std::getenv("OUTBOX_TEST_DELAY_MS");
  o.delay_min = o.delay_max = std::chrono::milliseconds(delay ? std::atoi(delay) : 0);
  o.on_event = [](ob::WorkerEvent const& e) {
    if (e.kind == ob::WorkerEvent::Kind::kAccountDisabled) {
      std::cout << "disabled " << e.account << std::endl;  // now: the process may be killed
    }
  };
  o.backoff = std::chrono::seconds(1);
  o.poll = std::chrono::milliseconds(50);
  o.stop_requested = [] { return g_stop.load(); };
  for (int i = 6; i < argc; ++i) {
    auto spec = ob::parse_account_spec(argv[i]);
    if (!spec) {
      std::cerr << spec.error() << '\n';
      return 2;
    }
    char const* token = std::getenv(spec->env_var.c_str());
    o.accounts.push_back({spec->name, token ? token : "", spec->daily_cap, spec->verified});
  }
  getxapi::ClientOptions co;
  co.api_key = std::getenv("GETXAPI_API_KEY") ? std::getenv("GETXAPI_API_KEY") : "";
  co.base_url = std::getenv("GETXAPI_BASE_URL") ? std::getenv("GETXAPI_BASE_URL") : "";
  co.sleeper = std::make_shared<NoSleep>();  // the client's backoff; the worker idles for real
  co.timeout = std::chrono::seconds(5);
  getxapi::Client client(co);
  auto outbox = ob::Outbox::open(argv[1]);
  if (!outbox) {
    std::cerr << outbox.error() << '\n';
    return 1;
  }
  auto r = ob::work(client, *outbox, o);
  if (!r) {
    std::cerr << r.error() << '\n';
    return 2;
  }
  std::cout << to_string(r->outcome) << " sent " << r->sent << " recovered " << r->recovered
            << " ambiguous " << r->ambiguous << " billed " << r->stats.total().billed_calls << '\n';
  return r->outcome == ob::WorkOutcome::kFailed ? 1 : 0;
}
