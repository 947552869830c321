// The local pacer on its own, in virtual time: rolling windows, send delay,
// daily cap across midnight, kWait vs kFail.
#include "pacer.hpp"

#include "unit_support.hpp"

#include <gtest/gtest.h>

namespace getxapi::unit {
namespace {

using internal::Pacer;

class PacerTest : public ::testing::Test {
 protected:
  Pacer make(PacingOptions options) { return Pacer(std::move(options), clock, random); }
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<FixedRandom> random = std::make_shared<FixedRandom>(0.5);
};

TEST_F(PacerTest, DefaultsLimitOnlyDmListTo900Per15Minutes) {
  PacingOptions defaults;
  EXPECT_TRUE(defaults.enabled);
  ASSERT_TRUE(defaults.limits[static_cast<std::size_t>(Endpoint::kDmList)]);
  EXPECT_EQ(defaults.limits[static_cast<std::size_t>(Endpoint::kDmList)]->max_calls, 900);
  EXPECT_EQ(defaults.limits[static_cast<std::size_t>(Endpoint::kDmList)]->window,
            std::chrono::minutes(15));
  EXPECT_FALSE(defaults.daily_send_cap);
  EXPECT_EQ(defaults.on_limit, LimitAction::kWait);

  auto pacer = make(defaults);
  for (int i = 0; i < 2000; ++i) {
    auto slot = pacer.reserve(Endpoint::kUserInfo, "");
    ASSERT_TRUE(slot);
    ASSERT_EQ(slot->delay.count(), 0);
  }
  for (int i = 0; i < 900; ++i) {
    auto slot = pacer.reserve(Endpoint::kDmList, kAuthToken);
    ASSERT_TRUE(slot);
    ASSERT_EQ(slot->delay.count(), 0) << i;
  }
  auto slot = pacer.reserve(Endpoint::kDmList, kAuthToken);
  ASSERT_TRUE(slot);
  EXPECT_EQ(slot->reason, WaitReason::kRateLimit);
  // The oldest call leaves the window 15 minutes after it was made.
  EXPECT_GE(slot->delay, std::chrono::minutes(15));
  EXPECT_LE(slot->delay, std::chrono::minutes(15) + milliseconds(10));
}

TEST_F(PacerTest, RollingWindowFreesOneSlotPerExpiredCall) {
  PacingOptions o;
  o.set_limit(Endpoint::kUserInfo, RateLimit{3, seconds(10)});
  auto pacer = make(o);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(pacer.reserve(Endpoint::kUserInfo, "")->delay.count(), 0);
    clock->advance(seconds(1));
  }
  // Calls at t=0,1,2; now t=3: the next slot is at t=10 (plus the margin).
  auto slot = pacer.reserve(Endpoint::kUserInfo, "");
  ASSERT_TRUE(slot);
  EXPECT_GE(slot->delay, seconds(7));
  EXPECT_LE(slot->delay, seconds(7) + milliseconds(10));
  // A reserved future slot counts: the one after waits for t=1's expiry.
  auto next = pacer.reserve(Endpoint::kUserInfo, "");
  ASSERT_TRUE(next);
  EXPECT_GE(next->delay, seconds(8));
  EXPECT_LE(next->delay, seconds(8) + milliseconds(10));
}

TEST_F(PacerTest, KFailRefusesWithRetryAfter) {
  PacingOptions o;
  o.set_limit(Endpoint::kFollowers, RateLimit{2, seconds(60)});
  o.on_limit = LimitAction::kFail;
  auto pacer = make(o);
  ASSERT_TRUE(pacer.reserve(Endpoint::kFollowers, ""));
  ASSERT_TRUE(pacer.reserve(Endpoint::kFollowers, ""));
  clock->advance(seconds(20));
  auto refused = pacer.reserve(Endpoint::kFollowers, "");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(refused.error().http_status(), 0);
  ASSERT_TRUE(refused.error().retry_after());
  EXPECT_EQ(*refused.error().retry_after(), seconds(41));  // 40 s + margin, rounded up
  EXPECT_FALSE(refused.error().is_transient());
  // A refusal reserves nothing: once the window passes, two calls fit again.
  clock->advance(seconds(41));
  EXPECT_EQ(pacer.reserve(Endpoint::kFollowers, "")->delay.count(), 0);
  EXPECT_EQ(pacer.reserve(Endpoint::kFollowers, "")->delay.count(), 0);
}

TEST_F(PacerTest, MaxWaitTurnsAWaitIntoARefusal) {
  PacingOptions o;
  o.set_limit(Endpoint::kDmList, RateLimit{1, std::chrono::minutes(5)});
  o.max_wait = std::chrono::minutes(1);
  auto pacer = make(o);
  ASSERT_TRUE(pacer.reserve(Endpoint::kDmList, kAuthToken));
  auto refused = pacer.reserve(Endpoint::kDmList, kAuthToken);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(refused.error().retry_after(), seconds(301));
}

TEST_F(PacerTest, DisabledPacingNeverWaits) {
  PacingOptions o;
  o.enabled = false;
  o.daily_send_cap = 1;
  o.set_send_delay(seconds(2), seconds(5));
  auto pacer = make(o);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(pacer.reserve(Endpoint::kDmList, kAuthToken)->delay.count(), 0);
    ASSERT_EQ(pacer.reserve(Endpoint::kDmSend, kAuthToken)->delay.count(), 0);
  }
}

