// getxapi-sandbox: a stateful, in-process GetXAPI emulator with fault injection.
//
// Embed it in tests, demos and benchmarks:
//
//   getxapi::sandbox::Sandbox sandbox;          // the built-in default world
//   int port = sandbox.start();                 // ephemeral port, background threads
//   ClientOptions o{"any-key", sandbox.base_url()};
//
// The wire contract, the admin API and the default world are documented in docs/sandbox.md.
#ifndef GETXAPI_SANDBOX_SANDBOX_HPP_
#define GETXAPI_SANDBOX_SANDBOX_HPP_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace getxapi::sandbox {

// The fixed part of every world the sandbox generates (default and --seed).
namespace fixed {
inline constexpr char kPassword[] = "sandbox-password";
inline constexpr char kAdaUserName[] = "ada_example";
inline constexpr char kAdaId[] = "1700000000000000001";
inline constexpr char kAdaToken[] = "sandbox-token-ada";
inline constexpr char kGraceUserName[] = "grace_h";
inline constexpr char kGraceId[] = "1700000000000000002";
inline constexpr char kGraceToken[] = "sandbox-token-grace";
inline constexpr char kClosedUserName[] = "closed_dms";
inline constexpr char kClosedId[] = "1700000000000000003";
inline constexpr char kLonelyUserName[] = "lonely_user";
inline constexpr char kLonelyId[] = "1700000000000000004";
inline constexpr char kNewUserName[] = "new_account";
inline constexpr char kNewId[] = "1700000000000000010";
inline constexpr char kNewToken[] = "sandbox-token-new";
inline constexpr char kPremiumUserName[] = "premium_brand";
inline constexpr char kPremiumId[] = "1700000000000000020";
inline constexpr char kPremiumToken[] = "sandbox-token-premium";
inline constexpr char kTotpUserName[] = "totp_user";
inline constexpr char kTotpId[] = "1700000000000000030";
inline constexpr char kTotpToken[] = "sandbox-token-totp";
inline constexpr char kLockedUserName[] = "locked_user";
inline constexpr char kLockedId[] = "1700000000000000040";
}  // namespace fixed

struct SandboxOptions {
  std::string host = "127.0.0.1";
  int port = 0;                       // 0 = ephemeral
  std::string data_file;              // empty = the built-in default world
  std::optional<std::uint64_t> seed;  // generate a world from this seed instead
  std::string api_key;                // empty = accept any non-empty Bearer key
  bool log_requests = false;          // one masked line per request on stderr

  // Worker threads: every open keep-alive connection and every delayed (fault) request
  // holds one, so size it for the concurrency of the clients under test.
  int threads = 32;
  // dm/list limit per auth_token and its rolling window; tests shrink them to stay fast.
  int dm_list_limit = 900;
  std::chrono::seconds dm_list_window{15 * 60};
  // Seeds the RNG of probability faults, so a flaky-network run can be replayed.
  std::uint64_t fault_seed = 1;
  // How long an idle keep-alive connection stays open.
  int keep_alive_timeout_seconds = 5;
};

class Sandbox {
 public:
  // Loads or generates the world; throws std::runtime_error if the data file is unusable.
  explicit Sandbox(SandboxOptions options = {});
  ~Sandbox();  // stops if running
  Sandbox(Sandbox const&) = delete;
  Sandbox& operator=(Sandbox const&) = delete;

  // Binds, serves on background threads, returns the port; throws std::runtime_error.
  int start();
  void stop();
  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  void wait();                   // block until stop()

  // In-process equivalents of admin endpoints, for tests that embed the sandbox.
  void reset();                                // POST /_sandbox/reset
  void advance_time(std::chrono::seconds by);  // POST /_sandbox/time
  std::string dump_world() const;              // the world data file (JSON text)
  // POST /_sandbox/inbound, /_sandbox/edit and /_sandbox/inbound_stream: JSON text in and
  // out, as documented in docs/sandbox.md; std::invalid_argument (the 4xx body) if refused.
  std::string inbound(std::string const& json_body);
  std::string edit(std::string const& json_body);
  std::string inbound_stream(std::string const& json_body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace getxapi::sandbox

#endif  // GETXAPI_SANDBOX_SANDBOX_HPP_
