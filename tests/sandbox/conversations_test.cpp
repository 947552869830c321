// Conversations: the conversation shape of dm/list (tabs, unread, events, users),
// dm/conversation, message requests, /_sandbox/inbound, /_sandbox/edit and inbound streams.
#include <cstdint>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness.hpp"

namespace getxapi::sandbox::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kAda[] = "1700000000000000001";
constexpr char kGrace[] = "1700000000000000002";
constexpr char kLonely[] = "1700000000000000004";
constexpr char kAdaGrace[] = "1700000000000000001-1700000000000000002";
constexpr char kAdaLonely[] = "1700000000000000001-1700000000000000004";

bool is_digits_string(json const& v) {
  if (!v.is_string() || v.get<std::string>().empty()) return false;
  for (char c : v.get<std::string>()) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

class ConversationsTest : public SandboxTest {
 protected:
  Reply list(std::string const& tab, json extra = json::object()) {
    json body = {{"auth_token", fixed::kAdaToken}, {"tab", tab}};
    for (auto it = extra.begin(); it != extra.end(); ++it) body[it.key()] = it.value();
    return post("/twitter/dm/list", body);
  }

  // Every page of one tab: conversations by id, in the order first seen, and message ids.
  struct Walk {
    std::vector<json> conversations;
    std::vector<json> messages;
    std::vector<json> events;
    int pages = 0;
  };
  Walk walk(std::string const& tab, int count = 50) {
    Walk w;
    json cursor = nullptr;
    for (int page = 0; page < 50; ++page) {
      json extra = {{"count", count}};
      if (!cursor.is_null()) extra["cursor"] = cursor;
      auto r = list(tab, extra);
      EXPECT_EQ(r.status, 200) << r.raw;
      if (r.status != 200) break;
      ++w.pages;
      for (auto const& c : r.body["conversations"]) w.conversations.push_back(c);
      for (auto const& m : r.body["messages"]) w.messages.push_back(m);
      for (auto const& e : r.body["events"]) w.events.push_back(e);
      EXPECT_EQ(r.body["tab"], tab);
      EXPECT_EQ(r.body["conversation_count"], r.body["conversations"].size());
      EXPECT_EQ(r.body["message_count"], r.body["messages"].size());
      if (!r.body["has_more"].get<bool>()) {
        EXPECT_TRUE(r.body["next_cursor"].is_null());
        break;
      }
      cursor = r.body["next_cursor"];
    }
    return w;
  }

  Reply thread(std::string const& id, json extra = json::object()) {
    json body = {{"auth_token", fixed::kAdaToken}, {"conversation_id", id}};
    for (auto it = extra.begin(); it != extra.end(); ++it) body[it.key()] = it.value();
    return post("/twitter/dm/conversation", body);
  }

  json conversation_in(std::string const& tab, std::string const& id) {
    for (auto const& c : walk(tab).conversations) {
      if (c["conversation_id"] == id) return c;
    }
    return nullptr;
  }

  Reply inbound(json body) { return admin_post("/_sandbox/inbound", body); }
};

TEST_F(ConversationsTest, DmListHasTheConversationShapeOfTheFixture) {
  json const fixture = load_fixture("dm_list_inbox.json");
  auto r = list("all");
  ASSERT_EQ(r.status, 200) << r.raw;
  expect_same_shape(fixture, r.body, "dm/list");
  EXPECT_EQ(r.body["userId"], kAda);
  ASSERT_FALSE(r.body["conversations"].empty());
  for (auto const& c : r.body["conversations"]) {
    expect_same_shape(fixture["conversations"][0], c, "conversation");
    expect_same_shape(fixture["conversations"][0]["participants"][0], c["participants"][0],
                      "participant");
    EXPECT_EQ(c["type"], "ONE_TO_ONE");
    // "<smaller id>-<larger id>", Ada's id one of them.
    std::string const id = c["conversation_id"];
    auto const dash = id.find('-');
    ASSERT_NE(dash, std::string::npos) << id;
    std::string const a = id.substr(0, dash), b = id.substr(dash + 1);
    EXPECT_TRUE(a == kAda || b == kAda) << id;
    EXPECT_TRUE(a.size() < b.size() || (a.size() == b.size() && a < b)) << id;
    EXPECT_TRUE(is_digits_string(c["sort_timestamp"])) << c["sort_timestamp"];
    EXPECT_EQ(c["last_message"]["conversationId"], c["conversation_id"]);
    for (auto const& p : c["participants"]) {
      EXPECT_TRUE(r.body["users"].contains(p["id"].get<std::string>())) << p;
    }
  }
  for (auto const& m : r.body["messages"]) {
    expect_same_shape(fixture["messages"][1], m, "message");
    EXPECT_TRUE(r.body["users"].contains(m["senderId"].get<std::string>()));
  }
  for (auto const& [id, u] : r.body["users"].items()) {
    expect_same_shape(fixture["users"][kAda], u, "user");
    EXPECT_EQ(u["id"], id);
  }
}

TEST_F(ConversationsTest, EveryTabHasContentAndEachConversationIsListedOnce) {
  std::map<std::string, std::size_t> expected = {{"all", 5}, {"requests", 3}, {"hidden", 2}};
  std::set<std::string> everywhere;
  for (auto const& [tab, n] : expected) {
    auto const w = walk(tab, 7);
    std::set<std::string> ids;
    std::int64_t previous = INT64_MAX;
    for (auto const& c : w.conversations) {
      EXPECT_TRUE(ids.insert(c["conversation_id"].get<std::string>()).second) << tab;
      EXPECT_TRUE(everywhere.insert(c["conversation_id"].get<std::string>()).second) << tab;
      std::int64_t const t = std::stoll(c["sort_timestamp"].get<std::string>());
      EXPECT_LE(t, previous) << "newest conversation first";
      previous = t;
    }
    EXPECT_EQ(ids.size(), n) << tab;
    for (auto const& m : w.messages) {
      EXPECT_EQ(ids.count(m["conversationId"].get<std::string>()), 1u) << tab << " " << m;
    }
  }
  auto const requests = walk("requests");
  bool undecrypted = false, photo = false, link = false, reply = false;
  for (auto const& m : requests.messages) {
    undecrypted = undecrypted || !m.contains("text");
    photo = photo || (m["media"].is_object() && m["media"]["type"] == "photo");
    link = link || !m["links"].empty();
    reply = reply || !m["reply_to_message_id"].is_null();
    EXPECT_EQ(m["recipientId"], kAda) << "strangers wrote first and Ada never answered";
  }
  EXPECT_TRUE(undecrypted && photo && link && reply);
  for (auto const& c : requests.conversations) EXPECT_TRUE(c["unread"].get<bool>());
  EXPECT_EQ(walk("all").messages.size(), 120u);
}

TEST_F(ConversationsTest, TabsAreStrictAndCursorsStayInTheirTab) {
  for (json tab : {json("inbox"), json(""), json(3), json("ALL")}) {
    auto r = post("/twitter/dm/list", {{"auth_token", fixed::kAdaToken}, {"tab", tab}});
    EXPECT_EQ(r.status, 400) << tab;
  }
  auto first = list("all", {{"count", 5}});
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(list("requests", {{"cursor", first.body["next_cursor"]}}).status, 400);
  EXPECT_EQ(list("all", {{"cursor", first.body["next_cursor"]}}).status, 200);
}

TEST_F(ConversationsTest, Ct0AndTwidGoTogetherAndMustBeTheAccounts) {
  EXPECT_EQ(list("all", {{"ct0", "abc"}}).status, 400);
  EXPECT_EQ(list("all", {{"twid", "u=1700000000000000001"}}).status, 400);
  auto login = post("/twitter/user_login",
                    {{"username", fixed::kAdaUserName}, {"password", fixed::kPassword}});
  ASSERT_EQ(login.status, 200);
  EXPECT_EQ(list("all", {{"ct0", login.body["ct0"]}, {"twid", login.body["twid"]}}).status, 200);
  auto stale = list("all", {{"ct0", "0000"}, {"twid", login.body["twid"]}});
  EXPECT_EQ(stale.status, 403);
  EXPECT_EQ(stale.body["twitter_error_code"], 353);
  EXPECT_EQ(thread(kAdaGrace, {{"ct0", "abc"}}).status, 400);
}

TEST_F(ConversationsTest, ProxyMustBeOneOfTheFourSchemes) {
  for (char const* ok :
       {"http://p:8080", "https://u:p@p", "socks5://10.0.0.1:1080", "socks4://p"}) {
    EXPECT_EQ(list("all", {{"proxy", ok}}).status, 200) << ok;
  }
  for (json bad : {json("ftp://p"), json("p:8080"), json("http://"), json(5)}) {
    EXPECT_EQ(list("all", {{"proxy", bad}}).status, 400) << bad;
  }
}

TEST_F(ConversationsTest, ThreadIsNewestFirstWithACursorForOlderMessages) {
  json const fixture = load_fixture("dm_conversation_page.json");
  std::vector<std::uint64_t> ids;
  json cursor = nullptr, first_cursor = nullptr;
  std::vector<std::size_t> sizes;
  for (int page = 0; page < 10; ++page) {
    if (page == 1) first_cursor = cursor;
    json extra = {{"count", 15}};
    if (!cursor.is_null()) extra["cursor"] = cursor;
    auto r = thread(kAdaGrace, extra);
    ASSERT_EQ(r.status, 200) << r.raw;
    expect_same_shape(fixture, r.body, "dm/conversation");
    EXPECT_EQ(r.body["conversation_id"], kAdaGrace);
    EXPECT_EQ(r.body["userId"], kAda);
    EXPECT_TRUE(r.body["users"].contains(kGrace) && r.body["users"].contains(kAda));
    sizes.push_back(r.body["messages"].size());
    for (auto const& m : r.body["messages"]) {
      EXPECT_EQ(m["conversationId"], kAdaGrace);
      ids.push_back(id_of(m));
    }
    if (!r.body["has_more"].get<bool>()) {
      EXPECT_TRUE(r.body["next_cursor"].is_null());
      break;
    }
    cursor = r.body["next_cursor"];
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{15, 15, 10}));
  for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i - 1], ids[i]);
  // A cursor of another thread, or a junk one, is refused.
  ASSERT_TRUE(first_cursor.is_string());
  std::string other;
  for (auto const& c : walk("all").conversations) {
    if (c["conversation_id"] != kAdaGrace) other = c["conversation_id"];
  }
  ASSERT_FALSE(other.empty());
  EXPECT_EQ(thread(other, {{"cursor", first_cursor}}).status, 400);
  EXPECT_EQ(thread(kAdaGrace, {{"cursor", first_cursor}}).status, 200);
  EXPECT_EQ(thread(kAdaGrace, {{"cursor", "junk"}}).status, 400);
}

