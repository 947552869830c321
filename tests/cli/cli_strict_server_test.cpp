// The CLI against a server written only from GetXAPI's public documentation, which keeps
// every request exactly as received (the sandbox masks secrets in its request log, so the
// exact auth_token in a body is checked here).
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
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kApiKey[] = "sk-strict-key-Qw8Er7Ty6";
constexpr char kAuthToken[] = "0123456789abcdef0123456789abcdef01234567";
constexpr char kCt0[] = "ct0-secret-fedcba9876543210";

struct Received {
  std::string method;
  std::string path;
  std::string content_type;
  std::string authorization;
  std::string body;
  httplib::Params params;
};

class StrictServer {
 public:
  StrictServer() {
    auto& s = server_.server();
    auto guarded = [this](auto handler) {
      return [this, handler](httplib::Request const& req, httplib::Response& res) {
        record(req);
        if (req.get_header_value("Authorization") != std::string("Bearer ") + kApiKey) {
          res.status = 401;
          res.set_content(R"({"error":"Invalid or missing API key"})", "application/json");
          return;
        }
        if (req.method == "POST" && req.get_header_value("Content-Type") != "application/json") {
          res.status = 400;
          res.set_content(R"({"error":"Content-Type must be application/json"})",
                          "application/json");
          return;
        }
        handler(req, res);
      };
    };
    s.Post("/twitter/dm/send", guarded([](httplib::Request const&, httplib::Response& res) {
             res.set_content(getxapi::testing::fixture("dm_send.json"), "application/json");
           }));
    s.Post("/twitter/dm/list", guarded([](httplib::Request const& req, httplib::Response& res) {
             auto const body = json::parse(req.body);
             bool const first = !body.contains("cursor");
             res.set_content(
                 getxapi::testing::fixture(first ? "dm_list_page.json" : "dm_list_last_page.json"),
                 "application/json");
           }));
    s.Post("/twitter/user_login", guarded([](httplib::Request const&, httplib::Response& res) {
             // The docs allow the session inside `data`.
             json const body = {
                 {"status", "success"},
                 {"data",
                  {{"auth_token", kAuthToken}, {"ct0", kCt0}, {"twid", "u=1700000000000000001"}}}};
             res.set_content(body.dump(), "application/json");
           }));
    s.Get("/twitter/user/followers_v2",
          guarded([](httplib::Request const& req, httplib::Response& res) {
            if (!req.has_param("cursor")) {
              res.set_content(getxapi::testing::fixture("followers_page.json"), "application/json");
            } else {
              res.status = 404;
              res.set_content(R"({"error":"User not found"})", "application/json");
            }
          }));
    url_ = server_.start();
  }

  std::string const& url() const { return url_; }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  void record(httplib::Request const& req) {
    std::lock_guard<std::mutex> lock(mu_);
    received_.push_back({req.method, req.path, req.get_header_value("Content-Type"),
                         req.get_header_value("Authorization"), req.body, req.params});
  }

  getxapi::testing::TestServer server_;
  std::string url_;
  std::mutex mu_;
  std::vector<Received> received_;
};

class CliStrictServerTest : public ::testing::Test {
 protected:
  CliRun run(std::vector<std::string> args, std::string const& stdin_text = "") {
    RunOptions o;
    o.env = {{"GETXAPI_API_KEY", kApiKey},
             {"GETXAPI_BASE_URL", server_.url()},
             {"GETXAPI_AUTH_TOKEN", kAuthToken}};
    return run_in_process(std::move(args), o, stdin_text);
  }
  StrictServer server_;
};

TEST_F(CliStrictServerTest, DmSendToUsernameSendsExactlyTheDocumentedBody) {
  auto r = run({"dm", "send", "--to", "@grace_h", "Hi Grace, thanks for the follow!"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto got = server_.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].path, "/twitter/dm/send");
  EXPECT_EQ(got[0].content_type, "application/json");
  EXPECT_EQ(got[0].authorization, std::string("Bearer ") + kApiKey);
  EXPECT_EQ(json::parse(got[0].body), json({{"auth_token", kAuthToken},
                                            {"recipient_username", "grace_h"},
                                            {"text", "Hi Grace, thanks for the follow!"}}));
  EXPECT_EQ(r.out,
            "sent 2000000000000000101 to @grace_h (1700000000000000002) at "
            "2026-03-02T10:11:12Z\n");
}

TEST_F(CliStrictServerTest, DmSendToIdSendsRecipientId) {
  auto r = run({"--json", "dm", "send", "--to-id", "1700000000000000002", "hello"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto got = server_.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(json::parse(got[0].body), json({{"auth_token", kAuthToken},
                                            {"recipient_id", "1700000000000000002"},
                                            {"text", "hello"}}));
  // --json prints the wire object as the server sent it.
  auto printed = json_lines(r.out);
  ASSERT_EQ(printed.size(), 1u);
  EXPECT_EQ(printed[0], json::parse(getxapi::testing::fixture("dm_send.json"))["data"]);
}

TEST_F(CliStrictServerTest, DmListSendsAuthTokenCountAndCursor) {
  auto r = run({"dm", "list", "--count", "10", "--cursor", "DAABCgABGinbox2"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto got = server_.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(json::parse(got[0].body),
            json({{"auth_token", kAuthToken}, {"cursor", "DAABCgABGinbox2"}, {"count", 10}}));
  EXPECT_EQ(r.err, "no messages on this page\n");

  auto plain = run({"--json", "dm", "list"});
  ASSERT_EQ(plain.status, 0) << plain.err;
  EXPECT_EQ(json::parse(server_.received().at(1).body), json({{"auth_token", kAuthToken}}));
  auto lines = json_lines(plain.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["text"], "Thanks! Happy to chat.");
  EXPECT_EQ(lines[2], json({{"has_more", true}, {"next_cursor", "DAABCgABGinbox2"}}));
}

TEST_F(CliStrictServerTest, LoginSendsTheCredentialsAndPrintsOnlyTheToken) {
  auto r = run({"--verbose", "login", "--username", "@ada_example", "--email", "ada@example.org"},
               "correct horse battery staple\nJBSWY3DPEHPK3PXP\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, std::string(kAuthToken) + "\n");
  auto got = server_.received();
  ASSERT_EQ(got.size(), 1u);
  auto const body = json::parse(got[0].body);
  EXPECT_EQ(body["username"], "ada_example");
  EXPECT_EQ(body["password"], "correct horse battery staple");
  EXPECT_EQ(body["email"], "ada@example.org");
  EXPECT_EQ(body["totp_secret"], "JBSWY3DPEHPK3PXP");
  for (auto const& secret : {std::string(kApiKey), std::string(kAuthToken), std::string(kCt0),
                             std::string("correct horse"), std::string("JBSWY3DPEHPK3PXP")}) {
    EXPECT_THAT(r.err, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(r.err, HasSubstr("/twitter/user_login"));
}

TEST_F(CliStrictServerTest, AWalkThatFailsMidwayPrintsWhatItHadAndHowToResume) {
  auto r = run({"followers", "ada_example", "--all"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("@grace_h"));  // the first page was printed
  EXPECT_THAT(r.err, StartsWith("error: kNotFound: "));
  EXPECT_THAT(r.err, HasSubstr("resume with: --cursor DAABCgABGpage2"));
  EXPECT_EQ(server_.received().size(), 2u);
}

}  // namespace
}  // namespace getxapi::cli::testing
