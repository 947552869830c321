// operator<< of every public type: useful, and never a secret.
#include "unit_support.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace getxapi::unit {
namespace {

template <class T>
std::string print(T const& value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

void expect_no_secrets(std::string const& text) {
  for (char const* secret : {kApiKey, kAuthToken, kPassword, kTotpSecret}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << "leaked " << secret << " in: " << text;
  }
}

TEST(Printing, LoginRequestMasksPasswordAndTotp) {
  auto text = print(LoginRequest{"ada_example", kPassword, "ada@example.org", kTotpSecret});
  expect_no_secrets(text);
  EXPECT_NE(text.find("ada_example"), std::string::npos);
  EXPECT_NE(text.find("ada@example.org"), std::string::npos);
  EXPECT_NE(text.find("***"), std::string::npos);
  // An unset secret is shown as unset, not masked, so "missing" is visible.
  auto empty = print(LoginRequest{"ada_example", "", "", ""});
  EXPECT_EQ(empty.find("***"), std::string::npos);
}

TEST(Printing, LoginResultMasksTokens) {
  auto text = print(LoginResult{kAuthToken, "ct0_SECRET_value", "u=1700000000000000001"});
  expect_no_secrets(text);
  EXPECT_EQ(text.find("ct0_SECRET_value"), std::string::npos);
  EXPECT_NE(text.find("u=1700000000000000001"), std::string::npos);
}

TEST(Printing, DmRequestsMaskTheTokenAndHideTheText) {
  auto send = print(SendDmRequest{kAuthToken, Recipient::by_username("grace_h"), "private words"});
  expect_no_secrets(send);
  EXPECT_EQ(send.find("private words"), std::string::npos);
  EXPECT_NE(send.find("@grace_h"), std::string::npos);
  EXPECT_NE(send.find("13 bytes"), std::string::npos);
  auto list = print(ListDmsRequest{kAuthToken, "c2", 20});
  expect_no_secrets(list);
  EXPECT_NE(list.find("c2"), std::string::npos);
  EXPECT_NE(list.find("20"), std::string::npos);
}

TEST(Printing, Recipient) {
  EXPECT_EQ(print(Recipient::by_id("17")), "id:17");
  EXPECT_EQ(print(Recipient::by_username("grace_h")), "@grace_h");
}

TEST(Printing, MessageShowsIdsNotText) {
  Message m;
  m.id = "2000000000000000101";
  m.sender_id = "1";
  m.recipient_id = "2";
  m.text = "a private message";
  m.created_at = parse_timestamp("2026-03-02T10:11:12.345Z");
  m.recovered = true;
  auto text = print(m);
  EXPECT_NE(text.find("2000000000000000101"), std::string::npos);
  EXPECT_NE(text.find("2026-03-02T10:11:12.345Z"), std::string::npos);
  EXPECT_NE(text.find("recovered"), std::string::npos);
  EXPECT_EQ(text.find("private"), std::string::npos);
  MessagePage page;
  page.items.push_back(m);
  page.has_more = true;
  page.next_cursor = "c9";
  auto page_text = print(page);
  EXPECT_NE(page_text.find("items=1"), std::string::npos);
  EXPECT_NE(page_text.find("c9"), std::string::npos);
  EXPECT_EQ(page_text.find("private"), std::string::npos);
}

TEST(Printing, UserAndPage) {
  User u;
  u.id = "17";
  u.user_name = "grace_h";
  u.can_dm = true;
  auto text = print(u);
  EXPECT_NE(text.find("17"), std::string::npos);
  EXPECT_NE(text.find("@grace_h"), std::string::npos);
  EXPECT_NE(text.find("can_dm=true"), std::string::npos);
  UserPage page;
  page.items = {u, u};
  EXPECT_NE(print(page).find("items=2"), std::string::npos);
}

TEST(Printing, ErrorWithEveryField) {
  Error e(ErrorCode::kRateLimited, "slow down");
  e.set_http_status(429).set_twitter_error_code(88).set_challenge("locked").set_retry_after(
      seconds(2));
  e.set_attempts(3);
  EXPECT_EQ(print(e),
            "kRateLimited: slow down [http 429, twitter 88, challenge locked, retry_after 2s, "
            "attempts 3]");
  EXPECT_EQ(print(Error(ErrorCode::kNotFound, "gone")), "kNotFound: gone");
}

TEST(Printing, EveryErrorCodeHasItsName) {
  std::vector<std::pair<ErrorCode, std::string>> const names = {
      {ErrorCode::kInvalidArgument, "kInvalidArgument"},
      {ErrorCode::kApiKeyRejected, "kApiKeyRejected"},
      {ErrorCode::kAuthTokenInvalid, "kAuthTokenInvalid"},
      {ErrorCode::kLoginChallenge, "kLoginChallenge"},
      {ErrorCode::kForbidden, "kForbidden"},
      {ErrorCode::kCannotDm, "kCannotDm"},
      {ErrorCode::kNotAllowedToDm, "kNotAllowedToDm"},
      {ErrorCode::kNotFound, "kNotFound"},
      {ErrorCode::kRateLimited, "kRateLimited"},
      {ErrorCode::kDailyLimitReached, "kDailyLimitReached"},
      {ErrorCode::kServerError, "kServerError"},
      {ErrorCode::kNetwork, "kNetwork"},
      {ErrorCode::kTimeout, "kTimeout"},
      {ErrorCode::kInvalidResponse, "kInvalidResponse"},
      {ErrorCode::kBudgetExceeded, "kBudgetExceeded"},
      {ErrorCode::kUnknown, "kUnknown"},
  };
  for (auto const& [code, name] : names) {
    EXPECT_EQ(to_string(code), name);
    EXPECT_EQ(print(code), name);
  }
}

TEST(Printing, Endpoints) {
  EXPECT_EQ(endpoint_path(Endpoint::kLogin), "/twitter/user_login");
  EXPECT_EQ(endpoint_path(Endpoint::kUserInfo), "/twitter/user/info");
  EXPECT_EQ(endpoint_path(Endpoint::kFollowers), "/twitter/user/followers_v2");
  EXPECT_EQ(endpoint_path(Endpoint::kFollowing), "/twitter/user/following_v2");
  EXPECT_EQ(endpoint_path(Endpoint::kDmSend), "/twitter/dm/send");
  EXPECT_EQ(endpoint_path(Endpoint::kDmList), "/twitter/dm/list");
  EXPECT_EQ(print(Endpoint::kDmSend), "dm/send");
  EXPECT_EQ(to_string(WaitReason::kRetryAfter), "retry-after");
  EXPECT_EQ(to_string(LogLevel::kWarning), "WARN");
}

TEST(Printing, StatsTable) {
  Stats stats;
  auto& send = stats.endpoints[static_cast<std::size_t>(Endpoint::kDmSend)];
  send.calls = 3;
  send.requests = 4;
  send.billed_calls = 3;
  send.spend_micro_usd = 6000;
  auto text = print(stats);
  EXPECT_NE(text.find("dm/send"), std::string::npos);
  EXPECT_NE(text.find("0.0060"), std::string::npos);
  EXPECT_NE(text.find("total"), std::string::npos);
  EXPECT_EQ(text.find("user/info"), std::string::npos);  // unused endpoints are left out
  EXPECT_DOUBLE_EQ(stats.spend_usd(), 0.006);
}

TEST(Printing, StreamLoggerPrefixesLevel) {
  std::ostringstream os;
  auto logger = stream_logger(os, LogLevel::kWarning);
  EXPECT_FALSE(logger.enabled(LogLevel::kInfo));
  EXPECT_TRUE(logger.enabled(LogLevel::kError));
  logger.sink(LogLevel::kWarning, "hello");
  EXPECT_EQ(os.str(), "[getxapi WARN] hello\n");
}

TEST(Printing, BadResultAccessCarriesTheError) {
  Result<int> r(Error(ErrorCode::kNotFound, "gone"));
  EXPECT_THROW((void)r.value(), BadResultAccess);
  try {
    (void)*r;
  } catch (BadResultAccess const& e) {
    EXPECT_EQ(e.error().code(), ErrorCode::kNotFound);
  }
  Result<int> ok(5);
  EXPECT_EQ(ok.error().code(), ErrorCode::kUnknown);
  EXPECT_EQ(*ok, 5);
}

}  // namespace
}  // namespace getxapi::unit