TEST_F(ConversationsTest, UnknownConversationIsTheEmbedded404) {
  // One that exists, between two other users.
  ASSERT_EQ(send_dm(fixed::kGraceToken, "new_account", "hi").status, 200);
  for (std::string id : {std::string(kAdaLonely), std::string("nonsense"),
                         std::string("1700000000000000002-1700000000000000010")}) {
    auto r = thread(id);
    EXPECT_EQ(r.status, 404) << id;
    EXPECT_THAT(r.body["error"].get<std::string>(),
                StartsWith("HTTP 404: {\"errors\":[{\"code\":279,"))
        << r.raw;
    json const inner = json::parse(r.body["error"].get<std::string>().substr(10));
    EXPECT_EQ(inner["errors"][0]["code"], 279);
  }
  EXPECT_EQ(post("/twitter/dm/conversation", {{"auth_token", fixed::kAdaToken}}).status, 400);
  EXPECT_EQ(
      post("/twitter/dm/conversation", {{"auth_token", "bogus"}, {"conversation_id", kAdaGrace}})
          .status,
      401);
}

TEST_F(ConversationsTest, UnreadUntilTheAccountReadsTheThreadOrReplies) {
  ASSERT_EQ(inbound({{"from", "grace_h"}, {"to", "ada_example"}, {"text", "ping"}}).status, 201);
  EXPECT_TRUE(conversation_in("all", kAdaGrace)["unread"].get<bool>());
  ASSERT_EQ(thread(kAdaGrace, {{"count", 1}}).status, 200);
  EXPECT_FALSE(conversation_in("all", kAdaGrace)["unread"].get<bool>())
      << "read by dm/conversation";
  ASSERT_EQ(inbound({{"from", kGrace}, {"to", fixed::kAdaToken}, {"text", "ping again"}}).status,
            201);
  EXPECT_TRUE(conversation_in("all", kAdaGrace)["unread"].get<bool>());
  ASSERT_EQ(send_dm(fixed::kAdaToken, "grace_h", "pong").status, 200);
  EXPECT_FALSE(conversation_in("all", kAdaGrace)["unread"].get<bool>()) << "read by replying";
}

