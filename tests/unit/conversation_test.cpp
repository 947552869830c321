// Conversations through the Client: dm/conversation, the new dm/list fields,
// Session, per-account proxies and the two conversation ranges, over a
// FakeTransport (no sockets, no sleeps).
#include "unit_support.hpp"

#include <getxapi/mocks/mock_connection.hpp>

#include <gtest/gtest.h>

#include <sstream>

namespace getxapi::unit {
namespace {

using nlohmann::json;

constexpr char kOwner[] = "1700000000000000001";
constexpr char kProxy[] = "socks5://proxyuser:SECRETPROXYPASS@10.0.0.7:1080";
constexpr char kCt0[] = "ct0_SECRETCT0_5e8a";

json conversation(std::string const& id, bool unread = false) {
  return {{"conversation_id", id},
          {"type", "ONE_TO_ONE"},
          {"unread", unread},
          {"sort_timestamp", "1772446500001"},
          {"participants",
           json::array({{{"id", kOwner}, {"screen_name", "ada_example"}, {"name", "Ada"}},
                        {{"id", "9" + id}, {"screen_name", "u" + id}, {"name", "U " + id}}})}};
}

// A dm/list page in the current shape, listing these conversations.
std::string inbox_page(std::vector<std::string> const& ids, std::string const& next_cursor,
                       std::string const& tab = "all") {
  json conversations = json::array();
  json messages = json::array();
  for (auto const& id : ids) {
    conversations.push_back(conversation(id));
    messages.push_back({{"id", "m" + id}, {"conversationId", id}, {"text", "hi"}});
  }
  json page = {{"userId", kOwner},
               {"tab", tab},
               {"has_more", !next_cursor.empty()},
               {"conversations", conversations},
               {"messages", messages},
               {"users", json::object()}};
  page["next_cursor"] = next_cursor.empty() ? json(nullptr) : json(next_cursor);
  return page.dump();
}

std::string thread_page(std::vector<std::string> const& ids, std::string const& next_cursor) {
  json messages = json::array();
  for (auto const& id : ids) messages.push_back({{"id", id}, {"senderId", "2"}, {"text", "t"}});
  json page = {{"userId", kOwner},
               {"conversation_id", "1-2"},
               {"has_more", !next_cursor.empty()},
               {"messages", messages},
               {"users", {{"2", {{"id", "2"}, {"screen_name", "grace_h"}}}}}};
  page["next_cursor"] = next_cursor.empty() ? json(nullptr) : json(next_cursor);
  return page.dump();
}

template <class R>
std::vector<std::string> ids_of(R& range, std::optional<Error>* error = nullptr) {
  std::vector<std::string> out;
  for (auto const& item : range) {
    if (!item) {
      if (error) *error = item.error();
      break;
    }
    out.push_back(item->id);
  }
  return out;
}

std::string conversation_ids(Range<Conversation>& range, std::optional<Error>* error = nullptr) {
  std::string out;
  for (auto const& c : range) {
    if (!c) {
      if (error) *error = c.error();
      break;
    }
    out += (out.empty() ? "" : ",") + c->id;
  }
  return out;
}

template <class T>
void expect_refused(Result<T> const& result) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument) << result.error();
  EXPECT_EQ(result.error().attempts(), 0);
}

template <class T>
void expect_refused(Range<T>& range) {
  auto it = range.begin();
  ASSERT_NE(it, range.end());
  ASSERT_FALSE(it->ok());
  EXPECT_EQ(it->error().code(), ErrorCode::kInvalidArgument) << it->error();
  ++it;
  EXPECT_EQ(it, range.end());
}

TEST(Conversation, ReadsOneThreadAndCountsItsPrice) {
  Harness h;
  h.transport->then(200, fixture("dm_conversation_page.json"));
  auto client = h.client();
  ConversationRequest request{kAuthToken, "1700000000000000001-1700000000000000002", "older", 20};
  auto page = client.conversation(request);
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->cursor, "older");
  EXPECT_EQ(page->conversation_id, "1700000000000000001-1700000000000000002");
  EXPECT_EQ(page->user_id, kOwner);
  EXPECT_EQ(page->items[1].text, "");  // not decrypted

  auto sent = h.request(0);
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, std::string(kBaseUrl) + "/twitter/dm/conversation");
  EXPECT_EQ(body_json(sent), (json{{"auth_token", kAuthToken},
                                   {"conversation_id", "1700000000000000001-1700000000000000002"},
                                   {"cursor", "older"},
                                   {"count", 20}}));
  auto stats = client.stats();
  EXPECT_EQ(stats.at(Endpoint::kDmConversation).billed_calls, 1);
  EXPECT_EQ(stats.at(Endpoint::kDmConversation).spend_micro_usd, 1'000);
  EXPECT_EQ(to_string(Endpoint::kDmConversation), "dm/conversation");
  EXPECT_EQ(endpoint_path(Endpoint::kDmConversation), "/twitter/dm/conversation");
}

