/// @file
/// The seam between the client and the network: one call, request in,
/// response (or transport error) out. Replace it to test, record or proxy.
#pragma once

#include <getxapi/export.hpp>
#include <getxapi/result.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace getxapi {

/// Header name/value pairs, in order. Names compare case-insensitively.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// The value of the first header called `name` (case-insensitive), or empty.
GETXAPI_EXPORT std::string_view find_header(HttpHeaders const& headers, std::string_view name);

/// A fully built request.
struct HttpRequest {
  std::string method;  ///< "GET" or "POST".
  std::string url;     ///< Absolute, query string included and escaped.
  HttpHeaders headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{30'000};  ///< Whole exchange.
  /// False for requests that must never be replayed behind the caller's back
  /// (dm/send): a transport must then not resend it on its own, e.g. when a
  /// reused keep-alive connection turns out to be dead. The client decides
  /// about retries itself, after checking whether the first one landed.
  bool idempotent = true;
};

/// A response of any status; the client interprets the status.
struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  ///< Names lower-cased.
  std::string body;
};

/// Sends one request. Implementations must be safe to call from several
/// threads at once. They return an `Error` only for failures below HTTP:
/// kNetwork, kTimeout, or kInvalidResponse (body over the size cap), with
/// `request_sent()` true when the request may have reached the server.
/// One `send` puts the request on the wire at most once: never re-send it on
/// your own (the client counts one request per `send` in `stats()` and in the
/// spend limit, and decides about retries itself).
class GETXAPI_EXPORT Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<HttpResponse> send(HttpRequest const& request) = 0;
};

}  // namespace getxapi
