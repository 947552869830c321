// The server: lifecycle, request plumbing (faults, API key, routing), the request log and
// connection dropping. Endpoints live in handlers_*.cpp, the admin API in admin*.cpp.
#include "sandbox.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#ifdef __linux__
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

#include "impl.hpp"

namespace getxapi::sandbox {
namespace detail {

// httplib 0.11 does not hand handlers their socket. To make "drop" mean what a client sees
// when a proxy dies (EOF before any response byte), find our accepted socket for this peer
// and shut it down; httplib then fails to write and closes it. Returns the number shut down.
int shutdown_accepted_sockets(int local_port, int peer_port) {
  int n = 0;
#ifdef __linux__
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  auto port_of = [](sockaddr_storage const& a) -> int {
    if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in const&>(a).sin_port);
    if (a.ss_family == AF_INET6) {
      return ntohs(reinterpret_cast<sockaddr_in6 const&>(a).sin6_port);
    }
    return -1;
  };
  while (dirent* e = readdir(dir)) {
    if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
    int const fd = std::atoi(e->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t len = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) continue;
    if (port_of(local) != local_port) continue;
    len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    if (peer_port >= 0 && port_of(peer) != peer_port) continue;
    if (::shutdown(fd, SHUT_RDWR) == 0) ++n;
  }
  closedir(dir);
#else
  (void)local_port;
  (void)peer_port;
#endif
  return n;
}

void Server::widen_backlog() {
#ifdef __linux__
  auto const fd = svr_sock_.load();
  if (fd != INVALID_SOCKET) ::listen(fd, SOMAXCONN);
#endif
}

bool nested_deeper_than(std::string const& text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char const c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

namespace {

// cpp-httplib sets SO_REUSEPORT, with which a second server binds the same port and the
// kernel splits connections between two worlds. SO_REUSEADDR alone only lets a restart bind
// over TIME_WAIT connections; a port another listener holds then fails to bind.
void exclusive_socket_options(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof(yes));
}

}  // namespace
}  // namespace detail

using detail::error_reply;
using detail::json_reply;
using detail::lower;
using detail::reject;
using detail::trim;

Sandbox::Impl::Impl(SandboxOptions o) : options(std::move(o)), fault_rng(options.fault_seed) {
  if (!options.data_file.empty() && options.seed) {
    throw std::runtime_error("choose either a data file or a seed, not both");
  }
  if (!options.data_file.empty()) {
    world = load_world_file(options.data_file);
  } else {
    world = generate_world(options.seed.value_or(kDefaultWorldSeed));
  }
  state.load(world);
}

std::int64_t Sandbox::Impl::now_ms() const {
  auto const real = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  return real + clock_offset_ms.load();
}

detail::json Sandbox::Impl::time_json() const {
  std::int64_t const now = now_ms();
  return {{"now", format_iso_ms(now)},
          {"epoch_ms", now},
          {"offset_seconds", clock_offset_ms.load() / 1000}};
}

void Sandbox::Impl::reset() {
  std::lock_guard<std::mutex> lock(mu);
  state.load(world);
  faults.clear();
  next_fault_id = 1;
  fault_rng = options.fault_seed;
  requests.clear();
  next_request_seq = 1;
  stats.clear();
  total_requests = 0;
  faults_applied = 0;
  clock_offset_ms = 0;
}

