// Peak heap of decoding one big response, in bytes (never time): a followers
// page just under the 8 MiB cap costs at most kResponseMemoryFactor (8) times
// its size at any moment, body included, or is refused as kInvalidResponse.
// Before the memory budget a page of one-field users peaked at ~23x and a
// page of empty objects at ~29x (docs/performance.md). Its own binary: it
// replaces the global operator new (bench/counting_allocator.cpp).
#include "counting_allocator.hpp"
#include "decode.hpp"
#include "json_util.hpp"
#include "memory_pages.hpp"

#include "unit_support.hpp"

#include <gtest/gtest.h>

namespace getxapi::unit {
namespace {

using bench::followers_page;
using bench::kBigPageBytes;
using bench::PageShape;

nlohmann::json prototype_user() {
  return nlohmann::json::parse(fixture("followers_page.json")).at("followers").at(0);
}

// Peak heap while `consume_user_page` decodes a copy of `body`, the copy
// included, as a multiple of the body's size.
double consume_peak_factor(std::string const& body, Result<UserPage>& out) {
  std::size_t const before = bench::live_bytes();
  bench::reset_peak();
  {
    std::string copy = body;
    out = internal::consume_user_page(std::move(copy), "followers");
  }
  return static_cast<double>(bench::peak_bytes() - before) / static_cast<double>(body.size());
}

TEST(DecodeMemory, RealShapedPageJustUnderTheCapDecodesWithinEightTimesItsSize) {
  std::string const body = followers_page(PageShape::kRealShaped, kBigPageBytes, prototype_user());
  Result<UserPage> page = Error(ErrorCode::kUnknown, "not run");
  double const factor = consume_peak_factor(body, page);
  ASSERT_TRUE(page) << page.error();
  EXPECT_GT(page->items.size(), 10'000u);
  EXPECT_EQ(page->items.back().raw.at("id"), page->items.back().id);  // raw kept whole
  EXPECT_LE(factor, static_cast<double>(internal::kResponseMemoryFactor));
}

TEST(DecodeMemory, PageOfOneFieldUsersIsRefusedWithinEightTimesItsSize) {
  std::string const body = followers_page(PageShape::kOneFieldUsers, kBigPageBytes);
  Result<UserPage> page = Error(ErrorCode::kUnknown, "not run");
  double const factor = consume_peak_factor(body, page);
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code(), ErrorCode::kInvalidResponse);
  EXPECT_NE(page.error().message().find("too dense"), std::string::npos) << page.error();
  EXPECT_LE(factor, static_cast<double>(internal::kResponseMemoryFactor));
}

TEST(DecodeMemory, PageOfEmptyObjectsIsRefusedWhileParsing) {
  std::string const body =
      followers_page(PageShape::kEmptyObjects, kBigPageBytes, prototype_user());
  Result<UserPage> page = Error(ErrorCode::kUnknown, "not run");
  double const factor = consume_peak_factor(body, page);
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code(), ErrorCode::kInvalidResponse);
  EXPECT_LE(factor, static_cast<double>(internal::kResponseMemoryFactor));
}

TEST(DecodeMemory, ABodyTheCallerKeepsIsBoundedToo) {
  // decode_user_page cannot free the body: the document and the users stay
  // within kResponseMemoryFactor times its size on their own.
  std::string const body = followers_page(PageShape::kOneFieldUsers, kBigPageBytes);
  std::size_t const before = bench::live_bytes();
  bench::reset_peak();
  {
    auto page = internal::decode_user_page(body, "followers");
    EXPECT_FALSE(page);
  }
  double const factor =
      static_cast<double>(bench::peak_bytes() - before) / static_cast<double>(body.size());
  EXPECT_LE(factor, static_cast<double>(internal::kResponseMemoryFactor));
}

TEST(DecodeMemory, SmallDensePagesStillDecode) {
  // The factor applies past the floor (16 MiB): a normal page is never
  // refused for being made of small values.
  std::string const body = followers_page(PageShape::kOneFieldUsers, 200'000);
  auto page = internal::decode_user_page(body, "followers");
  ASSERT_TRUE(page) << page.error();
  EXPECT_GT(page->items.size(), 6'000u);
}

TEST(DecodeMemory, ParseStopsAtItsBudgetBeforeSpendingIt) {
  std::string body = "[0";
  while (body.size() < 1'000'000) body += ",0";
  body += "]";
  std::size_t const budget = 2'000'000;  // 2 bytes of JSON become 16-32 of DOM
  std::size_t const before = bench::live_bytes();
  bench::reset_peak();
  internal::JsonParseInfo info;
  {
    auto doc = internal::parse_json(body, budget, &info);
    EXPECT_TRUE(doc.is_discarded());
  }
  EXPECT_EQ(info.failure, internal::JsonFailure::kTooLarge);
  EXPECT_LE(bench::peak_bytes() - before, budget);
  body.resize(200'001);  // ends on a comma, which becomes the bracket
  body.back() = ']';
  auto whole = internal::parse_json(body);  // within the 16 MiB floor
  EXPECT_EQ(whole.size(), 100'000u);
}

}  // namespace
}  // namespace getxapi::unit
