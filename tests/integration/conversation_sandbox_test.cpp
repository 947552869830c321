// Conversations over real HTTP against the in-process getxapi-sandbox: every
// inbox tab walked with all_conversations, threads with
// all_conversation_messages, a new message request arriving, reading a thread
// clearing its unread mark, and the sandbox's strict refusals.
#include <getxapi/getxapi.hpp>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "sandbox.hpp"

#include <set>
#include <string>
#include <vector>

namespace getxapi {
namespace {

using nlohmann::json;
namespace fixed = sandbox::fixed;

constexpr char kAdaGrace[] = "1700000000000000001-1700000000000000002";

class ConversationSandbox : public ::testing::Test {
 protected:
  ConversationSandbox() : sandbox_(sandbox::SandboxOptions{}) {
    sandbox_.start();
    ClientOptions options;
    options.api_key = "conversation-test-key";
    options.base_url = sandbox_.base_url();
    options.timeout = std::chrono::seconds(10);
    client_ = std::make_unique<Client>(options);
  }

  // A user writes to ada outside the API (the sandbox's admin endpoint).
  json inbound(json body) {
    httplib::Client admin(sandbox_.base_url());
    auto r = admin.Post("/_sandbox/inbound", body.dump(), "application/json");
    EXPECT_TRUE(r) << "no answer";
    if (!r) return {};
    EXPECT_EQ(r->status, 201) << r->body;
    return json::parse(r->body, nullptr, false);
  }

  struct Walk {
    std::vector<Conversation> items;
    std::optional<Error> error;
    std::string owner;
    std::size_t pages = 0;
  };
  Walk walk(InboxTab tab, std::optional<int> page_size = std::nullopt) {
    RangeOptions options;
    options.page_size = page_size;
    auto range = client_->all_conversations(fixed::kAdaToken, tab, options);
    Walk out;
    for (auto const& c : range) {
      if (!c) {
        out.error = c.error();
        break;
      }
      out.items.push_back(*c);
    }
    out.owner = range.user_id();
    out.pages = range.pages_fetched();
    return out;
  }

