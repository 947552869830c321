// The admin API under /_sandbox/: faults, request log, delivered messages, stats, clock,
// reset, world, health. Inbound traffic (inbound, edit, inbound_stream) is admin_inbound.cpp.
#include <algorithm>

#include "impl.hpp"

namespace getxapi::sandbox {

using detail::error_reply;
using detail::json_reply;
using detail::reject;

void Sandbox::Impl::admin(Request const& req, httplib::Response& res) {
  Reply reply;
  try {
    reply = admin_dispatch(req);
  } catch (detail::Rejection& r) {
    reply = std::move(r.reply);
  } catch (std::exception const& e) {
    reply = error_reply(500, std::string("Internal server error: ") + e.what());
  }
  res.status = reply.status;
  for (auto const& [k, v] : reply.headers) res.set_header(k, v);
  res.set_content(reply.body, reply.content_type);
}

detail::json Sandbox::Impl::admin_body(Request const& req) {
  if (detail::trim(req.body).empty()) return json::object();
  if (detail::nested_deeper_than(req.body, detail::kMaxJsonDepth)) {
    reject(400, "Invalid JSON body: nested too deeply");
  }
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) reject(400, "Invalid JSON body");
  return body;
}

detail::Reply Sandbox::Impl::admin_dispatch(Request const& req) {
  using Handler = Reply (*)(Impl&, Request const&);
  struct Route {
    char const* path;
    char const* methods;  // space-separated; the handler tells them apart
    Handler handler;
  };
  static Route const kRoutes[] = {
      {"/_sandbox/health", "GET", [](Impl& s, Request const& r) { return s.admin_health(r); }},
      {"/_sandbox/faults", "GET POST DELETE",
       [](Impl& s, Request const& r) { return s.admin_faults(r); }},
      {"/_sandbox/requests", "GET DELETE",
       [](Impl& s, Request const& r) { return s.admin_requests(r); }},
      {"/_sandbox/messages", "GET", [](Impl& s, Request const& r) { return s.admin_messages(r); }},
      {"/_sandbox/stats", "GET", [](Impl& s, Request const& r) { return s.admin_stats(r); }},
      {"/_sandbox/time", "GET POST", [](Impl& s, Request const& r) { return s.admin_time(r); }},
      {"/_sandbox/reset", "POST", [](Impl& s, Request const& r) { return s.admin_reset(r); }},
      {"/_sandbox/world", "GET", [](Impl& s, Request const& r) { return s.admin_world(r); }},
      {"/_sandbox/inbound", "POST", [](Impl& s, Request const& r) { return s.admin_inbound(r); }},
      {"/_sandbox/edit", "POST", [](Impl& s, Request const& r) { return s.admin_edit(r); }},
      {"/_sandbox/inbound_stream", "GET POST DELETE",
       [](Impl& s, Request const& r) { return s.admin_inbound_stream(r); }}};
  for (auto const& r : kRoutes) {
    if (req.path != r.path) continue;
    std::string const methods = std::string(" ") + r.methods + " ";
    if (methods.find(" " + req.method + " ") != std::string::npos) return r.handler(*this, req);
  }
  if (detail::starts_with(req.path, "/_sandbox/faults/") && req.method == "DELETE") {
    return admin_delete_fault(req);
  }
  return error_reply(404, "Unknown admin endpoint " + req.method + " " + req.path);
}

detail::Reply Sandbox::Impl::admin_health(Request const&) {
  return json_reply(200, {{"status", "ok"}});
}

detail::Reply Sandbox::Impl::admin_faults(Request const& req) {
  if (req.method == "GET") {
    std::lock_guard<std::mutex> lock(mu);
    json list = json::array();
    for (auto const& f : faults) list.push_back(f.to_json());
    return json_reply(200, {{"faults", list}});
  }
  if (req.method == "DELETE") {
    std::lock_guard<std::mutex> lock(mu);
    std::size_t const n = faults.size();
    faults.clear();
    return json_reply(200, {{"cleared", n}});
  }
  std::vector<detail::Fault> parsed = detail::parse_faults(admin_body(req));
  std::lock_guard<std::mutex> lock(mu);
  json ids = json::array(), list = json::array();
  for (auto& f : parsed) {
    f.id = next_fault_id++;
    ids.push_back(f.id);
    list.push_back(f.to_json());
    faults.push_back(std::move(f));
  }
  return json_reply(201, {{"ids", ids}, {"faults", list}});
}

