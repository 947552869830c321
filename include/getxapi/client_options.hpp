/// @file
/// Everything a `Client` can be configured with. Every seam (transport,
/// clock, sleeper, random source, logger) is injectable for tests.
#pragma once

#include <getxapi/clock.hpp>
#include <getxapi/curl_transport.hpp>
#include <getxapi/endpoint.hpp>
#include <getxapi/error.hpp>
#include <getxapi/logger.hpp>
#include <getxapi/pacing.hpp>
#include <getxapi/retry_policy.hpp>
#include <getxapi/stats.hpp>
#include <getxapi/transport.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace getxapi {

/// Why the client is about to wait.
enum class WaitReason {
  kBackoff,     ///< Exponential backoff after a retryable failure.
  kRetryAfter,  ///< The server asked (`retry_after` / `Retry-After`).
  kRateLimit,   ///< A local per-endpoint limit (e.g. 900 dm/list per 15 min).
  kSendDelay,   ///< The pause between two sends (`PacingOptions::send_delay_*`).
};

GETXAPI_EXPORT std::string_view to_string(WaitReason reason) noexcept;

/// Told to `ClientOptions::on_wait` before every sleep.
struct WaitEvent {
  Endpoint endpoint;
  WaitReason reason;
  std::chrono::milliseconds delay;
  /// Requests made so far in this call.
  int attempts = 0;
  /// The failure being retried (backoff and retry-after waits only).
  std::optional<Error> error;
};

/// Client configuration. Only `api_key` is required.
struct ClientOptions {
  /// Your GetXAPI key, sent as `Authorization: Bearer <api_key>`. Secret.
  std::string api_key;
  /// Where GetXAPI lives; point it at `getxapi-sandbox` to try things for free.
  /// Must be http:// or https://.
  std::string base_url = "https://api.getxapi.com";

  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  /// The whole of one request, connect included.
  std::chrono::milliseconds timeout = std::chrono::seconds(30);

  /// Cloned per call. Null: `LimitedRetryPolicy()` (4 attempts, 60 s, 30 s single-wait cap).
  std::shared_ptr<RetryPolicy const> retry_policy;
  /// Cloned per call. Null: `ExponentialBackoffPolicy()` (500 ms, x2, 30 s cap, full jitter).
  std::shared_ptr<BackoffPolicy const> backoff_policy;
  /// Called before every wait; return false to stop waiting and return the
  /// error now (kRateLimited for pacing waits).
  std::function<bool(WaitEvent const&)> on_wait;

  /// Local rate pacing; see `PacingOptions` for defaults.
  PacingOptions pacing;

  /// Before re-sending a dm/send that failed in a way that may have delivered
  /// it (5xx, or a timeout / dropped connection after the request went out),
  /// look for it in the sender's newest dm/list page and return it, marked
  /// `recovered`, instead of sending twice. Costs one billed dm/list call,
  /// only on that failure path. The send is not repeated, and the call fails
  /// with `request_sent()` true, when the inbox cannot be checked or when the
  /// first attempt timed out and is not in the inbox yet (a slow server may
  /// still deliver it). dm/send always travels on a fresh connection, so
  /// libcurl never replays it on its own.
  bool duplicate_safe_send = true;
  /// How far before the first attempt a found message may be dated, to allow
  /// for clock skew between this machine and X.
  std::chrono::seconds duplicate_check_skew = std::chrono::seconds(120);

  /// The proxy GetXAPI reaches X through for the inbox reads (dm/list,
  /// dm/conversation) of requests that name none: one client per account keeps
  /// accounts apart. `http://`, `https://`, `socks5://` or `socks4://`; a bad one
  /// refuses those calls (kInvalidArgument). Credentials in it are masked in logs.
  std::string default_proxy;

  /// Prices for `Client::stats()` and the spend limit.
  PriceTable prices;
  /// Refuse (kBudgetExceeded, nothing sent) any call whose price would take
  /// billed spend past this many US dollars. nullopt: no limit.
  std::optional<double> spend_limit_usd;

  /// Masked request/response logging; see `Logger`.
  Logger logger;

  /// The network. Null: a `CurlTransport` built from `curl`.
  std::shared_ptr<Transport> transport;
  /// Used only when `transport` is null. `user_agent` defaults to getxapi-cpp/<version>.
  CurlTransportOptions curl;

  /// Time and chance. Null: the real ones.
  std::shared_ptr<Clock> clock;
  std::shared_ptr<Sleeper> sleeper;
  std::shared_ptr<RandomSource> random;
};

}  // namespace getxapi
