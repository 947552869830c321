/// @file
/// `getxapi::Client`: typed calls to GetXAPI's user and DM endpoints.
#pragma once

#include <getxapi/client_options.hpp>
#include <getxapi/dm.hpp>
#include <getxapi/export.hpp>
#include <getxapi/login.hpp>
#include <getxapi/message.hpp>
#include <getxapi/range.hpp>
#include <getxapi/result.hpp>
#include <getxapi/stats.hpp>
#include <getxapi/user.hpp>

#include <memory>
#include <string_view>

namespace getxapi {

/// A GetXAPI client. Cheap to copy (copies share connections, limits and
/// stats) and safe to use from several threads at once.
///
/// No call throws for an outcome the API documents: each returns a
/// `Result`. Arguments are checked before anything is sent, so a bad one
/// costs nothing (kInvalidArgument, `attempts() == 0`).
class GETXAPI_EXPORT Client {
 public:
  /// Never fails: a missing API key or a bad base URL is reported by each call
  /// as kInvalidArgument.
  explicit Client(ClientOptions options);
  ~Client();
  Client(Client const&);
  Client& operator=(Client const&);
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  /// POST /twitter/user_login: exchange X credentials for an auth_token.
  Result<LoginResult> login(LoginRequest const& request);

  /// GET /twitter/user/info. A leading '@' is accepted and stripped.
  Result<User> user_info(std::string_view user_name);

  /// GET /twitter/user/followers_v2: one page (about 70 users), from `cursor`.
  Result<UserPage> followers(std::string_view user_name, std::string_view cursor = {});
  /// GET /twitter/user/following_v2: one page, from `cursor`.
  Result<UserPage> following(std::string_view user_name, std::string_view cursor = {});

  /// POST /twitter/dm/send. Retried per the retry policy; duplicate-safe by
  /// default (see `ClientOptions::duplicate_safe_send`).
  Result<Message> send_dm(SendDmRequest const& request);
  /// POST /twitter/dm/list: one page of the inbox, newest first.
  Result<MessagePage> list_dms(ListDmsRequest const& request);

  /// Every follower, page after page. See `Range`.
  Range<User> all_followers(std::string_view user_name, RangeOptions options = {});
  /// Every account `user_name` follows.
  Range<User> all_following(std::string_view user_name, RangeOptions options = {});
  /// Every message in the inbox of `auth_token`'s account, newest first.
  Range<Message> all_dms(std::string_view auth_token, RangeOptions options = {});

  /// Requests, retries, waits, billed calls and spend so far, per endpoint.
  Stats stats() const;

  /// Tells the daily send cap that `sends` DMs were already sent today (UTC)
  /// with `auth_token`, e.g. by an earlier run recorded in a journal.
  void seed_daily_sends(std::string_view auth_token, int sends);
  /// Sends counted today (UTC) for `auth_token` against the daily cap.
  int daily_sends(std::string_view auth_token) const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace getxapi
