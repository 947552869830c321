// What each fuzz target does with one input, shared by the libFuzzer targets
// (fuzz/*.cpp, clang only) and by tests/hardening/regression_test.cpp, which
// replays fuzz/corpus and fuzz/regressions in every build (sanitizers too).
//
// Every input is fed to the internal decoder directly and, as the response
// body of a fake transport, through the whole Client path (retries, error
// mapping, duplicate-safe send, debug logging). Besides "no crash, no
// sanitizer report", each run checks invariants and aborts when one fails:
// every error carries a known ErrorCode and a message, attempts stay within
// the retry policy, and no secret of the call appears in an error message,
// a printed value or a log line. Only the secrets a call was given count: a
// server may echo anything, but what the client knows it must mask.
#pragma once

#include <getxapi/getxapi.hpp>

#include "decode.hpp"
#include "error_mapping.hpp"
#include "redact.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>

namespace getxapi::fuzz {

inline constexpr char kApiKey[] = "fuzz-api-key-5f2a9c41";
inline constexpr char kAuthToken[] = "fuzz-auth-token-7d1e0b93";
inline constexpr char kPassword[] = "fuzz-password-3c8b";
inline constexpr char kTotpSecret[] = "JBSWY3DPEHPK3PXP";
inline constexpr int kMaxAttempts = 3;

[[noreturn]] inline void violated(char const* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz invariant violated: %s: %.*s\n", what,
               static_cast<int>(detail.size() > 400 ? 400 : detail.size()), detail.data());
  std::abort();
}

using Secrets = std::initializer_list<char const*>;
inline constexpr Secrets kKeyOnly = {kApiKey};
inline constexpr Secrets kKeyAndToken = {kApiKey, kAuthToken};
inline constexpr Secrets kLoginSecrets = {kApiKey, kPassword, kTotpSecret};

inline void check_no_secret(std::string_view text, Secrets secrets) {
  for (char const* secret : secrets) {
    auto const at = text.find(secret);
    if (at != std::string_view::npos)
      violated("secret in output", text.substr(at > 200 ? at - 200 : 0));
  }
}

inline void check_error(Error const& error, Secrets secrets) {
  if (static_cast<int>(error.code()) < 0 ||
      static_cast<int>(error.code()) > static_cast<int>(ErrorCode::kUnknown)) {
    violated("error code out of range");
  }
  if (error.message().empty()) violated("error without a message");
  if (error.attempts() < 0 || error.attempts() > kMaxAttempts) {
    violated("attempts outside the retry policy", error.message());
  }
  std::ostringstream printed;
  printed << error;
  check_no_secret(error.message(), secrets);
  check_no_secret(printed.str(), secrets);
}

template <class T>
void check_result(Result<T> const& result, Secrets secrets) {
  if (result) {
    // A value is the server's data, which may echo anything: print it (that
    // must not crash) but do not hold it to the secret check.
    std::ostringstream printed;
    printed << *result;
  } else {
    check_error(result.error(), secrets);
  }
}

class BodyTransport : public Transport {
 public:
  BodyTransport(int status, std::string body) : status_(status), body_(std::move(body)) {}
  Result<HttpResponse> send(HttpRequest const&) override {
    HttpResponse response;
    response.status = status_;
    response.body = body_;
    response.headers.emplace_back("content-type", "application/json");
    // The body doubles as a Retry-After header value.
    response.headers.emplace_back("retry-after", body_.substr(0, 64));
    return response;
  }

 private:
  int status_;
  std::string body_;
};

class NoSleep : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds) override {}
};

// A Client whose every request is answered with `status` and `body`, that
// never sleeps, and that logs everything at kDebug into `log`.
class FuzzClient {
 public:
  FuzzClient(int status, std::string_view body, Secrets secrets) : secrets_(secrets) {
    ClientOptions options;
    options.api_key = kApiKey;
    options.base_url = "https://api.fuzz.invalid";
    options.transport = std::make_shared<BodyTransport>(status, std::string(body));
    options.sleeper = std::make_shared<NoSleep>();
    options.retry_policy = std::make_shared<LimitedRetryPolicy>(kMaxAttempts, std::chrono::hours(1),
                                                                std::chrono::hours(1));
    options.pacing.enabled = false;
    options.logger.min_level = LogLevel::kDebug;
    options.logger.sink = [this](LogLevel, std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      log_.append(line).push_back('\n');
    };
    client_ = std::make_unique<Client>(std::move(options));
  }
  ~FuzzClient() {
    check_no_secret(log_, secrets_);
    std::ostringstream stats;
    stats << client_->stats();
  }
  Client& operator*() { return *client_; }
  Client* operator->() { return client_.get(); }

