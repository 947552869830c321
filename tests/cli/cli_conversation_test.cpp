// dm conversations, dm thread and dm list --tab against a server that answers with
// GetXAPI's documented shapes (tests/fixtures/dm_list_inbox.json, dm_conversation_page.json):
// tables name people as @handle (Name), mark unread threads, --json keeps GetXAPI's names.
#include "cli_test_support.hpp"
#include "fake_transport.hpp"
#include "test_server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

namespace getxapi::cli::testing {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kApiKey[] = "sk-conversation-key-4242";
constexpr char kAuthToken[] = "conversation-token-0123456789abcdef";

class InboxServer {
 public:
  InboxServer() {
    auto& s = server_.server();
    s.Post("/twitter/dm/list", [this](httplib::Request const& req, httplib::Response& res) {
      auto const body = record(req);
      if (body.contains("cursor")) {
        // The last page: the grace thread again (dm/list pages by messages), nothing more.
        auto page = json::parse(getxapi::testing::fixture("dm_list_inbox.json"));
        page["has_more"] = false;
        page["next_cursor"] = nullptr;
        page["conversations"].erase(1);
        res.set_content(page.dump(), "application/json");
        return;
      }
      res.set_content(getxapi::testing::fixture("dm_list_inbox.json"), "application/json");
    });
    s.Post("/twitter/dm/conversation", [this](httplib::Request const& req, httplib::Response& res) {
      record(req);
      res.set_content(getxapi::testing::fixture("dm_conversation_page.json"), "application/json");
    });
    url_ = server_.start();
  }
  std::string const& url() const { return url_; }
  std::vector<std::pair<std::string, json>> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  json record(httplib::Request const& req) {
    auto body = json::parse(req.body, nullptr, false);
    std::lock_guard<std::mutex> lock(mu_);
    received_.emplace_back(req.path, body);
    return body;
  }
  getxapi::testing::TestServer server_;
  std::string url_;
  std::mutex mu_;
  std::vector<std::pair<std::string, json>> received_;
};

class CliConversationTest : public ::testing::Test {
 protected:
  CliRun run(std::vector<std::string> args) {
    RunOptions o;
    o.env = {{"GETXAPI_API_KEY", kApiKey},
             {"GETXAPI_BASE_URL", server_.url()},
             {"GETXAPI_AUTH_TOKEN", kAuthToken}};
    return run_in_process(std::move(args), o);
  }
  InboxServer server_;
};

TEST_F(CliConversationTest, ConversationsPrintsOneLinePerThreadWithHandlesAndUnreadMarks) {
  auto r = run({"dm", "conversations"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto const rows = lines(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_THAT(rows[0], AllOf(StartsWith("ID"), HasSubstr("UNREAD"), HasSubstr("WITH")));
  EXPECT_THAT(rows[1], AllOf(StartsWith("1700000000000000001-1700000000000000002"),
                             HasSubstr("ONE_TO_ONE"), HasSubstr(" * "), HasSubstr("@grace_h"),
                             HasSubstr("@grace_h (Grace H): Thanks! Happy to chat."),
                             Not(HasSubstr("@ada_example"))));  // the owner is not "with"
  EXPECT_THAT(rows[2], AllOf(HasSubstr("@linus_t"), HasSubstr("you: See you at the meetup."),
                             Not(HasSubstr(" * "))));
  EXPECT_THAT(r.err, StartsWith("next cursor: GRwmgICAyPqv7q8bFoCAgKj8tK-vGyUAAA"));
  auto const sent = server_.received();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].second["auth_token"], kAuthToken);
}

TEST_F(CliConversationTest, ConversationsAllListsEachThreadOnceAndSendsTheTab) {
  auto r = run({"--json", "dm", "conversations", "--all", "--tab", "requests"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto const objects = json_lines(r.out);
  ASSERT_EQ(objects.size(), 2u) << r.out;  // grace's thread came twice, is listed once
  EXPECT_EQ(objects[0]["conversation_id"], "1700000000000000001-1700000000000000002");
  EXPECT_EQ(objects[0]["unread"], true);
  EXPECT_EQ(objects[0]["participants"][1]["screen_name"], "grace_h");
  EXPECT_EQ(objects[0]["last_message"]["senderId"], "1700000000000000002");
  auto const sent = server_.received();
  ASSERT_EQ(sent.size(), 2u);
  for (auto const& [path, body] : sent) EXPECT_EQ(body["tab"], "requests") << body.dump();
  EXPECT_EQ(run({"dm", "conversations", "--tab", "spam"}).status, 2);
  EXPECT_EQ(server_.received().size(), 2u);  // refused before sending
}

TEST_F(CliConversationTest, ThreadPrintsTheMessagesWithNamesAndMarksAMissingText) {
  auto r = run({"dm", "thread", "1700000000000000001-1700000000000000002"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto const rows = lines(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_THAT(rows[1],
              AllOf(StartsWith("2000000000000000102"), HasSubstr("@grace_h (Grace H)"),
                    HasSubstr("@ada_example (Ada Example)"), HasSubstr("Thanks! Happy to chat.")));
  EXPECT_THAT(rows[2], HasSubstr("(no text)"));  // not decrypted by the service
  auto const sent = server_.received();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].first, "/twitter/dm/conversation");
  EXPECT_EQ(sent[0].second["conversation_id"], "1700000000000000001-1700000000000000002");

  auto j = run({"--json", "dm", "thread", "1700000000000000001-1700000000000000002", "--all",
                "--count", "20"});
  ASSERT_EQ(j.status, 0) << j.err;
  auto const messages = json_lines(j.out);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0]["conversationId"], "1700000000000000001-1700000000000000002");
  EXPECT_EQ(messages[0]["reply_to_message_id"], "2000000000000000101");
  EXPECT_EQ(server_.received().back().second["count"], 20);
  EXPECT_EQ(run({"dm", "thread"}).status, 2);
}

TEST_F(CliConversationTest, DmListNamesPeopleAndSendsTheTab) {
  auto r = run({"dm", "list", "--tab", "hidden"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, AllOf(HasSubstr("@grace_h (Grace H)"), HasSubstr("@linus_t (Linus T)")));
  EXPECT_EQ(server_.received().at(0).second["tab"], "hidden");
  auto all = run({"dm", "list", "--all"});
  ASSERT_EQ(all.status, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("@ada_example (Ada Example)"));
  EXPECT_EQ(lines(all.out).size(), 1u + 3u + 3u);  // header, two pages of three
}

}  // namespace
}  // namespace getxapi::cli::testing
