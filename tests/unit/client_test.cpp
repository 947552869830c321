// Client requests and responses per endpoint: method, URL, query, headers,
// body; decoding of the fixtures; error mapping through the client; and
// secrets never appearing in errors, printed values or debug logs.
#include "unit_support.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace getxapi::unit {
namespace {

using nlohmann::json;

// Exactly these headers and no others: every header line costs libcurl and
// the server work on every call (docs/performance.md); the transport adds
// the User-Agent.
void expect_common_headers(HttpRequest const& r) {
  EXPECT_EQ(find_header(r.headers, "Authorization"), std::string("Bearer ") + kApiKey);
  if (r.method == "POST") {
    EXPECT_EQ(find_header(r.headers, "Content-Type"), "application/json");
    EXPECT_EQ(r.headers.size(), 2u);
  } else {
    EXPECT_EQ(find_header(r.headers, "Content-Type"), "");
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.headers.size(), 1u);
  }
}

class ClientTest : public ::testing::Test {
 protected:
  Harness h;
};

TEST_F(ClientTest, UserInfoRequestAndDecode) {
  h.transport->then(200, fixture("user_info.json"));
  auto client = h.client();
  auto user = client.user_info("@ada_example");
  ASSERT_TRUE(user.ok()) << user.error();
  EXPECT_EQ(user->id, "1700000000000000001");
  EXPECT_TRUE(user->can_dm);
  EXPECT_EQ(user->raw.at("mediaCount"), 87);
  ASSERT_EQ(h.transport->request_count(), 1u);
  auto r = h.request(0);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url, "https://api.test/twitter/user/info?userName=ada_example");
  expect_common_headers(r);
}

TEST_F(ClientTest, TimeoutsArePassedToTheTransport) {
  h.transport->then(200, fixture("user_info.json"));
  auto options = h.options();
  options.timeout = seconds(7);
  options.connect_timeout = seconds(3);
  Client client(options);
  ASSERT_TRUE(client.user_info("ada_example"));
  EXPECT_EQ(h.request(0).timeout, seconds(7));
  EXPECT_EQ(h.request(0).connect_timeout, seconds(3));
}

TEST_F(ClientTest, BaseUrlTrailingSlashAndPrefix) {
  h.transport->then(200, fixture("user_info.json"));
  auto options = h.options();
  options.base_url = "http://127.0.0.1:9999/proxy/";
  Client client(options);
  ASSERT_TRUE(client.user_info("ada_example"));
  EXPECT_EQ(h.request(0).url, "http://127.0.0.1:9999/proxy/twitter/user/info?userName=ada_example");
}

TEST_F(ClientTest, FollowersRequestAndDecode) {
  h.transport->then(200, fixture("followers_page.json"));
  auto client = h.client();
  auto page = client.followers("ada_example");
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_TRUE(page->has_more);
  EXPECT_EQ(page->next_cursor, "DAABCgABGpage2");
  EXPECT_EQ(page->cursor, "");
  auto r = h.request(0);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url, "https://api.test/twitter/user/followers_v2?userName=ada_example");
  expect_common_headers(r);
}

TEST_F(ClientTest, FollowersWithCursorEscaped) {
  h.transport->then(200, user_page("followers", {"5"}, false, ""));
  auto client = h.client();
  auto page = client.followers("@ada_example", "DAAB+/=&x");
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->cursor, "DAAB+/=&x");  // kept so a caller can resume
  EXPECT_FALSE(page->has_more);
  EXPECT_EQ(page->next_cursor, "");
  EXPECT_EQ(
      h.request(0).url,
      "https://api.test/twitter/user/followers_v2?userName=ada_example&cursor=DAAB%2B%2F%3D%26x");
}

TEST_F(ClientTest, FollowingRequestAndDecode) {
  h.transport->then(200, user_page("following", {"7", "8"}, true, "n2"));
  auto client = h.client();
  auto page = client.following("@ada_example", "c1");
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[1].id, "8");
  EXPECT_EQ(page->next_cursor, "n2");
  auto r = h.request(0);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url, "https://api.test/twitter/user/following_v2?userName=ada_example&cursor=c1");
  expect_common_headers(r);
}

TEST_F(ClientTest, SendDmById) {
  h.transport->then(200, fixture("dm_send.json"));
  auto client = h.client();
  auto sent = client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("1700000000000000002"),
                                           "Hi Grace, thanks for the follow!"});
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_EQ(sent->id, "2000000000000000101");
  EXPECT_EQ(sent->recipient_username, "grace_h");
  EXPECT_FALSE(sent->recovered);
  auto r = h.request(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://api.test/twitter/dm/send");
  expect_common_headers(r);
  EXPECT_EQ(body_json(r), (json{{"auth_token", kAuthToken},
                                {"recipient_id", "1700000000000000002"},
                                {"text", "Hi Grace, thanks for the follow!"}}));
}

