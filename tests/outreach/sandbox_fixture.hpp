// An in-process getxapi-sandbox and the admin calls the outreach tests make on it.
#pragma once

#include "sandbox.hpp"

#include <getxapi/getxapi.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

namespace getxapi::outreach::testing {

using nlohmann::json;

/// Waits never happen: backoff and Retry-After become instant.
class NoSleep : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds) override {}
};

/// The real clock moved by a settable offset, so a test can jump a day ahead.
class OffsetClock : public Clock {
 public:
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now() + offset_;
  }
  Timestamp system_now() const override { return std::chrono::system_clock::now() + offset_; }
  void advance(std::chrono::milliseconds by) { offset_ += by; }

 private:
  std::chrono::milliseconds offset_{0};
};

/// A scratch directory, on tmpfs when there is one (fsync is then free and the
/// tests measure logic, not the disk).
class ScratchDir {
 public:
  explicit ScratchDir(std::string const& tag) {
    namespace fs = std::filesystem;
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    path_ = base / ("getxapi-" + tag + "-" + std::to_string(::getpid()) + "-" +
                    std::to_string(counter()++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string file(std::string const& name) const { return (path_ / name).string(); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
};

class SandboxFixture {
 public:
  SandboxFixture() : sandbox_(options()) {
    sandbox_.start();
    url_ = sandbox_.base_url();
    admin_ = std::make_unique<httplib::Client>(url_);
    admin_->set_read_timeout(30, 0);
  }

  static sandbox::SandboxOptions options() {
    sandbox::SandboxOptions o;
    o.threads = 8;
    return o;
  }

  std::string const& url() const { return url_; }
  sandbox::Sandbox& sandbox() { return sandbox_; }

  ClientOptions client_options() const {
    ClientOptions o;
    o.api_key = "test-key";
    o.base_url = url_;
    o.sleeper = std::make_shared<NoSleep>();
    return o;
  }

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
  void clear_faults() { admin_->Delete("/_sandbox/faults"); }

  /// Delivered DMs from `sender_id`: recipient id -> how many.
  std::map<std::string, int> delivered_from(std::string const& sender_id) {
    std::map<std::string, int> out;
    for (auto const& m : get("/_sandbox/messages?sender_id=" + sender_id)) {
      ++out[m["recipientId"].get<std::string>()];
    }
    return out;
  }
  /// Requests the sandbox received for an API path (every status, drops included).
  std::int64_t requests_to(std::string const& path) {
    auto stats = get("/_sandbox/stats");
    auto it = stats["paths"].find(path);
    if (it == stats["paths"].end()) return 0;
    return (*it)["total"].get<std::int64_t>();
  }

  /// The followers of `user_name` split by canDm, walked with a separate client.
  struct Audience {
    std::set<std::string> dmable;
    std::set<std::string> closed;
    std::map<std::string, std::string> names;  // id -> display name
  };
  Audience followers(std::string const& user_name) {
    Client client(client_options());
    Audience a;
    for (auto const& u : client.all_followers(user_name)) {
      if (!u) throw std::runtime_error("followers walk failed");
      (u->can_dm ? a.dmable : a.closed).insert(u->id);
      a.names[u->id] = u->name;
    }
    return a;
  }

 private:
  sandbox::Sandbox sandbox_;
  std::string url_;
  std::unique_ptr<httplib::Client> admin_;
};

}  // namespace getxapi::outreach::testing
