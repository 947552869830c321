/// @file
/// `getxapi::Connection`: the seam between `Client` and the network, in the
/// style of google-cloud-cpp's `*Connection` classes.
///
/// `Client` is a thin, copyable handle that forwards each call to a
/// `Connection`. `make_connection()` builds the real one (validation,
/// pacing, spend limit, retries, duplicate-safe sending, HTTP). Tests of
/// code that uses a `Client` can pass a `getxapi_mocks::MockConnection`
/// (<getxapi/mocks/mock_connection.hpp>) instead and script each call,
/// without an HTTP server:
///
/// @code
/// auto mock = std::make_shared<getxapi_mocks::MockConnection>();
/// EXPECT_CALL(*mock, user_info("ada")).WillOnce(Return(Result<User>(User{...})));
/// getxapi::Client client(mock);
/// @endcode
///
/// The ranges (`Client::all_followers`, `all_following`, `all_dms`) are
/// built by `Client` from the per-page calls below, so a mock drives them
/// too, loop guard included.
#pragma once

#include <getxapi/client_options.hpp>
#include <getxapi/clock.hpp>
#include <getxapi/dm.hpp>
#include <getxapi/export.hpp>
#include <getxapi/login.hpp>
#include <getxapi/message.hpp>
#include <getxapi/pacing.hpp>
#include <getxapi/result.hpp>
#include <getxapi/stats.hpp>
#include <getxapi/user.hpp>

#include <memory>
#include <string_view>

namespace getxapi {

/// One virtual function per API call, plus what a caller may need to know
/// about the connection (its counters, daily-cap state, clock and pacing).
///
/// Every call has a default that fails with kUnknown ("not implemented by
/// this Connection"), so a new call added to the interface does not break
/// existing subclasses. Implementations must be safe to call from several
/// threads at once, and must not throw for an outcome the API documents.
class GETXAPI_EXPORT Connection {
 public:
  virtual ~Connection() = default;

  /// POST /twitter/user_login.
  virtual Result<LoginResult> login(LoginRequest const& request);
  /// GET /twitter/user/info. `user_name` may carry a leading '@'.
  virtual Result<User> user_info(std::string_view user_name);
  /// GET /twitter/user/followers_v2: one page from `cursor` (empty: the first).
  virtual Result<UserPage> followers(std::string_view user_name, std::string_view cursor);
  /// GET /twitter/user/following_v2: one page from `cursor`.
  virtual Result<UserPage> following(std::string_view user_name, std::string_view cursor);
  /// POST /twitter/dm/send.
  virtual Result<Message> send_dm(SendDmRequest const& request);
  /// POST /twitter/dm/list: one page of the inbox, newest first.
  virtual Result<MessagePage> list_dms(ListDmsRequest const& request);

  /// POST /twitter/dm/conversation: one page of one thread, newest first.
  /// (Tabs, ct0/twid and proxy of dm/list travel in `ListDmsRequest`; the
  /// conversation ranges are built by `Client` from these two calls.)
  virtual Result<MessagePage> conversation(ConversationRequest const& request);

  /// Requests, retries, waits, billed calls and spend so far. Default: zeros.
  virtual Stats stats() const;
  /// See `Client::seed_daily_sends`. Default: ignored.
  virtual void seed_daily_sends(std::string_view auth_token, int sends);
  /// See `Client::daily_sends`. Default: 0.
  virtual int daily_sends(std::string_view auth_token) const;

  /// The clock this connection dates things with (daily caps, "sent since"
  /// checks). Code that must agree with the connection about which UTC day
  /// it is (e.g. the outreach runner) reads it here. Default: the system clock.
  virtual std::shared_ptr<Clock> clock() const;
  /// The pacing this connection enforces (send delay, daily cap, limits).
  /// Default: `PacingOptions` with `enabled = false` (nothing enforced).
  virtual PacingOptions pacing() const;
};

/// The real connection: validation, pacing, spend limit, retries,
/// duplicate-safe sending and masked logging over `options.transport` (a
/// `CurlTransport` when null). Never fails: a bad option is reported by each
/// call as kInvalidArgument, as `Client(ClientOptions)` does.
GETXAPI_EXPORT std::shared_ptr<Connection> make_connection(ClientOptions options);

}  // namespace getxapi