TEST(Conversation, SpendLimitCountsIt) {
  Harness h;
  h.transport->set_handler(
      [](HttpRequest const&) { return json_response(200, fixture("dm_conversation_page.json")); });
  auto options = h.options();
  options.spend_limit_usd = 0.0025;  // two dm/conversation calls, not three
  Client client(options);
  ConversationRequest request{kAuthToken, "1-2"};
  ASSERT_TRUE(client.conversation(request));
  ASSERT_TRUE(client.conversation(request));
  auto third = client.conversation(request);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code(), ErrorCode::kBudgetExceeded);
  EXPECT_EQ(h.transport->request_count(), 2u);
}

TEST(Conversation, UnknownThreadGivesTheEmbeddedXCode) {
  Harness h;
  h.transport->then(404, error_body(R"(HTTP 404: {"errors":[{"code":279,"message":"nope"}]})"));
  auto page = h.client().conversation(ConversationRequest{kAuthToken, "1-3"});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(page.error().twitter_error_code(), 279);
}

TEST(Conversation, A401IsAboutTheAuthToken) {
  Harness h;
  h.transport->then(401, error_body("Unauthorized"));
  auto page = h.client().conversation(ConversationRequest{kAuthToken, "1-2"});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code(), ErrorCode::kAuthTokenInvalid);
}

TEST(ListDmsConversations, SendsTabTokensAndProxy) {
  Harness h;
  h.transport->then(200, inbox_page({"a"}, "", "requests"));
  ListDmsRequest request{kAuthToken, {}, 30};
  request.tab = InboxTab::kRequests;
  request.ct0 = kCt0;
  request.twid = "u=1700000000000000001";
  request.proxy = kProxy;
  auto page = h.client().list_dms(request);
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->tab, InboxTab::kRequests);
  ASSERT_EQ(page->conversations.size(), 1u);
  EXPECT_EQ(body_json(h.request(0)), (json{{"auth_token", kAuthToken},
                                           {"tab", "requests"},
                                           {"count", 30},
                                           {"ct0", kCt0},
                                           {"twid", "u=1700000000000000001"},
                                           {"proxy", kProxy}}));
}

TEST(ListDmsConversations, PageTabIsTheOneAskedForWhenTheAnswerIsSilent) {
  Harness h;
  h.transport->then(200, message_page(json::array()));
  ListDmsRequest request{kAuthToken, {}, {}};
  request.tab = InboxTab::kHidden;
  auto page = h.client().list_dms(request);
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->tab, InboxTab::kHidden);
}

TEST(Proxy, ClientDefaultIsUsedUnlessTheRequestNamesOne) {
  Harness h;
  h.transport->set_handler([](HttpRequest const& r) {
    return json_response(200, r.url.find("conversation") != std::string::npos
                                  ? fixture("dm_conversation_page.json")
                                  : inbox_page({}, ""));
  });
  auto options = h.options();
  options.default_proxy = "http://default-proxy:3128";
  Client client(options);
  ASSERT_TRUE(client.list_dms(ListDmsRequest{kAuthToken, {}, {}}));
  ListDmsRequest own{kAuthToken, {}, {}};
  own.proxy = "socks4://own:1080";
  ASSERT_TRUE(client.list_dms(own));
  ASSERT_TRUE(client.conversation(ConversationRequest{kAuthToken, "1-2"}));
  EXPECT_EQ(body_json(h.request(0)).at("proxy"), "http://default-proxy:3128");
  EXPECT_EQ(body_json(h.request(1)).at("proxy"), "socks4://own:1080");
  EXPECT_EQ(body_json(h.request(2)).at("proxy"), "http://default-proxy:3128");
  // Calls GetXAPI documents no proxy for do not carry one.
  h.transport->then(200, fixture("dm_send.json"));
  ASSERT_TRUE(client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("2"), "hi"}));
  EXPECT_FALSE(body_json(h.request(3)).contains("proxy"));
}

