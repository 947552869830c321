// An in-process getxapi-sandbox on 127.0.0.1 (ephemeral port) and the admin
// calls the component tests make on it (`/_sandbox/...`): JSON get/post, the
// sandbox clock, per-path request counts, faults. Each test directory adds its
// own options and helpers on top (tests/outreach/sandbox_fixture.hpp,
// tests/inbox/inbox_sandbox.hpp).
#pragma once

#include "sandbox.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace getxapi::testing {

class SandboxAdmin {
 public:
  explicit SandboxAdmin(sandbox::SandboxOptions options) : sandbox_(std::move(options)) {
    sandbox_.start();
    url_ = sandbox_.base_url();
    admin_ = std::make_unique<httplib::Client>(url_);
    admin_->set_read_timeout(30, 0);
  }

  std::string const& url() const { return url_; }
  sandbox::Sandbox& sandbox() { return sandbox_; }

  nlohmann::json get(std::string const& path) {
    auto r = admin_->Get(path.c_str());
    if (!r || r->status != 200) throw std::runtime_error("GET " + path + " failed");
    return nlohmann::json::parse(r->body);
  }
  nlohmann::json post(std::string const& path, nlohmann::json const& body) {
    auto r = admin_->Post(path.c_str(), body.dump(), "application/json");
    if (!r || r->status >= 300) {
      throw std::runtime_error("POST " + path + " failed: " + (r ? r->body : "no answer"));
    }
    return nlohmann::json::parse(r->body);
  }
  void clear_faults() { admin_->Delete("/_sandbox/faults"); }

  /// The sandbox clock, epoch ms.
  std::int64_t now_ms() { return get("/_sandbox/time")["epoch_ms"].get<std::int64_t>(); }
  void advance(std::int64_t seconds) { post("/_sandbox/time", {{"advance_seconds", seconds}}); }

  /// Requests the sandbox received for an API path (every status, drops included).
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

}  // namespace getxapi::testing
