// getxapi-soak: a chaos soak of the SDK against the in-process sandbox.
//
// Runs N operations of a realistic mix (user/info, followers pages, dm/send to
// accounts that accept DMs with unique texts, dm/list) from several threads
// sharing one Client, with faults on: 10% 5xx (some after the request took
// effect), 5% 429 with retry_after 1, 2% dropped connections, 2% malformed
// bodies, 1% stalls past the client timeout, plus 2% slow sends (dm/send
// answered and delivered only after 3x the timeout) and a cursor-cycle fault
// (5% of followers / dm/list pages point back to a cursor the walk already
// used), which whole followers walks must survive within their page bound.
// It then checks that nothing
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
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
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

// The cursor-cycle fault: a hostile server whose followers / dm/list pages point
// back to a cursor this walk already used (A -> A, or A -> B -> A).
thread_local std::vector<std::string> t_cursors;  // this thread's walk so far
thread_local std::string t_walk;                  // whose list that walk pages
thread_local std::mt19937_64 t_fault_rng{1};

// The list a paged request reads: the path and the userName (followers) or the
// whole body minus its cursor (dm/list). A cursor of one list is no cursor of
// another: pointing back across lists would be a bad request, not a cycle.
std::string walk_of(HttpRequest const& request) {
  std::string key = request.url.substr(0, request.url.find("cursor="));
  if (request.method == "POST") {
    auto body = Json::parse(request.body, nullptr, false);
    if (body.is_object()) {
      body.erase("cursor");
      key += body.dump();
    }
  }
  return key;
}

std::string cursor_of(HttpRequest const& request) {
  if (request.method == "POST") {
    auto body = Json::parse(request.body, nullptr, false);
    return body.is_object() ? body.value("cursor", "") : "";
  }
  auto const at = request.url.find("cursor=");
  if (at == std::string::npos) return {};
  return request.url.substr(at + 7, request.url.find('&', at) - (at + 7));
}

class CountingTransport : public Transport {
 public:
  explicit CountingTransport(std::shared_ptr<Transport> inner) : inner_(std::move(inner)) {}
  /// Turns the cursor-cycle fault on (after the setup walk).
  void set_cycle_rate(double rate) { cycle_rate_ = rate; }
  Result<HttpResponse> send(HttpRequest const& request) override {
    auto const e = endpoint_of(request.url);
    ++t_requests[e];
    ++requests_[e];
    auto response = inner_->send(request);
    if (response && response->status >= 200 && response->status < 300) {
      ++answered_2xx_[e];
      bool const paged = e == static_cast<std::size_t>(Endpoint::kFollowers) ||
                         e == static_cast<std::size_t>(Endpoint::kDmList);
      if (paged) cycle(request, *response);
    }
    return response;
  }
  std::int64_t requests(std::size_t e) const { return requests_[e].load(); }
  std::int64_t answered_2xx(std::size_t e) const { return answered_2xx_[e].load(); }
  std::int64_t cycles() const { return cycles_.load(); }

 private:
  void cycle(HttpRequest const& request, HttpResponse& response) {
    std::string const cursor = cursor_of(request);
    std::string walk = walk_of(request);
    if (cursor.empty() || walk != t_walk) {
      t_cursors.clear();
      t_walk = std::move(walk);
    }
    t_cursors.push_back(cursor);
    double const roll = std::uniform_real_distribution<double>(0, 1)(t_fault_rng);
    if (t_cursors.size() < 2 || roll >= cycle_rate_.load()) return;
    auto body = Json::parse(response.body, nullptr, false);
    if (!body.is_object()) return;
    // Back to this page's own cursor, or to the one before it.
    bool const self = std::uniform_int_distribution<int>(0, 1)(t_fault_rng) == 0;
    std::string const& back = self ? t_cursors.back() : t_cursors[t_cursors.size() - 2];
    if (back.empty()) return;
    body["next_cursor"] = back;
    body["has_more"] = true;
    response.body = body.dump();
    ++cycles_;
  }

  std::shared_ptr<Transport> inner_;
  std::atomic<double> cycle_rate_{0};
  std::array<std::atomic<std::int64_t>, kEndpoints + 1> requests_{};
  std::array<std::atomic<std::int64_t>, kEndpoints + 1> answered_2xx_{};
  std::atomic<std::int64_t> cycles_{0};
};

// ---- what happened --------------------------------------------------------------