TEST_F(ClientTest, SendDmByUsernameStripsAt) {
  h.transport->then(200, fixture("dm_send.json"));
  auto client = h.client();
  ASSERT_TRUE(client.send_dm(SendDmRequest{kAuthToken, Recipient::by_username("@grace_h"), "hi"}));
  EXPECT_EQ(body_json(h.request(0)),
            (json{{"auth_token", kAuthToken}, {"recipient_username", "grace_h"}, {"text", "hi"}}));
}

TEST_F(ClientTest, ListDmsBodies) {
  h.transport->then(200, fixture("dm_list_page.json"))
      .then(200, fixture("dm_list_last_page.json"))
      .then(200, fixture("dm_list_last_page.json"));
  auto client = h.client();
  auto first = client.list_dms(ListDmsRequest{kAuthToken, {}, std::nullopt});
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->user_id, "1700000000000000001");
  EXPECT_EQ(first->next_cursor, "DAABCgABGinbox2");
  auto last = client.list_dms(ListDmsRequest{kAuthToken, first->next_cursor, 50});
  ASSERT_TRUE(last.ok()) << last.error();
  EXPECT_FALSE(last->has_more);
  EXPECT_EQ(last->next_cursor, "");
  EXPECT_EQ(last->cursor, "DAABCgABGinbox2");
  ASSERT_TRUE(client.list_dms(ListDmsRequest{kAuthToken, {}, 1}));

  auto r0 = h.request(0);
  EXPECT_EQ(r0.method, "POST");
  EXPECT_EQ(r0.url, "https://api.test/twitter/dm/list");
  expect_common_headers(r0);
  EXPECT_EQ(body_json(r0), (json{{"auth_token", kAuthToken}}));
  EXPECT_EQ(body_json(h.request(1)),
            (json{{"auth_token", kAuthToken}, {"cursor", "DAABCgABGinbox2"}, {"count", 50}}));
  EXPECT_EQ(body_json(h.request(2)), (json{{"auth_token", kAuthToken}, {"count", 1}}));
}

TEST_F(ClientTest, LoginBodies) {
  h.transport->then(200, fixture("login.json")).then(200, fixture("login.json"));
  auto client = h.client();
  auto result = client.login(LoginRequest{"@ada_example", kPassword, "", ""});
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->auth_token, "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(result->twid, "u=1700000000000000001");
  auto r = h.request(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://api.test/twitter/user_login");
  expect_common_headers(r);
  EXPECT_EQ(body_json(r), (json{{"username", "ada_example"}, {"password", kPassword}}));

  ASSERT_TRUE(client.login(LoginRequest{"ada_example", kPassword, "ada@example.org", "jbsw y3dp"}));
  EXPECT_EQ(body_json(h.request(1)), (json{{"username", "ada_example"},
                                           {"password", kPassword},
                                           {"email", "ada@example.org"},
                                           {"totp_secret", "JBSWY3DP"}}));
}

TEST_F(ClientTest, LoginTokensUnderData) {
  h.transport->then(200,
                    R"({"status":"success","data":{"auth_token":"t0k3n","ct0":"c","twid":"u=1"}})");
  auto client = h.client();
  auto result = client.login(LoginRequest{"ada_example", kPassword, "", ""});
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->auth_token, "t0k3n");
}

TEST_F(ClientTest, MalformedSuccessBodyIsInvalidResponseAndNotRetried) {
  for (std::string body : {"", "not json", "[]", R"({"data":{"name":"no id"}})",
                           R"({"data":{"id":"1","followers":"many"}})"}) {
    SCOPED_TRACE(body);
    Harness local;
    local.transport->then(200, body);
    auto result = local.client().user_info("ada_example");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidResponse);
    EXPECT_EQ(result.error().http_status(), 200);
    EXPECT_EQ(result.error().attempts(), 1);
    EXPECT_EQ(local.transport->request_count(), 1u);
  }
}

// ---- Error mapping through the client -----------------------------------

struct Case {
  int status;
  json body;
  ErrorCode code;
};

