// The real CurlTransport against a real HTTP server on loopback.
#include <getxapi/client.hpp>
#include <getxapi/curl_transport.hpp>
#include <getxapi/version.hpp>

#include <gtest/gtest.h>

#include "../hardening/raw_server.hpp"
#include "fake_clock.hpp"
#include "fake_transport.hpp"
#include "test_server.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace getxapi {
namespace {

using testing::TestServer;

HttpRequest get(std::string url) {
  HttpRequest r;
  r.method = "GET";
  r.url = std::move(url);
  r.timeout = std::chrono::seconds(5);
  return r;
}

TEST(CurlTransport, SendsGetWithHeadersAndReadsResponse) {
  TestServer server;
  std::string seen_auth, seen_agent, seen_query;
  server.server().Get("/echo", [&](httplib::Request const& req, httplib::Response& res) {
    seen_auth = req.get_header_value("Authorization");
    seen_agent = req.get_header_value("User-Agent");
    seen_query = req.get_param_value("userName");
    res.set_header("Retry-After", "7");
    res.status = 201;
    res.set_content(R"({"ok":true})", "application/json");
  });
  auto base = server.start();
  CurlTransport transport;
  auto request = get(base + "/echo?userName=ada%20x");
  request.headers = {{"Authorization", "Bearer k"}};
  auto response = transport.send(request);
  ASSERT_TRUE(response) << response.error();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, R"({"ok":true})");
  EXPECT_EQ(find_header(response->headers, "retry-after"), "7");
  EXPECT_EQ(find_header(response->headers, "Content-Type"), "application/json");
  EXPECT_EQ(seen_auth, "Bearer k");
  EXPECT_EQ(seen_agent, std::string("getxapi-cpp/") + GETXAPI_VERSION_STRING);
  EXPECT_EQ(seen_query, "ada x");
}

TEST(CurlTransport, PostsBodyWithoutExpectContinue) {
  TestServer server;
  std::string body, expect;
  server.server().Post("/post", [&](httplib::Request const& req, httplib::Response& res) {
    body = req.body;
    expect = req.get_header_value("Expect");
    res.set_content("{}", "application/json");
  });
  auto base = server.start();
  CurlTransport transport;
  HttpRequest request = get(base + "/post");
  request.method = "POST";
  request.body = std::string(5000, 'x');  // past curl's 1 KiB Expect threshold
  request.headers = {{"Content-Type", "application/json"}};
  auto response = transport.send(request);
  ASSERT_TRUE(response) << response.error();
  EXPECT_EQ(body, request.body);
  EXPECT_EQ(expect, "");
}

// Answers GET /x and remembers each client port: one port is one connection.
class PortRecordingServer {
 public:
  PortRecordingServer() {
    server_.server().Get("/x", [this](httplib::Request const& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      ports_.insert(req.remote_port);
      res.set_content("{}", "application/json");
    });
    base_url_ = server_.start();
  }
  std::string const& base_url() const { return base_url_; }
  std::size_t distinct_ports() {
    std::lock_guard<std::mutex> lock(mu_);
    return ports_.size();
  }

 private:
  TestServer server_;
  std::string base_url_;
  std::mutex mu_;
  std::set<int> ports_;
};

TEST(CurlTransport, ReusesOneConnectionForSequentialCalls) {
  PortRecordingServer server;
  auto const base = server.base_url();
  CurlTransport transport;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(transport.send(get(base + "/x")));
  EXPECT_EQ(transport.connections_opened(), 1);
  EXPECT_EQ(server.distinct_ports(), 1u);
}

TEST(CurlTransport, ThreadsEachKeepTheirConnection) {
  PortRecordingServer server;
  auto const base = server.base_url();
  CurlTransport transport;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (!transport.send(get(base + "/x"))) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  // At most one connection per concurrently active thread.
  EXPECT_LE(transport.connections_opened(), 4);
  EXPECT_LE(server.distinct_ports(), 4u);
}

