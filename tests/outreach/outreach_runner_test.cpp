// The campaign runner against a scripted X (FakeTransport) on virtual time
// (FakeClock): slow sends that stay ambiguous, and servers whose cursors
// cycle. Nothing here sleeps for real.
#include <getxapi/outreach.hpp>

#include "fake_clock.hpp"
#include "fake_transport.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace getxapi::outreach {
namespace {

using ::getxapi::testing::FakeClock;
using ::getxapi::testing::FakeSleeper;
using ::getxapi::testing::FakeTransport;
using ::getxapi::testing::json_response;
using nlohmann::json;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr char kSender[] = "1700000000000000001";
constexpr char kToken[] = "token-of-ada";

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("getxapi-outreach-runner-" + std::to_string(::getpid()) +
                                         "-" + std::to_string(next_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(std::string const& name) const { return (path_ / name).string(); }

 private:
  static inline int next_ = 0;
  fs::path path_;
};

// A tiny X: followers pages, an inbox, and dm/send, on the fake clock.
class FakeX {
 public:
  struct Delivered {
    std::string id, recipient, text;
    Timestamp created_at, visible_at;
  };
  explicit FakeX(std::shared_ptr<FakeClock> clock) : clock_(std::move(clock)) {}

  std::vector<std::string> followers{"2001", "2002", "2003"};
  /// dm/send to this id answers after `slow_by` (longer than the timeout): the
  /// client times out, and the DM shows in the inbox only when the server finishes.
  std::string slow_recipient;
  std::chrono::milliseconds slow_by{3000};
  std::chrono::milliseconds timeout{1000};
  /// Cursor cycles: followers pages and dm/list pages that go A -> B -> A ...
  bool cycle_followers = false;
  bool cycle_inbox = false;
  std::map<std::string, int> sends;  // recipient -> dm/send requests
  std::vector<Delivered> inbox;
  int followers_calls = 0;
  int list_calls = 0;

  Result<HttpResponse> handle(HttpRequest const& r) {
    if (r.url.find("/twitter/user/followers_v2") != std::string::npos) return followers_page(r);
    if (r.url.find("/twitter/dm/send") != std::string::npos) return send(r);
    if (r.url.find("/twitter/dm/list") != std::string::npos) return list(r);
    return json_response(404, R"({"error":"not found"})");
  }

 private:
  static std::string user(std::string const& id) {
    return json{
        {"type", "user"}, {"id", id}, {"userName", "u" + id}, {"name", "U" + id}, {"canDm", true}}
        .dump();
  }
  Result<HttpResponse> followers_page(HttpRequest const& r) {
    ++followers_calls;
    bool const second = r.url.find("cursor=B") != std::string::npos;
    json page = {{"userName", "ada_example"}, {"followers", json::array()}};
    if (cycle_followers) {
      // The same users again and again, the cursor flipping between A and B.
      for (auto const& id : followers) page["followers"].push_back(json::parse(user(id)));
      page["has_more"] = true;
      page["next_cursor"] = second ? "A" : "B";
    } else {
      for (auto const& id : followers) page["followers"].push_back(json::parse(user(id)));
      page["has_more"] = false;
      page["next_cursor"] = "";
    }
    page["user_count"] = page["followers"].size();
    return json_response(200, page.dump());
  }
  Result<HttpResponse> send(HttpRequest const& r) {
    auto const body = json::parse(r.body);
    std::string const to = body.value("recipient_id", "");
    std::string const text = body.value("text", "");
    ++sends[to];
    Timestamp const now = clock_->system_now();
    std::string const id = "9" + std::to_string(inbox.size() + 100);
    if (to == slow_recipient) {
      // The server is slow: the client gives up after its timeout, the server
      // delivers the DM `slow_by` after the request arrived.
      inbox.push_back({id, to, text, now + slow_by, now + slow_by});
      clock_->advance(timeout);
      return Error(ErrorCode::kTimeout, "operation timed out").set_request_sent(true);
    }
    inbox.push_back({id, to, text, now, now});
    json data = {{"id", id},
                 {"createdAt", format_timestamp(now)},
                 {"senderId", kSender},
                 {"recipientId", to},
                 {"text", text}};
    return json_response(200, json{{"status", "success"}, {"data", data}}.dump());
  }
  Result<HttpResponse> list(HttpRequest const& r) {
    ++list_calls;
    auto const body = json::parse(r.body);
    std::string const cursor = body.value("cursor", "");
    Timestamp const now = clock_->system_now();
    json messages = json::array();
    for (auto it = inbox.rbegin(); it != inbox.rend(); ++it) {
      if (it->visible_at > now) continue;
      messages.push_back({{"id", it->id},
                          {"createdAt", format_timestamp(it->created_at)},
                          {"senderId", kSender},
                          {"recipientId", it->recipient},
                          {"text", it->text}});
    }
    json page = {{"userId", kSender}, {"messages", messages}};
    page["has_more"] = cycle_inbox;
    page["next_cursor"] = cycle_inbox ? (cursor == "B" ? "A" : "B") : "";
    return json_response(200, page.dump());
  }

  std::shared_ptr<FakeClock> clock_;
};

class OutreachRunner : public ::testing::Test {
 protected:
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<FakeSleeper> sleeper = std::make_shared<FakeSleeper>(clock);
  FakeX x{clock};
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  TempDir dir;

  OutreachRunner() {
    transport->set_handler([this](HttpRequest const& r) { return x.handle(r); });
  }
  ClientOptions client_options() {
    ClientOptions o;
    o.api_key = "key";
    o.base_url = "http://x.test";
    o.transport = transport;
    o.clock = clock;
    o.sleeper = sleeper;
    o.timeout = x.timeout;
    return o;
  }
  RunOptions run_options() {
    RunOptions o;
    o.auth_token = kToken;
    o.clock = clock;
    o.sleeper = sleeper;
    return o;
  }
  CampaignSpec spec() { return {"c", Audience::followers_of("ada_example"), "Hi {name}"}; }
};

// #11 item 1: with a 1 s timeout and a server that answers dm/send after 3 s,
// the send stays ambiguous until the inbox shows it (or it settles): the
// recipient gets the DM once, and the run still completes.
TEST_F(OutreachRunner, ASendSlowerThanTheTimeoutIsNeverSentTwice) {
  x.slow_recipient = "2002";
  auto journal = *Journal::open(dir.file("j.db"));
  auto report = run_campaign(client_options(), journal, spec(), run_options());
  ASSERT_TRUE(report) << report.error();
  EXPECT_EQ(x.sends["2002"], 1) << "the slow DM was sent again inside its settle time";
  EXPECT_EQ(x.sends["2001"], 1);
  EXPECT_EQ(x.sends["2003"], 1);
  EXPECT_EQ(report->outcome, RunOutcome::kCompleted)
      << (report->error ? report->error->message() : "");
  EXPECT_EQ(report->counts.sent, 3);
  EXPECT_EQ(report->recovered, 1);  // learnt from the inbox, not from a 200
  auto row = *journal.recipient("c", 1);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, RecipientState::kSent);
  EXPECT_TRUE(row->recovered);
  // The run waited (on virtual time) for the send to settle, not longer than the settle time.
  auto const sleeps = sleeper->sleeps();
  ASSERT_FALSE(sleeps.empty());
  EXPECT_LE(sleeps.back(), x.timeout + std::chrono::seconds(60) + std::chrono::milliseconds(1));
}

// A slow send that never shows in the inbox is sent again only after it settled.
TEST_F(OutreachRunner, AnAmbiguousSendThatNeverArrivesIsResentOnlyAfterItSettled) {
  x.slow_recipient = "2002";
  x.slow_by = std::chrono::hours(24 * 365);  // never visible
  auto journal = *Journal::open(dir.file("j.db"));
  auto o = run_options();
  o.inbox_margin = std::chrono::seconds(30);
  auto report = run_campaign(client_options(), journal, spec(), o);
  ASSERT_TRUE(report) << report.error();
  // Never twice inside the settle time: the second send waited at least timeout + margin.
  EXPECT_GE(x.sends["2002"], 1);
  std::chrono::milliseconds waited{0};
  for (auto s : sleeper->sleeps()) waited += s;
  if (x.sends["2002"] > 1) {
    EXPECT_GE(waited, x.timeout + std::chrono::seconds(30));
  }
  auto rows = *journal.recipients("c", RecipientState::kSending);
  for (auto const& r : rows) {
    ASSERT_TRUE(r.settle_at);
    EXPECT_EQ(r.error_code, "kTimeout");
  }
}

// #11 item 4: a followers walk whose cursors cycle A -> B -> A ends with a
// typed error after a bounded number of billed calls.
TEST_F(OutreachRunner, AFollowersCursorCycleEndsTheWalkWithBoundedCalls) {
  x.cycle_followers = true;
  auto journal = *Journal::open(dir.file("j.db"));
  auto report = run_campaign(client_options(), journal, spec(), run_options());
  ASSERT_TRUE(report) << report.error();
  EXPECT_EQ(report->outcome, RunOutcome::kFailed);
  ASSERT_TRUE(report->error);
  EXPECT_EQ(report->error->code(), ErrorCode::kInvalidResponse);
  EXPECT_LE(x.followers_calls, 4);
  EXPECT_EQ(x.sends.size(), 0u);  // nothing sent off an audience that is not known
}

// An inbox whose cursors cycle: reconcile stops (rows stay `sending`) and
// `replies` fails typed, each after a few billed dm/list calls.
TEST_F(OutreachRunner, InboxCursorCyclesEndReconcileAndRepliesWithBoundedCalls) {
  x.cycle_inbox = true;
  x.slow_recipient = "2002";
  x.slow_by = std::chrono::hours(24 * 365);
  auto journal = *Journal::open(dir.file("j.db"));
  auto report = run_campaign(client_options(), journal, spec(), run_options());
  ASSERT_TRUE(report) << report.error();
  EXPECT_EQ(x.sends["2002"], 1);  // the inbox could not be read: never re-sent blind
  EXPECT_LE(x.list_calls, 40);
  EXPECT_EQ(journal.counts("c")->sending, 1);

  int const before = x.list_calls;
  Client client(client_options());
  auto replies = scan_replies(client, journal, "c", kToken, clock);
  ASSERT_FALSE(replies);
  EXPECT_EQ(replies.error().code(), ErrorCode::kInvalidResponse);
  EXPECT_THAT(replies.error().message(), ::testing::AnyOf(HasSubstr("cycle"), HasSubstr("loop")));
  EXPECT_LE(x.list_calls - before, 3);
}

// #12 item 4: a journal that cannot be written is a typed kStoreError, never an exception.
TEST_F(OutreachRunner, AJournalFailureIsATypedStoreError) {
  auto journal = *Journal::open(dir.file("j.db"));
  ASSERT_TRUE(journal.create_campaign(spec(), account_key(kToken), clock->system_now()));
  auto again = journal.create_campaign(spec(), account_key(kToken), clock->system_now());
  ASSERT_FALSE(again);  // the same name twice: a constraint failure, reported, not thrown
  EXPECT_EQ(again.error().code(), ErrorCode::kStoreError);
}

}  // namespace
}  // namespace getxapi::outreach