double Sandbox::Impl::next_random() {  // splitmix64 in [0, 1), under mu
  std::uint64_t z = (fault_rng += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / 9007199254740992.0;
}

std::optional<detail::Fault> Sandbox::Impl::take_fault(std::string const& path) {
  std::lock_guard<std::mutex> lock(mu);
  for (auto it = faults.begin(); it != faults.end(); ++it) {
    if (it->path != "*" && it->path != path) continue;
    if (it->probability && next_random() >= *it->probability) continue;
    ++it->applied;
    ++faults_applied;
    detail::Fault applied = *it;
    if (it->remaining && --*it->remaining <= 0) faults.erase(it);
    return applied;
  }
  return std::nullopt;
}

std::unique_lock<std::mutex> Sandbox::Impl::lock_state() {
  std::unique_lock<std::mutex> lock(mu);
  state.deliver_due(now_ms());
  return lock;
}

// ---- request plumbing --------------------------------------------------------------------

void Sandbox::Impl::check_api_key(Request const& req) const {
  std::string const header = req.get_header_value("Authorization");
  std::string key;
  if (header.size() > 7 && lower(header.substr(0, 7)) == "bearer ") key = trim(header.substr(7));
  if (key.empty()) reject(401, detail::kInvalidApiKey);
  if (!options.api_key.empty() && key != options.api_key) reject(401, detail::kInvalidApiKey);
}

detail::json Sandbox::Impl::parse_json_body(Request const& req) {
  std::string const type = lower(trim(req.get_header_value("Content-Type")));
  if (type.substr(0, type.find(';')) != "application/json") {
    reject(400, "Content-Type must be application/json");
  }
  if (detail::nested_deeper_than(req.body, detail::kMaxJsonDepth)) {
    reject(400, "Invalid JSON body: nested too deeply");
  }
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) reject(400, "Invalid JSON body");
  if (!body.is_object()) reject(400, "Request body must be a JSON object");
  return body;
}

std::size_t Sandbox::Impl::account_for_token(std::string const& token) const {
  auto it = state.account_by_token.find(token);
  if (it == state.account_by_token.end() || state.accounts[it->second].locked) {
    reject(401, detail::kInvalidAuthToken);
  }
  return it->second;
}

std::size_t Sandbox::Impl::user_index_of_account(std::size_t account) const {
  return state.by_name.at(lower(state.accounts[account].user_name));
}

detail::Reply Sandbox::Impl::dispatch(Request const& req) {
  using Handler = Reply (*)(Impl&, Request const&);
  struct Route {
    char const* method;
    char const* path;
    Handler handler;
  };
  static Route const kRoutes[] = {
      {"GET", "/twitter/user/info", [](Impl& s, Request const& r) { return s.user_info(r); }},
      {"GET", "/twitter/user/followers_v2",
       [](Impl& s, Request const& r) { return s.user_page(r, true); }},
      {"GET", "/twitter/user/following_v2",
       [](Impl& s, Request const& r) { return s.user_page(r, false); }},
      {"POST", "/twitter/user_login", [](Impl& s, Request const& r) { return s.login(r); }},
      {"POST", "/twitter/dm/send", [](Impl& s, Request const& r) { return s.dm_send(r); }},
      {"POST", "/twitter/dm/list", [](Impl& s, Request const& r) { return s.dm_list(r); }},
      {"POST", "/twitter/dm/conversation",
       [](Impl& s, Request const& r) { return s.dm_conversation(r); }}};
  try {
    check_api_key(req);
    for (auto const& r : kRoutes) {
      if (req.path != r.path) continue;
      if (req.method != r.method) {
        Reply reply = error_reply(405, "Method not allowed");
        reply.headers.emplace_back("Allow", r.method);
        return reply;
      }
      return r.handler(*this, req);
    }
    return error_reply(404, "Not found");
  } catch (detail::Rejection& r) {
    return std::move(r.reply);
  }
}

detail::json Sandbox::Impl::describe_request(Request const& req, Reply const& reply,
                                             std::optional<std::uint64_t> fault_id,
                                             std::int64_t duration_ms) {
  json query = json::object();
  for (auto const& [k, v] : req.params) query[k] = detail::is_secret_key(k) ? "***" : v;
  json headers = json::object();
  for (char const* h : {"Authorization", "Content-Type", "User-Agent", "Idempotency-Key"}) {
    if (req.has_header(h)) {
      headers[lower(h)] = std::string(h) == "Authorization" ? "***" : req.get_header_value(h);
    }
  }
  json body = nullptr;
  if (!req.body.empty()) {
    // Deep JSON is kept as (masked) text: copying and printing a json value recurses.
    if (!detail::nested_deeper_than(req.body, detail::kMaxJsonDepth)) {
      body = json::parse(req.body, nullptr, false);
    }
    if (body.is_discarded() || body.is_null()) {
      body = detail::mask_text(req.body);
    } else {
      detail::mask_json(body);
    }
  }
  return {{"time", format_iso_ms(now_ms())},
          {"method", req.method},
          {"path", req.path},
          {"query", std::move(query)},
          {"headers", std::move(headers)},
          {"body", std::move(body)},
          {"status", reply.drop ? 0 : reply.status},
          {"dropped", reply.drop},
          {"fault_id", fault_id ? json(*fault_id) : json(nullptr)},
          {"duration_ms", duration_ms}};
}