TEST(Proxy, BadDefaultRefusesTheCallsThatWouldCarryIt) {
  Harness h;
  auto options = h.options();
  options.default_proxy = "ftp://nope";
  Client client(options);
  expect_refused(client.list_dms(ListDmsRequest{kAuthToken, {}, {}}));
  expect_refused(client.conversation(ConversationRequest{kAuthToken, "1-2"}));
  auto range = client.all_conversations(kAuthToken);
  expect_refused(range);
  EXPECT_EQ(h.transport->request_count(), 0u);
}

TEST(Proxy, CredentialsAndCt0NeverReachLogsOrErrors) {
  Harness h;
  CapturedLog log;
  auto options = h.options();
  options.logger = log.logger(LogLevel::kDebug);
  options.default_proxy = kProxy;
  // The server echoes the request back in its error, as some do.
  h.transport->set_handler([](HttpRequest const& r) {
    return json_response(400, error_body("bad request: " + r.body));
  });
  Client client(options);
  ListDmsRequest request{kAuthToken, {}, {}};
  request.ct0 = kCt0;
  request.twid = "u=1";
  auto listed = client.list_dms(request);
  auto thread = client.conversation(ConversationRequest{kAuthToken, "1-2"});
  ASSERT_FALSE(listed.ok());
  ASSERT_FALSE(thread.ok());
  std::ostringstream out;
  out << listed.error() << thread.error() << request
      << ConversationRequest{kAuthToken, "1-2", {}, {}, kProxy}
      << Session{kAuthToken, kCt0, "u=1", kProxy};
  for (auto const& text : {log.all(), out.str()}) {
    for (char const* secret : {"SECRETPROXYPASS", "proxyuser", "SECRETCT0", "SECRETTOKEN"}) {
      EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in: " << text;
    }
  }
  // Where the proxy is, is still told.
  EXPECT_NE(log.all().find("10.0.0.7:1080"), std::string::npos) << log.all();
}

TEST(Refusals, BadTabCt0ProxyAndIdSendNothing) {
  Harness h;
  auto client = h.client();
  ListDmsRequest bad_tab{kAuthToken, {}, {}};
  bad_tab.tab = static_cast<InboxTab>(7);
  expect_refused(client.list_dms(bad_tab));
  ListDmsRequest lone_ct0{kAuthToken, {}, {}};
  lone_ct0.ct0 = kCt0;
  expect_refused(client.list_dms(lone_ct0));
  ListDmsRequest lone_twid{kAuthToken, {}, {}};
  lone_twid.twid = "u=1";
  expect_refused(client.list_dms(lone_twid));
  ListDmsRequest bad_proxy{kAuthToken, {}, {}};
  bad_proxy.proxy = "ftp://10.0.0.7";
  expect_refused(client.list_dms(bad_proxy));

  expect_refused(client.conversation(ConversationRequest{kAuthToken, ""}));
  expect_refused(client.conversation(ConversationRequest{kAuthToken, "1-2 3"}));
  expect_refused(client.conversation(ConversationRequest{"", "1-2"}));
  expect_refused(client.conversation(ConversationRequest{kAuthToken, "1-2", {}, 0}));
  expect_refused(client.conversation(ConversationRequest{kAuthToken, "1-2", {}, {}, "nope"}));

  auto tab_range = client.all_conversations(kAuthToken, static_cast<InboxTab>(7));
  expect_refused(tab_range);
  auto session_range = client.all_conversations(Session{kAuthToken, kCt0, "", ""});
  expect_refused(session_range);
  RangeOptions big;
  big.page_size = 500;
  auto size_range = client.all_conversations(kAuthToken, InboxTab::kAll, big);
  expect_refused(size_range);
  auto thread_range = client.all_conversation_messages(kAuthToken, "");
  expect_refused(thread_range);
  auto proxy_range =
      client.all_conversation_messages(Session{kAuthToken, "", "", "socks://x"}, "1-2");
  expect_refused(proxy_range);

  EXPECT_EQ(h.transport->request_count(), 0u);
  EXPECT_EQ(client.stats().at(Endpoint::kDmConversation).refused, 5);
  EXPECT_EQ(client.stats().total().billed_calls, 0);
}