enum class Op { kUserInfo, kFollowers, kSendDm, kListDms, kWalk, kCount };
constexpr std::size_t kOps = static_cast<std::size_t>(Op::kCount);
constexpr std::array<char const*, kOps> kOpNames = {"user_info", "followers", "send_dm", "list_dms",
                                                    "walk"};

struct Tally {
  std::mutex mu;
  std::array<long, kOps> ok{};
  std::array<std::map<ErrorCode, long>, kOps> failed{};
  long recovered = 0;
  long ambiguous_sends = 0;  // failed with request_sent(): may have been delivered
  long crashes = 0;          // exceptions escaping a call
  long untyped = 0;          // kUnknown or a code no fault explains
  long retry_violations = 0;
  long wait_violations = 0;
  long waits = 0;
  long hangs = 0;
  long unbounded_walks = 0;  // a walk that paid for more pages than its bound allows
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
// First, the slow-send fault: dm/send answered (and delivered) only after
// longer than the client's timeout, so the client gives up on a send that
// still goes through.
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
  faults.push_back(
      {{"path", "/twitter/dm/send"}, {"delay_ms", stall.count()}, {"probability", 0.02}});
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

using SendKey = std::tuple<std::string, std::string, std::string>;
constexpr std::array<Endpoint, kOps> kPrimary = {Endpoint::kUserInfo, Endpoint::kFollowers,
                                                 Endpoint::kDmSend, Endpoint::kDmList,
                                                 Endpoint::kFollowers};
// A walk asks for at most this many followers: with 70 a page, a walk that needs
// more than kWalkItems / 20 + 2 pages is looping.
constexpr std::size_t kWalkItems = 300;
constexpr int kWalkMaxPages = static_cast<int>(kWalkItems / 20) + 2;

// The outcome of one operation.
struct OpResult {
  std::optional<Error> error;
  bool recovered = false;
  SendKey send_key;
};

// One soak run: a sandbox with faults, one shared client, worker threads, then
// checks against the sandbox's record and the client's stats.
class Soak {
 public:
  explicit Soak(Settings const& settings) : settings_(settings) {
    sb::SandboxOptions sandbox_options;
    // Each keep-alive connection holds a sandbox worker, and dm/send opens a fresh one.
    sandbox_options.threads = std::max(128, settings.threads * 8);
    sandbox_options.dm_list_limit = 100000000;  // the soak is about faults, not this limit
    sandbox_options.fault_seed = settings.seed;
    sandbox_ = std::make_unique<sb::Sandbox>(sandbox_options);
    sandbox_->start();
    admin_ = std::make_unique<Admin>(sandbox_->base_url());
    counting_ = std::make_shared<CountingTransport>(std::make_shared<CurlTransport>());
    options_ = client_options();
    client_ = std::make_unique<Client>(options_);
    op_started_ms_ =
        std::vector<std::atomic<std::int64_t>>(static_cast<std::size_t>(settings.threads));
    for (auto& started : op_started_ms_) started = 0;
    run_tag_ = "soak-" + std::to_string(settings.seed) + "-";
  }

  int run() {
    try {
      world_ = discover(*client_);
    } catch (std::exception const& e) {
      std::cerr << "getxapi-soak: " << e.what() << "\n";
      return 1;
    }
    setup_stats_ = client_->stats();
    for (std::size_t e = 0; e <= kEndpoints; ++e) {
      setup_requests_[e] = counting_->requests(e);
      setup_2xx_[e] = counting_->answered_2xx(e);
    }
    admin_->post("/_sandbox/faults", fault_plan(settings_.timeout * 3));
    counting_->set_cycle_rate(0.05);
    run_start_ = SteadyClock::now();
    run_workers();
    elapsed_ = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - run_start_);
    counting_->set_cycle_rate(0);
    admin_->post("/_sandbox/faults", Json::array());  // keep the record calls clean
    if (!read_record()) return 1;
    long const violations = check_delivery() + check_stats();
    return report(violations) == 0 ? 0 : 1;
  }

 private:
  ClientOptions client_options() {
    ClientOptions options;
    options.api_key = "soak-api-key";
    options.base_url = sandbox_->base_url();
    options.timeout = settings_.timeout;
    options.connect_timeout = settings_.timeout;
    options.retry_policy = std::make_shared<LimitedRetryPolicy>(
        settings_.max_attempts, settings_.max_total, settings_.max_single_wait);
    options.backoff_policy = std::make_shared<ExponentialBackoffPolicy>(settings_.backoff_initial,
                                                                        settings_.backoff_max);
    options.pacing.enabled = false;  // this many dm/list calls would otherwise wait 15 minutes
    options.transport = counting_;
    options.on_wait = [this](WaitEvent const& e) { return check_wait(e); };
    return options;
  }

