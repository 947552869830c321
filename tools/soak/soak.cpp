// getxapi-soak: a chaos soak of the SDK against the in-process sandbox.
//
// Runs N operations of a realistic mix (user/info, followers pages, dm/send to
// accounts that accept DMs with unique texts, dm/list) from several threads
// sharing one Client, with faults on: 10% 5xx (some after the request took
// effect), 5% 429 with retry_after 1, 2% dropped connections, 2% malformed
// bodies, 1% stalls past the client timeout. It then checks that nothing
// crashed or hung, every failure was a typed Error of an expected kind,
// retries and waits stayed within the policy, no DM was delivered twice (from
// the sandbox's own record), and Client::stats() accounts for every request.
// Prints a summary table; exits 1 on any violation.
//
//   getxapi-soak [--ops N] [--threads T] [--seed S] [--timeout-ms MS] [--verbose]
#include <getxapi/getxapi.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "sandbox.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace getxapi;  // NOLINT: a program, not a header
namespace sb = getxapi::sandbox;
using Json = nlohmann::json;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// ---- settings -----------------------------------------------------------------

struct Settings {
  long ops = 10000;
  int threads = 12;
  std::uint64_t seed = 1;
  milliseconds timeout{300};
  bool verbose = false;
  // Policy under test; the checks below hold the client to it.
  int max_attempts = 4;
  milliseconds max_total{5000};
  milliseconds max_single_wait{2000};
  milliseconds backoff_initial{10};
  milliseconds backoff_max{100};
  // An operation running longer than this is a hang.
  milliseconds hang_after{60000};
};

bool parse_args(int argc, char** argv, Settings& s) {
  for (int i = 1; i < argc; ++i) {
    std::string const a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--ops") {
        s.ops = std::stol(next());
      } else if (a == "--threads") {
        s.threads = std::stoi(next());
      } else if (a == "--seed") {
        s.seed = std::stoull(next());
      } else if (a == "--timeout-ms") {
        s.timeout = milliseconds(std::stol(next()));
      } else if (a == "--verbose") {
        s.verbose = true;
      } else if (a == "--help" || a == "-h") {
        std::cout << "usage: getxapi-soak [--ops N] [--threads T] [--seed S] [--timeout-ms MS] "
                     "[--verbose]\n";
        std::exit(0);
      } else {
        throw std::invalid_argument("unknown option " + a);
      }
    } catch (std::exception const& e) {
      std::cerr << "getxapi-soak: " << e.what() << "\n";
      return false;
    }
  }
  if (s.ops < 1 || s.threads < 1 || s.threads > 64 || s.timeout.count() < 50) {
    std::cerr << "getxapi-soak: --ops >= 1, --threads 1..64, --timeout-ms >= 50\n";
    return false;
  }
  return true;
}

// ---- a transport that counts what really went over the wire --------------------

constexpr std::size_t kEndpoints = kEndpointCount;

std::size_t endpoint_of(std::string const& url) {
  for (auto e : kAllEndpoints) {
    auto const path = endpoint_path(e);
    auto const at = url.find(path);
    if (at != std::string::npos &&
        (at + path.size() == url.size() || url[at + path.size()] == '?')) {
      return static_cast<std::size_t>(e);
    }
  }
  return kEndpoints;
}

// Requests this thread's current operation made, per endpoint.
thread_local std::array<int, kEndpoints + 1> t_requests{};

class CountingTransport : public Transport {
 public:
  explicit CountingTransport(std::shared_ptr<Transport> inner) : inner_(std::move(inner)) {}
  Result<HttpResponse> send(HttpRequest const& request) override {
    auto const e = endpoint_of(request.url);
    ++t_requests[e];
    ++requests_[e];
    auto response = inner_->send(request);
    if (response && response->status >= 200 && response->status < 300) ++answered_2xx_[e];
    return response;
  }
  std::int64_t requests(std::size_t e) const { return requests_[e].load(); }
  std::int64_t answered_2xx(std::size_t e) const { return answered_2xx_[e].load(); }

 private:
  std::shared_ptr<Transport> inner_;
  std::array<std::atomic<std::int64_t>, kEndpoints + 1> requests_{};
  std::array<std::atomic<std::int64_t>, kEndpoints + 1> answered_2xx_{};
};

// ---- what happened --------------------------------------------------------------

