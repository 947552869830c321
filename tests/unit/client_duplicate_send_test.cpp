// Duplicate-safe send: a dm/send that failed in a way that may have
// delivered it is looked up in the inbox before it is ever sent again.
#include "unit_support.hpp"

#include <gtest/gtest.h>

namespace getxapi::unit {
namespace {

using nlohmann::json;

constexpr char kSender[] = "1700000000000000001";
constexpr char kGrace[] = "1700000000000000002";
constexpr char kText[] = "Hi Grace, thanks for the follow!";
// The fake clock starts at 2026-03-02T10:00:00Z.
constexpr char kJustNow[] = "2026-03-02T10:00:00.200Z";
constexpr char kLongAgo[] = "2026-03-02T09:30:00.000Z";

json message(std::string id, std::string created_at, std::string text = kText,
             std::string recipient = kGrace, std::string sender = kSender) {
  return {{"id", std::move(id)},           {"createdAt", std::move(created_at)},
          {"senderId", std::move(sender)}, {"recipientId", std::move(recipient)},
          {"text", std::move(text)},       {"media", nullptr}};
}

class DuplicateSend : public ::testing::Test {
 protected:
  SendDmRequest request(Recipient to = Recipient::by_id(kGrace)) {
    return SendDmRequest{kAuthToken, std::move(to), kText};
  }
  std::vector<std::string> paths() {
    std::vector<std::string> out;
    for (auto const& r : h.transport->requests()) {
      auto const path = r.url.substr(std::string(kBaseUrl).size());
      out.push_back(path.substr(0, path.find('?')));
    }
    return out;
  }
  Harness h;
};

TEST_F(DuplicateSend, DeliveredDespiteServerErrorIsRecoveredNotResent) {
  h.transport->then(500, error_body("Internal server error"))
      .then(200, message_page({message("m-new", kJustNow)}, true, "c2"));
  auto client = h.client();
  auto sent = client.send_dm(request());
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_TRUE(sent->recovered);
  EXPECT_EQ(sent->id, "m-new");
  EXPECT_EQ(sent->recipient_id, kGrace);
  EXPECT_EQ(paths(), (std::vector<std::string>{"/twitter/dm/send", "/twitter/dm/list"}));
  // The inbox check reads the sender's newest page with the same token.
  EXPECT_EQ(body_json(h.request(1)), (json{{"auth_token", kAuthToken}}));
  auto const stats = client.stats();
  EXPECT_EQ(stats.at(Endpoint::kDmSend).recovered, 1);
  EXPECT_EQ(stats.at(Endpoint::kDmSend).requests, 1);
  EXPECT_EQ(stats.at(Endpoint::kDmSend).errors, 0);
  EXPECT_EQ(stats.at(Endpoint::kDmList).billed_calls, 1);
  EXPECT_EQ(client.daily_sends(kAuthToken), 1);
}

TEST_F(DuplicateSend, NotDeliveredIsSentAgain) {
  h.transport->then(503, error_body("Service temporarily unavailable"))
      .then(200, message_page(
                     {message("m-other", kJustNow, "another text"), message("m-old", kLongAgo)}))
      .then(200, fixture("dm_send.json"));
  auto client = h.client();
  auto sent = client.send_dm(request());
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_FALSE(sent->recovered);
  EXPECT_EQ(sent->id, "2000000000000000101");
  EXPECT_EQ(paths(),
            (std::vector<std::string>{"/twitter/dm/send", "/twitter/dm/list", "/twitter/dm/send"}));
  EXPECT_EQ(h.request(0).body, h.request(2).body);
  EXPECT_EQ(client.stats().at(Endpoint::kDmSend).recovered, 0);
  EXPECT_EQ(client.stats().at(Endpoint::kDmSend).retries, 1);
}

TEST_F(DuplicateSend, NotDeliveredResendCountsOnceAgainstTheDailyCap) {
  auto options = h.options();
  options.pacing.daily_send_cap = 10;
  h.transport->then(503, error_body("busy"))
      .then(200, message_page({}))
      .then(200, fixture("dm_send.json"));
  Client client(options);
  ASSERT_TRUE(client.send_dm(request()));
  // One message was delivered; the inbox proved the first attempt was not.
  EXPECT_EQ(client.daily_sends(kAuthToken), 1);
}

TEST_F(DuplicateSend, InboxCheckFailureMeansNoSecondSend) {
  h.transport->then(500, error_body("Internal server error"))
      .then(401, error_body("Invalid auth_token"));
  auto client = h.client();
  auto sent = client.send_dm(request());
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code(), ErrorCode::kServerError);
  EXPECT_TRUE(sent.error().request_sent());
  EXPECT_EQ(sent.error().attempts(), 1);
  EXPECT_EQ(sent.error().http_status(), 500);
  EXPECT_NE(sent.error().message().find("inbox"), std::string::npos) << sent.error().message();
  EXPECT_EQ(paths(), (std::vector<std::string>{"/twitter/dm/send", "/twitter/dm/list"}));
  EXPECT_EQ(client.stats().at(Endpoint::kDmSend).errors, 1);
}

TEST_F(DuplicateSend, InboxCheckPersistentlyFailingStillNeverResends) {
  int sends = 0;
  h.transport->set_handler([&](HttpRequest const& r) -> Result<HttpResponse> {
    if (r.url.find("/dm/send") != std::string::npos) ++sends;
    return json_response(503, error_body("busy"));
  });
  auto sent = h.client().send_dm(request());
  ASSERT_FALSE(sent.ok());
  EXPECT_TRUE(sent.error().request_sent());
  EXPECT_EQ(sends, 1);
}

TEST_F(DuplicateSend, TimeoutAfterSendingIsChecked) {
  h.transport
      ->then(Result<HttpResponse>(Error(ErrorCode::kTimeout, "timed out").set_request_sent(true)))
      .then(200, message_page({message("m-new", kJustNow)}));
  auto sent = h.client().send_dm(request());
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_TRUE(sent->recovered);
  EXPECT_EQ(paths(), (std::vector<std::string>{"/twitter/dm/send", "/twitter/dm/list"}));
}

TEST_F(DuplicateSend, DroppedConnectionAfterSendingIsChecked) {
  h.transport
      ->then(Result<HttpResponse>(Error(ErrorCode::kNetwork, "reset").set_request_sent(true)))
      .then(200, message_page({}))
      .then(200, fixture("dm_send.json"));
  auto sent = h.client().send_dm(request());
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_FALSE(sent->recovered);
  EXPECT_EQ(paths(),
            (std::vector<std::string>{"/twitter/dm/send", "/twitter/dm/list", "/twitter/dm/send"}));
}

TEST_F(DuplicateSend, OnlyMatchesSameTextRecipientSenderAndTime) {
  h.transport->then(500, error_body("oops"))
      .then(200, message_page({
                     message("wrong-text", kJustNow, "Hi Grace!"),
                     message("wrong-recipient", kJustNow, kText, "1700000000000000099"),
                     message("wrong-sender", kJustNow, kText, kGrace, "1700000000000000002"),
                     message("too-old", kLongAgo),
                 }))
      .then(200, fixture("dm_send.json"));
  auto sent = h.client().send_dm(request());
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_FALSE(sent->recovered);
  EXPECT_EQ(h.transport->request_count(), 3u);
}

TEST_F(DuplicateSend, SmallClockSkewIsTolerated) {
  // Dated a minute before the first attempt: within the default 120 s skew.
  h.transport->then(500, error_body("oops"))
      .then(200, message_page({message("m-skewed", "2026-03-02T09:59:00.000Z")}));
  auto sent = h.client().send_dm(request());
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_TRUE(sent->recovered);
}

TEST_F(DuplicateSend, LooksPastTheFirstPageWhileMessagesAreRecent) {
  h.transport->then(500, error_body("oops"))
      .then(200, message_page({message("m-a", kJustNow, "other")}, true, "c2"))
      .then(200, message_page({message("m-found", kJustNow)}, false));
  auto sent = h.client().send_dm(request());
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_TRUE(sent->recovered);
  EXPECT_EQ(sent->id, "m-found");
  EXPECT_EQ(body_json(h.request(2)), (json{{"auth_token", kAuthToken}, {"cursor", "c2"}}));
}

TEST_F(DuplicateSend, StopsAtOlderMessages) {
  h.transport->then(500, error_body("oops"))
      .then(200, message_page({message("m-old", kLongAgo, "other")}, true, "c2"))
      .then(200, fixture("dm_send.json"));
  auto sent = h.client().send_dm(request());
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_FALSE(sent->recovered);
  EXPECT_EQ(paths(),
            (std::vector<std::string>{"/twitter/dm/send", "/twitter/dm/list", "/twitter/dm/send"}));
}

TEST_F(DuplicateSend, ByUsernameMatchesRecipientUsername) {
  auto m = message("m-new", kJustNow);
  m["recipient_username"] = "Grace_H";  // handles compare case-insensitively
  h.transport->then(500, error_body("oops")).then(200, message_page({m}));
  auto sent = h.client().send_dm(request(Recipient::by_username("@grace_h")));
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_TRUE(sent->recovered);
  EXPECT_EQ(h.transport->request_count(), 2u);
}

TEST_F(DuplicateSend, ByUsernameResolvesTheIdWhenTheInboxHasOnlyIds) {
  h.transport->then(500, error_body("oops"))
      .then(200, message_page({message("m-new", kJustNow)}))
      .then(200, json{{"data", {{"id", kGrace}, {"userName", "grace_h"}}}}.dump());
  auto sent = h.client().send_dm(request(Recipient::by_username("grace_h")));
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_TRUE(sent->recovered);
  EXPECT_EQ(paths(), (std::vector<std::string>{"/twitter/dm/send", "/twitter/dm/list",
                                               "/twitter/user/info"}));
  EXPECT_EQ(h.request(2).url, "https://api.test/twitter/user/info?userName=grace_h");
}

TEST_F(DuplicateSend, PersistentServerErrorWithEmptyInboxGivesUpAfterFourSends) {
  int sends = 0;
  h.transport->set_handler([&](HttpRequest const& r) -> Result<HttpResponse> {
    if (r.url.find("/dm/send") != std::string::npos) {
      ++sends;
      return json_response(502, error_body("bad gateway"));
    }
    return json_response(200, message_page({}));
  });
  auto sent = h.client().send_dm(request());
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code(), ErrorCode::kServerError);
  EXPECT_EQ(sent.error().attempts(), 4);
  EXPECT_EQ(sends, 4);
  EXPECT_EQ(h.transport->request_count(), 7u);  // a check before each resend
}

}  // namespace
}  // namespace getxapi::unit