  // Every wait must stay within the policy under test.
  bool check_wait(WaitEvent const& e) {
    bool bad = e.delay > settings_.max_single_wait || e.delay.count() < 0;
    if (e.reason == WaitReason::kBackoff && e.delay > settings_.backoff_max) bad = true;
    if (e.reason == WaitReason::kRetryAfter &&
        (!e.error || !e.error->retry_after() ||
         e.delay != std::chrono::duration_cast<milliseconds>(*e.error->retry_after()))) {
      bad = true;
    }
    if (e.attempts < 1 || e.attempts >= settings_.max_attempts) bad = true;
    std::lock_guard<std::mutex> lock(tally_.mu);
    ++tally_.waits;
    if (bad) {
      ++tally_.wait_violations;
      tally_.problem("wait outside the policy: " + std::string(to_string(e.reason)) + " " +
                     std::to_string(e.delay.count()) + " ms after attempt " +
                     std::to_string(e.attempts));
    }
    return true;
  }

  std::int64_t now_ms() const {
    return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - run_start_).count() + 1;
  }

  void run_workers() {
    // The watchdog: any operation running past `hang_after` is a hang; the
    // whole run is then abandoned (a hung thread cannot be joined).
    std::atomic<bool> finished{false};
    std::thread watchdog([&] { watch(finished); });
    std::vector<std::thread> threads;
    for (int t = 0; t < settings_.threads; ++t) threads.emplace_back([this, t] { work(t); });
    for (auto& t : threads) t.join();
    finished = true;
    watchdog.join();
  }

  void watch(std::atomic<bool> const& finished) {
    std::int64_t last_report = 0;
    while (!finished) {
      std::this_thread::sleep_for(milliseconds(200));
      auto const now = now_ms();
      for (auto const& started : op_started_ms_) {
        auto const s = started.load();
        if (s != 0 && now - s > settings_.hang_after.count()) {
          std::cerr << "getxapi-soak: HANG: an operation has run for " << (now - s) << " ms\n";
          std::_Exit(3);
        }
      }
      if (settings_.verbose && now - last_report > 5000) {
        last_report = now;
        std::cerr << "  " << done_.load() << "/" << settings_.ops << " ops\n";
      }
    }
  }

  void work(int thread_index) {
    std::mt19937_64 rng(settings_.seed * 1000003 + static_cast<std::uint64_t>(thread_index));
    t_fault_rng.seed(settings_.seed * 7919 + static_cast<std::uint64_t>(thread_index));
    // Followers cursors seen, per page owner, to resume from.
    std::map<std::string, std::vector<std::string>> cursors;
    for (;;) {
      long const n = next_op_++;
      if (n >= settings_.ops) break;
      int const roll = std::uniform_int_distribution<int>(0, 99)(rng);
      Op const op = roll < 28   ? Op::kUserInfo
                    : roll < 50 ? Op::kFollowers
                    : roll < 75 ? Op::kSendDm
                    : roll < 95 ? Op::kListDms
                                : Op::kWalk;
      ++op_counts_[static_cast<std::size_t>(op)];
      t_requests.fill(0);
      op_started_ms_[static_cast<std::size_t>(thread_index)] = now_ms();
      OpResult result;
      try {
        result = perform(op, n, rng, cursors);
      } catch (std::exception const& e) {
        crashed(op, e.what());
      } catch (...) {
        crashed(op, "unknown exception");
      }
      op_started_ms_[static_cast<std::size_t>(thread_index)] = 0;
      record(op, result);
      ++done_;
    }
  }

  template <class V>
  static auto const& pick(std::mt19937_64& rng, V const& v) {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
  }

  OpResult perform(Op op, long n, std::mt19937_64& rng,
                   std::map<std::string, std::vector<std::string>>& cursors) {
    switch (op) {
      case Op::kUserInfo:
        return user_info(rng);
      case Op::kFollowers:
        return followers(rng, cursors);
      case Op::kSendDm:
        return send_dm(n, rng);
      case Op::kListDms:
        return list_dms(rng);
      case Op::kWalk:
        return walk(rng);
      case Op::kCount:
        break;
    }
    return {};
  }

  OpResult user_info(std::mt19937_64& rng) {
    bool const missing = std::uniform_int_distribution<int>(0, 49)(rng) == 0;
    auto r =
        client_->user_info(missing ? std::string("nobody_soak") : pick(rng, world_.user_names));
    OpResult out;
    if (!r) out.error = r.error();
    return out;
  }

  OpResult followers(std::mt19937_64& rng,
                     std::map<std::string, std::vector<std::string>>& cursors) {
    std::string const& owner = pick(rng, world_.page_owners);
    auto& seen = cursors[owner];
    std::string cursor;
    if (!seen.empty() && std::uniform_int_distribution<int>(0, 1)(rng)) cursor = pick(rng, seen);
    auto r = client_->followers(owner, cursor);
    OpResult out;
    if (!r) {
      out.error = r.error();
    } else if (!r->next_cursor.empty() && seen.size() < 100) {
      seen.push_back(r->next_cursor);
    }
    return out;
  }

  OpResult send_dm(long n, std::mt19937_64& rng) {
    // Cross a UTC day in the sandbox now and then, so the daily caps of the
    // two senders never end the run.
    if (++sends_started_ % 400 == 0) admin_->post("/_sandbox/time", {{"advance_seconds", 86400}});
    auto const& sender = pick(rng, world_.senders);
    std::string const text = run_tag_ + std::to_string(n);
    std::string const& to = pick(rng, world_.recipients);
    OpResult out;
    out.send_key = {sender.id, to, text};
    auto r = client_->send_dm(SendDmRequest{sender.token, Recipient::by_id(to), text});
    if (!r) {
      out.error = r.error();
    } else {
      out.recovered = r->recovered;
    }
    return out;
  }

  OpResult list_dms(std::mt19937_64& rng) {
    auto const& sender = pick(rng, world_.senders);
    auto r = client_->list_dms(
        ListDmsRequest{sender.token, "", std::uniform_int_distribution<int>(0, 1)(rng) ? 20 : 50});
    OpResult out;
    if (!r) out.error = r.error();
    return out;
  }

  // A whole followers walk (the cursor-cycle fault's target): it must end,
  // typed or complete, within its page bound.
  OpResult walk(std::mt19937_64& rng) {
    RangeOptions bound;
    bound.limit = kWalkItems;
    OpResult out;
    for (auto const& user : client_->all_followers(pick(rng, world_.page_owners), bound)) {
      if (!user) {
        out.error = user.error();
        break;
      }
    }
    return out;
  }

  void crashed(Op op, std::string const& what) {
    std::lock_guard<std::mutex> lock(tally_.mu);
    ++tally_.crashes;
    tally_.problem(std::string("exception escaped ") + kOpNames[static_cast<std::size_t>(op)] +
                   ": " + what);
  }

  void record(Op op, OpResult const& r) {
    auto const oi = static_cast<std::size_t>(op);
    if (settings_.verbose && op == Op::kSendDm) {
      std::cerr << "send " << std::get<2>(r.send_key) << " send-requests " << t_requests[4]
                << " list-requests " << t_requests[5] << " info-requests " << t_requests[1]
                << (r.error ? " failed" : " ok") << (r.recovered ? " recovered" : "") << "\n";
    }
    int const primary_requests = t_requests[static_cast<std::size_t>(kPrimary[oi])];
    std::lock_guard<std::mutex> lock(tally_.mu);
    if (op == Op::kWalk) {
      if (primary_requests > kWalkMaxPages * settings_.max_attempts) {
        ++tally_.unbounded_walks;
        tally_.problem("walk paid for " + std::to_string(primary_requests) + " followers requests");
      }
    } else if (primary_requests > settings_.max_attempts ||
               (r.error && (r.error->attempts() > settings_.max_attempts ||
                            r.error->attempts() != primary_requests))) {
      ++tally_.retry_violations;
      tally_.problem(std::string(kOpNames[oi]) + ": " + std::to_string(primary_requests) +
                     " requests, error says " + std::to_string(r.error ? r.error->attempts() : -1));
    }
    if (!r.error) {
      ++tally_.ok[oi];
      if (r.recovered) ++tally_.recovered;
      if (op == Op::kSendDm) tally_.sent_ok.insert(r.send_key);
      return;
    }
    ++tally_.failed[oi][r.error->code()];
    if (!expected_code(op, r.error->code())) {
      ++tally_.untyped;
      std::ostringstream os;
      os << kOpNames[oi] << ": " << *r.error;
      tally_.problem(os.str());
    }
    if (op == Op::kSendDm && r.error->request_sent()) ++tally_.ambiguous_sends;
    if (settings_.verbose) {
      std::cerr << kOpNames[oi] << " " << std::get<2>(r.send_key) << ": " << *r.error << "\n";
    }
  }

  // ---- checks against the sandbox's record and the client's stats ----
  bool read_record() {
    try {
      for (auto const& s : world_.senders) {
        for (auto const& m : admin_->get("/_sandbox/messages?sender_id=" + s.id)) {
          std::string const text = m.value("text", "");
          if (text.rfind(run_tag_, 0) != 0) continue;
          ++delivered_[{m.value("senderId", ""), m.value("recipientId", ""), text}];
        }
      }
      sandbox_stats_ = admin_->get("/_sandbox/stats");
    } catch (std::exception const& e) {
      std::cerr << "getxapi-soak: reading the sandbox record failed: " << e.what() << "\n";
      return false;
    }
    return true;
  }

  long check_delivery() {
    std::lock_guard<std::mutex> lock(tally_.mu);
    for (auto const& [key, count] : delivered_) {
      if (count > 1) {
        duplicates_ += count - 1;
        tally_.problem("delivered " + std::to_string(count) + " times: " + std::get<2>(key), true);
      }
    }
    for (auto const& key : tally_.sent_ok) {
      if (!delivered_.count(key)) {
        ++phantom_;
        tally_.problem("reported sent but never delivered: " + std::get<2>(key));
      }
    }
    return duplicates_ + phantom_;
  }

  void check(bool ok, std::string const& what) {
    if (ok) return;
    ++stats_violations_;
    tally_.problem("stats: " + what, true);
  }

  long check_stats() {
    auto const stats = client_->stats();
    for (std::size_t e = 0; e < kEndpoints; ++e) check_endpoint(stats, e);
    for (std::size_t oi = 0; oi < 4; ++oi) check_op(stats, oi);
    check(stats.at(Endpoint::kDmSend).recovered == tally_.recovered, "dm/send recovered");
    return stats_violations_;
  }

  void check_endpoint(Stats const& stats, std::size_t e) {
    auto const& s = stats.endpoints[e];
    auto const& base = setup_stats_.endpoints[e];
    std::string const name(to_string(static_cast<Endpoint>(e)));
    check(s.requests - base.requests == counting_->requests(e) - setup_requests_[e],
          name + " requests " + std::to_string(s.requests - base.requests) + " != sent " +
              std::to_string(counting_->requests(e) - setup_requests_[e]));
    check(s.billed_calls - base.billed_calls == counting_->answered_2xx(e) - setup_2xx_[e],
          name + " billed " + std::to_string(s.billed_calls - base.billed_calls) + " != 2xx " +
              std::to_string(counting_->answered_2xx(e) - setup_2xx_[e]));
    check(s.spend_micro_usd == s.billed_calls * options_.prices.price(static_cast<Endpoint>(e)),
          name + " spend");
    check(s.requests >= s.calls - s.refused && s.retries <= s.requests, name + " retries");
  }

  // Calls per operation (walks share followers_v2, so only the four single-call ops).
  void check_op(Stats const& stats, std::size_t oi) {
    auto const e = static_cast<std::size_t>(kPrimary[oi]);
    auto const& s = stats.endpoints[e];
    auto const& base = setup_stats_.endpoints[e];
    long failed = 0;
    for (auto const& [code, n] : tally_.failed[oi]) failed += n;
    bool const shared = kPrimary[oi] == Endpoint::kDmList || kPrimary[oi] == Endpoint::kFollowers;
    long const walks = op_counts_[static_cast<std::size_t>(Op::kWalk)].load();
    if (shared) {
      // Duplicate-safe sends list the inbox too; walks page followers.
      check(s.calls - base.calls >= op_counts_[oi].load(), std::string(kOpNames[oi]) + " calls");
      if (kPrimary[oi] == Endpoint::kDmList || walks == 0) {
        check(s.errors - base.errors >= failed, std::string(kOpNames[oi]) + " errors");
      }
    } else {
      check(s.calls - base.calls == op_counts_[oi].load(),
            std::string(kOpNames[oi]) + " calls " + std::to_string(s.calls - base.calls) +
                " != ops " + std::to_string(op_counts_[oi].load()));
      check(s.errors - base.errors == failed, std::string(kOpNames[oi]) + " errors");
    }
    if (kPrimary[oi] == Endpoint::kUserInfo || kPrimary[oi] == Endpoint::kFollowers) {
      check(s.retries - base.retries == (s.requests - base.requests) - (s.calls - base.calls),
            std::string(kOpNames[oi]) + " retries != requests - calls");
    }
  }

  // ---- the table ----
  long report(long violations) {
    print_ops();
    print_totals();
    violations += tally_.crashes + tally_.hangs + tally_.untyped + tally_.retry_violations +
                  tally_.wait_violations + tally_.unbounded_walks;
    auto row = [](char const* what, long n) {
      std::cout << std::left << std::setw(44) << what << n << (n ? "   <-- VIOLATION" : "") << "\n";
    };
    row("crashes (exceptions escaping a call)", tally_.crashes);
    row("hangs", tally_.hangs);
    row("untyped or unexpected errors", tally_.untyped);
    row("duplicate DMs delivered", duplicates_);
    row("sends reported ok but not delivered", phantom_);
    row("retries outside the policy", tally_.retry_violations);
    row("waits outside the policy", tally_.wait_violations);
    row("walks past their page bound", tally_.unbounded_walks);
    row("stats mismatches", stats_violations_);
    if (!tally_.problems.empty()) {
      std::cout << "\nfirst problems:\n";
      for (auto const& p : tally_.problems) std::cout << "  " << p << "\n";
    }
    std::cout << "\n" << (violations == 0 ? "PASS" : "FAIL") << "\n";
    return violations;
  }

  void print_ops() {
    std::cout << "\ngetxapi-soak: " << settings_.ops << " operations, " << settings_.threads
              << " threads, seed " << settings_.seed << ", timeout " << settings_.timeout.count()
              << " ms, " << std::fixed << std::setprecision(1) << elapsed_.count() / 1000.0
              << " s\n\n";
    std::cout << std::left << std::setw(12) << "operation" << std::right << std::setw(8) << "ops"
              << std::setw(8) << "ok" << std::setw(8) << "failed"
              << "  failures by code\n";
    for (std::size_t oi = 0; oi < kOps; ++oi) {
      long failed = 0;
      std::ostringstream codes;
      for (auto const& [code, n] : tally_.failed[oi]) {
        failed += n;
        codes << to_string(code) << " " << n << "  ";
      }
      std::cout << std::left << std::setw(12) << kOpNames[oi] << std::right << std::setw(8)
                << op_counts_[oi].load() << std::setw(8) << tally_.ok[oi] << std::setw(8) << failed
                << "  " << codes.str() << "\n";
    }
  }

  void print_totals() {
    long const delivered_despite_failure =
        static_cast<long>(delivered_.size()) - static_cast<long>(tally_.sent_ok.size()) + phantom_;
    auto const total = client_->stats().total();
    std::cout << "\n"
              << std::left << std::setw(44) << "requests / retries / waits" << total.requests
              << " / " << total.retries << " / " << total.waits << "\n"
              << std::setw(44) << "faults applied by the sandbox"
              << sandbox_stats_.value("faults_applied", Json(0)).dump() << "\n"
              << std::setw(44) << "cursor cycles injected" << counting_->cycles() << "\n"
              << std::setw(44) << "sends recovered from the inbox" << tally_.recovered << "\n"
              << std::setw(44) << "sends failed after the request went out"
              << tally_.ambiguous_sends << "\n"
              << std::setw(44) << "  of which delivered anyway" << delivered_despite_failure << "\n"
              << std::setw(44) << "DMs delivered (sandbox record)" << delivered_.size() << "\n\n";
  }

  Settings const& settings_;
  std::unique_ptr<sb::Sandbox> sandbox_;
  std::unique_ptr<Admin> admin_;
  std::shared_ptr<CountingTransport> counting_;
  ClientOptions options_;
  std::unique_ptr<Client> client_;
  World world_;
  Tally tally_;
  Stats setup_stats_;
  std::array<std::int64_t, kEndpoints + 1> setup_requests_{};
  std::array<std::int64_t, kEndpoints + 1> setup_2xx_{};
  std::atomic<long> next_op_{0};
  std::atomic<long> sends_started_{0};
  std::atomic<long> done_{0};
  std::vector<std::atomic<std::int64_t>> op_started_ms_;
  std::array<std::atomic<long>, kOps> op_counts_{};
  std::string run_tag_;
  SteadyClock::time_point run_start_ = SteadyClock::now();
  milliseconds elapsed_{0};
  Json sandbox_stats_;
  std::map<SendKey, int> delivered_;
  long duplicates_ = 0;
  long phantom_ = 0;
  long stats_violations_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (!parse_args(argc, argv, settings)) return 2;
  Soak soak(settings);
  return soak.run();
}