namespace {

std::string log_line(detail::json const& entry) {
  std::string line = "getxapi-sandbox: " + entry["method"].get<std::string>() + " " +
                     entry["path"].get<std::string>();
  auto dump = [](detail::json const& j) {
    return j.dump(-1, ' ', false, detail::json::error_handler_t::replace);
  };
  if (!entry["query"].empty()) line += " query=" + dump(entry["query"]);
  if (!entry["body"].is_null()) {
    std::string b =
        entry["body"].is_string() ? entry["body"].get<std::string>() : dump(entry["body"]);
    if (b.size() > 300) b = b.substr(0, 300) + "...";
    line += " body=" + b;
  }
  line += entry["dropped"].get<bool>() ? std::string(" -> dropped")
                                       : " -> " + std::to_string(entry["status"].get<int>());
  line += " (" + std::to_string(entry["duration_ms"].get<std::int64_t>()) + " ms)";
  if (!entry["fault_id"].is_null()) line += " fault=" + entry["fault_id"].dump();
  return line;
}

}  // namespace

void Sandbox::Impl::record(json entry) {
  std::string const path = entry["path"];
  int const status = entry["status"];
  std::string line;
  {
    std::lock_guard<std::mutex> lock(mu);
    entry["seq"] = next_request_seq++;
    ++total_requests;
    ++stats[path][status];
    if (options.log_requests) line = log_line(entry);
    requests.push_back(std::move(entry));
    while (requests.size() > detail::kMaxLoggedRequests) requests.pop_front();
  }
  if (!line.empty()) std::cerr << line + "\n" << std::flush;
}

void Sandbox::Impl::write(Reply const& reply, Request const& req, httplib::Response& res) {
  res.status = reply.status;
  for (auto const& [k, v] : reply.headers) res.set_header(k, v);
  if (!reply.drop) {
    res.set_content(reply.body, reply.content_type);
    return;
  }
  detail::shutdown_accepted_sockets(bound_port.load(), req.remote_port);
  // Fallback where the socket could not be found: announce a body, send half, hang up.
  auto const body = std::make_shared<std::string>(reply.body);
  res.set_header("Connection", "close");
  res.set_content_provider(body->size(), reply.content_type,
                           [body](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                             if (offset == 0) sink.write(body->data(), body->size() / 2);
                             return false;
                           });
}

void Sandbox::Impl::handle(Request const& req, httplib::Response& res) {
  if (req.path == "/_sandbox" || detail::starts_with(req.path, "/_sandbox/")) {
    admin(req, res);
    return;
  }
  auto const started = std::chrono::steady_clock::now();
  Reply reply;
  std::optional<detail::Fault> fault;
  try {
    fault = take_fault(req.path);
    // Sleep without any lock so other clients keep being served meanwhile.
    if (fault && fault->delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
    }
    if (fault && fault->changes_response() && !fault->after_delivery) {
      reply = detail::fault_reply(*fault);
    } else {
      reply = dispatch(req);
      if (fault && fault->after_delivery) reply = detail::fault_reply(*fault);
    }
  } catch (std::exception const& e) {
    std::cerr << "getxapi-sandbox: internal error on " << req.path << ": " << e.what() << "\n";
    reply = error_reply(500, "Internal server error");
  }
  auto const elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  record(describe_request(req, reply,
                          fault ? std::optional<std::uint64_t>(fault->id) : std::nullopt, elapsed));
  write(reply, req, res);
}

// ---- lifecycle ---------------------------------------------------------------------------