TEST_F(PacerTest, SendDelayUsesTheRandomSourceWithinTheRange) {
  PacingOptions o;
  o.set_send_delay(seconds(2), seconds(5));
  auto pacer = make(o);
  EXPECT_EQ(pacer.reserve(Endpoint::kDmSend, kAuthToken)->delay.count(), 0);
  auto second = pacer.reserve(Endpoint::kDmSend, kAuthToken);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->reason, WaitReason::kSendDelay);
  EXPECT_EQ(second->delay, milliseconds(3500));  // 2 s + 0.5 * 3 s
  // Slots chain: the third is a further 3.5 s after the second.
  EXPECT_EQ(pacer.reserve(Endpoint::kDmSend, kAuthToken)->delay, milliseconds(7000));
  // Waiting it out frees the sender.
  clock->advance(seconds(60));
  EXPECT_EQ(pacer.reserve(Endpoint::kDmSend, kAuthToken)->delay.count(), 0);
}

TEST_F(PacerTest, SendDelayIsPerAccount) {
  PacingOptions o;
  o.set_send_delay(seconds(2), seconds(2));
  auto pacer = make(o);
  EXPECT_EQ(pacer.reserve(Endpoint::kDmSend, "token-a")->delay.count(), 0);
  EXPECT_EQ(pacer.reserve(Endpoint::kDmSend, "token-b")->delay.count(), 0);
  EXPECT_EQ(pacer.reserve(Endpoint::kDmSend, "token-a")->delay, seconds(2));
}

TEST_F(PacerTest, DailyCapIsPerAccountAndResetsAtUtcMidnight) {
  PacingOptions o;
  o.daily_send_cap = 2;
  auto pacer = make(o);
  // 23:59:00 UTC.
  clock->set_system(std::chrono::system_clock::from_time_t(1772495940));
  ASSERT_TRUE(pacer.reserve(Endpoint::kDmSend, "token-a"));
  ASSERT_TRUE(pacer.reserve(Endpoint::kDmSend, "token-a"));
  EXPECT_EQ(pacer.daily_sends("token-a"), 2);
  auto refused = pacer.reserve(Endpoint::kDmSend, "token-a");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kDailyLimitReached);
  EXPECT_EQ(refused.error().retry_after(), seconds(60));
  // Another account has its own count.
  EXPECT_TRUE(pacer.reserve(Endpoint::kDmSend, "token-b"));
  // Other endpoints are not capped.
  EXPECT_TRUE(pacer.reserve(Endpoint::kDmList, "token-a"));

  clock->advance(seconds(61));  // 00:00:01 the next day
  EXPECT_EQ(pacer.daily_sends("token-a"), 0);
  EXPECT_TRUE(pacer.reserve(Endpoint::kDmSend, "token-a"));
  EXPECT_EQ(pacer.daily_sends("token-a"), 1);
}

TEST_F(PacerTest, CancelAndSeed) {
  PacingOptions o;
  o.daily_send_cap = 3;
  auto pacer = make(o);
  pacer.seed_daily_sends("token-a", 2);
  EXPECT_EQ(pacer.daily_sends("token-a"), 2);
  ASSERT_TRUE(pacer.reserve(Endpoint::kDmSend, "token-a"));
  EXPECT_FALSE(pacer.reserve(Endpoint::kDmSend, "token-a"));
  pacer.cancel_send("token-a");
  EXPECT_EQ(pacer.daily_sends("token-a"), 2);
  EXPECT_TRUE(pacer.reserve(Endpoint::kDmSend, "token-a"));
  pacer.seed_daily_sends("token-a", -5);
  EXPECT_EQ(pacer.daily_sends("token-a"), 0);
  pacer.cancel_send("token-a");
  EXPECT_EQ(pacer.daily_sends("token-a"), 0);
  EXPECT_EQ(pacer.daily_sends("never-seen"), 0);
}

}  // namespace
}  // namespace getxapi::unit
