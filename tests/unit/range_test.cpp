// Range<T> over scripted fetchers, then over the client's followers,
// following and inbox: 0, 1 and many pages, errors, resume, loop guard.
#include <getxapi/range.hpp>

#include "unit_support.hpp"

#include <gtest/gtest.h>

#include <map>

namespace getxapi::unit {
namespace {

using IntRange = Range<int>;

// A fetcher over a fixed book of pages keyed by cursor.
struct Book {
  std::map<std::string, Result<IntRange::Chunk>> pages;
  std::vector<std::string> requested;
  IntRange::Fetcher fetcher() {
    return [this](std::string const& cursor) -> Result<IntRange::Chunk> {
      requested.push_back(cursor);
      auto it = pages.find(cursor);
      if (it == pages.end()) return Error(ErrorCode::kNotFound, "no page " + cursor);
      return it->second;
    };
  }
};

struct Walk {
  std::vector<int> items;
  std::vector<Error> errors;
};

Walk walk(IntRange& range) {
  Walk w;
  for (auto const& r : range) {
    if (r) {
      w.items.push_back(*r);
    } else {
      w.errors.push_back(r.error());
    }
  }
  return w;
}

TEST(Range, EmptyFirstPage) {
  Book book;
  book.pages.emplace("", IntRange::Chunk{{}, "", false});
  IntRange range(book.fetcher());
  auto w = walk(range);
  EXPECT_TRUE(w.items.empty());
  EXPECT_TRUE(w.errors.empty());
  EXPECT_EQ(book.requested, std::vector<std::string>{""});
}

TEST(Range, OnePage) {
  Book book;
  book.pages.emplace("", IntRange::Chunk{{1, 2, 3}, "", false});
  IntRange range(book.fetcher());
  auto w = walk(range);
  EXPECT_EQ(w.items, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(w.errors.empty());
  EXPECT_EQ(range.pages_fetched(), 1u);
  EXPECT_EQ(range.items_yielded(), 3u);
}

TEST(Range, ManyPagesFetchedLazily) {
  Book book;
  book.pages.emplace("", IntRange::Chunk{{1, 2}, "c2", true});
  book.pages.emplace("c2", IntRange::Chunk{{3}, "c3", true});
  book.pages.emplace("c3", IntRange::Chunk{{4, 5}, "", false});
  IntRange range(book.fetcher());
  auto it = range.begin();
  EXPECT_EQ(book.requested.size(), 1u);  // nothing fetched ahead of need
  EXPECT_EQ(**it, 1);
  ++it;
  EXPECT_EQ(**it, 2);
  EXPECT_EQ(book.requested.size(), 1u);
  ++it;
  EXPECT_EQ(**it, 3);
  EXPECT_EQ(range.cursor(), "c2");
  EXPECT_EQ(range.next_cursor(), "c3");
  ++it;
  ++it;
  EXPECT_EQ(**it, 5);
  EXPECT_EQ(range.next_cursor(), "");
  ++it;
  EXPECT_EQ(it, range.end());
  EXPECT_EQ(book.requested, (std::vector<std::string>{"", "c2", "c3"}));
}

TEST(Range, ErrorMidRangeIsYieldedOnceAndEndsIt) {
  Book book;
  book.pages.emplace("", IntRange::Chunk{{1, 2}, "c2", true});
  // "c2" is missing: the fetcher fails.
  IntRange range(book.fetcher());
  auto w = walk(range);
  EXPECT_EQ(w.items, (std::vector<int>{1, 2}));
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].code(), ErrorCode::kNotFound);
  EXPECT_EQ(book.requested.size(), 2u);  // never retried by the range
}

TEST(Range, ResumeFromACursor) {
  Book book;
  book.pages.emplace("c2", IntRange::Chunk{{3}, "c3", true});
  book.pages.emplace("c3", IntRange::Chunk{{4}, "", false});
  RangeOptions options;
  options.cursor = "c2";
  IntRange range(book.fetcher(), options);
  EXPECT_EQ(walk(range).items, (std::vector<int>{3, 4}));
  EXPECT_EQ(book.requested.front(), "c2");
}

TEST(Range, LimitStopsWithoutFetchingMore) {
  Book book;
  book.pages.emplace("", IntRange::Chunk{{1, 2}, "c2", true});
  book.pages.emplace("c2", IntRange::Chunk{{3, 4}, "c3", true});
  RangeOptions options;
  options.limit = 3;
  IntRange range(book.fetcher(), options);
  EXPECT_EQ(walk(range).items, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(book.requested.size(), 2u);
  options.limit = 0;
  IntRange none(book.fetcher(), options);
  EXPECT_TRUE(walk(none).items.empty());
  EXPECT_EQ(book.requested.size(), 2u);
}

TEST(Range, LoopGuardRepeatedCursor) {
  Book book;
  book.pages.emplace("", IntRange::Chunk{{1}, "c2", true});
  book.pages.emplace("c2", IntRange::Chunk{{2}, "c2", true});  // points at itself
  IntRange range(book.fetcher());
  auto w = walk(range);
  EXPECT_EQ(w.items, (std::vector<int>{1, 2}));
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].code(), ErrorCode::kInvalidResponse);
  EXPECT_EQ(book.requested.size(), 2u);
}