TEST(AllConversations, EachConversationOnceAcrossPages) {
  Harness h;
  h.transport->then(200, inbox_page({"a", "b"}, "c1"))
      .then(200, inbox_page({"b", "c"}, "c2"))
      .then(200, inbox_page({"c", "b"}, "c3"))  // nothing new: skipped, not an empty page
      .then(200, inbox_page({"d", "a"}, ""));
  auto client = h.client();
  auto range = client.all_conversations(kAuthToken);
  EXPECT_EQ(range.user_id(), "");  // nothing fetched yet
  std::optional<Error> error;
  EXPECT_EQ(conversation_ids(range, &error), "a,b,c,d");
  EXPECT_FALSE(error) << *error;
  EXPECT_EQ(range.user_id(), kOwner);
  EXPECT_EQ(h.transport->request_count(), 4u);
  EXPECT_EQ(body_json(h.request(2)).at("cursor"), "c2");
  EXPECT_EQ(body_json(h.request(3)).at("cursor"), "c3");
  EXPECT_FALSE(body_json(h.request(0)).contains("tab"));
}

TEST(AllConversations, OwnerIdAndUsersAreThereWithTheFirstItem) {
  Harness h;
  h.transport->then(200, fixture("dm_list_inbox.json")).then(200, inbox_page({}, ""));
  auto client = h.client();
  auto range = client.all_conversations(kAuthToken);
  auto it = range.begin();
  ASSERT_NE(it, range.end());
  ASSERT_TRUE(it->ok()) << it->error();
  EXPECT_EQ(range.user_id(), kOwner);
  auto others = (*it)->others(range.user_id());
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].screen_name, "grace_h");
  ASSERT_NE(range.user("1700000000000000002"), nullptr);
  EXPECT_EQ(range.user("1700000000000000002")->name, "Grace H");
  EXPECT_EQ(range.page().events.size(), 1u);
  EXPECT_TRUE(range.page().items.empty());  // handed out, not kept twice
}

TEST(AllConversations, PerTabWithSessionTokensAndLimit) {
  Harness h;
  h.transport->set_handler([](HttpRequest const&) {
    return json_response(200, inbox_page({"r1", "r2", "r3"}, "more", "requests"));
  });
  auto client = h.client();
  LoginResult login{kAuthToken, kCt0, "u=1700000000000000001"};
  auto session = Session::from_login(login, kProxy);
  RangeOptions options;
  options.limit = 2;
  options.page_size = 10;
  auto range = client.all_conversations(session, InboxTab::kRequests, options);
  EXPECT_EQ(conversation_ids(range), "r1,r2");
  ASSERT_EQ(h.transport->request_count(), 1u);
  EXPECT_EQ(body_json(h.request(0)), (json{{"auth_token", kAuthToken},
                                           {"tab", "requests"},
                                           {"count", 10},
                                           {"ct0", kCt0},
                                           {"twid", "u=1700000000000000001"},
                                           {"proxy", kProxy}}));
  EXPECT_EQ(range.page().tab, InboxTab::kRequests);
}

TEST(AllConversations, CursorCycleEndsWithATypedError) {
  Harness h;
  h.transport->then(200, inbox_page({"a"}, "c1"))
      .then(200, inbox_page({"b"}, "c2"))
      .then(200, inbox_page({"c"}, "c1"));  // back to c1
  h.transport->set_handler(
      [](HttpRequest const&) { return json_response(200, inbox_page({"z"}, "c9")); });
  auto client = h.client();
  auto range = client.all_conversations(kAuthToken);
  std::optional<Error> error;
  EXPECT_EQ(conversation_ids(range, &error), "a,b,c");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::kInvalidResponse);
  EXPECT_NE(error->message().find("cycle"), std::string::npos) << *error;
  EXPECT_EQ(h.transport->request_count(), 3u);
}

TEST(AllConversations, CycleThroughSkippedPagesEndsToo) {
  Harness h;
  h.transport->then(200, inbox_page({"a"}, "c1")).then(200, inbox_page({"a"}, "c2"));
  h.transport->set_handler(
      [](HttpRequest const&) { return json_response(200, inbox_page({"a"}, "c1")); });
  auto client = h.client();
  auto range = client.all_conversations(kAuthToken);
  std::optional<Error> error;
  EXPECT_EQ(conversation_ids(range, &error), "a");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::kInvalidResponse);
  EXPECT_EQ(h.transport->request_count(), 3u);
}

TEST(AllConversations, EmptyPageClaimingMoreIsAnError) {
  Harness h;
  h.transport->then(200, inbox_page({}, "c1"));
  auto client = h.client();
  auto range = client.all_conversations(kAuthToken);
  std::optional<Error> error;
  EXPECT_EQ(conversation_ids(range, &error), "");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::kInvalidResponse);
  EXPECT_EQ(h.transport->request_count(), 1u);
}

