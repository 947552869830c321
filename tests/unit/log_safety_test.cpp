// #11 items 5 and 6: what reaches a log line. Login bodies are never logged
// (request or response, any status, parsed or not); secrets are masked by key
// name in any text, JSON or not; server text is escaped (ESC, CR, LF).
#include <getxapi/escape.hpp>

#include "redact.hpp"
#include "unit_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace getxapi::unit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIssuedToken[] = "issuedAUTHtoken_9f8e7d6c5b4a";
constexpr char kIssuedCt0[] = "issuedCT0_a1b2c3d4e5f6";

class LoginLog : public ::testing::Test {
 protected:
  Result<LoginResult> login_with(std::string body, int status = 200) {
    h.transport->then(status, std::move(body));
    auto options = h.options();
    options.logger = log.logger(LogLevel::kDebug);
    options.retry_policy = std::make_shared<NoRetryPolicy>();
    Client client(options);
    return client.login(LoginRequest{"ada_example", kPassword, "ada@example.org", kTotpSecret});
  }
  void expect_no_secret() {
    auto const all = log.all();
    for (std::string s : {kIssuedToken, kIssuedCt0, kPassword, kTotpSecret, kApiKey}) {
      EXPECT_THAT(all, Not(HasSubstr(s))) << all;
    }
    EXPECT_THAT(all, HasSubstr("login body not logged"));
  }
  Harness h;
  CapturedLog log;
};

std::string login_answer() {
  return std::string(R"({"status":"success","auth_token":")") + kIssuedToken + R"(","ct0":")" +
         kIssuedCt0 + R"(","twid":"u=17"})";
}

TEST_F(LoginLog, ParsedAnswerNotLogged) {
  ASSERT_TRUE(login_with(login_answer()));
  expect_no_secret();
}

TEST_F(LoginLog, DuplicateKeyAnswerNotLogged) {
  auto body = std::string(R"({"auth_token":")") + kIssuedToken + R"(","ct0":")" + kIssuedCt0 +
              R"(","auth_token":")" + kIssuedToken + R"("})";
  auto r = login_with(body);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidResponse);
  expect_no_secret();
  EXPECT_THAT(r.error().message(), Not(HasSubstr(kIssuedToken)));
}

TEST_F(LoginLog, TruncatedAnswerNotLogged) {
  auto body = login_answer();
  body.resize(body.size() - 12);  // cut inside the ct0 value
  auto r = login_with(body);
  ASSERT_FALSE(r);
  expect_no_secret();
}

TEST_F(LoginLog, ErrorAnswerNotLogged) {
  auto r = login_with(std::string(R"({"error":"bad","auth_token":")") + kIssuedToken + "\"}", 401);
  ASSERT_FALSE(r);
  expect_no_secret();
}

TEST(MaskSecretText, ByKeyNameInTextThatDoesNotParse) {
  using internal::mask_secret_text;
  // Duplicate key, truncated string, single quotes, key=value, spaces.
  EXPECT_EQ(mask_secret_text(R"({"auth_token":"AAA","auth_token":"BBB"})"),
            R"({"auth_token":"***","auth_token":"***"})");
  EXPECT_EQ(mask_secret_text(R"({"ct0" : "abc)"), R"({"ct0" : "***")");
  EXPECT_EQ(mask_secret_text("password=hunter2&user=ada"), "password=***&user=ada");
  EXPECT_EQ(mask_secret_text(R"({'totp_secret': "JBSW\"Y3"})"), R"({'totp_secret': "***"})");
  EXPECT_EQ(mask_secret_text(R"({"API_KEY":"k"})"), R"({"API_KEY":"***"})");
  // Not a key on its own: left alone; null stays null.
  EXPECT_EQ(mask_secret_text(R"({"my_password_hint":"x","ct0":null})"),
            R"({"my_password_hint":"x","ct0":null})");
  EXPECT_EQ(mask_secret_text("no secrets here"), "no secrets here");
}

TEST(MaskSecretText, RedactorBodyMasksUnparsedJson) {
  internal::Redactor redactor;
  auto const out = redactor.body(std::string(R"({"auth_token":")") + kIssuedToken + "\",");
  EXPECT_THAT(out, Not(HasSubstr(kIssuedToken)));
  EXPECT_THAT(out, HasSubstr("auth_token"));
}

TEST(EscapeControl, ControlCharactersSpelledOut) {
  EXPECT_EQ(escape_control("a\x1b[2Jb\r\nc\td"), "a\\x1b[2Jb\\r\\nc\\td");
  EXPECT_EQ(escape_control(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(escape_control("del\x7f"), "del\\x7f");
  EXPECT_EQ(escape_control("c1 \xc2\x9b"
                           "2J"),
            "c1 \\xc2\\x9b2J");  // CSI as U+009B
  EXPECT_EQ(escape_control("bad \xff utf8"), "bad \\xff utf8");
  EXPECT_EQ(escape_control("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
  auto const once = escape_control("x\x1by\\n");
  EXPECT_EQ(escape_control(once), once);  // idempotent
}

class HostileText : public ::testing::Test {
 protected:
  Client client(LogLevel level = LogLevel::kDebug) {
    auto options = h.options();
    options.logger = log.logger(level);
    options.retry_policy = std::make_shared<NoRetryPolicy>();
    return Client(options);
  }
  void expect_no_control() {
    for (auto const& line : log.lines()) {
      for (char c : line) {
        EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            << "raw control in: " << line;
      }
    }
  }
  Harness h;
  CapturedLog log;
};

constexpr char kForged[] = "boom\x1b[2J\r\n[getxapi INFO] sent 1 to @grace_h";

TEST_F(HostileText, ServerErrorMessageEscapedInLogAndError) {
  h.transport->then(403, error_body(kForged));
  auto c = client();
  auto r = c.user_info("ada_example");
  ASSERT_FALSE(r);
  expect_no_control();
  // In the body line the JSON escape (\u001b) already keeps it inert.
  EXPECT_THAT(log.all(), HasSubstr("[2J"));
  EXPECT_EQ(r.error().message().find('\x1b'), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find('\n'), std::string::npos);
  EXPECT_THAT(r.error().message(), HasSubstr("\\x1b[2J\\r\\n"));
}

TEST_F(HostileText, CursorWithEscapeInTheRequestLine) {
  h.transport->then(200, user_page("followers", {"1"}, true, "c\x1b[31m"))
      .then(200, user_page("followers", {"2"}, false, ""));
  auto c = client();
  std::vector<std::string> seen;
  for (auto const& u : c.all_followers("ada_example")) {
    seen.push_back(u ? u->id : std::string(to_string(u.error().code())));
    if (!u) {
      EXPECT_EQ(u.error().message().find('\x1b'), std::string::npos);
    }
  }
  // The hostile cursor is never sent (no second billed call), and it is the
  // server's fault: kInvalidResponse, not the caller's kInvalidArgument.
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "kInvalidResponse"}));
  EXPECT_EQ(h.transport->request_count(), 1u);
  expect_no_control();
}

TEST_F(HostileText, TransportErrorAndResponseBodyAtInfoAndDebug) {
  h.transport->then(Result<HttpResponse>(Error(ErrorCode::kNetwork, "reset\x1b]0;pwned\x07")))
      .then(200, std::string("{\"id\":\"1\",\"userName\":\"x\x1b[2J\"}"));
  auto c = client(LogLevel::kDebug);
  EXPECT_FALSE(c.user_info("ada_example"));
  (void)c.user_info("ada_example");
  expect_no_control();
}

}  // namespace
}  // namespace getxapi::unit