TEST_F(ClientTest, EveryFixtureErrorThroughTheClient) {
  auto const entries = json::parse(fixture("errors.json"));
  std::vector<ErrorCode> const codes = {
      ErrorCode::kApiKeyRejected,    ErrorCode::kAuthTokenInvalid, ErrorCode::kAuthTokenInvalid,
      ErrorCode::kLoginChallenge,    ErrorCode::kLoginChallenge,   ErrorCode::kCannotDm,
      ErrorCode::kNotAllowedToDm,    ErrorCode::kNotFound,         ErrorCode::kRateLimited,
      ErrorCode::kDailyLimitReached, ErrorCode::kInvalidArgument,  ErrorCode::kServerError,
      ErrorCode::kServerError};
  ASSERT_EQ(entries.size(), codes.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    SCOPED_TRACE(entries[i].dump());
    Harness local;
    auto options = local.options();
    options.retry_policy = std::make_shared<NoRetryPolicy>();
    Client client(options);
    local.transport->then(entries[i].at("status").get<int>(), entries[i].at("body").dump());
    auto sent = client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"});
    ASSERT_FALSE(sent.ok());
    auto const& e = sent.error();
    EXPECT_EQ(e.code(), codes[i]) << e;
    EXPECT_EQ(e.http_status(), entries[i].at("status").get<int>());
    EXPECT_EQ(e.attempts(), 1);
    EXPECT_TRUE(e.request_sent());
    EXPECT_EQ(e.endpoint(), "/twitter/dm/send");
    auto const& body = entries[i].at("body");
    if (body.contains("twitter_error_code")) {
      EXPECT_EQ(e.twitter_error_code(), body.at("twitter_error_code").get<int>());
    } else {
      EXPECT_FALSE(e.twitter_error_code());
    }
    if (body.contains("challenge")) {
      EXPECT_EQ(e.challenge(), body.at("challenge").get<std::string>());
    } else {
      EXPECT_FALSE(e.challenge());
    }
    if (body.contains("retry_after")) {
      EXPECT_EQ(e.retry_after(), seconds(body.at("retry_after").get<int>()));
    }
    EXPECT_EQ(local.transport->request_count(), 1u);
  }
}

TEST_F(ClientTest, OtherStatusesThroughTheClient) {
  std::vector<Case> const cases = {
      {410, {{"error", "suspended"}}, ErrorCode::kForbidden},
      {422, {{"error", "login did not complete"}}, ErrorCode::kLoginChallenge},
      {403, {{"error", "forbidden"}}, ErrorCode::kForbidden},
      {423, {{"error", "locked"}}, ErrorCode::kLoginChallenge},
  };
  for (auto const& c : cases) {
    SCOPED_TRACE(c.status);
    Harness local;
    local.transport->then(c.status, c.body.dump());
    auto result = local.client().login(LoginRequest{"ada_example", kPassword, "", ""});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), c.code);
    EXPECT_EQ(result.error().http_status(), c.status);
    EXPECT_EQ(result.error().attempts(), 1);
  }
}

TEST_F(ClientTest, TransportErrorsPassThrough) {
  h.transport->then(Result<HttpResponse>(Error(ErrorCode::kTimeout, "timed out")));
  auto options = h.options();
  options.retry_policy = std::make_shared<NoRetryPolicy>();
  Client client(options);
  auto result = client.user_info("ada_example");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kTimeout);
  EXPECT_EQ(result.error().http_status(), 0);
  EXPECT_EQ(result.error().attempts(), 1);
}

TEST_F(ClientTest, CopiesShareState) {
  h.transport->then(200, fixture("user_info.json"));
  auto client = h.client();
  Client copy = client;
  ASSERT_TRUE(copy.user_info("ada_example"));
  EXPECT_EQ(client.stats().at(Endpoint::kUserInfo).billed_calls, 1);
  Client moved = std::move(copy);
  EXPECT_EQ(moved.stats().at(Endpoint::kUserInfo).billed_calls, 1);
}

// ---- Secrets ---------------------------------------------------------------

class Secrets : public ::testing::Test {
 protected:
  Client client() {
    auto options = h.options();
    options.logger = log.logger(LogLevel::kDebug);
    return Client(options);
  }
  void expect_clean(std::string const& text, std::string const& where) {
    for (std::string secret : {kApiKey, kAuthToken, kPassword, kTotpSecret}) {
      EXPECT_EQ(text.find(secret), std::string::npos) << where << " leaked " << secret << ":\n"
                                                      << text;
    }
  }
  template <class T>
  void expect_clean_result(Result<T> const& result) {
    ASSERT_FALSE(result.ok());
    expect_clean(result.error().message(), "Error::message()");
    std::ostringstream os;
    os << result.error();
    expect_clean(os.str(), "operator<<(Error)");
  }
  Harness h;
  CapturedLog log;
};

