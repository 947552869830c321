// Fault injection: statuses, retry_after, delays, malformed bodies, drops, probabilities.
#include <atomic>
#include <chrono>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness.hpp"

namespace getxapi::sandbox::testing {
namespace {

using ::testing::AllOf;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::Le;
using ::testing::Not;

// ---- faults --------------------------------------------------------------------------------

TEST_F(SandboxTest, FaultStatusCountAndDefaults) {
  auto created = admin_post("/_sandbox/faults",
                            {{"path", "/twitter/user/info"}, {"status", 503}, {"count", 2}});
  ASSERT_EQ(created.status, 201) << created.raw;
  ASSERT_EQ(created.body["ids"].size(), 1u);
  EXPECT_EQ(admin_get("/_sandbox/faults").body["faults"].size(), 1u);
  for (int i = 0; i < 2; ++i) {
    auto r = get("/twitter/user/info", {{"userName", "ada_example"}});
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body["error"], "Service temporarily unavailable. Try again shortly.");
  }
  EXPECT_EQ(get("/twitter/user/info", {{"userName", "ada_example"}}).status, 200);
  EXPECT_EQ(admin_get("/_sandbox/faults").body["faults"].size(), 0u);
  // Faults apply before the API key check, like a failing gateway.
  admin_post("/_sandbox/faults", {{"path", "*"}, {"status", 500}});
  EXPECT_EQ(get("/twitter/whatever", {}, {}).status, 500);
  // Default count is 1, custom bodies win.
  admin_post("/_sandbox/faults", {{"path", "/twitter/dm/send"},
                                  {"status", 403},
                                  {"body", {{"error", "custom"}, {"twitter_error_code", 476}}}});
  auto custom = send_dm("sandbox-token-ada", "grace_h", "x");
  EXPECT_EQ(custom.status, 403);
  EXPECT_EQ(custom.body, json({{"error", "custom"}, {"twitter_error_code", 476}}));
  EXPECT_EQ(send_dm("sandbox-token-ada", "grace_h", "x").status, 200);
}

TEST_F(SandboxTest, FaultRetryAfter) {
  admin_post("/_sandbox/faults",
             {{"faults", {{{"path", "/twitter/dm/list"}, {"status", 429}, {"retry_after", 2}}}}});
  auto r = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, json({{"error", "Please try again shortly."}, {"retry_after", 2}}));
  ASSERT_TRUE(r.headers.count("Retry-After"));
  EXPECT_EQ(r.headers.find("Retry-After")->second, "2");
}

