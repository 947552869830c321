// The whole client over real HTTP (CurlTransport) against a loopback server
// that checks requests as GetXAPI's documentation describes them.
#include <getxapi/getxapi.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_transport.hpp"
#include "test_server.hpp"

#include <atomic>
#include <mutex>
#include <sstream>
#include <thread>

namespace getxapi {
namespace {

using nlohmann::json;
using testing::fixture;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TestServer;

constexpr char kApiKey[] = "gx-live-SECRET-api-key-0001";
constexpr char kToken[] = "0123456789abcdef0123456789abcdef01234567";

// A strict, stateful stand-in for GetXAPI's DM endpoints.
class StrictServer {
 public:
  StrictServer() {
    auto& s = server_.server();
    s.set_pre_routing_handler([this](httplib::Request const& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      ++requests_[req.path];
      if (req.get_header_value("Authorization") != std::string("Bearer ") + kApiKey) {
        res.status = 401;
        res.set_content(R"({"error":"Invalid or missing API key"})", "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (req.method == "POST" &&
          req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
        res.status = 400;
        res.set_content(R"({"error":"Content-Type must be application/json"})", "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (!scripted_.empty() && scripted_.front().path == req.path) {
        auto fault = scripted_.front();
        scripted_.erase(scripted_.begin());
        if (!fault.after_delivery) {
          res.status = fault.status;
          res.set_content(fault.body, "application/json");
          if (!fault.retry_after_header.empty()) {
            res.set_header("Retry-After", fault.retry_after_header);
          }
          return httplib::Server::HandlerResponse::Handled;
        }
        pending_after_delivery_ = fault;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    s.Get("/twitter/user/info", [](httplib::Request const& req, httplib::Response& res) {
      if (req.get_param_value("userName") != "ada_example") {
        res.status = 404;
        res.set_content(
            R"({"error":"Could not find user @)" + req.get_param_value("userName") + R"("})",
            "application/json");
        return;
      }
      res.set_content(fixture("user_info.json"), "application/json");
    });
    s.Get("/twitter/user/followers_v2", [](httplib::Request const& req, httplib::Response& res) {
      // Three pages: "" -> c2 -> c3 (last).
      auto const cursor = req.get_param_value("cursor");
      json page = json::parse(fixture("followers_page.json"));
      if (cursor.empty()) {
        page["next_cursor"] = "c2";
      } else if (cursor == "c2") {
        page["next_cursor"] = "c3";
      } else if (cursor == "c3") {
        page["has_more"] = false;
        page["next_cursor"] = nullptr;
      } else {
        res.status = 400;
        res.set_content(R"({"error":"bad cursor"})", "application/json");
        return;
      }
      res.set_content(page.dump(), "application/json");
    });
    s.Post("/twitter/dm/send", [this](httplib::Request const& req, httplib::Response& res) {
      auto body = json::parse(req.body, nullptr, false);
      std::lock_guard<std::mutex> lock(mu_);
      last_send_body_ = body;
      bool const one_recipient =
          body.contains("recipient_id") != body.contains("recipient_username");
      if (!body.is_object() || !body.contains("auth_token") || !body.contains("text") ||
          !one_recipient) {
        res.status = 400;
        res.set_content(R"({"error":"Missing required field: recipient_id or recipient_username"})",
                        "application/json");
        return;
      }
      if (body["auth_token"] != kToken) {
        res.status = 401;
        res.set_content(R"({"error":"Invalid auth_token - could not extract userId"})",
                        "application/json");
        return;
      }
      if (body.value("recipient_username", "") == "closed_dms") {
        res.status = 403;
        res.set_content(R"({"error":"Cannot send messages to this user","twitter_error_code":349})",
                        "application/json");
        return;
      }
      json message = {{"id", std::to_string(2000000000000000200 + delivered_.size())},
                      {"createdAt", "2099-01-01T00:00:00.000Z"},
                      {"senderId", "1700000000000000001"},
                      {"recipientId", body.value("recipient_id", "1700000000000000002")},
                      {"text", body["text"]}};
      delivered_.push_back(message);
      if (pending_after_delivery_) {
        auto fault = *pending_after_delivery_;
        pending_after_delivery_.reset();
        res.status = fault.status;
        res.set_content(fault.body, "application/json");
        return;
      }
      json reply = {{"status", "success"}, {"msg", "DM sent successfully"}, {"data", message}};
      reply["data"]["recipient_username"] = body.value("recipient_username", "grace_h");
      res.set_content(reply.dump(), "application/json");
    });
    s.Post("/twitter/dm/list", [this](httplib::Request const& req, httplib::Response& res) {
      auto body = json::parse(req.body, nullptr, false);
      if (!body.is_object() || body.value("auth_token", "") != kToken) {
        res.status = 401;
        res.set_content(R"({"error":"Invalid auth_token - could not extract userId"})",
                        "application/json");
        return;
      }
      std::lock_guard<std::mutex> lock(mu_);
      json messages = json::array();
      for (auto it = delivered_.rbegin(); it != delivered_.rend(); ++it) messages.push_back(*it);
      json page = {{"userId", "1700000000000000001"},
                   {"message_count", messages.size()},
                   {"has_more", false},
                   {"next_cursor", nullptr},
                   {"messages", messages}};
      res.set_content(page.dump(), "application/json");
    });
    base_url_ = server_.start();
  }

  struct Fault {
    Fault(std::string p, int s, std::string b, bool after = false, std::string retry_after = {})
        : path(std::move(p)),
          status(s),
          body(std::move(b)),
          after_delivery(after),
          retry_after_header(std::move(retry_after)) {}
    std::string path;
    int status;
    std::string body;
    bool after_delivery;
    std::string retry_after_header;
  };
  void script(Fault fault) {
    std::lock_guard<std::mutex> lock(mu_);
    scripted_.push_back(std::move(fault));
  }
  int requests(std::string const& path) {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_[path];
  }
  std::size_t delivered() {
    std::lock_guard<std::mutex> lock(mu_);
    return delivered_.size();
  }
  json last_send_body() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_send_body_;
  }
  std::string const& base_url() const { return base_url_; }

 private:
  TestServer server_;
  std::string base_url_;
  std::mutex mu_;
  std::map<std::string, int> requests_;
  std::vector<Fault> scripted_;
  std::optional<Fault> pending_after_delivery_;
  std::vector<json> delivered_;
  json last_send_body_;
};

ClientOptions options_for(StrictServer const& server) {
  ClientOptions options;
  options.api_key = kApiKey;
  options.base_url = server.base_url();
  options.timeout = std::chrono::seconds(5);
  // Real sleeps, kept short.
  options.backoff_policy = std::make_shared<ExponentialBackoffPolicy>(
      std::chrono::milliseconds(10), std::chrono::milliseconds(50));
  return options;
}

TEST(ClientIntegration, UserInfoOverRealHttp) {
  StrictServer server;
  Client client(options_for(server));
  auto user = client.user_info("@ada_example");
  ASSERT_TRUE(user) << user.error();
  EXPECT_EQ(user->id, "1700000000000000001");
  EXPECT_EQ(user->user_name, "ada_example");
  EXPECT_TRUE(user->can_dm);
  EXPECT_EQ(user->followers_count, 1542);
  ASSERT_TRUE(user->created_at);
  EXPECT_EQ(format_timestamp(*user->created_at), "2019-03-14T09:26:53.000Z");
  EXPECT_EQ(user->raw.at("favouritesCount"), 9120);

  auto missing = client.user_info("nobody_here");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().http_status(), 404);
  EXPECT_EQ(missing.error().attempts(), 1);
}

TEST(ClientIntegration, WrongApiKeyIsRejected) {
  StrictServer server;
  auto options = options_for(server);
  options.api_key = "wrong-key";
  Client client(options);
  auto user = client.user_info("ada_example");
  ASSERT_FALSE(user);
  EXPECT_EQ(user.error().code(), ErrorCode::kApiKeyRejected);
  EXPECT_EQ(user.error().attempts(), 1);
}

TEST(ClientIntegration, FollowersRangeWalksEveryPageWithTheRightCursors) {
  StrictServer server;
  Client client(options_for(server));
  std::vector<std::string> cursors;
  std::size_t users = 0, can_dm = 0;
  auto range = client.all_followers("ada_example");
  for (auto const& user : range) {
    ASSERT_TRUE(user) << user.error();
    ++users;
    can_dm += user->can_dm ? 1 : 0;
    if (cursors.empty() || cursors.back() != range.cursor()) cursors.push_back(range.cursor());
  }
  EXPECT_EQ(users, 6u);
  EXPECT_EQ(can_dm, 3u);
  EXPECT_EQ(cursors, (std::vector<std::string>{"", "c2", "c3"}));
  EXPECT_EQ(server.requests("/twitter/user/followers_v2"), 3);
}

TEST(ClientIntegration, SendDmSendsTheDocumentedBody) {
  StrictServer server;
  Client client(options_for(server));
  auto sent = client.send_dm({kToken, Recipient::by_username("@grace_h"), "Hi Grace"});
  ASSERT_TRUE(sent) << sent.error();
  EXPECT_EQ(sent->text, "Hi Grace");
  EXPECT_EQ(
      server.last_send_body(),
      json({{"auth_token", kToken}, {"recipient_username", "grace_h"}, {"text", "Hi Grace"}}));

  auto refused = client.send_dm({kToken, Recipient::by_username("closed_dms"), "Hi"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kCannotDm);
  EXPECT_EQ(refused.error().twitter_error_code(), 349);
  EXPECT_EQ(refused.error().attempts(), 1);
}

TEST(ClientIntegration, TwoServiceUnavailableThenSuccessTakesThreeRequests) {
  StrictServer server;
  std::string const body = R"({"error":"Service temporarily unavailable. Try again shortly."})";
  server.script({"/twitter/user/info", 503, body});
  server.script({"/twitter/user/info", 503, body});
  Client client(options_for(server));
  auto user = client.user_info("ada_example");
  ASSERT_TRUE(user) << user.error();
  EXPECT_EQ(server.requests("/twitter/user/info"), 3);
  EXPECT_EQ(client.stats().at(Endpoint::kUserInfo).retries, 2);
  EXPECT_EQ(client.stats().at(Endpoint::kUserInfo).billed_calls, 1);
}

TEST(ClientIntegration, PersistentServerErrorStopsWithinPolicy) {
  StrictServer server;
  for (int i = 0; i < 10; ++i) {
    server.script({"/twitter/user/info", 500, R"({"error":"Internal server error"})"});
  }
  Client client(options_for(server));
  auto user = client.user_info("ada_example");
  ASSERT_FALSE(user);
  EXPECT_EQ(user.error().code(), ErrorCode::kServerError);
  EXPECT_EQ(user.error().attempts(), 4);
  EXPECT_EQ(server.requests("/twitter/user/info"), 4);
}

TEST(ClientIntegration, RateLimitWithRetryAfterWaitsWhatTheServerSays) {
  StrictServer server;
  server.script(
      {"/twitter/user/info", 429, R"({"error":"Please try again shortly.","retry_after":2})"});
  Client client(options_for(server));
  auto const start = std::chrono::steady_clock::now();
  auto user = client.user_info("ada_example");
  auto const took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(user) << user.error();
  EXPECT_EQ(server.requests("/twitter/user/info"), 2);
  // Behavioural check (not a benchmark): the client did wait for the server.
  EXPECT_GE(took, std::chrono::milliseconds(1900));
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(ClientIntegration, NonRetryableStatusesAreNotRetried) {
  StrictServer server;
  server.script(
      {"/twitter/dm/send", 429,
       R"({"error":"You've hit your daily message request limit.","twitter_error_code":502})"});
  server.script({"/twitter/dm/send", 400, R"({"error":"Missing required field: text"})"});
  server.script({"/twitter/dm/send", 403, R"({"error":"nope"})"});
  Client client(options_for(server));
  SendDmRequest request{kToken, Recipient::by_id("1700000000000000002"), "hello"};
  auto daily = client.send_dm(request);
  ASSERT_FALSE(daily);
  EXPECT_EQ(daily.error().code(), ErrorCode::kDailyLimitReached);
  auto bad = client.send_dm(request);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().http_status(), 400);
  auto forbidden = client.send_dm(request);
  EXPECT_EQ(forbidden.error().code(), ErrorCode::kForbidden);
  EXPECT_EQ(server.requests("/twitter/dm/send"), 3);
  EXPECT_EQ(server.delivered(), 0u);
}

TEST(ClientIntegration, ServerErrorAfterDeliveryEndsWithExactlyOneDm) {
  StrictServer server;
  server.script({"/twitter/dm/send", 500, R"({"error":"Internal server error"})", true});
  Client client(options_for(server));
  auto sent = client.send_dm({kToken, Recipient::by_id("1700000000000000002"), "exactly once"});
  ASSERT_TRUE(sent) << sent.error();
  EXPECT_TRUE(sent->recovered);
  EXPECT_EQ(server.delivered(), 1u);
  EXPECT_EQ(server.requests("/twitter/dm/send"), 1);
  EXPECT_EQ(server.requests("/twitter/dm/list"), 1);
  EXPECT_EQ(client.stats().at(Endpoint::kDmSend).recovered, 1);
}

TEST(ClientIntegration, ServerErrorWithoutDeliveryIsSentAgain) {
  StrictServer server;
  server.script({"/twitter/dm/send", 503, R"({"error":"Service temporarily unavailable."})"});
  Client client(options_for(server));
  auto sent = client.send_dm({kToken, Recipient::by_id("1700000000000000002"), "second try"});
  ASSERT_TRUE(sent) << sent.error();
  EXPECT_FALSE(sent->recovered);
  EXPECT_EQ(server.delivered(), 1u);
  EXPECT_EQ(server.requests("/twitter/dm/send"), 2);
}

TEST(ClientIntegration, VerboseLogsAndErrorsNeverContainSecrets) {
  StrictServer server;
  std::ostringstream log;
  auto options = options_for(server);
  options.logger = stream_logger(log, LogLevel::kDebug);
  server.script({"/twitter/dm/send", 401,
                 std::string(R"({"error":"Invalid auth_token )") + kToken + R"("})"});
  Client client(options);
  std::ostringstream errors;
  auto sent = client.send_dm({kToken, Recipient::by_id("1700000000000000002"), "hello"});
  ASSERT_FALSE(sent);
  errors << sent.error() << sent.error().message();
  EXPECT_EQ(sent.error().code(), ErrorCode::kAuthTokenInvalid);
  ASSERT_TRUE(client.list_dms({kToken, "", 10}));
  EXPECT_THAT(log.str(), HasSubstr("/twitter/dm/list"));
  EXPECT_THAT(log.str(), HasSubstr("***"));
  for (std::string const& text : {log.str(), errors.str()}) {
    EXPECT_THAT(text, Not(HasSubstr(kApiKey)));
    EXPECT_THAT(text, Not(HasSubstr(kToken)));
  }
}

}  // namespace
}  // namespace getxapi