TEST(CurlTransport, NonIdempotentRequestsNeverRideAReusedConnection) {
  // libcurl replays a request on its own when a reused connection turns out
  // dead; a dm/send must never be replayed behind the client's back.
  TestServer server;
  server.server().Post("/twitter/dm/send", [](httplib::Request const&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  auto base = server.start();
  CurlTransport transport;
  HttpRequest request = get(base + "/twitter/dm/send");
  request.method = "POST";
  request.body = "{}";
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(transport.send(request));
  EXPECT_EQ(transport.connections_opened(), 1);  // idempotent: one kept-alive connection
  request.idempotent = false;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(transport.send(request));
  EXPECT_EQ(transport.connections_opened(), 4);  // one fresh connection each
  // Idempotent again means reuse again: the first kept-alive connection
  // outlived the one-shot ones and carries these.
  request.idempotent = true;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(transport.send(request));
  EXPECT_EQ(transport.connections_opened(), 4);
}

TEST(CurlTransport, PooledHandleCarriesNothingFromOneRequestToTheNext) {
  TestServer server;
  std::mutex mu;
  std::vector<std::string> seen;  // "METHOD body"
  auto record = [&](httplib::Request const& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(req.method + " " + req.body);
    }
    if (req.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(400));
    res.set_header("X-Path", req.path);
    res.set_content("{}", "application/json");
  };
  server.server().Get("/x", record);
  server.server().Get("/slow", record);
  server.server().Post("/p", record);
  auto base = server.start();
  CurlTransport transport;  // one thread: every call below borrows the same handle

  HttpRequest post = get(base + "/p");
  post.method = "POST";
  post.body = R"({"a":1})";
  ASSERT_TRUE(transport.send(post));
  auto plain = transport.send(get(base + "/x"));  // a GET after a POST sends no body
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(find_header(plain->headers, "x-path"), "/x");

  auto hurried = get(base + "/slow");
  hurried.timeout = std::chrono::milliseconds(100);
  auto late = transport.send(hurried);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code(), ErrorCode::kTimeout);

  auto patient = get(base + "/slow");  // the longer timeout replaces the short one
  patient.timeout = std::chrono::seconds(5);
  auto slow = transport.send(patient);
  ASSERT_TRUE(slow) << slow.error();
  EXPECT_EQ(slow->status, 200);
  EXPECT_EQ(find_header(slow->headers, "x-path"), "/slow");  // no headers left from before

  std::lock_guard<std::mutex> lock(mu);
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen[0], R"(POST {"a":1})");
  EXPECT_EQ(seen[1], "GET ");
}

TEST(CurlTransport, ResponseOverTheCapIsInvalidResponse) {
  TestServer server;
  server.server().Get("/big", [](httplib::Request const&, httplib::Response& res) {
    res.set_content(std::string(64 * 1024, 'a'), "application/json");
  });
  auto base = server.start();
  CurlTransportOptions options;
  options.max_response_bytes = 16 * 1024;
  CurlTransport transport(options);
  auto response = transport.send(get(base + "/big"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kInvalidResponse);
  EXPECT_NE(response.error().message().find("16384"), std::string::npos);
}

TEST(CurlTransport, SlowServerIsTimeout) {
  TestServer server;
  server.server().Get("/slow", [](httplib::Request const&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    res.set_content("{}", "application/json");
  });
  auto base = server.start();
  CurlTransport transport;
  auto request = get(base + "/slow");
  request.timeout = std::chrono::milliseconds(150);
  auto response = transport.send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kTimeout);
  EXPECT_TRUE(response.error().request_sent());
  EXPECT_NE(response.error().message().find("curl:"), std::string::npos);
}

