// Secret scan: a whole client workflow against the sandbox (login with a TOTP
// secret included, sends, lists, pages, failures, retries, a duplicate-safe
// recovery) at the most verbose logging level; then every byte of log output,
// every error message and every printed value is searched for the API key,
// the auth tokens, ct0, the password and the TOTP secret. Zero hits allowed.
#include <getxapi/getxapi.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <httplib.h>

#include "sandbox.hpp"

#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace getxapi {
namespace {

namespace sb = ::getxapi::sandbox;
using ::testing::HasSubstr;

constexpr char kApiKey[] = "gx-live-secret-api-key-4f9e8d7c6b5a";
constexpr char kTotpSecret[] = "JBSWY3DPEHPK3PXP";
constexpr char kBogusToken[] = "bogus-auth-token-0a1b2c3d4e5f";

class NoSleep : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds) override {}
};

struct Transcript {
  std::mutex mu;
  std::string text;
  int lines = 0;
  void add(std::string_view s) {
    std::lock_guard<std::mutex> lock(mu);
    text.append(s).push_back('\n');
    ++lines;
  }
};

template <class T>
void record(Transcript& t, Result<T> const& r) {
  std::ostringstream os;
  if (r) {
    os << *r;
  } else {
    os << r.error() << " | " << r.error().message();
  }
  t.add(os.str());
}