TEST(AllConversations, OlderDeploymentsGetConversationsFromMessageIds) {
  Harness h;
  h.transport->then(
      200, message_page(json::array({
               {{"id", "3"}, {"conversationId", "1-2"}, {"senderId", "2"}, {"recipientId", kOwner}},
               {{"id", "2"}, {"conversationId", "1-4"}, {"senderId", kOwner}, {"recipientId", "4"}},
               {{"id", "1"}, {"conversationId", "1-2"}, {"senderId", kOwner}, {"recipientId", "2"}},
           })));
  auto client = h.client();
  auto range = client.all_conversations(kAuthToken);
  std::vector<Conversation> seen;
  for (auto const& c : range) {
    ASSERT_TRUE(c.ok()) << c.error();
    seen.push_back(*c);
  }
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].id, "1-2");
  ASSERT_TRUE(seen[0].last_message);
  EXPECT_EQ(seen[0].last_message->id, "3");
  ASSERT_EQ(seen[0].others(kOwner).size(), 1u);
  EXPECT_EQ(seen[0].others(kOwner)[0].id, "2");
  EXPECT_EQ(seen[1].id, "1-4");
}

TEST(AllConversations, MessagesWithoutAnyConversationSayWhatToUse) {
  Harness h;
  h.transport->then(200, fixture("dm_list_page.json"));
  auto client = h.client();
  auto range = client.all_conversations(kAuthToken);
  std::optional<Error> error;
  EXPECT_EQ(conversation_ids(range, &error), "");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::kInvalidResponse);
  EXPECT_NE(error->message().find("all_dms"), std::string::npos) << *error;
}

TEST(AllConversationMessages, WalksTheThreadBackInTime) {
  Harness h;
  h.transport->then(200, thread_page({"5", "4"}, "older1"))
      .then(200, thread_page({"3", "2"}, "older2"))
      .then(200, thread_page({"1"}, ""));
  auto client = h.client();
  RangeOptions options;
  options.page_size = 2;
  auto range = client.all_conversation_messages(kAuthToken, "1-2", options);
  EXPECT_EQ(ids_of(range), (std::vector<std::string>{"5", "4", "3", "2", "1"}));
  EXPECT_EQ(range.user_id(), kOwner);
  ASSERT_NE(range.user("2"), nullptr);
  EXPECT_EQ(range.user("2")->screen_name, "grace_h");
  ASSERT_EQ(h.transport->request_count(), 3u);
  EXPECT_EQ(body_json(h.request(0)),
            (json{{"auth_token", kAuthToken}, {"conversation_id", "1-2"}, {"count", 2}}));
  EXPECT_EQ(body_json(h.request(1)).at("cursor"), "older1");
  EXPECT_EQ(body_json(h.request(2)).at("cursor"), "older2");
  EXPECT_EQ(client.stats().at(Endpoint::kDmConversation).billed_calls, 3);
}

TEST(AllConversationMessages, CursorCycleEndsWithATypedError) {
  Harness h;
  h.transport->then(200, thread_page({"5"}, "x"))
      .then(200, thread_page({"4"}, "y"))
      .then(200, thread_page({"3"}, "x"));
  h.transport->set_handler(
      [](HttpRequest const&) { return json_response(200, thread_page({"0"}, "z")); });
  auto client = h.client();
  auto range = client.all_conversation_messages(kAuthToken, "1-2");
  std::optional<Error> error;
  EXPECT_EQ(ids_of(range, &error), (std::vector<std::string>{"5", "4", "3"}));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::kInvalidResponse);
  EXPECT_EQ(h.transport->request_count(), 3u);
}

TEST(ConversationRanges, RunOverAMockConnectionToo) {
  auto mock = std::make_shared<::testing::NiceMock<getxapi_mocks::MockConnection>>();
  MessagePage page;
  page.user_id = kOwner;
  Conversation c;
  c.id = "1-2";
  page.conversations = {c, c};  // the same thread twice on one page
  EXPECT_CALL(*mock, list_dms(::testing::Field(&ListDmsRequest::tab, InboxTab::kHidden)))
      .WillOnce(::testing::Return(Result<MessagePage>(page)));
  MessagePage thread;
  thread.items.resize(2);
  thread.items[0].id = "b";
  thread.items[1].id = "a";
  EXPECT_CALL(*mock, conversation(::testing::Field(&ConversationRequest::conversation_id, "1-2")))
      .WillOnce(::testing::Return(Result<MessagePage>(thread)));
  Client client(mock);
  auto conversations = client.all_conversations(kAuthToken, InboxTab::kHidden);
  EXPECT_EQ(conversation_ids(conversations), "1-2");
  EXPECT_EQ(conversations.user_id(), kOwner);
  auto messages = client.all_conversation_messages(kAuthToken, "1-2");
  EXPECT_EQ(ids_of(messages), (std::vector<std::string>{"b", "a"}));
}

