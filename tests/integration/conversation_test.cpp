// Conversations over real HTTP (CurlTransport) against a loopback server that
// answers dm/list (three tabs) and dm/conversation from the fixtures and is as
// strict as the real service: bad tab, lone ct0 or a bad proxy is a 400, an
// unknown thread the 404 with X's code 279 inside.
#include <getxapi/getxapi.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_transport.hpp"
#include "test_server.hpp"

#include <map>
#include <mutex>
#include <sstream>
#include <vector>

namespace getxapi {
namespace {

using nlohmann::json;
using testing::fixture;
using testing::TestServer;

constexpr char kApiKey[] = "gx-live-SECRET-api-key-0002";
constexpr char kToken[] = "0123456789abcdef0123456789abcdef01234567";
constexpr char kCt0[] = "SECRETCT0fedcba9876543210fedcba98";
constexpr char kOwner[] = "1700000000000000001";
constexpr char kGrace[] = "1700000000000000001-1700000000000000002";
constexpr char kLinus[] = "1700000000000000001-1700000000000000004";
constexpr char kMargaret[] = "1700000000000000001-1700000000000000005";
constexpr char kCustomer[] = "1700000000000000001-1700000000000000009";

json participant(std::string const& id, std::string const& handle) {
  return {{"id", id}, {"screen_name", handle}, {"name", handle}};
}

json conversation(std::string const& id, std::string const& other, std::string const& handle,
                  bool unread) {
  return {{"conversation_id", id},
          {"type", "ONE_TO_ONE"},
          {"unread", unread},
          {"sort_timestamp", "1772280000000"},
          {"participants", {participant(kOwner, "ada_example"), participant(other, handle)}}};
}

json message(std::string const& id, std::string const& conversation_id) {
  return {{"id", id},
          {"conversationId", conversation_id},
          {"createdAt", "2026-02-01T00:00:00.000Z"},
          {"senderId", kOwner},
          {"text", "older"}};
}

class InboxServer {
 public:
  InboxServer() {
    auto& s = server_.server();
    s.Post("/twitter/dm/list", [this](httplib::Request const& req, httplib::Response& res) {
      serve(req, res, [this](json const& body, httplib::Response& r) { list(body, r); });
    });
    s.Post("/twitter/dm/conversation", [this](httplib::Request const& req, httplib::Response& res) {
      serve(req, res, [this](json const& body, httplib::Response& r) { thread(body, r); });
    });
    base_url_ = server_.start();
  }

  std::string const& base_url() const { return base_url_; }
  std::vector<json> bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }

 private:
  template <class Handler>
  void serve(httplib::Request const& req, httplib::Response& res, Handler handler) {
    auto body = json::parse(req.body, nullptr, false);
    {
      std::lock_guard<std::mutex> lock(mu_);
      bodies_.push_back(body);
    }
    auto const error = refusal(req, body);
    if (!error.empty()) {
      res.status = error == "Invalid or missing API key" ? 401 : 400;
      res.set_content(json{{"error", error}}.dump(), "application/json");
      return;
    }
    handler(body, res);
  }

  // What the real service refuses, in its words.
  static std::string refusal(httplib::Request const& req, json const& body) {
    if (req.get_header_value("Authorization") != std::string("Bearer ") + kApiKey) {
      return "Invalid or missing API key";
    }
    if (!body.is_object() || body.value("auth_token", "") != kToken) return "Invalid auth_token";
    auto const tab = body.value("tab", "all");
    if (tab != "all" && tab != "requests" && tab != "hidden") return "Invalid tab: " + tab;
    if (body.contains("ct0") != body.contains("twid")) return "ct0 and twid must be sent together";
    if (body.contains("proxy")) {
      auto const proxy = body.value("proxy", "");
      bool ok = false;
      for (char const* scheme : {"http://", "https://", "socks5://", "socks4://"}) {
        ok = ok || proxy.rfind(scheme, 0) == 0;
      }
      if (!ok) return "Invalid proxy";
    }
    return {};
  }

  static void reply(httplib::Response& res, json page) {
    res.set_content(page.dump(), "application/json");
  }