TEST_F(ConversationsTest, ARequestIsAcceptedByTheAccountsReply) {
  auto in = inbound({{"from", "lonely_user"}, {"to", "ada_example"}, {"text", "Hello, help?"}});
  ASSERT_EQ(in.status, 201) << in.raw;
  EXPECT_EQ(in.body["tab"], "requests");
  EXPECT_EQ(in.body["conversation_id"], kAdaLonely);
  EXPECT_FALSE(conversation_in("requests", kAdaLonely).is_null());
  EXPECT_TRUE(conversation_in("all", kAdaLonely).is_null());
  // Reading a request does not accept it.
  auto read = thread(kAdaLonely);
  EXPECT_EQ(read.body["messages"][0]["text"], "Hello, help?");
  EXPECT_FALSE(conversation_in("requests", kAdaLonely).is_null());

  auto reply = send_dm(fixed::kAdaToken, "lonely_user", "Sure, what's up?");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.body["data"]["conversationId"], kAdaLonely);
  EXPECT_TRUE(conversation_in("requests", kAdaLonely).is_null());
  json const accepted = conversation_in("all", kAdaLonely);
  ASSERT_FALSE(accepted.is_null());
  EXPECT_EQ(accepted["last_message"]["senderId"], kAda);

  auto all = walk("all");
  int events = 0;
  for (auto const& e : all.events) {
    if (e["conversation_id"] == kAdaLonely) {
      ++events;
      EXPECT_EQ(e["type"], "message_request_accepted");
      EXPECT_TRUE(std::regex_match(e["createdAt"].get<std::string>(), kIsoMillis));
    }
  }
  EXPECT_EQ(events, 1);
  auto t = thread(kAdaLonely);
  ASSERT_EQ(t.body["events"].size(), 1u);
  EXPECT_EQ(t.body["messages"][0]["senderId"], kAda) << "the account's own message, newest first";
  EXPECT_EQ(t.body["messages"][0]["text"], "Sure, what's up?");
  EXPECT_EQ(t.body["messages"][1]["senderId"], kLonely);
}