TEST(CurlTransport, RefusedConnectionIsNetworkError) {
  int port;
  {
    TestServer server;
    server.start();
    port = server.port();
  }  // closed: nothing listens there now
  CurlTransport transport;
  auto response = transport.send(get("http://127.0.0.1:" + std::to_string(port) + "/x"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kNetwork);
  EXPECT_FALSE(response.error().request_sent());
}

TEST(CurlTransport, OtherSchemesAreRefused) {
  CurlTransport transport;
  auto response = transport.send(get("file:///etc/passwd"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kNetwork);
}

TEST(CurlTransport, RedirectsAreNotFollowed) {
  TestServer server;
  server.server().Get("/moved", [](httplib::Request const&, httplib::Response& res) {
    res.set_redirect("http://127.0.0.1:9/elsewhere");
  });
  auto base = server.start();
  CurlTransport transport;
  auto response = transport.send(get(base + "/moved"));
  ASSERT_TRUE(response) << response.error();
  EXPECT_EQ(response->status, 302);
}

// A server that reads each request and then, on a kept-alive connection (not
// its first request), drops every fifth one without a byte of answer: what a
// crashing worker or a load balancer recycling connections does. libcurl
// used to replay such a request on a fresh connection by itself, so the
// server saw more requests than the client counted and billed.
class DroppingServer {
 public:
  DroppingServer()
      : body_(testing::fixture("user_info.json")),
        server_([this](int fd, testing::RawServer& s) { serve(fd, s); }) {}

  std::string base_url() const { return server_.base_url(); }
  int requests() const { return requests_.load(); }  // read from the wire
  int answered() const { return answered_.load(); }  // answered 200

 private:
  void serve(int fd, testing::RawServer& s) {
    int on_this_connection = 0;
    while (!s.stopping()) {
      if (testing::RawServer::read_request_head(fd).empty()) return;
      int const n = ++requests_;
      if (++on_this_connection > 1 && n % 5 == 0) return;  // read it, then the connection dies
      ++answered_;  // before the bytes go: the client may look as soon as they arrive
      if (!testing::RawServer::send_all(fd,
                                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                        "Content-Length: " +
                                            std::to_string(body_.size()) + "\r\n\r\n" + body_)) {
        return;
      }
    }
  }

  std::string body_;
  std::atomic<int> requests_{0};
  std::atomic<int> answered_{0};
  testing::RawServer server_;
};

ClientOptions dropping_server_options(std::string base_url) {
  ClientOptions o;
  o.api_key = "test-key";
  o.base_url = std::move(base_url);
  o.timeout = std::chrono::seconds(5);
  auto clock = std::make_shared<testing::FakeClock>();
  o.clock = clock;  // backoff and pacing waits cost no real time
  o.sleeper = std::make_shared<testing::FakeSleeper>(clock);
  return o;
}

TEST(CurlTransport, StatsCountEveryRequestOnTheWireWhenConnectionsDrop) {
  DroppingServer server;
  auto o = dropping_server_options(server.base_url());
  o.retry_policy = std::make_shared<NoRetryPolicy>();
  Client client(o);
  int ok = 0;
  for (int i = 0; i < 100; ++i) {
    auto user = client.user_info("ada_example");
    if (user) {
      ++ok;
    } else {
      EXPECT_EQ(user.error().code(), ErrorCode::kNetwork) << user.error();
      EXPECT_TRUE(user.error().request_sent());
    }
  }
  auto const total = client.stats().total();
  EXPECT_GT(server.requests(), server.answered());  // connections were dropped
  EXPECT_EQ(server.requests(), total.requests);     // nothing replayed behind the client's back
  EXPECT_EQ(total.calls, 100);
  EXPECT_EQ(server.answered(), total.billed_calls);
  EXPECT_EQ(ok, total.billed_calls);
  EXPECT_EQ(total.spend_micro_usd, total.billed_calls * o.prices.price(Endpoint::kUserInfo));
}

TEST(CurlTransport, SpendLimitHoldsWhenDroppedConnectionsAreRetried) {
  DroppingServer server;
  auto o = dropping_server_options(server.base_url());
  o.spend_limit_usd = 0.030;  // 30 user/info calls at $0.001
  Client client(o);
  int ok = 0;
  for (int i = 0; i < 100; ++i) {
    auto user = client.user_info("ada_example");
    if (user) ++ok;
    if (!user && user.error().code() == ErrorCode::kBudgetExceeded) break;
  }
  auto const total = client.stats().total();
  EXPECT_EQ(ok, 30);
  EXPECT_EQ(server.answered(), 30);
  EXPECT_EQ(total.billed_calls, 30);
  EXPECT_GT(total.retries, 0);                   // the drops were retried by the client
  EXPECT_EQ(server.requests(), total.requests);  // every one of them a counted request
}

}  // namespace
}  // namespace getxapi