TEST(Range, LoopGuardEmptyPageThatClaimsMore) {
  Book book;
  book.pages.emplace("", IntRange::Chunk{{}, "c2", true});
  IntRange range(book.fetcher());
  auto w = walk(range);
  EXPECT_TRUE(w.items.empty());
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].code(), ErrorCode::kInvalidResponse);
  EXPECT_EQ(book.requested.size(), 1u);
}

TEST(Range, LoopGuardMissingCursor) {
  Book book;
  book.pages.emplace("", IntRange::Chunk{{1, 2}, "", true});
  IntRange range(book.fetcher());
  auto w = walk(range);
  EXPECT_EQ(w.items, (std::vector<int>{1, 2}));
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].code(), ErrorCode::kInvalidResponse);
  EXPECT_EQ(book.requested.size(), 1u);
}

TEST(Range, ErrorRangeYieldsOnce) {
  IntRange range(Error(ErrorCode::kInvalidArgument, "bad"));
  auto w = walk(range);
  EXPECT_TRUE(w.items.empty());
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].code(), ErrorCode::kInvalidArgument);
  // Walking again yields nothing more.
  EXPECT_EQ(range.begin(), range.end());
}

// ---- Through the client -------------------------------------------------

class ClientRange : public ::testing::Test {
 protected:
  std::vector<std::string> cursors_sent() {
    std::vector<std::string> out;
    for (auto const& r : h.transport->requests()) {
      auto const& url = r.url;
      if (r.method == "POST") {
        auto body = body_json(r);
        out.push_back(body.value("cursor", ""));
      } else {
        auto pos = url.find("cursor=");
        out.push_back(pos == std::string::npos ? "" : url.substr(pos + 7));
      }
    }
    return out;
  }
  Harness h;
};

TEST_F(ClientRange, AllFollowersManyPages) {
  h.transport->then(200, user_page("followers", {"1", "2"}, true, "c2"))
      .then(200, user_page("followers", {"3"}, true, "c3"))
      .then(200, user_page("followers", {"4"}, false, ""));
  auto client = h.client();
  std::vector<std::string> ids;
  for (auto const& user : client.all_followers("@ada_example")) {
    ASSERT_TRUE(user) << user.error();
    ids.push_back(user->id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "2", "3", "4"}));
  EXPECT_EQ(cursors_sent(), (std::vector<std::string>{"", "c2", "c3"}));
  for (auto const& r : h.transport->requests()) {
    EXPECT_EQ(r.url.rfind("https://api.test/twitter/user/followers_v2?userName=ada_example", 0), 0u)
        << r.url;
  }
}

TEST_F(ClientRange, AllFollowingZeroItems) {
  h.transport->then(200, user_page("following", {}, false, ""));
  auto client = h.client();
  auto range = client.all_following("ada_example");
  EXPECT_EQ(range.begin(), range.end());
  ASSERT_EQ(h.transport->request_count(), 1u);
  EXPECT_NE(h.request(0).url.find("/twitter/user/following_v2?userName=ada_example"),
            std::string::npos);
}

TEST_F(ClientRange, AllFollowersFixturePageThenLast) {
  h.transport->then(200, fixture("followers_page.json"))
      .then(200, user_page("followers", {"9"}, false, ""));
  auto client = h.client();
  std::vector<std::string> names;
  for (auto const& user : client.all_followers("ada_example")) {
    ASSERT_TRUE(user);
    names.push_back(user->user_name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"grace_h", "closed_dms", "u9"}));
  EXPECT_EQ(cursors_sent(), (std::vector<std::string>{"", "DAABCgABGpage2"}));
}

