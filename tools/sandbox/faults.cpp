#include "faults.hpp"

#include <algorithm>

namespace getxapi::sandbox::detail {
namespace {

[[noreturn]] void bad(std::string const& m) { reject(400, "Invalid fault: " + m); }

void check_keys(json const& j) {
  static std::vector<std::string> const kKeys = {
      "path",      "status", "body",  "retry_after",    "delay_ms",
      "malformed", "drop",   "count", "after_delivery", "probability"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(kKeys.begin(), kKeys.end(), it.key()) == kKeys.end()) {
      bad("unknown key \"" + it.key() + "\"");
    }
  }
}

bool get_bool(json const& j, char const* k) {
  auto it = j.find(k);
  if (it == j.end() || it->is_null()) return false;
  if (!it->is_boolean()) bad(std::string("\"") + k + "\" must be a boolean");
  return it->get<bool>();
}

std::optional<int> get_int(json const& j, char const* k, std::int64_t lo, std::int64_t hi) {
  auto it = j.find(k);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<std::int64_t>() < lo || it->get<std::int64_t>() > hi) {
    bad(std::string("\"") + k + "\" must be an integer in [" + std::to_string(lo) + ", " +
        std::to_string(hi) + "]");
  }
  return static_cast<int>(it->get<std::int64_t>());
}

std::string get_path(json const& j) {
  auto path = j.find("path");
  if (path == j.end() || !path->is_string()) bad("\"path\" (string) is required");
  std::string p = path->get<std::string>();
  if (p != "*" && !starts_with(p, "/")) bad("\"path\" must start with / or be *");
  if (starts_with(p, "/_sandbox")) bad("admin paths cannot be faulted");
  return p;
}

std::optional<double> get_probability(json const& j) {
  auto it = j.find("probability");
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number() || it->get<double>() <= 0.0 || it->get<double>() > 1.0) {
    bad("\"probability\" must be a number in (0, 1]");
  }
  return it->get<double>();
}

void check_combination(Fault const& f) {
  if (f.malformed && f.drop) bad("\"malformed\" and \"drop\" exclude each other");
  if ((f.body || f.retry_after) && !f.status && !f.malformed) {
    bad("\"body\" and \"retry_after\" need a \"status\"");
  }
  if (!f.changes_response() && f.delay_ms == 0) {
    bad("a fault needs at least one of status, malformed, drop, delay_ms");
  }
  if (f.after_delivery && !f.changes_response()) {
    bad("\"after_delivery\" needs a status, malformed or drop");
  }
}

}  // namespace

json Fault::to_json() const {
  json j = {{"id", id},
            {"path", path},
            {"delay_ms", delay_ms},
            {"malformed", malformed},
            {"drop", drop},
            {"after_delivery", after_delivery},
            {"applied", applied}};
  j["status"] = status ? json(*status) : json(nullptr);
  j["body"] = body ? *body : json(nullptr);
  j["retry_after"] = retry_after ? json(*retry_after) : json(nullptr);
  j["remaining"] = remaining ? json(*remaining) : json(nullptr);
  j["probability"] = probability ? json(*probability) : json(nullptr);
  return j;
}

Fault parse_fault(json const& j) {
  if (!j.is_object()) bad("each fault must be a JSON object");
  check_keys(j);
  Fault f;
  f.path = get_path(j);
  f.status = get_int(j, "status", 100, 599);
  f.retry_after = get_int(j, "retry_after", 0, std::int64_t{86400} * 7);
  f.delay_ms = get_int(j, "delay_ms", 0, 120000).value_or(0);
  f.malformed = get_bool(j, "malformed");
  f.drop = get_bool(j, "drop");
  f.after_delivery = get_bool(j, "after_delivery");
  if (auto it = j.find("body"); it != j.end() && !it->is_null()) {
    if (!it->is_object() && !it->is_string()) bad("\"body\" must be an object or a string");
    f.body = *it;
  }
  auto const count = get_int(j, "count", 1, 1000000000);
  f.probability = get_probability(j);
  if (count) {
    f.remaining = *count;
  } else if (!f.probability) {
    f.remaining = 1;
  }
  check_combination(f);
  return f;
}

std::vector<Fault> parse_faults(json const& body) {
  std::vector<Fault> parsed;
  if (body.is_object() && body.contains("faults")) {
    if (!body["faults"].is_array() || body.size() != 1) {
      reject(400, "Invalid fault: {\"faults\": [...]} takes nothing else");
    }
    for (auto const& f : body["faults"]) parsed.push_back(parse_fault(f));
  } else if (body.is_array()) {
    for (auto const& f : body) parsed.push_back(parse_fault(f));
  } else {
    parsed.push_back(parse_fault(body));
  }
  return parsed;
}

Reply fault_reply(Fault const& f) {
  Reply r;
  if (f.drop) {
    r.status = f.status.value_or(200);
    r.drop = true;
    r.body = R"({"error":"connection dropped by sandbox fault"})";
    return r;
  }
  if (f.malformed) {
    r.status = f.status.value_or(200);
    // Looks like the start of a success body, then stops: a proxy cutting the stream.
    r.body = R"({"status":"success","msg":"success","data":{"id":"17000000)";
    return r;
  }
  r.status = *f.status;
  if (f.body && f.body->is_string()) {
    r.body = f.body->get<std::string>();
    r.content_type = starts_with(r.body, "<") ? "text/html; charset=utf-8" : "text/plain";
  } else {
    json body = f.body ? *f.body : json{{"error", default_error_for(r.status)}};
    if (f.retry_after) body["retry_after"] = *f.retry_after;
    r.body = body.dump();
  }
  if (f.retry_after) r.headers.emplace_back("Retry-After", std::to_string(*f.retry_after));
  return r;
}

}  // namespace getxapi::sandbox::detail