TEST_F(ConversationsTest, FollowedSendersLandInAllAndHiddenIsItsOwnTab) {
  auto followed = inbound({{"from", "grace_h"}, {"to", "ada_example"}, {"text", "hi"}});
  EXPECT_EQ(followed.body["tab"], "all");
  auto hidden =
      inbound({{"from", "new_account"}, {"to", "ada_example"}, {"text", "spam"}, {"hidden", true}});
  ASSERT_EQ(hidden.status, 201) << hidden.raw;
  EXPECT_EQ(hidden.body["tab"], "hidden");
  EXPECT_FALSE(conversation_in("hidden", hidden.body["conversation_id"]).is_null());
}

TEST_F(ConversationsTest, InboundCarriesMediaLinksAndMayLackText) {
  auto r = inbound({{"from", "grace_h"},
                    {"to", "ada_example"},
                    {"media", {{"type", "video"}, {"url", "https://video.example/v.mp4"}}},
                    {"links", {"https://example.org/a"}}});
  ASSERT_EQ(r.status, 201) << r.raw;
  auto const& m = r.body["message"];
  EXPECT_FALSE(m.contains("text"));
  EXPECT_EQ(m["media"]["type"], "video");
  EXPECT_EQ(m["links"][0]["expanded_url"], "https://example.org/a");
  auto newest = thread(kAdaGrace, {{"count", 1}});
  EXPECT_EQ(newest.body["messages"][0]["id"], m["id"]);
  EXPECT_FALSE(newest.body["messages"][0].contains("text"));

  EXPECT_EQ(inbound({{"from", "nobody_here"}, {"to", "ada_example"}, {"text", "x"}}).status, 404);
  EXPECT_EQ(inbound({{"from", "ada_example"}, {"to", fixed::kAdaToken}, {"text", "x"}}).status,
            400);
  EXPECT_EQ(inbound({{"from", "grace_h"}, {"to", "ada_example"}, {"txt", "x"}}).status, 400);
  EXPECT_EQ(inbound({{"from", "grace_h"}, {"to", "ada_example"}, {"text", "   "}}).status, 400);
  EXPECT_EQ(
      inbound(
          {{"from", "grace_h"}, {"to", "ada_example"}, {"media", {{"type", "pdf"}, {"url", "u"}}}})
          .status,
      400);
}

