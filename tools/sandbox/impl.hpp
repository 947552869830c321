// Sandbox::Impl: the server object. Its methods are defined by topic:
//   sandbox.cpp       lifecycle, request plumbing, request log, connection dropping
//   handlers_users.cpp user/info, followers_v2/following_v2, user_login
//   handlers_dm.cpp   dm/send, dm/list, dm/conversation
//   admin.cpp         /_sandbox/ faults, requests, messages, stats, time, reset, world
//   admin_inbound.cpp /_sandbox/ inbound, edit, inbound_stream
#ifndef GETXAPI_SANDBOX_IMPL_HPP_
#define GETXAPI_SANDBOX_IMPL_HPP_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "faults.hpp"
#include "internal.hpp"
#include "sandbox.hpp"
#include "state.hpp"
#include "world.hpp"

namespace getxapi::sandbox {
namespace detail {

// httplib 0.11 listens with a backlog of 5 (compiled into Debian's .so): a burst of concurrent
// clients overflows it and waits a full SYN retransmit (~1 s). Widen it on the bound socket.
class Server : public httplib::Server {
 public:
  void widen_backlog();
};

// Shuts down our accepted sockets from `peer_port` (-1: all) on `local_port`.
int shutdown_accepted_sockets(int local_port, int peer_port);

// Bodies nested deeper than this are refused (API) or logged as text (request log): copying
// or printing JSON recurses.
inline constexpr std::size_t kMaxJsonDepth = 64;
bool nested_deeper_than(std::string const& text, std::size_t limit);

}  // namespace detail

struct Sandbox::Impl {
  using Reply = detail::Reply;
  using json = detail::json;
  using Request = httplib::Request;

  SandboxOptions options;
  World world;

  mutable std::mutex mu;
  detail::State state;
  std::vector<detail::Fault> faults;
  std::uint64_t next_fault_id = 1;
  std::uint64_t fault_rng;
  std::deque<json> requests;
  std::uint64_t next_request_seq = 1;
  std::map<std::string, std::map<int, std::uint64_t>> stats;
  std::uint64_t total_requests = 0;
  std::uint64_t faults_applied = 0;
  std::atomic<std::int64_t> clock_offset_ms{0};

  std::mutex run_mu;
  std::condition_variable run_cv;
  std::unique_ptr<detail::Server> server;
  std::thread listener;
  std::atomic<int> bound_port{0};
  bool running = false;

  explicit Impl(SandboxOptions o);

  std::int64_t now_ms() const;
  json time_json() const;
  void reset();
  double next_random();
  std::optional<detail::Fault> take_fault(std::string const& path);
  // Locks the state and delivers the scheduled inbound messages that are due.
  std::unique_lock<std::mutex> lock_state();

  // ---- request plumbing (sandbox.cpp) ----
  void check_api_key(Request const& req) const;
  static json parse_json_body(Request const& req);
  std::size_t account_for_token(std::string const& token) const;
  std::size_t user_index_of_account(std::size_t account) const;
  Reply dispatch(Request const& req);
  json describe_request(Request const& req, Reply const& reply,
                        std::optional<std::uint64_t> fault_id, std::int64_t duration_ms);
  void record(json entry);
  void write(Reply const& reply, Request const& req, httplib::Response& res);
  void handle(Request const& req, httplib::Response& res);

  // ---- endpoints ----
  Reply user_info(Request const& req);
  Reply user_page(Request const& req, bool followers);
  Reply login(Request const& req);
  Reply dm_send(Request const& req);
  Reply dm_list(Request const& req);
  Reply dm_conversation(Request const& req);
  // ct0/twid/proxy of the DM calls, checked like the real service: their shape before the
  // token (400), whether ct0/twid belong to the account after it (403, X's code 353).
  static void check_session_shape(json const& body);
  void check_session_match(json const& body, std::size_t account) const;
  // false, and the 429 in `limited`, when the token used up its dm/list window.
  bool take_list_call(std::string const& token, Reply& limited);

  // ---- admin API (admin.cpp, admin_inbound.cpp) ----
  void admin(Request const& req, httplib::Response& res);
  static json admin_body(Request const& req);
  Reply admin_dispatch(Request const& req);
  Reply admin_faults(Request const& req);
  Reply admin_delete_fault(Request const& req);
  Reply admin_requests(Request const& req);
  Reply admin_messages(Request const& req);
  Reply admin_stats(Request const& req);
  Reply admin_time(Request const& req);
  Reply admin_reset(Request const& req);
  Reply admin_world(Request const& req);
  Reply admin_health(Request const& req);
  Reply admin_inbound(Request const& req);
  Reply admin_edit(Request const& req);
  Reply admin_inbound_stream(Request const& req);

  // In-process equivalents (sandbox.hpp).
  json inbound(json const& body);
  json edit(json const& body);
  json inbound_stream(json const& body);

  // ---- lifecycle ----
  int start();
  void stop();
  void wait();
};

}  // namespace getxapi::sandbox

#endif  // GETXAPI_SANDBOX_IMPL_HPP_
