// The admin API: request log, stats, clock, reset; concurrency and shutdown.
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

// ---- requests log, stats, time, reset ------------------------------------------------------

TEST_F(SandboxTest, RequestsLogMasksSecrets) {
  SandboxOptions options;
  options.api_key = "secret-api-key-123";
  restart(options);
  auto key = auth("secret-api-key-123");
  auto login = post("/twitter/user_login",
                    {{"username", "totp_user"},
                     {"password", "sandbox-password"},
                     {"totp_secret", "JBSWY3DPEHPK3PXP"}},
                    key);
  ASSERT_EQ(login.status, 200);
  std::string const ct0 = login.body["ct0"];
  post("/twitter/dm/send",
       {{"auth_token", "sandbox-token-ada"}, {"recipient_username", "grace_h"}, {"text", "hi"}},
       key);
  post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"ct0", ct0}}, key);
  post_raw("/twitter/dm/send", "auth_token=sandbox-token-new&password=sandbox-password",
           "application/x-www-form-urlencoded", key);
  post_raw("/twitter/dm/list", R"({"auth_token": "sandbox-token-premium", broken)",
           "application/json", key);
  get("/twitter/user/info", {{"userName", "ada_example"}, {"auth_token", "sandbox-token-grace"}},
      key);

  auto log = admin_get("/_sandbox/requests");
  ASSERT_EQ(log.status, 200);
  ASSERT_EQ(log.body.size(), 6u);
  std::string const text = log.raw;
  for (std::string secret : {"secret-api-key-123", "sandbox-password", "JBSWY3DPEHPK3PXP",
                             "sandbox-token", ct0.c_str()}) {
    EXPECT_THAT(text, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(text, HasSubstr("***"));
  auto const& first = log.body[0];
  EXPECT_EQ(first["method"], "POST");
  EXPECT_EQ(first["path"], "/twitter/user_login");
  EXPECT_EQ(first["status"], 200);
  EXPECT_EQ(first["body"]["username"], "totp_user");
  EXPECT_EQ(first["body"]["password"], "***");
  EXPECT_EQ(first["headers"]["authorization"], "***");
  EXPECT_TRUE(first.contains("time"));
  EXPECT_EQ(log.body[1]["body"]["text"], "hi");
  auto filtered = admin_get("/_sandbox/requests?path=/twitter/dm/list");
  EXPECT_EQ(filtered.body.size(), 2u);
}

TEST_F(SandboxTest, StatsCountPathsAndStatuses) {
  get("/twitter/user/info", {{"userName", "ada_example"}});
  get("/twitter/user/info", {{"userName", "nobody_here"}});
  send_dm("sandbox-token-ada", "grace_h", "x");
  auto stats = admin_get("/_sandbox/stats").body;
  EXPECT_EQ(stats["total_requests"], 3);
  EXPECT_EQ(stats["messages_delivered"], 1);
  EXPECT_EQ(stats["paths"]["/twitter/user/info"]["total"], 2);
  EXPECT_EQ(stats["paths"]["/twitter/user/info"]["by_status"]["200"], 1);
  EXPECT_EQ(stats["paths"]["/twitter/user/info"]["by_status"]["404"], 1);
  EXPECT_EQ(stats["paths"]["/twitter/dm/send"]["by_status"]["200"], 1);
}

TEST_F(SandboxTest, TimeAdvances) {
  auto before = admin_get("/_sandbox/time").body;
  EXPECT_TRUE(std::regex_match(before["now"].get<std::string>(), kIsoMillis));
  EXPECT_EQ(before["offset_seconds"], 0);
  auto after = admin_post("/_sandbox/time", {{"advance_seconds", 86400}}).body;
  EXPECT_EQ(after["offset_seconds"], 86400);
  EXPECT_GE(after["epoch_ms"].get<std::int64_t>() - before["epoch_ms"].get<std::int64_t>(),
            86400000);
  auto sent = send_dm("sandbox-token-ada", "grace_h", "from tomorrow");
  EXPECT_EQ(sent.body["data"]["createdAt"].get<std::string>().substr(0, 10),
            after["now"].get<std::string>().substr(0, 10));
  EXPECT_EQ(admin_post("/_sandbox/time", {{"advance_seconds", "1"}}).status, 400);
  // Far enough to overflow the clock: refused, and the clock stays put.
  for (json far :
       {json(std::int64_t{1} << 60), json(-(std::int64_t{1} << 60)),
        json(std::uint64_t{18446744073709551615u}), json(std::int64_t{200} * 366 * 86400)}) {
    EXPECT_EQ(admin_post("/_sandbox/time", {{"advance_seconds", far}}).status, 400) << far;
  }
  EXPECT_EQ(admin_get("/_sandbox/time").body["offset_seconds"], 86400);
}

TEST_F(SandboxTest, ResetRestoresEverything) {
  send_dm("sandbox-token-ada", "grace_h", "x");
  admin_post("/_sandbox/faults", {{"path", "/twitter/user/info"}, {"status", 500}, {"count", 5}});
  admin_post("/_sandbox/time", {{"advance_seconds", 3600}});
  auto r = admin_post("/_sandbox/reset", json::object());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(admin_get("/_sandbox/messages").body, json::array());
  EXPECT_EQ(admin_get("/_sandbox/faults").body["faults"], json::array());
  EXPECT_EQ(admin_get("/_sandbox/requests").body, json::array());
  EXPECT_EQ(admin_get("/_sandbox/stats").body["total_requests"], 0);
  EXPECT_EQ(admin_get("/_sandbox/time").body["offset_seconds"], 0);
  EXPECT_EQ(get("/twitter/user/info", {{"userName", "ada_example"}}).status, 200);
  auto inbox = post("/twitter/dm/list", {{"auth_token", "sandbox-token-ada"}, {"count", 100}});
  EXPECT_EQ(inbox.body["messages"][0]["id"], "2000000000000000120") << "history only";
  // The in-process API does the same.
  send_dm("sandbox-token-ada", "grace_h", "y");
  sandbox_->reset();
  EXPECT_EQ(admin_get("/_sandbox/messages").body, json::array());
}

TEST_F(SandboxTest, ConcurrentSendsGetUniqueIncreasingIds) {
  constexpr int kThreads = 8, kEach = 40;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::uint64_t>> ids(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = make_client();
      for (int i = 0; i < kEach; ++i) {
        json body = {{"auth_token", "sandbox-token-premium"},
                     {"recipient_username", "grace_h"},
                     {"text", "t" + std::to_string(t) + "-" + std::to_string(i)}};
        auto r = c->Post("/twitter/dm/send", auth(), body.dump(), "application/json");
        if (r && r->status == 200) ids[t].push_back(id_of(json::parse(r->body)["data"]));
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> all;
  for (auto const& v : ids) {
    EXPECT_EQ(v.size(), static_cast<std::size_t>(kEach));
    for (std::size_t i = 1; i < v.size(); ++i) EXPECT_GT(v[i], v[i - 1]);
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(admin_get("/_sandbox/messages").body.size(), all.size());
}

TEST_F(SandboxTest, StopIsPromptWithIdleKeepAliveConnections) {
  ASSERT_EQ(get("/twitter/user/info", {{"userName", "ada_example"}}).status, 200);
  // client_ still holds its keep-alive connection open.
  auto const start = std::chrono::steady_clock::now();
  sandbox_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  // And it can serve again.
  int const port = sandbox_->start();
  EXPECT_GT(port, 0);
  client_ = make_client();
  EXPECT_EQ(get("/twitter/user/info", {{"userName", "ada_example"}}).status, 200);
}

}  // namespace
}  // namespace getxapi::sandbox::testing
