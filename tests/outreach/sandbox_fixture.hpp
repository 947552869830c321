// An in-process getxapi-sandbox and the admin calls the outreach tests make on it.
#pragma once

#include "../support/sandbox_admin.hpp"
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

class SandboxFixture : public getxapi::testing::SandboxAdmin {
 public:
  SandboxFixture() : SandboxAdmin(options()) {}

  static sandbox::SandboxOptions options() {
    sandbox::SandboxOptions o;
    o.threads = 8;
    return o;
  }

  ClientOptions client_options() const {
    ClientOptions o;
    o.api_key = "test-key";
    o.base_url = url();
    o.sleeper = std::make_shared<NoSleep>();
    return o;
  }

  /// Delivered DMs from `sender_id`: recipient id -> how many.
  std::map<std::string, int> delivered_from(std::string const& sender_id) {
    std::map<std::string, int> out;
    for (auto const& m : get("/_sandbox/messages?sender_id=" + sender_id)) {
      ++out[m["recipientId"].get<std::string>()];
    }
    return out;
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
};

}  // namespace getxapi::outreach::testing