 private:
  Secrets secrets_;
  std::mutex mu_;
  std::string log_;
  std::unique_ptr<Client> client_;
};

inline constexpr std::initializer_list<int> kStatuses = {200, 401, 403, 429, 500};

inline std::string_view as_body(std::uint8_t const* data, std::size_t size) {
  return {reinterpret_cast<char const*>(data), size};
}

inline void user(std::uint8_t const* data, std::size_t size) {
  auto const body = as_body(data, size);
  check_result(internal::decode_user_info(body), {});
  for (int status : kStatuses) {
    FuzzClient client(status, body, kKeyOnly);
    check_result(client->user_info("ada_example"), kKeyOnly);
  }
}

inline void user_page(std::uint8_t const* data, std::size_t size) {
  auto const body = as_body(data, size);
  check_result(internal::decode_user_page(body, "followers"), {});
  check_result(internal::decode_user_page(body, "following"), {});
  for (int status : kStatuses) {
    FuzzClient client(status, body, kKeyOnly);
    check_result(client->followers("ada_example", "c1"), kKeyOnly);
    // The range asks for the next page with whatever cursor the body gave;
    // the same body comes back, which must end the range, not loop.
    RangeOptions options;
    options.limit = 1000;
    std::size_t items = 0;
    for (auto const& user : client->all_following("ada_example", options)) {
      check_result(user, kKeyOnly);
      if (++items > 100000) violated("range does not end");
    }
  }
}

inline void message(std::uint8_t const* data, std::size_t size) {
  auto const body = as_body(data, size);
  check_result(internal::decode_send_dm(body), {});
  for (int status : kStatuses) {
    // On 500 the duplicate-safe path lists the inbox, and gets this body again.
    FuzzClient client(status, body, kKeyAndToken);
    check_result(
        client->send_dm(SendDmRequest{kAuthToken, Recipient::by_username("grace_h"), "Hi Grace"}),
        kKeyAndToken);
    check_result(client->send_dm(SendDmRequest{kAuthToken, Recipient::by_id("1700000000000000002"),
                                               "Hi again"}),
                 kKeyAndToken);
  }
}

inline void message_page(std::uint8_t const* data, std::size_t size) {
  auto const body = as_body(data, size);
  check_result(internal::decode_message_page(body), {});
  for (int status : kStatuses) {
    FuzzClient client(status, body, kKeyAndToken);
    check_result(client->list_dms(ListDmsRequest{kAuthToken, "", 20}), kKeyAndToken);
    std::size_t items = 0;
    for (auto const& m : client->all_dms(kAuthToken)) {
      check_result(m, kKeyAndToken);
      if (++items > 100000) violated("range does not end");
    }
  }
}

inline void login(std::uint8_t const* data, std::size_t size) {
  auto const body = as_body(data, size);
  auto decoded = internal::decode_login(body);
  check_result(decoded, {});
  for (int status : kStatuses) {
    FuzzClient client(status, body, kLoginSecrets);
    auto result =
        client->login(LoginRequest{"ada_example", kPassword, "ada@example.org", kTotpSecret});
    check_result(result, kLoginSecrets);
  }
}

inline void error_body(std::uint8_t const* data, std::size_t size) {
  auto const body = as_body(data, size);
  auto const parsed = internal::decode_error_body(body);
  if (parsed.retry_after && parsed.retry_after->count() < 0) violated("negative retry_after");
  (void)internal::parse_retry_after(body, std::chrono::system_clock::now());
  internal::Redactor redactor;
  redactor.add(kAuthToken);
  check_no_secret(redactor.body(body), {kAuthToken});
  HttpResponse response;
  response.body = std::string(body);
  response.headers.emplace_back("retry-after", std::string(body.substr(0, 64)));
  for (int status : {302, 400, 401, 403, 404, 408, 410, 413, 422, 423, 429, 500, 502, 503, 599}) {
    response.status = status;
    for (Endpoint endpoint : kAllEndpoints) {
      auto const error =
          internal::map_http_error(endpoint, response, std::chrono::system_clock::now());
      if (error.http_status() != status) violated("status lost");
      if (error.retry_after() && error.retry_after()->count() < 0) violated("negative retry_after");
      std::ostringstream printed;
      printed << error;
    }
  }
}

}  // namespace getxapi::fuzz
