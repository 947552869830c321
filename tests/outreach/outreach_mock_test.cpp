// The campaign runner's decisions, driven through the mockable connection
// (issue #12: "its logic is unit-tested without an HTTP server"): a
// `getxapi_mocks::MockConnection` under a `Client`, a temporary SQLite
// journal, virtual time. Each test says exactly which calls the runner makes
// on the connection (EXPECT_CALL counts) and what the journal holds after.
#include <getxapi/mocks/mock_connection.hpp>
#include <getxapi/outreach.hpp>

#include "fake_clock.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace getxapi::outreach {
namespace {

using ::getxapi::testing::FakeClock;
using ::getxapi::testing::FakeSleeper;
using ::getxapi_mocks::MockConnection;
using ::testing::_;
using ::testing::Field;
using ::testing::NiceMock;
using ::testing::Property;
using ::testing::Return;
namespace fs = std::filesystem;

constexpr char kToken[] = "token-of-ada";
constexpr char kSender[] = "1700000000000000001";
constexpr char kText[] = "Hello from ada";

// A dm/send to this recipient id.
auto to(std::string const& id) {
  return Field(&SendDmRequest::recipient, Property(&Recipient::value, id));
}

class OutreachMock : public ::testing::Test {
 protected:
  OutreachMock() {
    dir_ = fs::temp_directory_path() /
           ("getxapi-outreach-mock-" + std::to_string(::getpid()) + "-" + std::to_string(next_++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ON_CALL(*mock_, clock()).WillByDefault(Return(clock_));
    options_.auth_token = kToken;
    options_.clock = clock_;
    options_.sleeper = std::make_shared<FakeSleeper>(clock_);
    spec_.name = "spring";
    spec_.audience = Audience::followers_of("ada_example");
    spec_.message = kText;
    // One followers page of three who accept DMs: the audience walk is one call.
    UserPage page;
    for (std::string id : {"2001", "2002", "2003"}) {
      User u;
      u.id = id;
      u.user_name = "u" + id;
      u.name = "U" + id;
      u.can_dm = true;
      page.items.push_back(u);
    }
    EXPECT_CALL(*mock_, followers("ada_example", "")).WillOnce(Return(Result<UserPage>(page)));
  }
  ~OutreachMock() override {
    journal_.reset();
    fs::remove_all(dir_);
  }

  Journal& journal() {
    if (!journal_) {
      auto j = Journal::open((dir_ / "journal.db").string());
      EXPECT_TRUE(j) << j.error();
      journal_ = std::make_unique<Journal>(std::move(*j));
    }
    return *journal_;
  }

  RunReport run() {
    Client client(mock_);
    auto report = run_campaign(client, journal(), spec_, options_);
    EXPECT_TRUE(report) << report.error();
    return report ? *report : RunReport{};
  }

  // seq -> the journal's row, by recipient id.
  std::map<std::string, RecipientRecord> rows() {
    std::map<std::string, RecipientRecord> out;
    auto all = journal().recipients(spec_.name);
    EXPECT_TRUE(all) << all.error();
    if (all) {
      for (auto& r : *all) out[r.user_id] = r;
    }
    return out;
  }

  Result<Message> sent(std::string const& id, std::string const& recipient) const {
    Message m;
    m.id = id;
    m.created_at = clock_->system_now();
    m.sender_id = kSender;
    m.recipient_id = recipient;
    m.text = kText;
    return m;
  }

  static inline int next_ = 0;
  fs::path dir_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<NiceMock<MockConnection>> mock_ = std::make_shared<NiceMock<MockConnection>>();
  std::unique_ptr<Journal> journal_;
  RunOptions options_;
  CampaignSpec spec_;
};

// A dm/send that timed out after the request went out may have been
// delivered: the row stays `sending`, the inbox is read, and the DM found
// there settles it as sent (recovered). It is never sent a second time.
TEST_F(OutreachMock, TimedOutSendIsReconciledFromTheInboxNotResent) {
  Message in_inbox;
  EXPECT_CALL(*mock_, send_dm(to("2001"))).WillOnce(Return(sent("m1", "2001")));
  EXPECT_CALL(*mock_, send_dm(to("2002"))).WillOnce([&](SendDmRequest const& r) {
    // The server delivered it, the answer never came back.
    in_inbox = *sent("m2", "2002");
    in_inbox.text = r.text;
    clock_->advance(std::chrono::seconds(30));
    return Result<Message>(
        Error(ErrorCode::kTimeout, "operation timed out").set_request_sent(true).set_attempts(1));
  });
  EXPECT_CALL(*mock_, send_dm(to("2003"))).WillOnce(Return(sent("m3", "2003")));
  // One inbox read, after the round: the newest page holds the three DMs.
  EXPECT_CALL(*mock_, list_dms(Field(&ListDmsRequest::auth_token, kToken)))
      .WillOnce([&](ListDmsRequest const&) {
        MessagePage page;
        page.user_id = kSender;
        page.items = {*sent("m3", "2003"), in_inbox, *sent("m1", "2001")};
        return Result<MessagePage>(page);
      });
  EXPECT_CALL(*mock_, user_info(_)).Times(0);

  auto const report = run();
  EXPECT_EQ(report.outcome, RunOutcome::kCompleted) << report.error.value_or(Error());
  EXPECT_EQ(report.sent, 3);
  EXPECT_EQ(report.recovered, 1);
  EXPECT_EQ(report.reconciled_sent, 1);
  auto const r = rows();
  ASSERT_EQ(r.size(), 3U);
  EXPECT_EQ(r.at("2002").state, RecipientState::kSent);
  EXPECT_EQ(r.at("2002").message_id, "m2");
  EXPECT_EQ(r.at("2001").message_id, "m1");
  EXPECT_EQ(r.at("2003").message_id, "m3");
  EXPECT_EQ(journal().counts(spec_.name)->sent, 3);
}

// A refusal about one recipient (canDm turned false since the audience page)
// fails that recipient only; the others are sent, nothing is retried.
TEST_F(OutreachMock, RecipientRefusalSkipsOnlyThatRecipient) {
  EXPECT_CALL(*mock_, send_dm(to("2001"))).WillOnce(Return(sent("m1", "2001")));
  EXPECT_CALL(*mock_, send_dm(to("2002")))
      .WillOnce(Return(Result<Message>(Error(ErrorCode::kCannotDm, "Cannot send messages")
                                           .set_http_status(403)
                                           .set_twitter_error_code(349)
                                           .set_request_sent(true)
                                           .set_attempts(1))));
  EXPECT_CALL(*mock_, send_dm(to("2003"))).WillOnce(Return(sent("m3", "2003")));
  EXPECT_CALL(*mock_, list_dms(_)).Times(0);

  auto const report = run();
  EXPECT_EQ(report.outcome, RunOutcome::kCompleted) << report.error.value_or(Error());
  EXPECT_EQ(report.sent, 2);
  EXPECT_EQ(report.failed, 1);
  auto const r = rows();
  EXPECT_EQ(r.at("2001").state, RecipientState::kSent);
  EXPECT_EQ(r.at("2002").state, RecipientState::kFailed);
  EXPECT_EQ(r.at("2002").error_code, "kCannotDm");
  EXPECT_EQ(r.at("2003").state, RecipientState::kSent);
}

// An expired session stops the campaign at once: the recipient it failed on
// is pending again (certainly not delivered), nobody after it is tried. A
// later run with the session back sends exactly the two left.
TEST_F(OutreachMock, AuthTokenInvalidStopsTheCampaignAndResumesLater) {
  {
    ::testing::InSequence order;
    EXPECT_CALL(*mock_, send_dm(to("2001"))).WillOnce(Return(sent("m1", "2001")));
    EXPECT_CALL(*mock_, send_dm(to("2002")))
        .WillOnce(Return(Result<Message>(
            Error(ErrorCode::kAuthTokenInvalid, "auth_token expired").set_http_status(401))));
  }
  EXPECT_CALL(*mock_, send_dm(to("2003"))).Times(0);
  EXPECT_CALL(*mock_, list_dms(_)).Times(0);

  auto const first = run();
  EXPECT_EQ(first.outcome, RunOutcome::kFailed);
  ASSERT_TRUE(first.error);
  EXPECT_EQ(first.error->code(), ErrorCode::kAuthTokenInvalid);
  EXPECT_EQ(first.sent, 1);
  auto r = rows();
  EXPECT_EQ(r.at("2001").state, RecipientState::kSent);
  EXPECT_EQ(r.at("2002").state, RecipientState::kPending);
  EXPECT_EQ(r.at("2002").error_code, "kAuthTokenInvalid");
  EXPECT_EQ(r.at("2003").state, RecipientState::kPending);
  ASSERT_TRUE(::testing::Mock::VerifyAndClearExpectations(mock_.get()));

  // The audience is complete in the journal: no followers call again.
  ON_CALL(*mock_, clock()).WillByDefault(Return(clock_));
  EXPECT_CALL(*mock_, followers(_, _)).Times(0);
  EXPECT_CALL(*mock_, send_dm(to("2001"))).Times(0);
  EXPECT_CALL(*mock_, send_dm(to("2002"))).WillOnce(Return(sent("m2", "2002")));
  EXPECT_CALL(*mock_, send_dm(to("2003"))).WillOnce(Return(sent("m3", "2003")));
  auto const second = run();
  EXPECT_EQ(second.outcome, RunOutcome::kCompleted) << second.error.value_or(Error());
  EXPECT_EQ(second.sent, 2);
  r = rows();
  for (auto const& [id, row] : r) EXPECT_EQ(row.state, RecipientState::kSent) << id;
}

// The client's spend limit refuses the next call before anything is sent:
// the campaign stops (kBudgetExceeded), the refused recipient stays pending.
TEST_F(OutreachMock, BudgetExceededStopsTheCampaign) {
  EXPECT_CALL(*mock_, send_dm(to("2001"))).WillOnce(Return(sent("m1", "2001")));
  EXPECT_CALL(*mock_, send_dm(to("2002")))
      .WillOnce(Return(
          Result<Message>(Error(ErrorCode::kBudgetExceeded, "the spend limit would be passed"))));
  EXPECT_CALL(*mock_, send_dm(to("2003"))).Times(0);
  EXPECT_CALL(*mock_, list_dms(_)).Times(0);

  auto const report = run();
  EXPECT_EQ(report.outcome, RunOutcome::kFailed);
  ASSERT_TRUE(report.error);
  EXPECT_EQ(report.error->code(), ErrorCode::kBudgetExceeded);
  auto const r = rows();
  EXPECT_EQ(r.at("2001").state, RecipientState::kSent);
  EXPECT_EQ(r.at("2002").state, RecipientState::kPending);
  EXPECT_EQ(r.at("2003").state, RecipientState::kPending);
}

// The daily cap pauses instead: resume at the next UTC midnight, the
// recipient pending, the send not counted against `limit`.
TEST_F(OutreachMock, DailyLimitPausesUntilMidnight) {
  EXPECT_CALL(*mock_, send_dm(to("2001")))
      .WillOnce(
          Return(Result<Message>(Error(ErrorCode::kDailyLimitReached, "daily send cap reached"))));
  EXPECT_CALL(*mock_, send_dm(to("2002"))).Times(0);
  EXPECT_CALL(*mock_, send_dm(to("2003"))).Times(0);

  auto const report = run();
  EXPECT_EQ(report.outcome, RunOutcome::kPaused);
  ASSERT_TRUE(report.resume_at);
  EXPECT_EQ(*report.resume_at, next_utc_midnight(clock_->system_now()));
  EXPECT_EQ(journal().counts(spec_.name)->pending, 3);
}

}  // namespace
}  // namespace getxapi::outreach
