/// @file
/// The default transport: libcurl with connection reuse and verified TLS.
#pragma once

#include <getxapi/export.hpp>
#include <getxapi/transport.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace getxapi {

/// Settings of `CurlTransport`. The defaults are safe for production.
struct CurlTransportOptions {
  /// Responses larger than this fail with kInvalidResponse (memory stays bounded).
  std::size_t max_response_bytes = std::size_t{8} * 1024 * 1024;
  /// Verify the server's certificate and host name. Turn off only for tests.
  bool verify_tls = true;
  /// A PEM bundle of CAs to trust INSTEAD of the system's (libcurl's CAINFO);
  /// empty for the system bundle. To add a CA (e.g. a corporate proxy's),
  /// concatenate it with the system bundle into one file (docs/security.md).
  std::string ca_file;
  /// Sent as User-Agent; empty means `getxapi-cpp/<version>`.
  std::string user_agent;
  /// Idle connections kept for reuse, across all threads.
  std::size_t max_idle_handles = 16;
};

/// libcurl-based `Transport`. Each request borrows an easy handle from a
/// small pool and gives it back, so a thread that calls again reuses its
/// warm connection (keep-alive, TLS session) and no lock is held during I/O.
/// TLS 1.2 is the minimum; only http and https are allowed, and redirects are
/// not followed (the API does not redirect; following one could leak the key).
class GETXAPI_EXPORT CurlTransport : public Transport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(CurlTransport const&) = delete;
  CurlTransport& operator=(CurlTransport const&) = delete;

  Result<HttpResponse> send(HttpRequest const& request) override;

  /// Connections libcurl opened so far (for tests and benchmarks).
  long connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace getxapi