TEST(Session, FromLoginAndOneLineRequests) {
  LoginResult login{kAuthToken, kCt0, "u=1700000000000000001"};
  auto session = Session::from_login(login, kProxy);
  EXPECT_EQ(session.user_id(), "1700000000000000001");
  auto list = session.list_dms(InboxTab::kHidden, "cur");
  EXPECT_EQ(list.auth_token, kAuthToken);
  EXPECT_EQ(list.ct0, kCt0);
  EXPECT_EQ(list.twid, "u=1700000000000000001");
  EXPECT_EQ(list.proxy, kProxy);
  EXPECT_EQ(list.tab, InboxTab::kHidden);
  EXPECT_EQ(list.cursor, "cur");
  auto thread = session.conversation("1-2", "older");
  EXPECT_EQ(thread.auth_token, kAuthToken);
  EXPECT_EQ(thread.conversation_id, "1-2");
  EXPECT_EQ(thread.cursor, "older");
  EXPECT_EQ(thread.proxy, kProxy);
}

TEST(Session, UserIdFromEveryTwidSpelling) {
  EXPECT_EQ((Session{"t", "c", "u%3D42", ""}).user_id(), "42");
  EXPECT_EQ((Session{"t", "c", "u%3d42", ""}).user_id(), "42");
  EXPECT_EQ((Session{"t", "c", "42", ""}).user_id(), "42");
  EXPECT_EQ((Session{"t", "c", "", ""}).user_id(), "");
  EXPECT_EQ((Session{"t", "c", "u=abc", ""}).user_id(), "");
  EXPECT_EQ((Session{"t", "c", "u=" + std::string(30, '1'), ""}).user_id(), "");
}

TEST(Printing, NewTypesNeverShowTextsOrSecrets) {
  Harness h;
  h.transport->then(200, fixture("dm_list_inbox.json"));
  auto page = h.client().list_dms(ListDmsRequest{kAuthToken, {}, {}});
  ASSERT_TRUE(page.ok()) << page.error();
  std::ostringstream out;
  for (auto const& c : page->conversations) out << c << "\n";
  for (auto const& m : page->items) out << m << "\n";
  for (auto const& e : page->events) out << e << "\n";
  for (auto const& [id, user] : page->users) out << user << "\n";
  out << InboxTab::kRequests << " " << *page << "\n";
  std::string const text = out.str();
  EXPECT_NE(text.find("Conversation{id=1700000000000000001-1700000000000000002, type=ONE_TO_ONE, "
                      "unread=true, participants=[@ada_example, @grace_h]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("DmEvent{type=message_request_accepted"), std::string::npos) << text;
  EXPECT_NE(text.find("DmUser{id=1700000000000000004, screen_name=@linus_t"), std::string::npos);
  EXPECT_NE(text.find("requests "), std::string::npos);
  for (char const* body : {"Thanks! Happy to chat.", "See you at the meetup.", "Hi Grace"}) {
    EXPECT_EQ(text.find(body), std::string::npos) << body << " in: " << text;
  }
}

TEST(InboxTabNames, RoundTripAndRefuseOthers) {
  for (auto tab : {InboxTab::kAll, InboxTab::kRequests, InboxTab::kHidden}) {
    EXPECT_EQ(parse_inbox_tab(to_string(tab)), tab);
    EXPECT_TRUE(is_valid(tab));
  }
  EXPECT_EQ(to_string(InboxTab::kRequests), "requests");
  for (char const* bad : {"", "All", "request", "spam", "all "}) {
    EXPECT_FALSE(parse_inbox_tab(bad)) << bad;
  }
  EXPECT_FALSE(is_valid(static_cast<InboxTab>(3)));
  EXPECT_EQ(to_string(static_cast<InboxTab>(3)), "?");
}

}  // namespace
}  // namespace getxapi::unit
