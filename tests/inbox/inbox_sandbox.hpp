// An in-process getxapi-sandbox for the watcher's tests, with the admin calls they make:
// inbound traffic, the sandbox clock, delivered messages and per-path request counts.
#pragma once

#include "sandbox.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace getxapi::inbox::testing {

using nlohmann::json;

class InboxSandbox {
 public:
  InboxSandbox() : sandbox_(options()) {
    sandbox_.start();
    url_ = sandbox_.base_url();
    admin_ = std::make_unique<httplib::Client>(url_);
    admin_->set_read_timeout(30, 0);
  }

  static sandbox::SandboxOptions options() {
    sandbox::SandboxOptions o;
    o.threads = 16;
    o.dm_list_limit = 1'000'000;  // the watcher's own pacing is what is under test
    return o;
  }

  std::string const& url() const { return url_; }

  json get(std::string const& path) {
    auto r = admin_->Get(path.c_str());
    if (!r || r->status != 200) throw std::runtime_error("GET " + path + " failed");
    return json::parse(r->body);
  }
  json post(std::string const& path, json const& body) {
    auto r = admin_->Post(path.c_str(), body.dump(), "application/json");
    if (!r || r->status >= 300) {
      throw std::runtime_error("POST " + path + " failed: " + (r ? r->body : "no answer"));
    }
    return json::parse(r->body);
  }

  /// The sandbox clock, epoch ms.
  std::int64_t now_ms() { return get("/_sandbox/time")["epoch_ms"].get<std::int64_t>(); }
  void advance(std::int64_t seconds) { post("/_sandbox/time", {{"advance_seconds", seconds}}); }

  /// Requests the sandbox received for an API path.
  std::int64_t requests_to(std::string const& path) {
    auto stats = get("/_sandbox/stats");
    auto it = stats["paths"].find(path);
    if (it == stats["paths"].end()) return 0;
    return (*it)["total"].get<std::int64_t>();
  }

 private:
  sandbox::Sandbox sandbox_;
  std::string url_;
  std::unique_ptr<httplib::Client> admin_;
};

}  // namespace getxapi::inbox::testing
