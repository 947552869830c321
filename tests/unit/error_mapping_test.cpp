// HTTP status + error body -> ErrorCode, for every entry of
// tests/fixtures/errors.json and the statuses design.md adds.
#include "error_mapping.hpp"

#include "unit_support.hpp"

#include <gtest/gtest.h>

namespace getxapi::unit {
namespace {

using internal::map_http_error;
using internal::parse_retry_after;
using nlohmann::json;

Timestamp now() { return FakeClock().system_now(); }  // 2026-03-02T10:00:00Z

Error map(int status, json body, Endpoint endpoint = Endpoint::kDmSend, HttpHeaders headers = {}) {
  return map_http_error(endpoint, json_response(status, body.dump(), std::move(headers)), now());
}

struct FixtureCase {
  ErrorCode code;
  std::optional<int> twitter;
  std::optional<std::string> challenge;
  std::optional<seconds> retry_after;
};

TEST(ErrorMapping, EveryFixtureEntry) {
  // In the order of tests/fixtures/errors.json.
  std::vector<FixtureCase> const expected = {
      {ErrorCode::kApiKeyRejected, {}, {}, {}},
      {ErrorCode::kAuthTokenInvalid, {}, {}, {}},
      {ErrorCode::kAuthTokenInvalid, 32, {}, {}},
      {ErrorCode::kLoginChallenge, {}, "totp_required", {}},
      {ErrorCode::kLoginChallenge, {}, "locked", {}},
      {ErrorCode::kCannotDm, 349, {}, {}},
      {ErrorCode::kNotAllowedToDm, 476, {}, {}},
      {ErrorCode::kNotFound, {}, {}, {}},
      {ErrorCode::kRateLimited, {}, {}, seconds(2)},
      {ErrorCode::kDailyLimitReached, 502, {}, {}},
      {ErrorCode::kInvalidArgument, {}, {}, {}},
      {ErrorCode::kServerError, {}, {}, {}},
      {ErrorCode::kServerError, {}, {}, {}},
  };
  auto const entries = json::parse(fixture("errors.json"));
  ASSERT_EQ(entries.size(), expected.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto const& entry = entries[i];
    int const status = entry.at("status");
    SCOPED_TRACE(entry.dump());
    // The mapping must not depend on which endpoint answered, except for the
    // fallbacks tested below; check the endpoints a status can come from.
    for (auto endpoint : {Endpoint::kDmSend, Endpoint::kLogin, Endpoint::kUserInfo}) {
      auto e = map(status, entry.at("body"), endpoint);
      EXPECT_EQ(e.code(), expected[i].code) << e;
      EXPECT_EQ(e.http_status(), status);
      EXPECT_EQ(e.twitter_error_code(), expected[i].twitter);
      EXPECT_EQ(e.challenge(), expected[i].challenge);
      EXPECT_EQ(e.retry_after(), expected[i].retry_after);
      EXPECT_TRUE(e.request_sent());
      EXPECT_EQ(e.endpoint(), endpoint_path(endpoint));
      EXPECT_NE(e.message().find(entry.at("body").at("error").get<std::string>()),
                std::string::npos)
          << "the server's own words are kept: " << e.message();
    }
  }
}

TEST(ErrorMapping, StatusesBeyondTheFixture) {
  EXPECT_EQ(map(410, {{"error", "User is suspended"}}).code(), ErrorCode::kForbidden);
  EXPECT_EQ(map(422, {{"error", "Login did not complete"}}, Endpoint::kLogin).code(),
            ErrorCode::kLoginChallenge);
  EXPECT_EQ(map(423, {{"error", "verify"}}, Endpoint::kLogin).code(), ErrorCode::kLoginChallenge);
  EXPECT_EQ(map(403, {{"error", "Forbidden"}}).code(), ErrorCode::kForbidden);
  EXPECT_EQ(map(403, {{"error", "x"}, {"twitter_error_code", 200}}).code(), ErrorCode::kForbidden);
  EXPECT_EQ(map(502, {{"error", "bad gateway"}}).code(), ErrorCode::kServerError);
  EXPECT_EQ(map(504, json::object()).code(), ErrorCode::kServerError);
  EXPECT_EQ(map(429, {{"error", "slow down"}}).code(), ErrorCode::kRateLimited);
  EXPECT_EQ(map(429, {{"error", "slow down"}}).retry_after(), std::nullopt);
  EXPECT_EQ(map(400, {{"error", "bad"}}).http_status(), 400);
  EXPECT_EQ(map(418, {{"error", "teapot"}}).code(), ErrorCode::kUnknown);
}

TEST(ErrorMapping, ChallengeFieldMakesALoginChallenge) {
  for (std::string challenge :
       {"rate_limited", "locked", "verification_required", "email_code", "totp_required"}) {
    auto e = map(401, {{"error", "challenge"}, {"challenge", challenge}}, Endpoint::kLogin);
    EXPECT_EQ(e.code(), ErrorCode::kLoginChallenge) << challenge;
    EXPECT_EQ(e.challenge(), challenge);
  }
  auto e = map(403, {{"error", "email needed"}, {"challenge", "email_code"}}, Endpoint::kLogin);
  EXPECT_EQ(e.code(), ErrorCode::kLoginChallenge);
}

TEST(ErrorMapping, Unexplained401DependsOnWhatWasSent) {
  // Only the API key is sent to user/info; dm calls also carry an auth_token.
  EXPECT_EQ(map(401, json::object(), Endpoint::kUserInfo).code(), ErrorCode::kApiKeyRejected);
  EXPECT_EQ(map(401, json::object(), Endpoint::kFollowers).code(), ErrorCode::kApiKeyRejected);
  EXPECT_EQ(map(401, json::object(), Endpoint::kDmList).code(), ErrorCode::kAuthTokenInvalid);
  EXPECT_EQ(map(401, {{"error", "Unauthorized"}}, Endpoint::kDmSend).code(),
            ErrorCode::kAuthTokenInvalid);
  // ...but an explicit message wins.
  EXPECT_EQ(map(401, {{"error", "Invalid or missing API key"}}, Endpoint::kDmList).code(),
            ErrorCode::kApiKeyRejected);
  EXPECT_EQ(map(401, {{"error", "bad auth token"}}, Endpoint::kUserInfo).code(),
            ErrorCode::kAuthTokenInvalid);
}

TEST(ErrorMapping, NonJsonBodyStillMapsByStatus) {
  auto e = map_http_error(Endpoint::kDmSend, json_response(503, "<html>oops</html>"), now());
  EXPECT_EQ(e.code(), ErrorCode::kServerError);
  EXPECT_EQ(e.http_status(), 503);
  EXPECT_FALSE(e.message().empty());
  auto empty = map_http_error(Endpoint::kUserInfo, json_response(404, ""), now());
  EXPECT_EQ(empty.code(), ErrorCode::kNotFound);
}

TEST(ErrorMapping, HugeServerMessageIsTruncated) {
  auto e = map(500, {{"error", std::string(100'000, 'x')}});
  EXPECT_LT(e.message().size(), 1000u);
}

TEST(ErrorMapping, RetryAfterHeaderInSeconds) {
  auto e = map(429, {{"error", "slow"}}, Endpoint::kDmList, {{"Retry-After", "7"}});
  EXPECT_EQ(e.code(), ErrorCode::kRateLimited);
  EXPECT_EQ(e.retry_after(), seconds(7));
}

TEST(ErrorMapping, RetryAfterHeaderAsHttpDate) {
  // now() is Mon, 02 Mar 2026 10:00:00 GMT.
  auto e = map(503, {{"error", "busy"}}, Endpoint::kDmList,
               {{"retry-after", "Mon, 02 Mar 2026 10:00:05 GMT"}});
  EXPECT_EQ(e.code(), ErrorCode::kServerError);
  EXPECT_EQ(e.retry_after(), seconds(5));
}

TEST(ErrorMapping, BodyAndHeaderTogetherUseTheLonger) {
  auto e =
      map(429, {{"error", "slow"}, {"retry_after", 2}}, Endpoint::kDmList, {{"Retry-After", "9"}});
  EXPECT_EQ(e.retry_after(), seconds(9));
  auto e2 =
      map(429, {{"error", "slow"}, {"retry_after", 12}}, Endpoint::kDmList, {{"Retry-After", "3"}});
  EXPECT_EQ(e2.retry_after(), seconds(12));
}

TEST(ParseRetryAfter, Forms) {
  EXPECT_EQ(parse_retry_after("0", now()), seconds(0));
  EXPECT_EQ(parse_retry_after("120", now()), seconds(120));
  EXPECT_EQ(parse_retry_after("  3 ", now()), seconds(3));
  EXPECT_EQ(parse_retry_after("Mon, 02 Mar 2026 10:01:00 GMT", now()), seconds(60));
  // A date in the past means "now".
  EXPECT_EQ(parse_retry_after("Mon, 02 Mar 2026 09:00:00 GMT", now()), seconds(0));
  EXPECT_FALSE(parse_retry_after("", now()));
  EXPECT_FALSE(parse_retry_after("-5", now()));
  EXPECT_FALSE(parse_retry_after("soon", now()));
  EXPECT_FALSE(parse_retry_after("1.5", now()));
  // Absurd values saturate rather than overflow.
  auto huge = parse_retry_after("99999999999999999999999", now());
  ASSERT_TRUE(huge);
  EXPECT_GT(*huge, std::chrono::hours(24 * 365));
}

TEST(ErrorMapping, EchoedSecretsAreLeftToTheCallerButNeverAdded) {
  // map_http_error does not know the secrets (the client scrubs); it must
  // not add anything of the request to the message either.
  auto e = map(401, {{"error", "bad"}}, Endpoint::kDmSend);
  EXPECT_EQ(e.message().find("Bearer"), std::string::npos);
}

}  // namespace
}  // namespace getxapi::unit
