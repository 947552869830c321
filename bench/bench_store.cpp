// The outbox store's own cost, and workers sharing a PostgreSQL outbox
// (docs/performance.md, "Outbox stores"):
//   BM_ClaimSettle/sqlite, BM_ClaimSettle/postgres: one claim plus one settle
//     (kSent), what the store adds to each delivered entry, nothing sent;
//   BM_Workers/N: N workers, each with its own connection (as N processes have),
//     deliver 200 entries over 3 accounts from one PostgreSQL outbox to the
//     in-process sandbox, which adds 50 ms to every dm/send; the counter
//     deliveries_per_min is counted on the sandbox's clock (first to last delivery).
// The PostgreSQL rows need GETXAPI_TEST_POSTGRES_URL (scripts/bench starts a server
// with scripts/lib/postgres.sh); without it they are skipped with a message.
#include "../tests/outreach/sandbox_fixture.hpp"
#include "sqlite_store.hpp"
#include "store.hpp"
#ifdef GETXAPI_BENCH_HAS_POSTGRES
#include "postgres_store.hpp"

#include <libpq-fe.h>
#endif

#include <getxapi/outbox.hpp>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace ob = getxapi::outbox;
namespace obi = getxapi::outbox::internal;
using namespace std::chrono_literals;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string postgres_server() {
  char const* url = std::getenv("GETXAPI_TEST_POSTGRES_URL");
  return url ? url : "";
}

#ifdef GETXAPI_BENCH_HAS_POSTGRES
void pg_admin(std::string const& sql) {
  PGconn* c = PQconnectdb(postgres_server().c_str());
  PQclear(PQexec(c, sql.c_str()));
  PQfinish(c);
}
#endif

