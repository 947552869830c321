// A real HTTP server on 127.0.0.1 with an ephemeral port, for integration
// tests of the real CurlTransport. Stops (and joins) in its destructor.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace getxapi::testing {

class TestServer {
 public:
  TestServer() {
    server_.set_tcp_nodelay(true);  // else every loopback call stalls ~40 ms
    server_.set_keep_alive_max_count(100000);
  }
  ~TestServer() { stop(); }
  TestServer(TestServer const&) = delete;
  TestServer& operator=(TestServer const&) = delete;

  httplib::Server& server() { return server_; }

  /// Binds and serves on a background thread; returns the base URL.
  std::string start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("TestServer: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return base_url();
  }
  void stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace getxapi::testing