TEST_F(ConversationsTest, AnEditKeepsTheIdAndRaisesEditCount) {
  auto in = inbound({{"from", "grace_h"}, {"to", "ada_example"}, {"text", "typo"}});
  ASSERT_EQ(in.status, 201);
  std::string const id = in.body["message"]["id"];
  EXPECT_EQ(in.body["message"]["edit_count"], 0);
  auto e = admin_post("/_sandbox/edit", {{"message_id", id}, {"text", "fixed"}});
  ASSERT_EQ(e.status, 200) << e.raw;
  EXPECT_EQ(e.body["message"]["id"], id);
  EXPECT_EQ(e.body["message"]["edit_count"], 1);
  auto again = admin_post("/_sandbox/edit", {{"id", id}, {"text", "fixed twice"}});
  EXPECT_EQ(again.body["message"]["edit_count"], 2);
  auto t = thread(kAdaGrace, {{"count", 1}});
  EXPECT_EQ(t.body["messages"][0]["id"], id);
  EXPECT_EQ(t.body["messages"][0]["text"], "fixed twice");
  EXPECT_EQ(t.body["messages"][0]["edit_count"], 2);
  EXPECT_EQ(admin_post("/_sandbox/edit", {{"message_id", "42"}, {"text", "x"}}).status, 404);
  EXPECT_EQ(admin_post("/_sandbox/edit", {{"message_id", id}}).status, 400);
}

TEST_F(ConversationsTest, InProcessInboundAndEdit) {
  json const in = json::parse(sandbox_->inbound(
      json({{"from", "grace_h"}, {"to", "ada_example"}, {"text", "in-process"}}).dump()));
  EXPECT_EQ(in["tab"], "all");
  json const e = json::parse(
      sandbox_->edit(json({{"message_id", in["message"]["id"]}, {"text", "edited"}}).dump()));
  EXPECT_EQ(e["message"]["edit_count"], 1);
  EXPECT_THROW(sandbox_->inbound(R"({"from":"nobody_here","to":"ada_example","text":"x"})"),
               std::invalid_argument);
  // Reset forgets inbound messages and edits.
  sandbox_->reset();
  EXPECT_EQ(list("all", {{"count", 1}}).body["messages"][0]["id"], "2000000000000000120");
}

