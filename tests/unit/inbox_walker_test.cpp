// InboxWalker: one set of rules for every inbox walk (page bound, time window
// with a skew margin, undated messages, loop guard), over a MockConnection
// and over the real connection with a fake transport.
#include <getxapi/inbox_walker.hpp>
#include <getxapi/mocks/mock_connection.hpp>

#include "unit_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace getxapi::unit {
namespace {

using getxapi_mocks::MockConnection;
using ::testing::_;
using ::testing::HasSubstr;

Message dated(std::string id, std::optional<Timestamp> at) {
  Message m;
  m.id = std::move(id);
  m.created_at = at;
  return m;
}

MessagePage page_of(std::vector<Message> items, std::string next) {
  MessagePage p;
  p.items = std::move(items);
  p.has_more = !next.empty();
  p.next_cursor = std::move(next);
  p.user_id = "1700000000000000001";
  return p;
}

struct Walked {
  std::vector<std::string> ids;
  std::optional<Error> error;
};

Walked walk(InboxWalker& walker) {
  Walked w;
  w.error = walker.for_each([&](Message& m) {
    w.ids.push_back(m.id);
    return w.ids.size() < 100;
  });
  return w;
}

class InboxWalkerTest : public ::testing::Test {
 protected:
  Timestamp const now = utc(2026, 3, 2, 10, 0, 0);
  std::shared_ptr<MockConnection> mock = std::make_shared<MockConnection>();
  std::vector<std::string> requested;