detail::Reply Sandbox::Impl::admin_delete_fault(Request const& req) {
  std::string const id = req.path.substr(std::string("/_sandbox/faults/").size());
  if (!detail::is_digits(id) || id.size() >= 19) reject(404, "No active fault " + id);
  std::uint64_t const wanted = std::stoull(id);
  std::lock_guard<std::mutex> lock(mu);
  auto it = std::find_if(faults.begin(), faults.end(),
                         [&](detail::Fault const& f) { return f.id == wanted; });
  if (it == faults.end()) reject(404, "No active fault " + id);
  faults.erase(it);
  return json_reply(200, {{"deleted", wanted}});
}

detail::Reply Sandbox::Impl::admin_requests(Request const& req) {
  std::lock_guard<std::mutex> lock(mu);
  if (req.method == "DELETE") {
    requests.clear();
    return json_reply(200, {{"cleared", true}});
  }
  std::string const filter = req.get_param_value("path");
  json list = json::array();
  for (auto const& r : requests) {
    if (filter.empty() || r["path"] == filter) list.push_back(r);
  }
  return json_reply(200, list);
}

detail::Reply Sandbox::Impl::admin_messages(Request const& req) {
  std::string const sender = req.get_param_value("sender_id");
  std::string const recipient = req.get_param_value("recipient_id");
  auto lock = lock_state();
  json list = json::array();
  for (auto i : state.delivered) {
    auto const& msg = state.messages[i];
    if (!sender.empty() && msg.sender_id != sender) continue;
    if (!recipient.empty() && msg.recipient_id != recipient) continue;
    list.push_back(detail::sent_message_json(state, msg));
  }
  return json_reply(200, list);
}

detail::Reply Sandbox::Impl::admin_stats(Request const&) {
  std::lock_guard<std::mutex> lock(mu);
  json paths = json::object();
  for (auto const& [path, by_status] : stats) {
    json statuses = json::object();
    std::uint64_t total = 0;
    for (auto const& [status, n] : by_status) {
      statuses[status == 0 ? "dropped" : std::to_string(status)] = n;
      total += n;
    }
    paths[path] = {{"total", total}, {"by_status", statuses}};
  }
  return json_reply(200, {{"total_requests", total_requests},
                          {"faults_applied", faults_applied},
                          {"messages_delivered", state.delivered.size()},
                          {"paths", paths}});
}

detail::Reply Sandbox::Impl::admin_time(Request const& req) {
  if (req.method == "GET") return json_reply(200, time_json());
  // A century either way in all: far past any test, and the clock's milliseconds (and the
  // dates printed from them) cannot overflow.
  constexpr std::int64_t kMaxOffsetSeconds = std::int64_t{100} * 366 * 86400;
  json const body = admin_body(req);
  auto it = body.is_object() ? body.find("advance_seconds") : body.end();
  bool ok = it != body.end() && it->is_number_integer() &&
            !(it->is_number_unsigned() &&
              it->get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxOffsetSeconds));
  std::int64_t const by = ok ? it->get<std::int64_t>() : 0;
  std::int64_t const offset = clock_offset_ms.load() / 1000;
  ok = ok && by >= -kMaxOffsetSeconds && by <= kMaxOffsetSeconds &&
       offset + by >= -kMaxOffsetSeconds && offset + by <= kMaxOffsetSeconds;
  if (!ok) {
    reject(400,
           "Expected {\"advance_seconds\": N} with an integer N, keeping the clock within a "
           "century of real time");
  }
  clock_offset_ms += by * 1000;
  return json_reply(200, time_json());
}

detail::Reply Sandbox::Impl::admin_reset(Request const&) {
  // No body is needed (a bare `curl -X POST .../_sandbox/reset`), and any body is ignored.
  reset();
  return json_reply(200, {{"status", "reset"}});
}

detail::Reply Sandbox::Impl::admin_world(Request const&) {
  return json_reply(200, world_to_json(world));
}

}  // namespace getxapi::sandbox
