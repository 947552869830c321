// #11 item 10: every dm/send outcome after which the DM may have gone out
// says so (request_sent, may_have_taken_effect, "may have been delivered" in
// the message) and keeps its place under the daily cap; the rest do not.
#include "unit_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace getxapi::unit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MayHaveTakenEffect, DecidedInOnePlace) {
  auto with = [](ErrorCode code, int status, bool sent) {
    Error e(code, "x");
    e.set_http_status(status).set_request_sent(sent);
    return e.may_have_taken_effect();
  };
  EXPECT_TRUE(with(ErrorCode::kServerError, 503, true));
  EXPECT_TRUE(with(ErrorCode::kNetwork, 0, true));
  EXPECT_TRUE(with(ErrorCode::kTimeout, 0, true));
  EXPECT_TRUE(with(ErrorCode::kTimeout, 408, true));
  EXPECT_TRUE(with(ErrorCode::kInvalidResponse, 200, true));
  EXPECT_FALSE(with(ErrorCode::kNetwork, 0, false));  // never left this machine
  EXPECT_FALSE(with(ErrorCode::kTimeout, 0, false));
  EXPECT_FALSE(with(ErrorCode::kCannotDm, 403, true));
  EXPECT_FALSE(with(ErrorCode::kRateLimited, 429, true));
  EXPECT_FALSE(with(ErrorCode::kInvalidArgument, 0, false));
  EXPECT_FALSE(with(ErrorCode::kBudgetExceeded, 0, false));
}

class MaybeDelivered : public ::testing::Test {
 protected:
  Client client(bool duplicate_safe = true) {
    auto options = h.options();
    options.duplicate_safe_send = duplicate_safe;
    return Client(options);
  }
  SendDmRequest request() const {
    return {kAuthToken, Recipient::by_id("1700000000000000002"), "hi"};
  }
  Harness h;
};

TEST_F(MaybeDelivered, UnreadableOkAnswerSaysTheDmMayHaveBeenDelivered) {
  h.transport->then(200, "{\"data\": {\"id\": ");  // cut short
  auto c = client();
  auto sent = c.send_dm(request());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code(), ErrorCode::kInvalidResponse);
  EXPECT_TRUE(sent.error().request_sent());
  EXPECT_TRUE(sent.error().may_have_taken_effect());
  EXPECT_THAT(sent.error().message(), HasSubstr("may have been delivered"));
  EXPECT_EQ(h.transport->request_count(), 1u);  // not sent again
  EXPECT_EQ(c.daily_sends(kAuthToken), 1);      // counts against the cap
}

TEST_F(MaybeDelivered, OkAnswerOfTheWrongShape) {
  h.transport->then(200, R"({"data": {"id": 17}})");
  auto c = client();
  auto sent = c.send_dm(request());
  ASSERT_FALSE(sent);
  EXPECT_TRUE(sent.error().may_have_taken_effect());
  EXPECT_THAT(sent.error().message(), HasSubstr("may have been delivered"));
}

TEST_F(MaybeDelivered, ServerErrorWithoutDuplicateCheck) {
  h.transport->then(500, error_body("upstream"));
  auto c = client(false);
  auto sent = c.send_dm(request());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code(), ErrorCode::kServerError);
  EXPECT_TRUE(sent.error().request_sent());
  EXPECT_THAT(sent.error().message(), HasSubstr("may have been delivered"));
  EXPECT_EQ(h.transport->request_count(), 1u);
  EXPECT_EQ(c.daily_sends(kAuthToken), 1);
}

TEST_F(MaybeDelivered, DropAfterSendingWithoutDuplicateCheck) {
  Error drop(ErrorCode::kNetwork, "connection reset");
  drop.set_request_sent(true);
  h.transport->then(Result<HttpResponse>(drop));
  auto c = client(false);
  auto sent = c.send_dm(request());
  ASSERT_FALSE(sent);
  EXPECT_TRUE(sent.error().may_have_taken_effect());
  EXPECT_THAT(sent.error().message(), HasSubstr("may have been delivered"));
}

TEST_F(MaybeDelivered, RefusalsSayNothingAndGiveTheirPlaceBack) {
  nlohmann::json body = {{"error", "cannot dm"}, {"twitter_error_code", 349}};
  h.transport->then(403, body.dump());
  Error not_sent(ErrorCode::kNetwork, "could not connect");
  h.transport->then(Result<HttpResponse>(not_sent));
  auto c = client();
  auto refused = c.send_dm(request());
  ASSERT_FALSE(refused);
  EXPECT_FALSE(refused.error().may_have_taken_effect());
  EXPECT_THAT(refused.error().message(), Not(HasSubstr("may have been delivered")));
  auto options = h.options();
  options.retry_policy = std::make_shared<NoRetryPolicy>();
  Client no_retry(options);
  auto unsent = no_retry.send_dm(request());
  ASSERT_FALSE(unsent);
  EXPECT_FALSE(unsent.error().request_sent());
  EXPECT_THAT(unsent.error().message(), Not(HasSubstr("may have been delivered")));
  EXPECT_EQ(c.daily_sends(kAuthToken), 0);
  EXPECT_EQ(no_retry.daily_sends(kAuthToken), 0);
}

TEST_F(MaybeDelivered, ReadsAreNotMarked) {
  h.transport->then(200, "{not json");
  auto c = client();
  auto user = c.user_info("ada_example");
  ASSERT_FALSE(user);
  EXPECT_THAT(user.error().message(), Not(HasSubstr("may have been delivered")));
}

}  // namespace
}  // namespace getxapi::unit