TEST_F(Secrets, DebugLogOfSuccessfulCallsMasksEverything) {
  h.transport->then(200, fixture("login.json"))
      .then(200, fixture("dm_send.json"))
      .then(200, fixture("dm_list_page.json"))
      .then(200, fixture("user_info.json"));
  auto c = client();
  auto login = c.login(LoginRequest{"ada_example", kPassword, "ada@example.org", kTotpSecret});
  ASSERT_TRUE(login) << login.error();
  ASSERT_TRUE(c.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"}));
  ASSERT_TRUE(c.list_dms(ListDmsRequest{kAuthToken, {}, {}}));
  ASSERT_TRUE(c.user_info("ada_example"));
  auto const lines = log.all();
  EXPECT_GE(log.lines().size(), 8u);  // a request and a response line per call
  expect_clean(lines, "debug log");
  // The login response's own tokens are secrets too.
  EXPECT_EQ(lines.find("0123456789abcdef0123456789abcdef01234567"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("fedcba9876543210fedcba9876543210"), std::string::npos) << lines;
  // Non-secret detail is there, so the log is still useful.
  EXPECT_NE(lines.find("/twitter/dm/send"), std::string::npos);
  EXPECT_NE(lines.find("ada_example"), std::string::npos);
  EXPECT_NE(lines.find("Bearer ***"), std::string::npos);
}

TEST_F(Secrets, ServerEchoesTheAuthTokenInItsError) {
  h.transport->then(401, error_body(std::string("Invalid auth_token ") + kAuthToken))
      .then(400, "plain text echo " + std::string(kAuthToken) + " and key " + kApiKey);
  auto c = client();
  auto first = c.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("17"), "hi"});
  expect_clean_result(first);
  EXPECT_EQ(first.error().code(), ErrorCode::kAuthTokenInvalid);
  auto second = c.list_dms(ListDmsRequest{kAuthToken, {}, {}});
  expect_clean_result(second);
  expect_clean(log.all(), "debug log");
}

TEST_F(Secrets, ServerEchoesTheApiKey) {
  h.transport->then(401, error_body(std::string("Invalid or missing API key: ") + kApiKey));
  auto c = client();
  auto result = c.user_info("ada_example");
  expect_clean_result(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kApiKeyRejected);
  expect_clean(log.all(), "debug log");
}

TEST_F(Secrets, ServerEchoesLoginSecrets) {
  h.transport->then(
      401, json{{"error", std::string("bad password ") + kPassword + " totp " + kTotpSecret},
                {"challenge", "totp_required"}}
               .dump());
  auto c = client();
  auto result = c.login(LoginRequest{"ada_example", kPassword, "", kTotpSecret});
  expect_clean_result(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kLoginChallenge);
  expect_clean(log.all(), "debug log");
}

TEST_F(Secrets, PasswordWithJsonSpecialCharactersEchoed) {
  std::string const password = "p\"w\\SECRET_quote";
  h.transport->then(401, json{{"error", "wrong password " + password}}.dump());
  auto c = client();
  auto result = c.login(LoginRequest{"ada_example", password, "", ""});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message().find("SECRET_quote"), std::string::npos);
  EXPECT_EQ(log.all().find("SECRET_quote"), std::string::npos) << log.all();
}

TEST_F(Secrets, TransportErrorMentioningSecrets) {
  h.transport->then(
      Result<HttpResponse>(Error(ErrorCode::kNetwork, std::string("reset; key=") + kApiKey)));
  auto options = h.options();
  options.logger = log.logger(LogLevel::kDebug);
  options.retry_policy = std::make_shared<NoRetryPolicy>();
  Client c(options);
  expect_clean_result(c.user_info("ada_example"));
  expect_clean(log.all(), "debug log");
}

TEST_F(Secrets, RetryAndWaitLinesAreClean) {
  h.transport->then(503, error_body(std::string("busy ") + kAuthToken))
      .then(200, fixture("dm_list_page.json"));
  auto c = client();
  ASSERT_TRUE(c.list_dms(ListDmsRequest{kAuthToken, {}, {}}));
  auto const lines = log.all();
  EXPECT_NE(lines.find("waiting"), std::string::npos) << lines;
  expect_clean(lines, "log");
}

TEST_F(Secrets, RefusedArgumentsAreClean) {
  auto c = client();
  expect_clean_result(c.login(LoginRequest{"ada_example", kPassword, "", "0189 not base32"}));
  expect_clean_result(c.send_dm(SendDmRequest{kAuthToken, Recipient::by_id("x"), "hi"}));
  expect_clean_result(
      c.send_dm(SendDmRequest{std::string(kAuthToken) + " ", Recipient::by_id("1"), "hi"}));
  auto options = h.options();
  options.api_key = std::string(kApiKey) + " trailing";
  expect_clean_result(Client(options).user_info("ada_example"));
  EXPECT_EQ(h.transport->request_count(), 0u);
}

}  // namespace
}  // namespace getxapi::unit