  static void list(json const& body, httplib::Response& res) {
    auto const tab = body.value("tab", "all");
    auto const cursor = body.value("cursor", "");
    json page = {{"userId", kOwner}, {"tab", tab}, {"users", json::object()}};
    if (tab == "all" && cursor.empty()) {
      page = json::parse(fixture("dm_list_inbox.json"));  // Grace and Linus, has_more
    } else if (tab == "all") {
      // Page 2: Grace again (her thread spans pages) and Margaret.
      page["conversations"] = {conversation(kGrace, "1700000000000000002", "grace_h", true),
                               conversation(kMargaret, "1700000000000000005", "margaret_h", false)};
      page["messages"] = {message("2000000000000000100", kGrace),
                          message("2000000000000000080", kMargaret)};
      page["has_more"] = false;
      page["next_cursor"] = nullptr;
    } else if (tab == "requests") {
      page["conversations"] = {
          conversation(kCustomer, "1700000000000000009", "new_customer", true)};
      page["messages"] = {message("2000000000000000200", kCustomer)};
      page["has_more"] = false;
      page["next_cursor"] = nullptr;
    } else {
      page["conversations"] = json::array();
      page["messages"] = json::array();
      page["has_more"] = false;
      page["next_cursor"] = nullptr;
    }
    reply(res, std::move(page));
  }

  static void thread(json const& body, httplib::Response& res) {
    auto const id = body.value("conversation_id", "");
    if (id != kGrace) {
      res.status = 404;
      res.set_content(
          json{{"error",
                R"(HTTP 404: {"errors":[{"code":279,"message":"Conversation not found"}]})"}}
              .dump(),
          "application/json");
      return;
    }
    if (body.value("cursor", "").empty()) {
      auto page = json::parse(fixture("dm_conversation_page.json"));
      page["has_more"] = true;
      page["next_cursor"] = "older-than-101";
      return reply(res, std::move(page));
    }
    reply(res, {{"userId", kOwner},
                {"conversation_id", kGrace},
                {"has_more", false},
                {"next_cursor", nullptr},
                {"messages", {message("2000000000000000100", kGrace)}}});
  }

  TestServer server_;
  std::string base_url_;
  std::mutex mu_;
  std::vector<json> bodies_;
};

ClientOptions options_for(InboxServer const& server) {
  ClientOptions options;
  options.api_key = kApiKey;
  options.base_url = server.base_url();
  options.timeout = std::chrono::seconds(5);
  return options;
}

struct Listed {
  std::vector<std::string> ids;
  std::vector<bool> unread;
  std::vector<std::string> handles;
  std::optional<Error> error;
};

Listed walk(InboxRange<Conversation>& range) {
  Listed out;
  for (auto const& c : range) {
    if (!c) {
      out.error = c.error();
      break;
    }
    out.ids.push_back(c->id);
    out.unread.push_back(c->unread);
    auto others = c->others(range.user_id());
    out.handles.push_back(others.empty() ? "" : others.front().screen_name);
  }
  return out;
}

TEST(ConversationIntegration, AllConversationsPerTab) {
  InboxServer server;
  Client client(options_for(server));

  auto all = client.all_conversations(kToken);
  auto listed = walk(all);
  ASSERT_FALSE(listed.error) << *listed.error;
  // Grace's thread is on both pages and listed once.
  EXPECT_EQ(listed.ids, (std::vector<std::string>{kGrace, kLinus, kMargaret}));
  EXPECT_EQ(listed.unread, (std::vector<bool>{true, false, false}));
  EXPECT_EQ(listed.handles, (std::vector<std::string>{"grace_h", "linus_t", "margaret_h"}));
  EXPECT_EQ(all.user_id(), kOwner);
  EXPECT_EQ(all.pages_fetched(), 2u);

  auto requests = client.all_conversations(kToken, InboxTab::kRequests);
  listed = walk(requests);
  ASSERT_FALSE(listed.error) << *listed.error;
  EXPECT_EQ(listed.ids, (std::vector<std::string>{kCustomer}));
  EXPECT_EQ(listed.handles, (std::vector<std::string>{"new_customer"}));
  EXPECT_EQ(requests.page().tab, InboxTab::kRequests);

  auto hidden = client.all_conversations(kToken, InboxTab::kHidden);
  listed = walk(hidden);
  ASSERT_FALSE(listed.error) << *listed.error;
  EXPECT_TRUE(listed.ids.empty());

  auto bodies = server.bodies();
  ASSERT_EQ(bodies.size(), 4u);
  EXPECT_FALSE(bodies[0].contains("tab"));
  EXPECT_EQ(bodies[1].at("cursor"), "GRwmgICAyPqv7q8bFoCAgKj8tK-vGyUAAA");
  EXPECT_EQ(bodies[2].at("tab"), "requests");
  EXPECT_EQ(bodies[3].at("tab"), "hidden");
  EXPECT_EQ(client.stats().at(Endpoint::kDmList).billed_calls, 4);
}

TEST(ConversationIntegration, AThreadPageAfterPage) {
  InboxServer server;
  Client client(options_for(server));
  auto thread = client.all_conversation_messages(kToken, kGrace);
  std::vector<std::string> ids;
  std::vector<std::string> texts;
  for (auto const& m : thread) {
    ASSERT_TRUE(m.ok()) << m.error();
    ids.push_back(m->id);
    texts.push_back(m->text);
    EXPECT_EQ(m->conversation_id, kGrace);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"2000000000000000102", "2000000000000000101",
                                           "2000000000000000100"}));
  EXPECT_EQ(texts[1], "");  // not decrypted: no text on the wire
  EXPECT_EQ(thread.user_id(), kOwner);
  auto bodies = server.bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[1].at("cursor"), "older-than-101");
  auto stats = client.stats().at(Endpoint::kDmConversation);
  EXPECT_EQ(stats.billed_calls, 2);
  EXPECT_EQ(stats.spend_micro_usd, 2'000);
}

