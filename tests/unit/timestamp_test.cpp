// Both of GetXAPI's timestamp formats, and what is not a timestamp.
#include <getxapi/timestamp.hpp>

#include <gtest/gtest.h>

#include "unit_support.hpp"

namespace getxapi {
namespace {

using std::chrono::milliseconds;
using unit::utc;

TEST(ParseTimestamp, IsoAsInUserInfo) {
  EXPECT_EQ(parse_timestamp("2021-01-01T23:45:21.000000Z"), utc(2021, 1, 1, 23, 45, 21));
  EXPECT_EQ(parse_timestamp("2019-03-14T09:26:53.000000Z"), utc(2019, 3, 14, 9, 26, 53));
}

TEST(ParseTimestamp, IsoWithMillisecondsAsInMessages) {
  EXPECT_EQ(parse_timestamp("2026-03-02T10:11:12.345Z"), utc(2026, 3, 2, 10, 11, 12, 345));
  EXPECT_EQ(parse_timestamp("2026-03-02T10:15:00.001Z"), utc(2026, 3, 2, 10, 15, 0, 1));
}

TEST(ParseTimestamp, IsoVariants) {
  EXPECT_EQ(parse_timestamp("2026-03-02T10:11:12Z"), utc(2026, 3, 2, 10, 11, 12));
  EXPECT_EQ(parse_timestamp("2026-03-02T10:11:12.3Z"), utc(2026, 3, 2, 10, 11, 12, 300));
  EXPECT_EQ(parse_timestamp("2026-03-02T10:11:12.123456789Z"), utc(2026, 3, 2, 10, 11, 12, 123));
  EXPECT_EQ(parse_timestamp("2026-03-02T12:11:12+02:00"), utc(2026, 3, 2, 10, 11, 12));
  EXPECT_EQ(parse_timestamp("2026-03-02T05:41:12-0430"), utc(2026, 3, 2, 10, 11, 12));
  EXPECT_EQ(parse_timestamp("2026-03-02 10:11:12Z"), utc(2026, 3, 2, 10, 11, 12));
  EXPECT_EQ(parse_timestamp("2024-02-29T00:00:00Z"), utc(2024, 2, 29, 0, 0, 0));  // leap year
}

TEST(ParseTimestamp, TwitterStyleAsInFollowerPages) {
  EXPECT_EQ(parse_timestamp("Tue Dec 02 04:25:09 +0000 2025"), utc(2025, 12, 2, 4, 25, 9));
  EXPECT_EQ(parse_timestamp("Mon Jan 06 18:40:40 +0000 2020"), utc(2020, 1, 6, 18, 40, 40));
  EXPECT_EQ(parse_timestamp("Mon Jan 06 20:40:40 +0200 2020"), utc(2020, 1, 6, 18, 40, 40));
  EXPECT_EQ(parse_timestamp("Sun Jan 05 23:40:40 -0500 2020"), utc(2020, 1, 6, 4, 40, 40));
  EXPECT_EQ(parse_timestamp("Thu Feb 29 12:00:00 +0000 2024"), utc(2024, 2, 29, 12, 0, 0));
}

TEST(ParseTimestamp, RejectsWhatIsNotATimestamp) {
  for (char const* bad : {"",
                          "yesterday",
                          "2026-03-02",
                          "2026-03-02T10:11",
                          "2026-03-02T10:11:12",
                          "2026-03-02T10:11:12.Z",
                          "2026-13-02T10:11:12Z",
                          "2026-00-10T10:11:12Z",
                          "2026-03-32T10:11:12Z",
                          "2026-04-31T10:11:12Z",
                          "2026-03-02T24:00:00Z",
                          "2026-03-02T10:60:00Z",
                          "2026-03-02T10:11:12Zjunk",
                          "2026-3-2T10:11:12Z",
                          "2026-03-02T10:11:12+2",
                          "1772445600",
                          "Tue Dec 02 04:25:09 2025",
                          "Tue Xyz 02 04:25:09 +0000 2025",
                          "Tue Dec 02 04:25:09 +0000 25",
                          "Tue Dec 32 04:25:09 +0000 2025",
                          "Tue Dec 02 04:25:09 +0000 2025 ",
                          "Tue Dec  2 04:25:09 +0000 2025"}) {
    EXPECT_FALSE(parse_timestamp(bad)) << bad;
  }
}

TEST(ParseTimestamp, RejectsFebruary29InACommonYear) {
  EXPECT_FALSE(parse_timestamp("2025-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_timestamp("2100-02-29T00:00:00Z"));  // century, not leap
  EXPECT_TRUE(parse_timestamp("2000-02-29T00:00:00Z"));   // 400-year rule
  EXPECT_FALSE(parse_timestamp("Sat Feb 29 12:00:00 +0000 2025"));
}

// Timestamp (system_clock, 64-bit nanoseconds) ends at 2262-04-11T23:47:16.854Z:
// later dates are "not a timestamp we can hold", never an overflow. Found by
// fuzz_user (fuzz/regressions/user/created_at_year_2633).
TEST(ParseTimestamp, DatesPastWhatTimestampHoldsAreNotTimestamps) {
  EXPECT_FALSE(parse_timestamp("2633-03-02T10:11:12.345Z"));
  EXPECT_FALSE(parse_timestamp("9999-12-31T23:59:59.999Z"));
  EXPECT_FALSE(parse_timestamp("2262-04-11T23:47:17Z"));
  EXPECT_FALSE(parse_timestamp("Fri Jan 01 00:00:00 +0000 2300"));
  auto const last = parse_timestamp("2262-04-11T23:47:16.854Z");
  ASSERT_TRUE(last);
  EXPECT_EQ(format_timestamp(*last), "2262-04-11T23:47:16.854Z");
  // An offset that brings a late local time back into range is fine.
  EXPECT_TRUE(parse_timestamp("2262-04-12T01:00:00+02:00"));
}

TEST(FormatTimestamp, IsoWithMilliseconds) {
  EXPECT_EQ(format_timestamp(utc(2026, 3, 2, 10, 11, 12, 345)), "2026-03-02T10:11:12.345Z");
  EXPECT_EQ(format_timestamp(utc(1970, 1, 1, 0, 0, 0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(utc(2024, 2, 29, 23, 59, 59, 999)), "2024-02-29T23:59:59.999Z");
}

TEST(FormatTimestamp, RoundTripsThroughParse) {
  for (char const* text : {"2026-03-02T10:11:12.345Z", "2000-12-31T23:59:59.000Z",
                           "2038-01-19T03:14:08.001Z", "2099-06-15T00:00:00.500Z"}) {
    auto t = parse_timestamp(text);
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(format_timestamp(*t), text);
  }
}

}  // namespace
}  // namespace getxapi