TEST_F(ClientRange, ErrorMidRangeNotRetriedPastThePolicy) {
  h.transport->then(200, user_page("followers", {"1"}, true, "c2"))
      .then(404, error_body("Could not find user"));
  auto client = h.client();
  int items = 0, errors = 0;
  for (auto const& user : client.all_followers("ada_example")) {
    if (user) {
      ++items;
    } else {
      ++errors;
      EXPECT_EQ(user.error().code(), ErrorCode::kNotFound);
      EXPECT_EQ(user.error().attempts(), 1);
    }
  }
  EXPECT_EQ(items, 1);
  EXPECT_EQ(errors, 1);
  EXPECT_EQ(h.transport->request_count(), 2u);
}

TEST_F(ClientRange, ResumeFromSavedCursor) {
  h.transport->then(200, user_page("followers", {"1"}, true, "c2"))
      .then(200, user_page("followers", {"2"}, true, "c3"));
  auto client = h.client();
  std::string saved;
  {
    auto range = client.all_followers("ada_example");
    for (auto it = range.begin(); it != range.end(); ++it) {
      if ((*it)->id == "2") {
        saved = range.cursor();
        break;  // stop mid-walk
      }
    }
  }
  EXPECT_EQ(saved, "c2");
  h.transport->then(200, user_page("followers", {"2"}, true, "c3"))
      .then(200, user_page("followers", {"3"}, false, ""));
  RangeOptions options;
  options.cursor = saved;
  std::vector<std::string> ids;
  for (auto const& user : client.all_followers("ada_example", options)) ids.push_back(user->id);
  EXPECT_EQ(ids, (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(cursors_sent(), (std::vector<std::string>{"", "c2", "c2", "c3"}));
}

TEST_F(ClientRange, LoopGuardOnTheWire) {
  // has_more with the same cursor again: one kInvalidResponse, then the end.
  h.transport->then(200, user_page("followers", {"1"}, true, "c2"))
      .then(200, user_page("followers", {"2"}, true, "c2"));
  auto client = h.client();
  std::vector<std::string> seen;
  for (auto const& user : client.all_followers("ada_example")) {
    seen.push_back(user ? user->id : std::string(to_string(user.error().code())));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2", "kInvalidResponse"}));
  EXPECT_EQ(h.transport->request_count(), 2u);
}

TEST_F(ClientRange, LoopGuardMissingCursorOnTheWire) {
  h.transport->then(200, R"({"has_more":true,"messages":[{"id":"m1"}]})");
  auto client = h.client();
  std::vector<std::string> seen;
  for (auto const& m : client.all_dms(kAuthToken)) {
    seen.push_back(m ? m->id : std::string(to_string(m.error().code())));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"m1", "kInvalidResponse"}));
  EXPECT_EQ(h.transport->request_count(), 1u);
}

TEST_F(ClientRange, AllDmsFixturesWithPageSize) {
  h.transport->then(200, fixture("dm_list_page.json")).then(200, fixture("dm_list_last_page.json"));
  auto client = h.client();
  RangeOptions options;
  options.page_size = 25;
  std::vector<std::string> ids;
  for (auto const& m : client.all_dms(kAuthToken, options)) {
    ASSERT_TRUE(m) << m.error();
    ids.push_back(m->id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"2000000000000000102", "2000000000000000101"}));
  ASSERT_EQ(h.transport->request_count(), 2u);
  EXPECT_EQ(body_json(h.request(0)), (nlohmann::json{{"auth_token", kAuthToken}, {"count", 25}}));
  EXPECT_EQ(
      body_json(h.request(1)),
      (nlohmann::json{{"auth_token", kAuthToken}, {"cursor", "DAABCgABGinbox2"}, {"count", 25}}));
}

TEST_F(ClientRange, RetriesHappenInsideAPageFetch) {
  h.transport->then(200, user_page("followers", {"1"}, true, "c2"))
      .then(503, error_body("busy"))
      .then(200, user_page("followers", {"2"}, false, ""));
  auto client = h.client();
  std::vector<std::string> ids;
  for (auto const& user : client.all_followers("ada_example")) {
    ASSERT_TRUE(user) << user.error();
    ids.push_back(user->id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(h.sleeps_ms(), std::vector<long long>{250});
}

TEST_F(ClientRange, OutlivesTheClientThatMadeIt) {
  h.transport->then(200, user_page("followers", {"1"}, true, "c2"))
      .then(200, user_page("followers", {"2"}, false, ""));
  std::optional<Range<User>> range;
  {
    auto client = h.client();
    range.emplace(client.all_followers("ada_example"));
  }
  int n = 0;
  for (auto const& user : *range) n += user.ok() ? 1 : 0;
  EXPECT_EQ(n, 2);
}

}  // namespace
}  // namespace getxapi::unit