int Sandbox::Impl::start() {
  std::lock_guard<std::mutex> lock(run_mu);
  if (running) return bound_port;
  auto svr = std::make_unique<detail::Server>();
  int const threads = std::max(4, options.threads);
  svr->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr->set_socket_options(detail::exclusive_socket_options);
  svr->set_tcp_nodelay(true);
  svr->set_keep_alive_max_count(100000);
  svr->set_keep_alive_timeout(std::max(1, options.keep_alive_timeout_seconds));
  svr->set_payload_max_length(std::size_t{1024} * 1024);
  httplib::Server::Handler const h = [this](Request const& req, httplib::Response& res) {
    handle(req, res);
  };
  // httplib 0.11 answers a POST without Content-Length (what `curl -X POST URL` sends) with a
  // bare 400 before any handler runs; the routing hook runs first, so serve those here with an
  // empty body.
  svr->set_pre_routing_handler([this](Request const& req, httplib::Response& res) {
    bool const bodyless = (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") &&
                          !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding");
    if (!bodyless) return httplib::Server::HandlerResponse::Unhandled;
    handle(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  svr->Get(".*", h);
  svr->Post(".*", h);
  svr->Put(".*", h);
  svr->Patch(".*", h);
  svr->Delete(".*", h);
  int port = options.port;
  if (port == 0) {
    port = svr->bind_to_any_port(options.host);
    if (port <= 0) throw std::runtime_error("cannot bind " + options.host + " (any port)");
  } else if (!svr->bind_to_port(options.host, port)) {
    throw std::runtime_error("cannot bind " + options.host + ":" + std::to_string(port) +
                             ": address in use or not available");
  }
  svr->widen_backlog();
  bound_port = port;
  server = std::move(svr);
  detail::Server* raw = server.get();
  listener = std::thread([raw] { raw->listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs, so do not return before it does.
  auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!raw->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!raw->is_running()) {
    raw->stop();
    listener.join();
    server.reset();
    throw std::runtime_error("sandbox server did not start");
  }
  running = true;
  return port;
}

void Sandbox::Impl::stop() {
  std::unique_lock<std::mutex> lock(run_mu);
  if (!running) return;
  server->stop();
  // Idle keep-alive connections would otherwise hold their worker (and this join) until
  // their keep-alive timeout expires.
  detail::shutdown_accepted_sockets(bound_port.load(), -1);
  listener.join();
  server.reset();
  running = false;
  lock.unlock();
  run_cv.notify_all();
}

void Sandbox::Impl::wait() {
  std::unique_lock<std::mutex> lock(run_mu);
  run_cv.wait(lock, [this] { return !running; });
}

// ---- public API --------------------------------------------------------------------------

Sandbox::Sandbox(SandboxOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Sandbox::~Sandbox() { stop(); }

int Sandbox::start() { return impl_->start(); }

void Sandbox::stop() { impl_->stop(); }

int Sandbox::port() const { return impl_->bound_port.load(); }

std::string Sandbox::base_url() const {
  std::string host = impl_->options.host;
  // A wildcard bind is reachable on loopback; IPv6 literals need brackets in URLs.
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port());
}

void Sandbox::wait() { impl_->wait(); }

void Sandbox::reset() { impl_->reset(); }

void Sandbox::advance_time(std::chrono::seconds by) { impl_->clock_offset_ms += by.count() * 1000; }

std::string Sandbox::dump_world() const { return world_to_json(impl_->world).dump(1); }

namespace {

template <class F>
std::string in_process(F&& call) {
  try {
    return call().dump();
  } catch (detail::Rejection const& r) {
    throw std::invalid_argument(r.reply.body);
  }
}

}  // namespace

std::string Sandbox::inbound(std::string const& json_body) {
  return in_process([&] { return impl_->inbound(detail::json::parse(json_body)); });
}

std::string Sandbox::edit(std::string const& json_body) {
  return in_process([&] { return impl_->edit(detail::json::parse(json_body)); });
}

std::string Sandbox::inbound_stream(std::string const& json_body) {
  return in_process([&] { return impl_->inbound_stream(detail::json::parse(json_body)); });
}

}  // namespace getxapi::sandbox
