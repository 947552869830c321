// HTTP status + GetXAPI error body -> typed Error (design.md section 2).
#pragma once

#include <getxapi/endpoint.hpp>
#include <getxapi/error.hpp>
#include <getxapi/timestamp.hpp>
#include <getxapi/transport.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace getxapi::internal {

/// Retry-After as delta-seconds or an HTTP-date (relative to `now`).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, Timestamp now);

/// Maps a non-2xx response. The message is the server's `error` text (or a
/// generic one); the caller scrubs secrets and sets attempts.
Error map_http_error(Endpoint endpoint, HttpResponse const& response, Timestamp now);

}  // namespace getxapi::internal