  // Serves `pages` keyed by cursor and records what was asked for.
  void serve(std::map<std::string, MessagePage> pages) {
    EXPECT_CALL(*mock, list_dms(_))
        .WillRepeatedly([this, pages = std::move(pages)](ListDmsRequest const& r) {
          requested.push_back(r.cursor);
          auto it = pages.find(r.cursor);
          if (it == pages.end()) return Result<MessagePage>(Error(ErrorCode::kNotFound, "none"));
          return Result<MessagePage>(it->second);
        });
  }
};

TEST_F(InboxWalkerTest, WalksEveryPageWithoutRules) {
  serve({{"", page_of({dated("m1", now), dated("m2", std::nullopt)}, "c2")},
         {"c2", page_of({dated("m3", now - std::chrono::hours(48))}, "")}});
  InboxWalker walker(*mock, kAuthToken);
  auto w = walk(walker);
  EXPECT_FALSE(w.error);
  EXPECT_EQ(w.ids, (std::vector<std::string>{"m1", "m2", "m3"}));
  EXPECT_EQ(walker.pages(), 2u);
}

TEST_F(InboxWalkerTest, PageBound) {
  serve({{"", page_of({dated("m1", now)}, "c2")},
         {"c2", page_of({dated("m2", now)}, "c3")},
         {"c3", page_of({dated("m3", now)}, "")}});
  InboxWalkOptions rules;
  rules.max_pages = 2;
  InboxWalker walker(*mock, kAuthToken, rules);
  auto w = walk(walker);
  EXPECT_FALSE(w.error);
  EXPECT_EQ(w.ids, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(requested, (std::vector<std::string>{"", "c2"}));
}

TEST_F(InboxWalkerTest, WindowWithSkewEndsAfterThePageWithAnOlderMessage) {
  // since = now - 10 min, skew 2 min: m_in (11 min ago) counts, m_old (13) does not,
  // and the walk does not go past their page.
  serve({{"", page_of({dated("m_new", now), dated("m_old", now - std::chrono::minutes(13)),
                       dated("m_in", now - std::chrono::minutes(11))},
                      "c2")},
         {"c2", page_of({dated("never", now)}, "")}});
  InboxWalkOptions rules;
  rules.since = now - std::chrono::minutes(10);
  rules.skew = std::chrono::minutes(2);
  InboxWalker walker(*mock, kAuthToken, rules);
  auto w = walk(walker);
  EXPECT_FALSE(w.error);
  EXPECT_EQ(w.ids, (std::vector<std::string>{"m_new", "m_in"}));
  EXPECT_TRUE(walker.reached_window_start());
  EXPECT_EQ(requested, (std::vector<std::string>{""}));
}

TEST_F(InboxWalkerTest, UndatedSkippedOnlyWhenAsked) {
  serve({{"", page_of({dated("undated", std::nullopt), dated("m1", now)}, "")}});
  InboxWalkOptions rules;
  rules.undated = UndatedMessages::kSkip;
  InboxWalker walker(*mock, kAuthToken, rules);
  EXPECT_EQ(walk(walker).ids, (std::vector<std::string>{"m1"}));
}

TEST_F(InboxWalkerTest, LoopGuardABA) {
  serve({{"", page_of({dated("m0", now)}, "A")},
         {"A", page_of({dated("mA", now)}, "B")},
         {"B", page_of({dated("mB", now)}, "A")}});
  InboxWalker walker(*mock, kAuthToken);
  auto w = walk(walker);
  EXPECT_EQ(w.ids, (std::vector<std::string>{"m0", "mA", "mB"}));
  ASSERT_TRUE(w.error);
  EXPECT_EQ(w.error->code(), ErrorCode::kInvalidResponse);
  EXPECT_THAT(w.error->message(), HasSubstr("already walked"));
  EXPECT_EQ(requested, (std::vector<std::string>{"", "A", "B"}));
  // Over: asking again costs nothing and says the same.
  auto again = walker.next();
  ASSERT_FALSE(again);
  EXPECT_EQ(requested.size(), 3u);
}

TEST_F(InboxWalkerTest, LoopGuardCursorWithControlCharactersIsEscaped) {
  serve({{"", page_of({dated("m0", now)}, "\x1b[2J")},
         {"\x1b[2J", page_of({dated("m1", now)}, "\x1b[2J")}});
  InboxWalker walker(*mock, kAuthToken);
  auto w = walk(walker);
  ASSERT_TRUE(w.error);
  EXPECT_EQ(w.error->message().find('\x1b'), std::string::npos) << w.error->message();
  EXPECT_THAT(w.error->message(), HasSubstr("\\x1b[2J"));
}

TEST_F(InboxWalkerTest, MoreWithoutACursorOrItemsIsAnError) {
  MessagePage no_cursor = page_of({dated("m0", now)}, "");
  no_cursor.has_more = true;
  serve({{"", no_cursor}});
  InboxWalker walker(*mock, kAuthToken);
  auto w = walk(walker);
  EXPECT_EQ(w.ids, (std::vector<std::string>{"m0"}));
  ASSERT_TRUE(w.error);
  EXPECT_EQ(w.error->code(), ErrorCode::kInvalidResponse);
}

TEST_F(InboxWalkerTest, FetchErrorEndsTheWalkTyped) {
  serve({{"", page_of({dated("m0", now)}, "gone")}});
  InboxWalker walker(*mock, kAuthToken);
  auto w = walk(walker);
  ASSERT_TRUE(w.error);
  EXPECT_EQ(w.error->code(), ErrorCode::kNotFound);
}

TEST_F(InboxWalkerTest, StartsFromASavedCursorAndUsesThePageSize) {
  EXPECT_CALL(*mock, list_dms(_)).WillOnce([](ListDmsRequest const& r) {
    EXPECT_EQ(r.cursor, "saved");
    EXPECT_EQ(r.count, std::optional<int>(100));
    return Result<MessagePage>(page_of({}, ""));
  });
  InboxWalkOptions rules;
  rules.cursor = "saved";
  rules.page_size = 100;
  InboxWalker walker(*mock, kAuthToken, rules);
  EXPECT_TRUE(walk(walker).ids.empty());
}

TEST(InboxWalkerOnTheWire, ThroughAClientStopsOnACycle) {
  Harness h;
  int served = 0;
  h.transport->set_handler([&](HttpRequest const&) -> Result<HttpResponse> {
    ++served;
    nlohmann::json messages = nlohmann::json::array({{{"id", "m" + std::to_string(served)}}});
    return json_response(200, message_page(messages, true, served % 2 ? "A" : "B"));
  });
  auto client = h.client();
  InboxWalker walker(client, kAuthToken);
  auto w = walk(walker);
  ASSERT_TRUE(w.error);
  EXPECT_EQ(w.error->code(), ErrorCode::kInvalidResponse);
  EXPECT_EQ(served, 3);
}

}  // namespace
}  // namespace getxapi::unit
