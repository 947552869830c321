// End-to-end harness over loopback. Sections (each also a subcommand):
//   loop     SDK vs one hand-written libcurl+nlohmann loop vs Python requests
//            vs wrk, in interleaved blocks against one fixed-response server
//            (pinned to one CPU unless --no-pin: see CpuPin)
//   placement  the unpinned control: the SDK and two identical hand-written loops
//   threads  one Client shared by 1/2/4/8 threads; TCP connects seen by the server
//   memory   peak RSS walking 10,000 and 1,000,000 messages through all_dms,
//            and what one ~7.5 MB followers page adds to it
//   tls      the same call over HTTPS; handshakes per connection
// Figures go to stdout as "RESULT\tsection\tfigure\tvalue\ttarget\tverdict"
// lines (scripts/bench turns them into the table); progress goes to stderr.
// The exit status is non-zero only when a call fails, never for a timing.
#include <getxapi/getxapi.hpp>

#include <curl/curl.h>
#include <httplib.h>
#include <openssl/ssl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "hand_decode.hpp"
#include "memory_pages.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr char kApiKey[] = "bench-key";
constexpr char kUserName[] = "ada_example";

struct Settings {
  bool smoke = false;
  int rounds = 40;
  int calls_per_block = 1000;
  int python_calls_per_block = 300;
  int wrk_seconds = 1;
  int thread_calls = 1000;
  std::vector<long> walk_sizes = {10'000, 1'000'000};
  int tls_calls = 1000;
  int tls_fresh_calls = 100;
  std::string python = "/usr/bin/python3";  // Debian's python3-requests
  std::string wrk = "wrk";
  bool pin = true;  // loop: every contender and the server on one CPU (see CpuPin)
  int placement_rounds = 12;
  int placement_calls = 400;
};

bool g_failed = false;

void result(std::string const& section, std::string const& figure, std::string const& value,
            std::string const& target = "", std::string const& verdict = "") {
  std::cout << "RESULT\t" << section << '\t' << figure << '\t' << value << '\t' << target << '\t'
            << verdict << std::endl;
}

std::string fmt(char const* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

void fail(std::string const& what) {
  std::cerr << "bench_e2e: FAILED: " << what << std::endl;
  g_failed = true;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t const mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::string read_file(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string const& user_info_body() {
  static std::string const body = read_file(std::string(GETXAPI_FIXTURES_DIR) + "/user_info.json");
  return body;
}

// Pins the calling thread, and so every thread and child process it starts
// from now on, to one CPU; restores the old mask when destroyed.
//
// Why: on a small VM the scheduler spreads the server's per-connection
// threads across the CPUs. A connection whose server thread sits on the
// other (idle, halted) vCPU pays two cross-CPU wake-ups per call, 60-70 us,
// while one on the client's CPU pays none; which connection gets which is
// decided by the scheduler, not by the client code. With two identical
// hand-written loops, one is ~3x slower than the other (`placement` below
// measures exactly that). On one CPU every contender is scheduled alike, so
// the loop compares the client stacks and not their luck.
class CpuPin {
 public:
  explicit CpuPin(bool enabled) {
    if (!enabled || sched_getaffinity(0, sizeof old_, &old_) != 0) return;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (!CPU_ISSET(cpu, &old_)) continue;
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      if (sched_setaffinity(0, sizeof one, &one) == 0) cpu_ = cpu;
      return;
    }
  }
  ~CpuPin() {
    if (cpu_ >= 0) sched_setaffinity(0, sizeof old_, &old_);
  }
  CpuPin(CpuPin const&) = delete;
  CpuPin& operator=(CpuPin const&) = delete;
  /// The CPU pinned to, or -1 when not pinned.
  int cpu() const { return cpu_; }

 private:
  cpu_set_t old_{};
  int cpu_ = -1;
};

// ---- Servers -------------------------------------------------------------

// Distinct client (address, port) pairs seen: each is one TCP connection.
class ConnectionCounter {
 public:
  void note(httplib::Request const& req) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.emplace(req.remote_addr, req.remote_port);
    ++requests_;
  }
  void reset() {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.clear();
    requests_ = 0;
  }
  long connections() const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<long>(seen_.size());
  }
  long requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  std::set<std::pair<std::string, int>> seen_;
  long requests_ = 0;
};

// httplib 0.11 (Debian's .so) listens with a backlog of 5: eight client
// threads connecting at once overflow it and one waits a full SYN retransmit
// (~1 s), which would be charged to the client. Widen it on the bound socket.
template <class Base>
class Widened : public Base {
 public:
  using Base::Base;
  void widen_backlog() {
    auto const fd = this->svr_sock_.load();
    if (fd != INVALID_SOCKET) ::listen(fd, SOMAXCONN);
  }
};

// An httplib server (plain or TLS) on 127.0.0.1:ephemeral, served from a
// background thread, tuned like tests/support/TestServer.
class Served {
 public:
  explicit Served(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {
    server_->set_tcp_nodelay(true);  // else every loopback call stalls ~40 ms
    server_->set_keep_alive_max_count(100'000'000);
    server_->set_keep_alive_timeout(30);
    // A worker per connection: 8 client threads plus the idle keep-alive
    // connections the other contenders leave behind (about 45 in a full run);
    // with fewer, a new connection queues until an idle one times out.
    server_->new_task_queue = [] { return new httplib::ThreadPool(96); };
  }
  ~Served() { stop(); }
  httplib::Server& server() { return *server_; }

  std::string start(char const* scheme = "http") {
    int const port = server_->bind_to_any_port("127.0.0.1");
    if (port <= 0) throw std::runtime_error("cannot bind 127.0.0.1");
    if (auto* plain = dynamic_cast<Widened<httplib::Server>*>(server_.get())) {
      plain->widen_backlog();
    } else if (auto* tls = dynamic_cast<Widened<httplib::SSLServer>*>(server_.get())) {
      tls->widen_backlog();
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    for (int i = 0; i < 1000 && !server_->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port);
  }
  void stop() {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

// GET /twitter/user/info: the same fixed body every time, after checking the
// request is the one every contender is meant to send.
void serve_user_info(httplib::Server& server, ConnectionCounter& counter,
                     std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
  server.Get("/twitter/user/info",
             [&counter, delay](httplib::Request const& req, httplib::Response& res) {
               counter.note(req);
               if (req.get_header_value("Authorization") != std::string("Bearer ") + kApiKey ||
                   req.get_param_value("userName") != kUserName) {
                 res.status = 400;
                 res.set_content(R"({"error":"unexpected request"})", "application/json");
                 return;
               }
               if (delay.count() > 0) std::this_thread::sleep_for(delay);
               res.set_content(user_info_body(), "application/json");
             });
}

// ---- Contenders ----------------------------------------------------------

getxapi::Client make_client(std::string const& base_url,
                            std::shared_ptr<getxapi::Transport> transport = nullptr) {
  getxapi::ClientOptions options;
  options.api_key = kApiKey;
  options.base_url = base_url;
  options.transport = std::move(transport);
  return getxapi::Client(std::move(options));
}

// The floor: what a careful user writes by hand with the same stack. One
// easy handle reused for every call (so one warm connection), URL and
// headers set once, nlohmann copying the same fields out.
class HandWrittenCurl {
 public:
  explicit HandWrittenCurl(std::string const& base_url)
      : url_(base_url + "/twitter/user/info?userName=" + kUserName) {
    handle_ = curl_easy_init();
    // Only what GetXAPI needs, as the SDK sends (it adds a User-Agent too).
    headers_ =
        curl_slist_append(headers_, (std::string("Authorization: Bearer ") + kApiKey).c_str());
    curl_easy_setopt(handle_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &body_);
  }
  ~HandWrittenCurl() {
    curl_easy_cleanup(handle_);
    curl_slist_free_all(headers_);
  }
  HandWrittenCurl(HandWrittenCurl const&) = delete;
  HandWrittenCurl& operator=(HandWrittenCurl const&) = delete;

  bool call() {
    body_.clear();
    if (curl_easy_perform(handle_) != CURLE_OK) return false;
    long status = 0;
    curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) return false;
    auto doc = nlohmann::json::parse(body_, nullptr, false);
    if (!doc.is_object() || !doc.contains("data")) return false;
    auto const user = getxapi::bench::decode_user_by_hand(doc["data"], created_at_);
    return !user.id.empty();
  }

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
  }
  std::string url_;
  CURL* handle_ = nullptr;
  curl_slist* headers_ = nullptr;
  std::string body_;
  std::string created_at_;
};

// A child process with pipes on its stdin and stdout. Every other
// descriptor is closed in the child: wrk sizes its event loop for a few fds
// and fails to connect when it inherits the harness's sockets, and no child
// should hold the servers' sockets open anyway.
class Child {
 public:
  explicit Child(std::vector<std::string> const& argv) {
    int to_child[2];
    int from_child[2];
    if (pipe(to_child) != 0) return;
    if (pipe(from_child) != 0) {
      close(to_child[0]);
      close(to_child[1]);
      return;
    }
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto const& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      long const max_fd = sysconf(_SC_OPEN_MAX);
      for (int fd = 3; fd < (max_fd > 0 ? max_fd : 1024); ++fd) close(fd);
      execvp(args[0], args.data());
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    to_ = fdopen(to_child[1], "w");
    from_ = fdopen(from_child[0], "r");
  }
  ~Child() { wait(); }
  Child(Child const&) = delete;
  Child& operator=(Child const&) = delete;

  FILE* in() { return to_; }
  FILE* out() { return from_; }
  /// Closes the pipes and returns the exit status (-1 if it did not exit normally).
  int wait() {
    if (to_ != nullptr) std::fclose(to_);
    if (from_ != nullptr) std::fclose(from_);
    to_ = from_ = nullptr;
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, 0) == pid_) {
      pid_ = -1;
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return status_;
  }

 private:
  pid_t pid_ = -1;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
  int status_ = -1;
};

// bench/requests_contender.py, kept running across blocks.
class PythonContender {
 public:
  PythonContender(std::string const& python, std::string const& base_url)
      : child_({python, GETXAPI_BENCH_PYTHON_SCRIPT, base_url}) {}