/// A fresh outbox for one repetition: a SQLite file, or a schema of its own.
class Scratch {
 public:
  explicit Scratch(bool postgres) : postgres_(postgres) {
    static std::atomic<int> n{0};
    name_ = "bench_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
    if (postgres_) {
#ifdef GETXAPI_BENCH_HAS_POSTGRES
      pg_admin("CREATE SCHEMA " + name_);
      std::string url = postgres_server();
      url_ = url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
             name_;
#endif
    } else {
      // The disk, not tmpfs, unless told: a commit's fsync is part of the cost.
      char const* dir = std::getenv("GETXAPI_BENCH_STORE_DIR");
      dir_ = std::filesystem::path(dir ? dir : std::filesystem::temp_directory_path().string()) /
             name_;
      std::filesystem::create_directories(dir_);
      url_ = (dir_ / "outbox.db").string();
    }
  }
  ~Scratch() {
#ifdef GETXAPI_BENCH_HAS_POSTGRES
    if (postgres_) pg_admin("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
#endif
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string const& url() const { return url_; }
  std::unique_ptr<obi::Store> open() const {
#ifdef GETXAPI_BENCH_HAS_POSTGRES
    if (postgres_) return obi::open_postgres_store(url_);
#endif
    return obi::open_sqlite_store(url_);
  }

 private:
  bool postgres_;
  std::string name_, url_;
  std::filesystem::path dir_;
};

bool skip_without_server(benchmark::State& state, bool postgres) {
#ifndef GETXAPI_BENCH_HAS_POSTGRES
  if (postgres) {
    state.SkipWithError("built without GETXAPI_WITH_POSTGRES");
    return true;
  }
#endif
  if (postgres && postgres_server().empty()) {
    state.SkipWithError("no PostgreSQL server: set GETXAPI_TEST_POSTGRES_URL (scripts/bench)");
    return true;
  }
  return false;
}

// claim + settle per entry, on a queue of `iterations` due entries over 3 accounts.
void BM_ClaimSettle(benchmark::State& state, bool postgres) {
  if (skip_without_server(state, postgres)) return;
  Scratch scratch(postgres);
  auto store = scratch.open();
  store->register_accounts(
      {{"a", "fa", 1000000, false}, {"b", "fb", 1000000, false}, {"c", "fc", 1000000, false}},
      now_ms());
  auto const n = static_cast<int>(state.max_iterations);
  for (int i = 0; i < n; ++i) {
    ob::NewEntry e{getxapi::Recipient::by_id(std::to_string(1000 + i)),
                   "bench " + std::to_string(i),
                   "k" + std::to_string(i),
                   {},
                   {},
                   {}};
    store->enqueue(e, now_ms() - 1000);
  }
  obi::ClaimRequest r{"bench-worker", {"a", "b", "c"}, 0, 300000, 0};
  for (auto _ : state) {
    r.now_ms = now_ms();
    auto claimed = store->claim(r);
    if (!claimed.claim) {
      state.SkipWithError("nothing claimed");
      break;
    }
    obi::Settlement s;
    s.kind = obi::Settlement::Kind::kSent;
    s.entry_id = claimed.claim->entry.id;
    s.worker = r.worker;
    s.now_ms = r.now_ms;
    s.message_id = "m" + std::to_string(s.entry_id);
    store->settle(s);
  }
  state.SetItemsProcessed(state.iterations());
}

// N worker threads, each with its own Outbox (its own connection), on one outbox.
void BM_Workers(benchmark::State& state) {
  if (skip_without_server(state, true)) return;
  int const workers = static_cast<int>(state.range(0));
  constexpr int kEntries = 200;
  getxapi::outreach::testing::SandboxFixture sb;
  auto audience = sb.followers("premium_brand");
  std::vector<std::string> recipients(audience.dmable.begin(), audience.dmable.end());
  sb.post(
      "/_sandbox/faults",
      nlohmann::json{
          {"faults", {{{"path", "/twitter/dm/send"}, {"delay_ms", 50}, {"probability", 1.0}}}}});
  double per_min = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Scratch scratch(true);
    {
      auto outbox = ob::Outbox::open(scratch.url());
      for (int i = 0; i < kEntries; ++i) {
        ob::NewEntry e{
            getxapi::Recipient::by_id(recipients[static_cast<std::size_t>(i) % recipients.size()]),
            "workers " + std::to_string(workers) + " #" + std::to_string(i) + " " +
                std::to_string(state.iterations()),
            {},
            {},
            {},
            {}};
        if (!outbox || !outbox->enqueue(e)) state.SkipWithError("enqueue failed");
      }
    }
    auto const before = sb.get("/_sandbox/messages").size();
    state.ResumeTiming();
    std::vector<std::thread> threads;
    std::atomic<int> sent{0};
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        auto outbox = ob::Outbox::open(scratch.url());
        if (!outbox) return;
        getxapi::Client client(sb.client_options());
        ob::WorkerOptions o;
        o.accounts = {{"a", "sandbox-token-ada", 1000, false},
                      {"b", "sandbox-token-grace", 1000, false},
                      {"c", "sandbox-token-premium", 1500, false}};
        o.delay_min = o.delay_max = 0ms;
        o.once = true;
        o.poll = 5ms;
        o.worker_id = "w" + std::to_string(w);
        auto r = ob::work(client, *outbox, o);
        if (r) sent += static_cast<int>(r->sent);
      });
    }
    for (auto& t : threads) t.join();
    state.PauseTiming();
    if (sent != kEntries) state.SkipWithError("not every entry was sent");
    // The deliveries' span on the sandbox's clock.
    auto messages = sb.get("/_sandbox/messages");
    getxapi::Timestamp first = getxapi::Timestamp::max(), last = getxapi::Timestamp::min();
    for (std::size_t i = before; i < messages.size(); ++i) {
      auto t = *getxapi::parse_timestamp(messages[i]["createdAt"].get<std::string>());
      first = std::min(first, t);
      last = std::max(last, t);
    }
    double const span = std::chrono::duration<double>(last - first).count();
    per_min = span > 0 ? (kEntries - 1) * 60.0 / span : 0;
    state.ResumeTiming();
  }
  state.counters["deliveries_per_min"] = per_min;
  state.SetItemsProcessed(state.iterations() * kEntries);
}

BENCHMARK_CAPTURE(BM_ClaimSettle, sqlite, false)
    ->Iterations(2000)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ClaimSettle, postgres, true)
    ->Iterations(2000)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Workers)
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->Iterations(1)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