enum class Op { kUserInfo, kFollowers, kSendDm, kListDms, kCount };
constexpr std::array<char const*, 4> kOpNames = {"user_info", "followers", "send_dm", "list_dms"};

struct Tally {
  std::mutex mu;
  std::array<long, 4> ok{};
  std::array<std::map<ErrorCode, long>, 4> failed{};
  long recovered = 0;
  long ambiguous_sends = 0;  // failed with request_sent(): may have been delivered
  long crashes = 0;          // exceptions escaping a call
  long untyped = 0;          // kUnknown or a code no fault explains
  long retry_violations = 0;
  long wait_violations = 0;
  long waits = 0;
  long hangs = 0;
  std::vector<std::string> problems;
  // Sends the client reported delivered: (sender id, recipient id, text).
  std::set<std::tuple<std::string, std::string, std::string>> sent_ok;

  void problem(std::string text, bool first = false) {
    if (first) {
      problems.insert(problems.begin(), std::move(text));
    } else {
      problems.push_back(std::move(text));
    }
    if (problems.size() > 20) problems.pop_back();
  }
};

bool expected_code(Op op, ErrorCode code) {
  switch (code) {
    case ErrorCode::kServerError:
    case ErrorCode::kRateLimited:
    case ErrorCode::kNetwork:
    case ErrorCode::kTimeout:
    case ErrorCode::kInvalidResponse:
      return true;
    case ErrorCode::kNotFound:  // the mix asks for a user that does not exist
      return op == Op::kUserInfo;
    default:
      return false;
  }
}

// ---- the sandbox's admin API ---------------------------------------------------

class Admin {
 public:
  explicit Admin(std::string const& base_url) : client_(base_url) {
    client_.set_read_timeout(30, 0);
  }
  Json get(std::string const& path) {
    std::lock_guard<std::mutex> lock(mu_);
    auto res = client_.Get(path.c_str());
    if (!res || res->status != 200)
      throw std::runtime_error("sandbox admin GET " + path + " failed");
    return Json::parse(res->body);
  }
  void post(std::string const& path, Json const& body) {
    std::lock_guard<std::mutex> lock(mu_);
    auto res = client_.Post(path.c_str(), body.dump(), "application/json");
    if (!res || res->status >= 300) {
      throw std::runtime_error("sandbox admin POST " + path +
                               " failed: " + (res ? res->body : std::string("no response")));
    }
  }

 private:
  std::mutex mu_;
  httplib::Client client_;
};

// First-match semantics: each fault sees only requests the ones before it
// passed over, so its probability is scaled to give the wanted overall rate.
Json fault_plan(milliseconds stall) {
  struct Wanted {
    double rate;
    Json fault;
  };
  std::vector<Wanted> wanted = {
      {0.03, {{"status", 500}, {"after_delivery", true}}},
      {0.01, {{"status", 503}, {"after_delivery", true}}},
      {0.03, {{"status", 503}}},
      {0.03, {{"status", 500}}},
      {0.05, {{"status", 429}, {"retry_after", 1}}},
      {0.01, {{"drop", true}}},
      {0.01, {{"drop", true}, {"after_delivery", true}}},
      {0.01, {{"malformed", true}}},
      {0.01, {{"malformed", true}, {"after_delivery", true}}},
      {0.01, {{"delay_ms", stall.count()}}},
  };
  Json faults = Json::array();
  double left = 1.0;
  for (auto& w : wanted) {
    Json f = w.fault;
    f["path"] = "*";
    f["probability"] = w.rate / left;
    left -= w.rate;
    faults.push_back(std::move(f));
  }
  return {{"faults", faults}};
}

// ---- the run --------------------------------------------------------------------

struct World {
  struct Sender {
    std::string token;
    std::string id;
  };
  std::vector<Sender> senders;
  std::vector<std::string> recipients;   // ids that accept DMs
  std::vector<std::string> user_names;   // for user_info
  std::vector<std::string> page_owners;  // for followers
};