  // Nanoseconds for `calls` calls, or a negative value when Python failed.
  double run(int calls) {
    if (child_.in() == nullptr || child_.out() == nullptr) return -1;
    std::fprintf(child_.in(), "%d\n", calls);
    std::fflush(child_.in());
    char line[64];
    if (std::fgets(line, sizeof line, child_.out()) == nullptr) return -1;
    return std::strtod(line, nullptr);
  }

 private:
  Child child_;
};

bool python_has_requests(std::string const& python) {
  std::string const command = "'" + python + "' -c 'import requests' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

bool have_program(std::string const& name) {
  std::string const command = "command -v '" + name + "' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

// Requests per second wrk reaches in `seconds` over one connection, or -1.
double run_wrk(std::string const& wrk, std::string const& url, int seconds) {
  Child child({wrk, "-t1", "-c1", "-d" + std::to_string(seconds) + "s", "-H",
               std::string("Authorization: Bearer ") + kApiKey, "-H",
               std::string("User-Agent: getxapi-cpp/") + getxapi::version(), url});
  if (child.out() == nullptr) return -1;
  double rps = -1;
  bool errors = false;
  std::string output;
  char line[512];
  while (std::fgets(line, sizeof line, child.out()) != nullptr) {
    output += line;
    if (std::strncmp(line, "Requests/sec:", 13) == 0) rps = std::strtod(line + 13, nullptr);
    if (std::strstr(line, "Non-2xx") != nullptr || std::strstr(line, "Socket errors") != nullptr) {
      errors = true;
    }
  }
  if (child.wait() != 0 || errors || rps <= 0) {
    std::cerr << "bench_e2e: wrk failed:\n" << output;
    return -1;
  }
  return rps;
}

template <class Call>
double time_block_ns_per_call(int calls, Call call) {
  if (!call()) return -1;  // warm-up: wakes the server's keep-alive wait
  auto const start = Clock::now();
  for (int i = 0; i < calls; ++i) {
    if (!call()) return -1;
  }
  auto const elapsed = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  return elapsed / calls;
}

// ---- loop ----------------------------------------------------------------

// Block timers return a negative time when a call failed.
bool any_block_failed(std::initializer_list<std::vector<double> const*> all_series) {
  return std::any_of(all_series.begin(), all_series.end(), [](auto const* series) {
    return std::any_of(series->begin(), series->end(), [](double v) { return v <= 0; });
  });
}

void section_loop(Settings const& s) {
  // Before the server and the Python child exist, so that they inherit it.
  CpuPin const pin(s.pin);
  result("loop", "scheduling",
         pin.cpu() >= 0 ? "all contenders and the server pinned to CPU " + std::to_string(pin.cpu())
                        : "not pinned (--no-pin)");
  ConnectionCounter counter;
  Served served(std::make_unique<Widened<httplib::Server>>());
  serve_user_info(served.server(), counter);
  std::string const base = served.start();
  std::cerr << "loop: fixed-response server at " << base << std::endl;

  auto client = make_client(base);
  HandWrittenCurl floor(base);
  bool const with_python = python_has_requests(s.python);
  bool const with_wrk = have_program(s.wrk);
  std::unique_ptr<PythonContender> python;
  if (with_python) python = std::make_unique<PythonContender>(s.python, base);
  if (!with_python) std::cerr << "bench_e2e: " << s.python << " has no requests; skipped\n";
  if (!with_wrk) std::cerr << "bench_e2e: wrk not found; skipped\n";

  std::vector<double> sdk, hand, py, wrk_ns;
  std::string const wrk_url = base + "/twitter/user/info?userName=" + kUserName;
  auto sdk_call = [&] { return client.user_info(kUserName).ok(); };
  auto floor_call = [&] { return floor.call(); };

  for (int round = 0; round < s.rounds; ++round) {
    // Alternate the order so whatever runs first in a round (cache, CPU
    // frequency) is not always the same contender.
    std::vector<std::function<void()>> blocks = {
        [&] { sdk.push_back(time_block_ns_per_call(s.calls_per_block, sdk_call)); },
        [&] { hand.push_back(time_block_ns_per_call(s.calls_per_block, floor_call)); },
        [&] {
          if (python)
            py.push_back(python->run(s.python_calls_per_block) / s.python_calls_per_block);
        },
        [&] {
          if (with_wrk) {
            double const rps = run_wrk(s.wrk, wrk_url, s.wrk_seconds);
            wrk_ns.push_back(rps > 0 ? 1e9 / rps : -1);
          }
        }};
    if (round % 2) std::reverse(blocks.begin(), blocks.end());
    for (auto& block : blocks) block();
    std::cerr << "loop round " << round + 1 << "/" << s.rounds << ": sdk " << sdk.back()
              << " ns, floor " << hand.back() << " ns"
              << (py.empty() ? "" : ", python " + std::to_string(py.back()) + " ns")
              << (wrk_ns.empty() ? "" : ", wrk " + std::to_string(wrk_ns.back()) + " ns")
              << std::endl;
  }
  if (any_block_failed({&sdk, &hand, &py, &wrk_ns})) {
    return fail("a loop block failed (a call returned an error)");
  }

  double const sdk_ns = median(sdk);
  double const floor_ns = median(hand);
  double const ratio = sdk_ns / floor_ns;
  std::string const blocks = std::to_string(s.rounds) + " blocks";
  result("loop", "SDK Client::user_info, us/call (median of " + blocks + ")",
         fmt("%.1f", sdk_ns / 1e3));
  result("loop", "floor: reused curl handle + nlohmann, us/call", fmt("%.1f", floor_ns / 1e3));
  result("loop", "SDK / floor", fmt("%.3fx", ratio), "<= 1.10x", ratio <= 1.10 ? "ok" : "MISS");
  // Per-round ratios show how much the machine drifted within the run.
  std::vector<double> per_round;
  for (std::size_t i = 0; i < sdk.size() && i < hand.size(); ++i)
    per_round.push_back(sdk[i] / hand[i]);
  std::sort(per_round.begin(), per_round.end());
  if (!per_round.empty()) {
    // Paired by round, so a load spike that hits one round hits both sides.
    result("loop", "SDK / floor, median of per-round ratios (min..max)",
           fmt("%.3fx", median(per_round)) + " (" + fmt("%.3f", per_round.front()) + ".." +
               fmt("%.3f", per_round.back()) + ")");
  }
  if (!py.empty()) {
    double const py_ns = median(py);
    result("loop", "Python requests.Session, us/call", fmt("%.1f", py_ns / 1e3));
    result("loop", "Python / SDK (SDK speed-up)", fmt("%.2fx", py_ns / sdk_ns), ">= 5x",
           py_ns / sdk_ns >= 5 ? "ok" : "MISS");
  }
  if (!wrk_ns.empty()) {
    double const wrk_med = median(wrk_ns);
    result("loop", "wrk -t1 -c1 (wire limit, 1 connection), req/s", fmt("%.0f", 1e9 / wrk_med));
    result("loop", "SDK throughput, req/s", fmt("%.0f", 1e9 / sdk_ns));
    result("loop", "SDK throughput / wrk", fmt("%.0f%%", 100 * wrk_med / sdk_ns));
  }
  result("loop", "server-side TCP connections for all contenders",
         std::to_string(counter.connections()));
}

// ---- placement -----------------------------------------------------------

// The control for CpuPin: not pinned, the SDK and two identical hand-written
// loops (A and B, each its own connection) in interleaved blocks. B / A
// would be 1.00 if scheduling treated connections alike; the spread it shows
// is what an unpinned comparison of any two contenders is exposed to.
void section_placement(Settings const& s) {
  ConnectionCounter counter;
  Served served(std::make_unique<Widened<httplib::Server>>());
  serve_user_info(served.server(), counter);
  std::string const base = served.start();
  auto client = make_client(base);
  HandWrittenCurl floor_a(base);
  HandWrittenCurl floor_b(base);
  std::vector<double> sdk, a, b;
  for (int round = 0; round < s.placement_rounds; ++round) {
    sdk.push_back(time_block_ns_per_call(s.placement_calls,
                                         [&] { return client.user_info(kUserName).ok(); }));
    a.push_back(time_block_ns_per_call(s.placement_calls, [&] { return floor_a.call(); }));
    b.push_back(time_block_ns_per_call(s.placement_calls, [&] { return floor_b.call(); }));
  }
  if (any_block_failed({&sdk, &a, &b})) {
    return fail("a placement block failed (a call returned an error)");
  }
  double const sdk_ns = median(sdk);
  double const a_ns = median(a);
  double const b_ns = median(b);
  result("placement", "not pinned: SDK / floor A / floor B, us/call",
         fmt("%.1f", sdk_ns / 1e3) + " / " + fmt("%.1f", a_ns / 1e3) + " / " +
             fmt("%.1f", b_ns / 1e3));
  result("placement", "not pinned: floor B / floor A (identical code)", fmt("%.3fx", b_ns / a_ns));
  result("placement", "not pinned: SDK / floor A, SDK / floor B",
         fmt("%.3fx", sdk_ns / a_ns) + ", " + fmt("%.3fx", sdk_ns / b_ns));
}

// ---- threads -------------------------------------------------------------

void section_threads(Settings const& s) {
  for (int delay_ms : {0, 2}) {
    ConnectionCounter counter;
    Served served(std::make_unique<Widened<httplib::Server>>());
    serve_user_info(served.server(), counter, std::chrono::milliseconds(delay_ms));
    std::string const base = served.start();
    double one_thread_rate = 0;
    std::string const label = delay_ms == 0 ? "" : " (server +" + std::to_string(delay_ms) + " ms)";
    for (int threads : {1, 2, 4, 8}) {
      auto transport = std::make_shared<getxapi::CurlTransport>();
      auto client = make_client(base, transport);
      counter.reset();
      int const per_thread = std::max(1, s.thread_calls / threads);
      std::atomic<int> failures{0};
      std::atomic<int> ready{0};
      std::atomic<bool> go{false};
      std::vector<std::thread> pool;
      pool.reserve(static_cast<std::size_t>(threads));
      for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
          ++ready;
          while (!go.load()) std::this_thread::yield();
          for (int i = 0; i < per_thread; ++i) {
            if (!client.user_info(kUserName)) ++failures;
          }
        });
      }
      while (ready.load() < threads) std::this_thread::yield();
      auto const start = Clock::now();
      go = true;
      for (auto& thread : pool) thread.join();
      double const seconds = std::chrono::duration<double>(Clock::now() - start).count();
      if (failures > 0) fail("threads: " + std::to_string(failures.load()) + " calls failed");
      long const calls = static_cast<long>(per_thread) * threads;
      double const rate = static_cast<double>(calls) / seconds;
      if (threads == 1) one_thread_rate = rate;
      long const connections = counter.connections();
      std::string const name =
          std::to_string(threads) + " thread" + (threads > 1 ? "s" : "") + label;
      result("threads", name + ": calls/s (x vs 1 thread)",
             fmt("%.0f", rate) + " (" + fmt("%.2fx", rate / one_thread_rate) + ")",
             delay_ms == 0 ? "" : ">= " + fmt("%.1f", 0.8 * threads) + "x",
             delay_ms == 0 ? "" : (rate / one_thread_rate >= 0.8 * threads ? "ok" : "MISS"));
      result("threads",
             name + ": TCP connects per " + std::to_string(calls) + " calls (server / client)",
             std::to_string(connections) + " / " + std::to_string(transport->connections_opened()),
             "= " + std::to_string(threads), connections == threads ? "ok" : "MISS");
    }
  }
}

// ---- memory ----------------------------------------------------------------

// Messages at offsets [offset, offset + count) of a generated inbox.
std::string generated_page(long offset, long count, long total) {
  std::string body;
  body.reserve(static_cast<std::size_t>(count) * 220 + 200);
  long const end = std::min(total, offset + count);
  bool const more = end < total;
  body += R"({"userId":"1700000000000000001","message_count":)";
  body += std::to_string(end - offset);
  body += R"(,"has_more":)";
  body += more ? "true" : "false";
  body += R"(,"next_cursor":)";
  body += more ? "\"off-" + std::to_string(end) + "\"" : "null";
  body += R"(,"messages":[)";
  for (long i = offset; i < end; ++i) {
    long const seconds = 59 - (i / 1000) % 60;
    char created[40];
    std::snprintf(created, sizeof created, "2026-03-02T10:%02ld:%02ld.%03ldZ", (i / 60000) % 60,
                  seconds, i % 1000);
    if (i != offset) body += ',';
    body += R"({"id":")" + std::to_string(3000000000000000000L + i) + R"(","createdAt":")" +
            created + R"(","senderId":")" +
            (i % 2 ? "1700000000000000001" : "1700000000000000002") + R"(","recipientId":")" +
            (i % 2 ? "1700000000000000002" : "1700000000000000001") +
            R"(","text":"Generated message number )" + std::to_string(i) +
            R"(, long enough to look like a real DM.","media":null})";
  }
  body += "]}";
  return body;
}