TEST(ConversationIntegration, UnknownThreadIsNotFoundWithXsCode) {
  InboxServer server;
  Client client(options_for(server));
  auto page = client.conversation(ConversationRequest{kToken, "1-404"});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(page.error().http_status(), 404);
  EXPECT_EQ(page.error().twitter_error_code(), 279);
}

TEST(ConversationIntegration, SessionTokensAndProxyTravelMaskedInLogs) {
  InboxServer server;
  std::ostringstream log;
  auto options = options_for(server);
  options.logger = stream_logger(log, LogLevel::kDebug);
  Client client(options);
  auto session = Session::from_login(LoginResult{kToken, kCt0, "u=1700000000000000001"},
                                     "socks5://acct7:SECRETPROXYPW@10.9.8.7:1080");
  auto inbox = client.all_conversations(session, InboxTab::kRequests);
  auto listed = walk(inbox);
  ASSERT_FALSE(listed.error) << *listed.error;
  EXPECT_EQ(listed.ids.size(), 1u);
  auto bodies = server.bodies();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(bodies[0].at("ct0"), kCt0);
  EXPECT_EQ(bodies[0].at("twid"), "u=1700000000000000001");
  EXPECT_EQ(bodies[0].at("proxy"), "socks5://acct7:SECRETPROXYPW@10.9.8.7:1080");
  for (char const* secret : {"SECRETCT0", "SECRETPROXYPW", kToken, "SECRET-api-key"}) {
    EXPECT_EQ(log.str().find(secret), std::string::npos) << secret << " in:\n" << log.str();
  }
  EXPECT_NE(log.str().find("10.9.8.7:1080"), std::string::npos) << log.str();
}

TEST(ConversationIntegration, RefusedLocallyNeverReachTheServer) {
  InboxServer server;
  Client client(options_for(server));
  ListDmsRequest lone{kToken, {}, {}};
  lone.ct0 = kCt0;
  EXPECT_EQ(client.list_dms(lone).error().code(), ErrorCode::kInvalidArgument);
  ListDmsRequest bad_proxy{kToken, {}, {}};
  bad_proxy.proxy = "ftp://10.0.0.1";
  EXPECT_EQ(client.list_dms(bad_proxy).error().code(), ErrorCode::kInvalidArgument);
  ListDmsRequest bad_tab{kToken, {}, {}};
  bad_tab.tab = static_cast<InboxTab>(9);
  EXPECT_EQ(client.list_dms(bad_tab).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(server.bodies().empty());
  // The server would have said the same, at a price.
  ListDmsRequest fine{kToken, {}, {}};
  fine.tab = InboxTab::kHidden;
  EXPECT_TRUE(client.list_dms(fine).ok());
  EXPECT_EQ(server.bodies().size(), 1u);
}

}  // namespace
}  // namespace getxapi