World discover(Client& client) {
  World w;
  w.senders = {{sb::fixed::kAdaToken, sb::fixed::kAdaId},
               {sb::fixed::kPremiumToken, sb::fixed::kPremiumId}};
  w.user_names = {sb::fixed::kAdaUserName, sb::fixed::kGraceUserName, sb::fixed::kPremiumUserName,
                  sb::fixed::kNewUserName, sb::fixed::kClosedUserName};
  w.page_owners = {sb::fixed::kAdaUserName, sb::fixed::kPremiumUserName, sb::fixed::kNewUserName};
  RangeOptions first_pages;
  first_pages.limit = 140;
  for (auto const& user : client.all_followers(sb::fixed::kAdaUserName, first_pages)) {
    if (!user) throw std::runtime_error("setup: " + user.error().message());
    if (user->can_dm) w.recipients.push_back(user->id);
    if (w.user_names.size() < 25) w.user_names.push_back(user->user_name);
  }
  w.recipients.push_back(sb::fixed::kGraceId);
  if (w.recipients.size() < 10) throw std::runtime_error("setup: too few DM-able followers");
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (!parse_args(argc, argv, settings)) return 2;

  sb::SandboxOptions sandbox_options;
  // Each keep-alive connection holds a sandbox worker, and dm/send opens a fresh one.
  sandbox_options.threads = std::max(128, settings.threads * 8);
  sandbox_options.dm_list_limit = 100000000;  // the soak is about faults, not this limit
  sandbox_options.fault_seed = settings.seed;
  sb::Sandbox sandbox(sandbox_options);
  sandbox.start();
  Admin admin(sandbox.base_url());

  auto counting = std::make_shared<CountingTransport>(std::make_shared<CurlTransport>());
  Tally tally;

  ClientOptions options;
  options.api_key = "soak-api-key";
  options.base_url = sandbox.base_url();
  options.timeout = settings.timeout;
  options.connect_timeout = settings.timeout;
  options.retry_policy = std::make_shared<LimitedRetryPolicy>(
      settings.max_attempts, settings.max_total, settings.max_single_wait);
  options.backoff_policy =
      std::make_shared<ExponentialBackoffPolicy>(settings.backoff_initial, settings.backoff_max);
  options.pacing.enabled = false;  // this many dm/list calls would otherwise wait 15 minutes
  options.transport = counting;
  options.on_wait = [&](WaitEvent const& e) {
    bool bad = e.delay > settings.max_single_wait || e.delay.count() < 0;
    if (e.reason == WaitReason::kBackoff && e.delay > settings.backoff_max) bad = true;
    if (e.reason == WaitReason::kRetryAfter &&
        (!e.error || !e.error->retry_after() ||
         e.delay != std::chrono::duration_cast<milliseconds>(*e.error->retry_after()))) {
      bad = true;
    }
    if (e.attempts < 1 || e.attempts >= settings.max_attempts) bad = true;
    std::lock_guard<std::mutex> lock(tally.mu);
    ++tally.waits;
    if (bad) {
      ++tally.wait_violations;
      tally.problem("wait outside the policy: " + std::string(to_string(e.reason)) + " " +
                    std::to_string(e.delay.count()) + " ms after attempt " +
                    std::to_string(e.attempts));
    }
    return true;
  };
  Client client(options);

  World world;
  try {
    world = discover(client);
  } catch (std::exception const& e) {
    std::cerr << "getxapi-soak: " << e.what() << "\n";
    return 1;
  }
  auto const setup_stats = client.stats();
  std::array<std::int64_t, kEndpoints + 1> setup_requests{};
  std::array<std::int64_t, kEndpoints + 1> setup_2xx{};
  for (std::size_t e = 0; e <= kEndpoints; ++e) {
    setup_requests[e] = counting->requests(e);
    setup_2xx[e] = counting->answered_2xx(e);
  }

  admin.post("/_sandbox/faults", fault_plan(settings.timeout * 3));

  std::atomic<long> next_op{0};
  std::atomic<long> sends_started{0};
  std::atomic<long> done{0};
  std::vector<std::atomic<std::int64_t>> op_started_ms(static_cast<std::size_t>(settings.threads));
  for (auto& s : op_started_ms) s = 0;
  auto const run_start = SteadyClock::now();
  auto now_ms = [&] {
    return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - run_start).count() + 1;
  };
  std::array<std::atomic<long>, 4> op_counts{};
  std::string const run_tag = "soak-" + std::to_string(settings.seed) + "-";

  auto worker = [&](int thread_index) {
    std::mt19937_64 rng(settings.seed * 1000003 + static_cast<std::uint64_t>(thread_index));
    auto pick = [&](auto const& v) -> auto const& {
      return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
    };
    // Followers cursors seen, per page owner, to resume from.
    std::map<std::string, std::vector<std::string>> cursors;
    for (;;) {
      long const n = next_op++;
      if (n >= settings.ops) break;
      int const roll = std::uniform_int_distribution<int>(0, 99)(rng);
      Op const op = roll < 30   ? Op::kUserInfo
                    : roll < 55 ? Op::kFollowers
                    : roll < 80 ? Op::kSendDm
                                : Op::kListDms;
      auto const oi = static_cast<std::size_t>(op);
      ++op_counts[oi];
      t_requests.fill(0);
      op_started_ms[static_cast<std::size_t>(thread_index)] = now_ms();

      std::optional<Error> error;
      bool recovered = false;
      std::tuple<std::string, std::string, std::string> send_key;
      try {
        switch (op) {
          case Op::kUserInfo: {
            bool const missing = std::uniform_int_distribution<int>(0, 49)(rng) == 0;
            auto r =
                client.user_info(missing ? std::string("nobody_soak") : pick(world.user_names));
            if (!r) error = r.error();
            break;
          }
          case Op::kFollowers: {
            std::string const& owner = pick(world.page_owners);
            auto& seen = cursors[owner];
            std::string cursor;
            if (!seen.empty() && std::uniform_int_distribution<int>(0, 1)(rng)) cursor = pick(seen);
            auto r = client.followers(owner, cursor);
            if (!r) {
              error = r.error();
            } else if (!r->next_cursor.empty() && seen.size() < 100) {
              seen.push_back(r->next_cursor);
            }
            break;
          }
          case Op::kSendDm: {
            // Cross a UTC day in the sandbox now and then, so the daily caps
            // of the two senders never end the run.
            if (++sends_started % 400 == 0) {
              admin.post("/_sandbox/time", {{"advance_seconds", 86400}});
            }
            auto const& sender = pick(world.senders);
            std::string const text = run_tag + std::to_string(n);
            std::string const& to = pick(world.recipients);
            send_key = {sender.id, to, text};
            auto r = client.send_dm(SendDmRequest{sender.token, Recipient::by_id(to), text});
            if (!r) {
              error = r.error();
            } else {
              recovered = r->recovered;
            }
            break;
          }
          case Op::kListDms: {
            auto const& sender = pick(world.senders);
            auto r = client.list_dms(ListDmsRequest{
                sender.token, "", std::uniform_int_distribution<int>(0, 1)(rng) ? 20 : 50});
            if (!r) error = r.error();
            break;
          }
          case Op::kCount:
            break;
        }
      } catch (std::exception const& e) {
        std::lock_guard<std::mutex> lock(tally.mu);
        ++tally.crashes;
        tally.problem(std::string("exception escaped ") + kOpNames[oi] + ": " + e.what());
      } catch (...) {
        std::lock_guard<std::mutex> lock(tally.mu);
        ++tally.crashes;
        tally.problem(std::string("unknown exception escaped ") + kOpNames[oi]);
      }
      op_started_ms[static_cast<std::size_t>(thread_index)] = 0;

      if (settings.verbose && op == Op::kSendDm) {
        std::cerr << "send " << std::get<2>(send_key) << " send-requests " << t_requests[4]
                  << " list-requests " << t_requests[5] << " info-requests " << t_requests[1]
                  << (error ? " failed" : " ok") << (recovered ? " recovered" : "") << "\n";
      }
      static constexpr std::array<Endpoint, 4> kPrimary = {
          Endpoint::kUserInfo, Endpoint::kFollowers, Endpoint::kDmSend, Endpoint::kDmList};
      int const primary_requests = t_requests[static_cast<std::size_t>(kPrimary[oi])];
      std::lock_guard<std::mutex> lock(tally.mu);
      if (primary_requests > settings.max_attempts ||
          (error &&
           (error->attempts() > settings.max_attempts || error->attempts() != primary_requests))) {
        ++tally.retry_violations;
        tally.problem(std::string(kOpNames[oi]) + ": " + std::to_string(primary_requests) +
                      " requests, error says " + std::to_string(error ? error->attempts() : -1));
      }
      if (!error) {
        ++tally.ok[oi];
        if (recovered) ++tally.recovered;
        if (op == Op::kSendDm) tally.sent_ok.insert(send_key);
      } else {
        ++tally.failed[oi][error->code()];
        if (!expected_code(op, error->code())) {
          ++tally.untyped;
          std::ostringstream os;
          os << kOpNames[oi] << ": " << *error;
          tally.problem(os.str());
        }
        if (op == Op::kSendDm && error->request_sent()) ++tally.ambiguous_sends;
        if (settings.verbose) {
          std::cerr << kOpNames[oi] << " " << std::get<2>(send_key) << ": " << *error << "\n";
        }
      }
      ++done;
    }
  };

  // The watchdog: any operation running past `hang_after` is a hang; the
  // whole run is then abandoned (a hung thread cannot be joined).
  std::atomic<bool> finished{false};
  std::thread watchdog([&] {
    long last_report = 0;
    while (!finished) {
      std::this_thread::sleep_for(milliseconds(200));
      auto const now = now_ms();
      for (auto const& started : op_started_ms) {
        auto const s = started.load();
        if (s != 0 && now - s > settings.hang_after.count()) {
          std::cerr << "getxapi-soak: HANG: an operation has run for " << (now - s) << " ms\n";
          std::_Exit(3);
        }
      }
      if (settings.verbose && now - last_report > 5000) {
        last_report = now;
        std::cerr << "  " << done.load() << "/" << settings.ops << " ops\n";
      }
    }
  });

  std::vector<std::thread> threads;
  for (int t = 0; t < settings.threads; ++t) threads.emplace_back(worker, t);
  for (auto& t : threads) t.join();
  finished = true;
  watchdog.join();
  auto const elapsed = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - run_start);

  // ---- checks against the sandbox's record and the client's stats ----
  admin.post("/_sandbox/faults", Json::array());  // keep the record calls clean
  Json sandbox_stats;
  std::map<std::tuple<std::string, std::string, std::string>, int> delivered;
  try {
    std::lock_guard<std::mutex> lock(tally.mu);
    for (auto const& s : world.senders) {
      for (auto const& m : admin.get("/_sandbox/messages?sender_id=" + s.id)) {
        std::string const text = m.value("text", "");
        if (text.rfind(run_tag, 0) != 0) continue;
        ++delivered[{m.value("senderId", ""), m.value("recipientId", ""), text}];
      }
    }
    sandbox_stats = admin.get("/_sandbox/stats");
  } catch (std::exception const& e) {
    std::cerr << "getxapi-soak: reading the sandbox record failed: " << e.what() << "\n";
    return 1;
  }
  long duplicates = 0;
  for (auto const& [key, count] : delivered) {
    if (count > 1) {
      duplicates += count - 1;
      tally.problem("delivered " + std::to_string(count) + " times: " + std::get<2>(key), true);
    }
  }
  long phantom = 0;  // reported sent, not in the record
  for (auto const& key : tally.sent_ok) {
    if (!delivered.count(key)) {
      ++phantom;
      tally.problem("reported sent but never delivered: " + std::get<2>(key));
    }
  }
  long delivered_despite_failure =
      static_cast<long>(delivered.size()) - static_cast<long>(tally.sent_ok.size()) + phantom;

  auto const stats = client.stats();
  long stats_violations = 0;
  auto check = [&](bool ok, std::string what) {
    if (!ok) {
      ++stats_violations;
      tally.problem("stats: " + what, true);
    }
  };
  static constexpr std::array<Endpoint, 4> kPrimary = {Endpoint::kUserInfo, Endpoint::kFollowers,
                                                       Endpoint::kDmSend, Endpoint::kDmList};
  for (std::size_t e = 0; e < kEndpoints; ++e) {
    auto const& s = stats.endpoints[e];
    auto const& base = setup_stats.endpoints[e];
    std::string const name(to_string(static_cast<Endpoint>(e)));
    check(s.requests - base.requests == counting->requests(e) - setup_requests[e],
          name + " requests " + std::to_string(s.requests - base.requests) + " != sent " +
              std::to_string(counting->requests(e) - setup_requests[e]));
    check(s.billed_calls - base.billed_calls == counting->answered_2xx(e) - setup_2xx[e],
          name + " billed " + std::to_string(s.billed_calls - base.billed_calls) + " != 2xx " +
              std::to_string(counting->answered_2xx(e) - setup_2xx[e]));
    check(s.spend_micro_usd == s.billed_calls * options.prices.price(static_cast<Endpoint>(e)),
          name + " spend");
    check(s.requests >= s.calls - s.refused && s.retries <= s.requests, name + " retries");
  }
  for (std::size_t oi = 0; oi < 4; ++oi) {
    auto const e = static_cast<std::size_t>(kPrimary[oi]);
    auto const& s = stats.endpoints[e];
    auto const& base = setup_stats.endpoints[e];
    long failed = 0;
    for (auto const& [code, n] : tally.failed[oi]) failed += n;
    if (kPrimary[oi] == Endpoint::kDmList) {
      // Duplicate-safe sends list the inbox too.
      check(s.calls - base.calls >= op_counts[oi].load(), "dm/list calls");
      check(s.errors - base.errors >= failed, "dm/list errors");
    } else {
      check(s.calls - base.calls == op_counts[oi].load(),
            std::string(kOpNames[oi]) + " calls " + std::to_string(s.calls - base.calls) +
                " != ops " + std::to_string(op_counts[oi].load()));
      check(s.errors - base.errors == failed, std::string(kOpNames[oi]) + " errors");
    }
    if (kPrimary[oi] == Endpoint::kUserInfo || kPrimary[oi] == Endpoint::kFollowers) {
      check(s.retries - base.retries == (s.requests - base.requests) - (s.calls - base.calls),
            std::string(kOpNames[oi]) + " retries != requests - calls");
    }
  }
  check(stats.at(Endpoint::kDmSend).recovered == tally.recovered, "dm/send recovered");

  // ---- the table ----
  std::cout << "\ngetxapi-soak: " << settings.ops << " operations, " << settings.threads
            << " threads, seed " << settings.seed << ", timeout " << settings.timeout.count()
            << " ms, " << std::fixed << std::setprecision(1) << elapsed.count() / 1000.0
            << " s\n\n";
  std::cout << std::left << std::setw(12) << "operation" << std::right << std::setw(8) << "ops"
            << std::setw(8) << "ok" << std::setw(8) << "failed"
            << "  failures by code\n";
  for (std::size_t oi = 0; oi < 4; ++oi) {
    long failed = 0;
    std::ostringstream codes;
    for (auto const& [code, n] : tally.failed[oi]) {
      failed += n;
      codes << to_string(code) << " " << n << "  ";
    }
    std::cout << std::left << std::setw(12) << kOpNames[oi] << std::right << std::setw(8)
              << op_counts[oi].load() << std::setw(8) << tally.ok[oi] << std::setw(8) << failed
              << "  " << codes.str() << "\n";
  }
  auto const total = stats.total();
  std::cout << "\n"
            << std::left << std::setw(44) << "requests / retries / waits" << total.requests << " / "
            << total.retries << " / " << total.waits << "\n"
            << std::setw(44) << "faults applied by the sandbox"
            << sandbox_stats.value("faults_applied", Json(0)).dump() << "\n"
            << std::setw(44) << "sends recovered from the inbox" << tally.recovered << "\n"
            << std::setw(44) << "sends failed after the request went out" << tally.ambiguous_sends
            << "\n"
            << std::setw(44) << "  of which delivered anyway" << delivered_despite_failure << "\n"
            << std::setw(44) << "DMs delivered (sandbox record)" << delivered.size() << "\n\n";
  long const violations = tally.crashes + tally.hangs + tally.untyped + duplicates + phantom +
                          tally.retry_violations + tally.wait_violations + stats_violations;
  auto row = [](char const* what, long n) {
    std::cout << std::left << std::setw(44) << what << n << (n ? "   <-- VIOLATION" : "") << "\n";
  };
  row("crashes (exceptions escaping a call)", tally.crashes);
  row("hangs", tally.hangs);
  row("untyped or unexpected errors", tally.untyped);
  row("duplicate DMs delivered", duplicates);
  row("sends reported ok but not delivered", phantom);
  row("retries outside the policy", tally.retry_violations);
  row("waits outside the policy", tally.wait_violations);
  row("stats mismatches", stats_violations);
  if (!tally.problems.empty()) {
    std::cout << "\nfirst problems:\n";
    for (auto const& p : tally.problems) std::cout << "  " << p << "\n";
  }
  std::cout << "\n" << (violations == 0 ? "PASS" : "FAIL") << "\n";
  return violations == 0 ? 0 : 1;
}