// The child side: walk `total` messages, print peak RSS.
int walk(std::string const& base_url, long total) {
  getxapi::ClientOptions options;
  options.api_key = kApiKey;
  options.base_url = base_url;
  // 20,000 pages would otherwise be paced to 900 calls per 15 minutes, as
  // against the real API; the walk measures memory, not pacing.
  options.pacing.set_limit(getxapi::Endpoint::kDmList, std::nullopt);
  getxapi::Client client(std::move(options));
  long seen = 0;
  for (auto const& message : client.all_dms("walk-" + std::to_string(total))) {
    if (!message) {
      std::cerr << "walk: " << message.error() << std::endl;
      return 1;
    }
    if (message->id != std::to_string(3000000000000000000L + seen)) {
      std::cerr << "walk: unexpected id " << message->id << std::endl;
      return 1;
    }
    ++seen;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::cout << seen << ' ' << usage.ru_maxrss << std::endl;
  return seen == total ? 0 : 1;
}

// Resident set size now, KiB (/proc/self/status VmRSS).
long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// The child side: one small followers page (connection, handles and caches
// warm), then the page `name`; prints "users rss_before_kib peak_rss_kib"
// (users -1 when the page was refused as kInvalidResponse).
int fetch(std::string const& base_url, std::string const& name) {
  auto client = make_client(base_url);
  if (!client.followers("small")) return 1;
  long const before = rss_kib();
  auto page = client.followers(name);
  if (!page && page.error().code() != getxapi::ErrorCode::kInvalidResponse) {
    std::cerr << "fetch: " << page.error() << std::endl;
    return 1;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::cout << (page ? static_cast<long>(page->items.size()) : -1L) << ' ' << before << ' '
            << usage.ru_maxrss << std::endl;
  return 0;
}

std::string self_exe() {
  char path[4096];
  ssize_t const n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) throw std::runtime_error("cannot read /proc/self/exe");
  path[n] = '\0';
  return path;
}

// One ~7.5 MB followers page through Client::followers over loopback, in a
// fresh process each: how much its peak RSS rises over the RSS before the
// call, as a multiple of the body (libcurl's buffers, malloc's slack and
// all: what the machine sees, where bench_codec's peak heap counts only
// operator new).
void section_big_page(std::string const& exe) {
  using getxapi::bench::PageShape;
  nlohmann::json const prototype =
      nlohmann::json::parse(read_file(std::string(GETXAPI_FIXTURES_DIR) + "/followers_page.json"))
          .at("followers")
          .at(0);
  std::string const small = read_file(std::string(GETXAPI_FIXTURES_DIR) + "/followers_page.json");
  std::vector<std::pair<std::string, std::string>> const pages = {
      {"real", getxapi::bench::followers_page(PageShape::kRealShaped, getxapi::bench::kBigPageBytes,
                                              prototype)},
      {"one_field",
       getxapi::bench::followers_page(PageShape::kOneFieldUsers, getxapi::bench::kBigPageBytes)},
  };
  Served served(std::make_unique<Widened<httplib::Server>>());
  served.server().Get("/twitter/user/followers_v2",
                      [&](httplib::Request const& req, httplib::Response& res) {
                        std::string const name = req.get_param_value("userName");
                        for (auto const& [page_name, body] : pages) {
                          if (name == page_name) return res.set_content(body, "application/json");
                        }
                        res.set_content(small, "application/json");
                      });
  std::string const base = served.start();
  for (auto const& [name, body] : pages) {
    Child child({exe, "fetch", base, name});
    long users = 0, before = -1, peak = -1;
    if (child.out() == nullptr ||
        std::fscanf(child.out(), "%ld %ld %ld", &users, &before, &peak) != 3 || child.wait() != 0) {
      return fail("memory: fetching the " + name + " page failed");
    }
    double const mib = static_cast<double>(peak - before) / 1024.0;
    double const factor = static_cast<double>(peak - before) * 1024.0 / body.size();
    std::string const outcome =
        users >= 0 ? std::to_string(users) + " users" : std::string("refused (kInvalidResponse)");
    result("memory",
           "Client::followers, " + fmt("%.1f", body.size() / 1e6) + " MB page of " +
               (name == "real" ? "real-shaped" : "one-field (hostile)") +
               " users: peak RSS rise, MiB (x body)",
           fmt("%.1f", mib) + " (" + fmt("%.2f", factor) + "x), " + outcome);
  }
}

void section_memory(Settings const& s) {
  Served served(std::make_unique<Widened<httplib::Server>>());
  served.server().Post("/twitter/dm/list", [](httplib::Request const& req, httplib::Response& res) {
    auto const body = nlohmann::json::parse(req.body, nullptr, false);
    std::string const token = body.is_object() ? body.value("auth_token", "") : "";
    std::string const cursor = body.is_object() ? body.value("cursor", "") : "";
    if (token.rfind("walk-", 0) != 0) {
      res.status = 401;
      res.set_content(R"({"error":"Invalid auth_token"})", "application/json");
      return;
    }
    long const total = std::atol(token.c_str() + 5);
    long const offset = cursor.rfind("off-", 0) == 0 ? std::atol(cursor.c_str() + 4) : 0;
    res.set_content(generated_page(offset, body.value("count", 50), total), "application/json");
  });
  std::string const base = served.start();
  std::string const exe = self_exe();

  std::vector<std::pair<long, long>> peaks;  // messages, KiB
  for (long total : s.walk_sizes) {
    auto const start = Clock::now();
    Child child({exe, "walk", base, std::to_string(total)});
    long seen = -1, kib = -1;
    if (child.out() == nullptr || std::fscanf(child.out(), "%ld %ld", &seen, &kib) != 2) seen = -1;
    if (child.wait() != 0) seen = -1;
    if (seen != total) {
      fail("memory: walking " + std::to_string(total) + " messages failed");
      return;
    }
    double const seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::cerr << "walked " << total << " messages in " << seconds << " s\n";
    result("memory", "peak RSS after " + std::to_string(total) + " messages (all_dms), MiB",
           fmt("%.1f", static_cast<double>(kib) / 1024.0));
    result("memory", "walk rate at " + std::to_string(total) + " messages, messages/s",
           fmt("%.0f", static_cast<double>(total) / seconds));
    peaks.emplace_back(total, kib);
  }
  if (peaks.size() >= 2) {
    double const ratio =
        static_cast<double>(peaks.back().second) / static_cast<double>(peaks.front().second);
    result("memory",
           "peak RSS " + std::to_string(peaks.back().first) + " / " +
               std::to_string(peaks.front().first) + " messages",
           fmt("%.3f", ratio), "<= 1.2", ratio <= 1.2 ? "ok" : "MISS");
  }
  section_big_page(exe);
}

// ---- tls -------------------------------------------------------------------

std::atomic<long> g_handshakes{0};
int g_handshake_index = -1;

// Counts completed handshakes once per SSL object (TLS 1.3 servers may
// report HANDSHAKE_DONE again after sending session tickets).
void on_tls_info(SSL const* ssl, int where, int) {
  if ((where & SSL_CB_HANDSHAKE_DONE) == 0) return;
  auto* mutable_ssl = const_cast<SSL*>(ssl);
  if (SSL_get_ex_data(mutable_ssl, g_handshake_index) != nullptr) return;
  static char marker;
  SSL_set_ex_data(mutable_ssl, g_handshake_index, &marker);
  ++g_handshakes;
}

void section_tls(Settings const& s) {
  char dir_template[] = "/tmp/getxapi-bench-tls-XXXXXX";
  char* dir = mkdtemp(dir_template);
  if (dir == nullptr) return fail("tls: mkdtemp");
  std::string const cert = std::string(dir) + "/cert.pem";
  std::string const key = std::string(dir) + "/key.pem";
  // A throwaway certificate for 127.0.0.1; the client verifies it as a CA.
  std::string const command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
      key + "' -out '" + cert + "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) return fail("tls: openssl req failed");

  auto server = std::make_unique<Widened<httplib::SSLServer>>(cert.c_str(), key.c_str());
  if (!server->is_valid()) return fail("tls: SSLServer rejected the certificate");
  g_handshake_index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  SSL_CTX_set_info_callback(server->ssl_context(), &on_tls_info);
  ConnectionCounter counter;
  Served served(std::move(server));
  serve_user_info(served.server(), counter);
  std::string const base = served.start("https");

  getxapi::CurlTransportOptions curl;
  curl.ca_file = cert;  // verification stays on
  {
    auto transport = std::make_shared<getxapi::CurlTransport>(curl);
    auto client = make_client(base, transport);
    auto const start = Clock::now();
    for (int i = 0; i < s.tls_calls; ++i) {
      auto user = client.user_info(kUserName);
      if (!user) return fail("tls: " + user.error().message());
    }
    double const us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    result("tls", "HTTPS, one Client: us/call over " + std::to_string(s.tls_calls) + " calls",
           fmt("%.1f", us / s.tls_calls));
    result("tls", "TLS handshakes / TCP connections (server) / connections (client)",
           std::to_string(g_handshakes.load()) + " / " + std::to_string(counter.connections()) +
               " / " + std::to_string(transport->connections_opened()),
           "1 / 1 / 1",
           g_handshakes == 1 && counter.connections() == 1 && transport->connections_opened() == 1
               ? "ok"
               : "MISS");
  }
  // What reuse saves: a fresh Client (new connection, full handshake) per call.
  long const before = g_handshakes.load();
  auto const start = Clock::now();
  for (int i = 0; i < s.tls_fresh_calls; ++i) {
    getxapi::ClientOptions options;
    options.api_key = kApiKey;
    options.base_url = base;
    options.curl = curl;
    getxapi::Client fresh(std::move(options));
    if (!fresh.user_info(kUserName)) return fail("tls: fresh-client call failed");
  }
  double const us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  result("tls", "HTTPS, new Client per call (handshake each): us/call",
         fmt("%.1f", us / s.tls_fresh_calls));
  result("tls", "handshakes for " + std::to_string(s.tls_fresh_calls) + " fresh-client calls",
         std::to_string(g_handshakes.load() - before));
  std::remove(cert.c_str());
  std::remove(key.c_str());
  rmdir(dir);
}

int usage() {
  std::cerr << "usage: bench_e2e [loop|placement|threads|memory|tls|all] [--smoke] [--rounds N]\n"
               "                 [--calls N] [--python PATH] [--wrk PATH] [--no-pin]\n"
               "       bench_e2e walk BASE_URL MESSAGES\n"
               "       bench_e2e fetch BASE_URL PAGE\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  if (args[0] == "walk") {
    if (args.size() != 3) return usage();
    return walk(args[1], std::atol(args[2].c_str()));
  }
  if (args[0] == "fetch") {
    if (args.size() != 3) return usage();
    return fetch(args[1], args[2]);
  }
  Settings s;
  std::string const section = args[0];
  for (std::size_t i = 1; i < args.size(); ++i) {
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw std::invalid_argument(args[i] + " needs a value");
      return args[++i];
    };
    if (args[i] == "--smoke") {
      s.smoke = true;
      s.rounds = 2;
      s.calls_per_block = 50;
      s.python_calls_per_block = 20;
      s.thread_calls = 40;
      s.walk_sizes = {1'000, 5'000};
      s.tls_calls = 20;
      s.tls_fresh_calls = 3;
      s.placement_rounds = 2;
      s.placement_calls = 20;
    } else if (args[i] == "--no-pin") {
      s.pin = false;
    } else if (args[i] == "--rounds") {
      s.rounds = std::max(1, std::atoi(value().c_str()));
    } else if (args[i] == "--calls") {
      s.calls_per_block = std::max(1, std::atoi(value().c_str()));
    } else if (args[i] == "--python") {
      s.python = value();
    } else if (args[i] == "--wrk") {
      s.wrk = value();
    } else {
      return usage();
    }
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  bool const all = section == "all";
  if (!all && section != "loop" && section != "placement" && section != "threads" &&
      section != "memory" && section != "tls") {
    return usage();
  }
  if (all || section == "loop") section_loop(s);
  if (all || section == "placement") section_placement(s);
  if (all || section == "threads") section_threads(s);
  if (all || section == "memory") section_memory(s);
  if (all || section == "tls") section_tls(s);
  return g_failed ? 1 : 0;
}