TEST_F(SandboxTest, FaultDelayDoesNotBlockOthers) {
  admin_post("/_sandbox/faults", {{"path", "/twitter/user/info"}, {"delay_ms", 400}});
  auto const start = std::chrono::steady_clock::now();
  std::atomic<int> delayed_status{0};
  std::thread slow([&] {
    auto c = make_client();
    auto r = c->Get("/twitter/user/info?userName=ada_example", auth());
    delayed_status = r ? r->status : -1;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto fast_start = std::chrono::steady_clock::now();
  EXPECT_EQ(get("/twitter/user/followers_v2", {{"userName", "new_account"}}).status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - fast_start, std::chrono::milliseconds(200));
  slow.join();
  EXPECT_EQ(delayed_status, 200) << "a delay alone still answers normally";
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(400));
}

TEST_F(SandboxTest, FaultMalformed) {
  admin_post("/_sandbox/faults", {{"path", "/twitter/user/info"}, {"malformed", true}});
  auto r = get("/twitter/user/info", {{"userName", "ada_example"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.is_discarded()) << r.raw;
  EXPECT_FALSE(r.raw.empty());
}

TEST_F(SandboxTest, FaultDropClosesWithoutResponse) {
  admin_post("/_sandbox/faults", {{"path", "/twitter/dm/send"}, {"drop", true}});
  auto r = send_dm("sandbox-token-ada", "grace_h", "lost");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error, httplib::Error::Success);
  EXPECT_EQ(admin_get("/_sandbox/messages").body.size(), 0u) << "dropped before processing";
  // The next request works on a fresh connection.
  EXPECT_EQ(send_dm("sandbox-token-ada", "grace_h", "arrives").status, 200);
  auto logged = admin_get("/_sandbox/requests?path=/twitter/dm/send").body;
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[0]["dropped"], true);
  EXPECT_EQ(logged[0]["status"], 0);
}

TEST_F(SandboxTest, FaultAfterDeliveryDeliversThenFails) {
  admin_post("/_sandbox/faults",
             {{"path", "/twitter/dm/send"}, {"status", 500}, {"after_delivery", true}});
  auto r = send_dm("sandbox-token-ada", "grace_h", "did this arrive?");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, json({{"error", "Internal server error"}}));
  auto delivered = admin_get("/_sandbox/messages").body;
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0]["text"], "did this arrive?");
  auto inbox = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"count", 1}});
  EXPECT_EQ(inbox.body["messages"][0]["text"], "did this arrive?");
  // Delivered, then the connection dies: the worst case for exactly-once.
  admin_post("/_sandbox/faults",
             {{"path", "/twitter/dm/send"}, {"drop", true}, {"after_delivery", true}});
  EXPECT_EQ(send_dm("sandbox-token-ada", "grace_h", "and this?").status, 0);
  EXPECT_EQ(admin_get("/_sandbox/messages").body.size(), 2u);
}

TEST_F(SandboxTest, FaultProbabilityIsSeededAndRepeatable) {
  auto run = [&] {
    admin_post("/_sandbox/faults",
               {{"path", "/twitter/user/info"}, {"status", 502}, {"probability", 0.25}});
    std::string pattern;
    for (int i = 0; i < 200; ++i) {
      pattern += get("/twitter/user/info", {{"userName", "ada_example"}}).status == 502 ? 'x' : '.';
    }
    return pattern;
  };
  std::string const first = run();
  auto const failures = std::count(first.begin(), first.end(), 'x');
  EXPECT_THAT(failures, AllOf(Ge(25), Le(75))) << first;
  EXPECT_EQ(admin_get("/_sandbox/faults").body["faults"].size(), 1u) << "stays until cleared";
  EXPECT_EQ(admin_delete("/_sandbox/faults").status, 200);
  EXPECT_EQ(admin_get("/_sandbox/faults").body["faults"].size(), 0u);
  admin_post("/_sandbox/reset", json::object());
  EXPECT_EQ(run(), first) << "same fault seed, same sequence";
}

TEST_F(SandboxTest, FaultValidationAndDeleteById) {
  EXPECT_EQ(admin_post("/_sandbox/faults", {{"status", 500}}).status, 400);
  EXPECT_EQ(admin_post("/_sandbox/faults", {{"path", "/x"}, {"status", 999}}).status, 400);
  EXPECT_EQ(admin_post("/_sandbox/faults", {{"path", "/x"}, {"stauts", 500}}).status, 400);
  EXPECT_EQ(admin_post("/_sandbox/faults", {{"path", "/x"}}).status, 400);
  EXPECT_EQ(admin_post("/_sandbox/faults", {{"path", "/x"}, {"retry_after", 3}}).status, 400);
  auto created = admin_post(
      "/_sandbox/faults",
      {{"faults", {{{"path", "/a"}, {"status", 500}}, {{"path", "/b"}, {"status", 502}}}}});
  ASSERT_EQ(created.body["ids"].size(), 2u);
  std::string const id = created.body["ids"][0].dump();
  EXPECT_EQ(admin_delete("/_sandbox/faults/" + id).status, 200);
  EXPECT_EQ(admin_delete("/_sandbox/faults/" + id).status, 404);
  auto left = admin_get("/_sandbox/faults").body["faults"];
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["path"], "/b");
}

}  // namespace
}  // namespace getxapi::sandbox::testing