// ---- inbound streams ---------------------------------------------------------------------

std::size_t delivered_of(json const& streams, std::uint64_t id) {
  for (auto const& s : streams["streams"]) {
    if (s["stream_id"] == id) return s["delivered"].get<std::size_t>();
  }
  return 0;
}

TEST_F(ConversationsTest, AStreamSpreadsMessagesOverTheSandboxClock) {
  auto s = admin_post("/_sandbox/inbound_stream",
                      {{"to", "ada_example"}, {"messages", 20}, {"users", 4}, {"seconds", 600}});
  ASSERT_EQ(s.status, 201) << s.raw;
  std::uint64_t const id = s.body["stream_id"];
  EXPECT_EQ(s.body["scheduled"], 20);
  ASSERT_EQ(s.body["senders"].size(), 4u);
  EXPECT_EQ(delivered_of(admin_get("/_sandbox/inbound_stream").body, id), 0u);
  admin_post("/_sandbox/time", {{"advance_seconds", 301}});
  std::size_t const half = delivered_of(admin_get("/_sandbox/inbound_stream").body, id);
  EXPECT_GE(half, 10u);
  EXPECT_LE(half, 11u);
  admin_post("/_sandbox/time", {{"advance_seconds", 300}});
  EXPECT_EQ(delivered_of(admin_get("/_sandbox/inbound_stream").body, id), 20u);

  // "mixed" senders: some followed by Ada (their messages in `all`), some not (`requests`).
  std::set<std::string> senders;
  for (auto const& u : s.body["senders"]) senders.insert(u);
  std::map<std::string, std::size_t> per_tab;
  std::set<std::string> conversations;
  for (char const* tab : {"all", "requests"}) {
    for (auto const& m : walk(tab).messages) {
      if (senders.count(m["senderId"].get<std::string>()) == 0) continue;
      ++per_tab[tab];
      conversations.insert(m["conversationId"].get<std::string>());
      EXPECT_THAT(m["text"].get<std::string>(), HasSubstr("/20)"));
    }
  }
  EXPECT_GT(per_tab["all"], 0u);
  EXPECT_GT(per_tab["requests"], 0u);
  EXPECT_EQ(per_tab["all"] + per_tab["requests"], 20u);
  EXPECT_EQ(conversations.size(), 4u);
}

TEST_F(ConversationsTest, AStreamIsRepeatableAndValidated) {
  json const body = {{"to", "ada_example"}, {"messages", 6}, {"users", 3}, {"from", "strangers"}};
  json const first = json::parse(sandbox_->inbound_stream(body.dump()));
  EXPECT_EQ(first["first_epoch_ms"], first["last_epoch_ms"]) << "seconds 0: all at once";
  EXPECT_EQ(walk("requests").messages.size(), 5u + 6u) << "delivered before the call returned";
  sandbox_->reset();
  json const second = json::parse(sandbox_->inbound_stream(body.dump()));
  EXPECT_EQ(first["senders"], second["senders"]);
  for (json bad : {json({{"to", "ada_example"}}), json({{"to", "ada_example"}, {"messages", 0}}),
                   json({{"to", "nobody_here"}, {"messages", 1}}),
                   json({{"to", "ada_example"}, {"messages", 1}, {"from", "friends"}}),
                   json({{"to", "ada_example"}, {"messages", 1}, {"bogus", 1}})}) {
    EXPECT_GE(admin_post("/_sandbox/inbound_stream", bad).status, 400) << bad;
  }
  auto cancel = admin_post("/_sandbox/inbound_stream",
                           {{"to", "ada_example"}, {"messages", 3}, {"seconds", 3600}});
  ASSERT_EQ(cancel.status, 201);
  EXPECT_EQ(admin_delete("/_sandbox/inbound_stream").body["cancelled"], 3);
}

}  // namespace
}  // namespace getxapi::sandbox::testing