void fault(std::string const& base_url, std::string const& json) {
  httplib::Client admin(base_url);
  auto res = admin.Post("/_sandbox/faults", json, "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
}

TEST(SecretScan, WholeWorkflowAtDebugLevelLeaksNothing) {
  sb::SandboxOptions sandbox_options;
  sandbox_options.api_key = kApiKey;
  sb::Sandbox sandbox(sandbox_options);
  sandbox.start();
  std::string const url = sandbox.base_url();

  Transcript log;
  Transcript outputs;
  ClientOptions o;
  o.api_key = kApiKey;
  o.base_url = url;
  o.timeout = std::chrono::seconds(5);
  o.logger.min_level = LogLevel::kDebug;
  o.logger.sink = [&](LogLevel level, std::string_view line) {
    log.add(std::string(to_string(level)) + " " + std::string(line));
  };
  o.sleeper = std::make_shared<NoSleep>();
  o.on_wait = [&](WaitEvent const& e) {
    std::ostringstream os;
    os << "wait " << to_string(e.reason) << " " << e.delay.count();
    if (e.error) os << " " << *e.error;
    outputs.add(os.str());
    return true;
  };
  Client client(o);

  // Login: challenged without the TOTP secret, refused with a wrong password,
  // then fine.
  LoginRequest login{sb::fixed::kTotpUserName, sb::fixed::kPassword, "totp@example.org", ""};
  auto challenged = client.login(login);
  ASSERT_FALSE(challenged);
  EXPECT_EQ(challenged.error().code(), ErrorCode::kLoginChallenge);
  record(outputs, challenged);
  auto wrong = client.login(
      LoginRequest{sb::fixed::kTotpUserName, "wrong-password-77", "totp@example.org", kTotpSecret});
  EXPECT_FALSE(wrong);
  record(outputs, wrong);
  login.totp_secret = kTotpSecret;
  std::ostringstream printed_request;
  printed_request << login;
  outputs.add(printed_request.str());
  auto session = client.login(login);
  ASSERT_TRUE(session) << session.error();
  record(outputs, session);
  std::string const token = session->auth_token;
  std::string const ct0 = session->ct0;
  ASSERT_FALSE(token.empty());

  // Reads.
  record(outputs, client.user_info("@ada_example"));
  record(outputs, client.user_info("nobody_here_at_all"));
  record(outputs, client.followers(sb::fixed::kAdaUserName));
  RangeOptions limited;
  limited.limit = 80;
  for (auto const& u : client.all_followers(sb::fixed::kAdaUserName, limited)) record(outputs, u);

  // Sends, by handle and by id, and to someone who does not accept DMs.
  SendDmRequest send{token, Recipient::by_username(sb::fixed::kGraceUserName), "hello from 2FA"};
  std::ostringstream printed_send;
  printed_send << send;
  outputs.add(printed_send.str());
  record(outputs, client.send_dm(send));
  record(outputs, client.send_dm(
                      SendDmRequest{token, Recipient::by_id(sb::fixed::kGraceId), "second hello"}));
  record(outputs, client.send_dm(SendDmRequest{token, Recipient::by_id(sb::fixed::kClosedId),
                                               "will be refused"}));

  // Failures on the way: a 5xx after delivery (duplicate-safe recovery lists
  // the inbox), a 429 with retry_after, a dropped connection, a malformed body.
  fault(url, R"({"path":"/twitter/dm/send","status":500,"after_delivery":true,"count":1})");
  auto recovered = client.send_dm(
      SendDmRequest{token, Recipient::by_id(sb::fixed::kGraceId), "delivered despite the 500"});
  ASSERT_TRUE(recovered) << recovered.error();
  EXPECT_TRUE(recovered->recovered);
  record(outputs, recovered);
  fault(url, R"({"path":"/twitter/dm/list","status":429,"retry_after":1,"count":1})");
  fault(url, R"({"path":"/twitter/user/info","drop":true,"count":1})");
  fault(url, R"({"path":"/twitter/user/followers_v2","malformed":true,"count":1})");
  record(outputs, client.list_dms(ListDmsRequest{token, "", 20}));
  record(outputs, client.user_info(sb::fixed::kGraceUserName));
  record(outputs, client.followers(sb::fixed::kGraceUserName));
  for (auto const& m : client.all_dms(token, limited)) record(outputs, m);

  // A bad token, and a send that fails after the request went out.
  record(outputs, client.list_dms(ListDmsRequest{kBogusToken, "", 5}));
  record(outputs, client.send_dm(
                      SendDmRequest{kBogusToken, Recipient::by_id(sb::fixed::kGraceId), "never"}));
  fault(url, R"({"path":"/twitter/dm/send","drop":true,"count":3})");
  fault(url, R"({"path":"/twitter/dm/list","status":503,"count":10})");
  record(outputs, client.send_dm(
                      SendDmRequest{token, Recipient::by_id(sb::fixed::kGraceId), "unknown fate"}));
  std::ostringstream stats;
  stats << client.stats();
  outputs.add(stats.str());

  // A second client with a wrong API key: the key must not show in its errors.
  ClientOptions wrong_key = o;
  wrong_key.api_key = "gx-wrong-secret-api-key-1234567";
  Client rejected(wrong_key);
  auto refused = rejected.user_info("ada_example");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kApiKeyRejected);
  record(outputs, refused);

  // The transcript is real: it saw every endpoint and masked things.
  EXPECT_GT(log.lines, 40);
  for (auto const* path : {"/twitter/user_login", "/twitter/user/info",
                           "/twitter/user/followers_v2", "/twitter/dm/send", "/twitter/dm/list"}) {
    EXPECT_THAT(log.text, HasSubstr(path));
  }
  EXPECT_THAT(log.text, HasSubstr("***"));
  EXPECT_THAT(log.text, HasSubstr("DEBUG"));

  std::string const everything = log.text + outputs.text;
  std::vector<std::string> const secrets = {
      kApiKey,     wrong_key.api_key,    token,
      ct0,         sb::fixed::kPassword, "wrong-password-77",
      kTotpSecret, kBogusToken,          sb::fixed::kAdaToken};
  for (auto const& secret : secrets) {
    ASSERT_GE(secret.size(), 8u);
    auto const at = everything.find(secret);
    EXPECT_EQ(at, std::string::npos)
        << "a secret (" << secret.size() << " bytes) appears in the output at byte " << at;
  }
}

}  // namespace
}  // namespace getxapi