  sandbox::Sandbox sandbox_;
  std::unique_ptr<Client> client_;
};

std::set<std::string> ids(std::vector<Conversation> const& items) {
  std::set<std::string> out;
  for (auto const& c : items) out.insert(c.id);
  return out;
}

TEST_F(ConversationSandbox, EveryTabWalkedEachConversationOnce) {
  // Small pages: ada's 120 messages in `all` span many pages.
  auto all = walk(InboxTab::kAll, 7);
  ASSERT_FALSE(all.error) << *all.error;
  EXPECT_EQ(all.items.size(), 5u);
  EXPECT_EQ(ids(all.items).size(), all.items.size());
  EXPECT_TRUE(ids(all.items).count(kAdaGrace));
  EXPECT_EQ(all.owner, fixed::kAdaId);
  EXPECT_GT(all.pages, 1u);
  for (auto const& c : all.items) {
    SCOPED_TRACE(c.id);
    auto others = c.others(all.owner);
    ASSERT_EQ(others.size(), 1u);
    EXPECT_FALSE(others[0].screen_name.empty());
    ASSERT_TRUE(c.last_message);
    EXPECT_EQ(c.last_message->conversation_id, c.id);
    EXPECT_TRUE(c.sort_time);
  }

  auto requests = walk(InboxTab::kRequests);
  ASSERT_FALSE(requests.error) << *requests.error;
  EXPECT_EQ(requests.items.size(), 3u);
  for (auto const& c : requests.items) EXPECT_TRUE(c.unread) << c.id;

  auto hidden = walk(InboxTab::kHidden, 1);
  ASSERT_FALSE(hidden.error) << *hidden.error;
  EXPECT_EQ(hidden.items.size(), 2u);

  // The tabs do not overlap.
  std::set<std::string> seen;
  for (auto const* tab : {&all, &requests, &hidden}) {
    for (auto const& id : ids(tab->items)) EXPECT_TRUE(seen.insert(id).second) << id;
  }
}

TEST_F(ConversationSandbox, AThreadNewestFirstPageAfterPage) {
  RangeOptions options;
  options.page_size = 4;
  auto thread = client_->all_conversation_messages(fixed::kAdaToken, kAdaGrace, options);
  std::vector<Message> messages;
  for (auto const& m : thread) {
    ASSERT_TRUE(m.ok()) << m.error();
    messages.push_back(*m);
  }
  ASSERT_GT(messages.size(), 4u);
  EXPECT_GT(thread.pages_fetched(), 1u);
  EXPECT_EQ(thread.user_id(), fixed::kAdaId);
  std::set<std::string> unique;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    SCOPED_TRACE(messages[i].id);
    EXPECT_TRUE(unique.insert(messages[i].id).second);
    EXPECT_EQ(messages[i].conversation_id, kAdaGrace);
    ASSERT_TRUE(messages[i].created_at);
    if (i > 0) {
      ASSERT_TRUE(messages[i - 1].created_at);
      EXPECT_LE(*messages[i].created_at, *messages[i - 1].created_at);
    }
    auto const& sender = messages[i].sender_id;
    EXPECT_TRUE(sender == fixed::kAdaId || sender == fixed::kGraceId);
  }
  auto stats = client_->stats().at(Endpoint::kDmConversation);
  EXPECT_EQ(stats.billed_calls, static_cast<std::int64_t>(thread.pages_fetched()));
  EXPECT_EQ(stats.spend_micro_usd, 1'000 * stats.billed_calls);
}

TEST_F(ConversationSandbox, ARequestArrivesUnreadAndReadingTheThreadClearsIt) {
  auto answer = inbound({{"from", fixed::kLonelyUserName},
                         {"to", fixed::kAdaUserName},
                         {"text", "Hi, can you help?"}});
  ASSERT_TRUE(answer.is_object());
  inbound({{"from", fixed::kLonelyUserName}, {"to", fixed::kAdaUserName}});  // no text
  std::string const id = answer.value("conversation_id", "");
  ASSERT_FALSE(id.empty());

  auto requests = walk(InboxTab::kRequests);
  ASSERT_FALSE(requests.error) << *requests.error;
  ASSERT_EQ(requests.items.size(), 4u);
  auto const& newest = requests.items.front();
  EXPECT_EQ(newest.id, id);
  EXPECT_TRUE(newest.unread);
  auto others = newest.others(requests.owner);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].screen_name, fixed::kLonelyUserName);

  auto thread = client_->all_conversation_messages(fixed::kAdaToken, id);
  std::vector<std::string> texts;
  for (auto const& m : thread) {
    ASSERT_TRUE(m.ok()) << m.error();
    texts.push_back(m->text);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"", "Hi, can you help?"}));  // newest first
  DmUser const* lonely = thread.user(fixed::kLonelyId);
  ASSERT_NE(lonely, nullptr);
  EXPECT_EQ(lonely->screen_name, fixed::kLonelyUserName);

  requests = walk(InboxTab::kRequests);
  ASSERT_FALSE(requests.error) << *requests.error;
  ASSERT_FALSE(requests.items.empty());
  EXPECT_EQ(requests.items.front().id, id);
  EXPECT_FALSE(requests.items.front().unread);  // read, still a request until answered
}

TEST_F(ConversationSandbox, UnknownThreadIsNotFoundWithXsCode279) {
  auto page = client_->conversation(
      ConversationRequest{fixed::kAdaToken, "1700000000000000001-1700000000000000999"});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(page.error().twitter_error_code(), 279);
}

TEST_F(ConversationSandbox, SessionFromLoginReadsFastAndStaleTokensFailOnX) {
  auto login = client_->login(LoginRequest{fixed::kAdaUserName, fixed::kPassword, {}, {}});
  ASSERT_TRUE(login.ok()) << login.error();
  auto session = Session::from_login(*login, "socks5://acct:pw123456@10.0.0.7:1080");
  EXPECT_EQ(session.user_id(), fixed::kAdaId);
  auto page = client_->list_dms(session.list_dms(InboxTab::kRequests));
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->tab, InboxTab::kRequests);
  EXPECT_EQ(page->conversations.size(), 3u);

  auto stale = session;
  stale.ct0 = "stale-ct0-value-0000";
  auto refused = client_->list_dms(stale.list_dms());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kForbidden) << refused.error();
  EXPECT_EQ(refused.error().twitter_error_code(), 353);
}

}  // namespace
}  // namespace getxapi
