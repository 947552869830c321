// A notification sender: the app enqueues a DM when something happens (here: an
// order ships), and a worker thread delivers what is due, exactly once, even if the
// process dies between the send and the app's own bookkeeping.
//
//   GETXAPI_API_KEY=... GETXAPI_AUTH_TOKEN=... ./notify RECIPIENT_HANDLE [ORDERS]
//
// The outbox is a SQLite file (notify-outbox.db): enqueue from any process, run
// `getxapi outbox work` elsewhere, or a worker thread like this one.
#include <getxapi/getxapi.hpp>
#include <getxapi/outbox.hpp>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  namespace ob = getxapi::outbox;
  char const* key = std::getenv("GETXAPI_API_KEY");
  char const* token = std::getenv("GETXAPI_AUTH_TOKEN");
  if (argc < 2 || !key || !token) {
    std::cerr << "usage: GETXAPI_API_KEY=... GETXAPI_AUTH_TOKEN=... notify HANDLE [ORDERS]\n";
    return 2;
  }
  std::string const handle = argv[1];
  int const orders = argc > 2 ? std::atoi(argv[2]) : 3;

  auto outbox = ob::Outbox::open("notify-outbox.db");
  if (!outbox) {
    std::cerr << outbox.error() << '\n';
    return 1;
  }

  getxapi::ClientOptions options;
  options.api_key = key;
  if (char const* base = std::getenv("GETXAPI_BASE_URL")) options.base_url = base;
  getxapi::Client client(options);

  // The worker: one account, 1-2 s between its sends, until the app says stop.
  std::atomic<bool> stop{false};
  ob::WorkerOptions worker;
  worker.accounts = {{"shop", token, 500, false}};
  worker.delay_min = std::chrono::seconds(1);
  worker.delay_max = std::chrono::seconds(2);
  if (std::getenv("OUTREACH_FAST")) worker.delay_min = worker.delay_max = {};  // tests
  worker.poll = std::chrono::milliseconds(100);
  worker.stop_requested = [&] { return stop.load(); };
  std::atomic<int> delivered{0};
  worker.on_event = [&](ob::WorkerEvent const& e) {
    if (e.kind == ob::WorkerEvent::Kind::kSent) ++delivered;
    if (e.kind == ob::WorkerEvent::Kind::kFailed) std::cerr << "dead letter: " << *e.error << '\n';
  };
  std::thread delivery([&] {
    auto report = ob::work(client, *outbox, worker);
    if (!report) std::cerr << report.error() << '\n';
  });

  // The app: an event happens, a DM is queued. The key makes a retried event harmless.
  for (int order = 1; order <= orders; ++order) {
    ob::NewEntry n;
    n.recipient = getxapi::Recipient::by_username(handle);
    n.text = "Your order #" + std::to_string(order) + " has shipped.";
    n.key = "order-" + std::to_string(order) + "-shipped";
    n.expires = std::chrono::system_clock::now() + std::chrono::hours(24);
    for (int attempt = 0; attempt < 2; ++attempt) {  // the event fires twice: one DM
      auto queued = outbox->enqueue(n);
      if (!queued) {
        std::cerr << queued.error() << '\n';
        return 1;
      }
      std::cout << "order " << order << ": entry " << queued->entry.id
                << (queued->created ? " queued" : " (already queued)") << '\n';
    }
  }

  // Wait for the queue to drain (a real app would keep the worker running).
  for (int i = 0; i < 600; ++i) {
    auto s = outbox->status();
    if (s && s->counts.queued == 0 && s->counts.sending == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  delivery.join();
  auto s = outbox->status();
  if (!s) return 1;
  std::cout << delivered.load() << " delivered this run; outbox: " << s->counts.sent << " sent, "
            << s->counts.failed << " failed, " << s->counts.queued << " queued\n";
  return s->counts.failed == 0 && s->counts.queued == 0 ? 0 : 1;
}
