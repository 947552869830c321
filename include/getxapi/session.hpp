/// @file
/// `Session`: one account's X session as the DM calls take it, from login.
#pragma once

#include <getxapi/conversation.hpp>
#include <getxapi/dm.hpp>
#include <getxapi/export.hpp>
#include <getxapi/login.hpp>

#include <iosfwd>
#include <string>

namespace getxapi {

/// What `Client::login` returned, kept together with the proxy GetXAPI should
/// reach X through for this account, so every inbox read passes `ct0` and
/// `twid` on (GetXAPI then skips its credential lookup: faster) in one line:
///
/// @code
/// auto login = client.login({"ada_example", password});
/// auto session = getxapi::Session::from_login(*login, "socks5://user:pass@10.0.0.7:1080");
/// auto page = client.list_dms(session.list_dms(getxapi::InboxTab::kRequests));
/// for (auto const& c : client.all_conversations(session)) ...
/// @endcode
///
/// Stale `ct0`/`twid` (X rotated them, or the session was logged out) are not
/// caught early: the call fails when GetXAPI acts on X, typically kAuthTokenInvalid
/// or kForbidden rather than a quick 401. Log in again and build a new Session;
/// a session with only `auth_token` set still works, the slower way.
///
/// Printing masks the tokens and any proxy credentials.
struct Session {
  std::string auth_token;  ///< Secret.
  std::string ct0;         ///< Secret. Both ct0 and twid, or neither.
  std::string twid;        ///< `u=<user id>`.
  /// `http://`, `https://`, `socks5://` or `socks4://`; empty: the client's default.
  std::string proxy;

  /// The three tokens of `login`, and `proxy`.
  GETXAPI_EXPORT static Session from_login(LoginResult const& login, std::string proxy = {});

  /// The account's user id, read from `twid` (`u=123` or `u%3D123`): the
  /// inbox owner's id without a call. Empty when twid does not say.
  GETXAPI_EXPORT std::string user_id() const;

  /// A dm/list request for `tab` with this session's tokens and proxy.
  GETXAPI_EXPORT ListDmsRequest list_dms(InboxTab tab = InboxTab::kAll,
                                         std::string cursor = {}) const;
  /// A dm/conversation request for one thread with this session's token and proxy.
  GETXAPI_EXPORT ConversationRequest conversation(std::string conversation_id,
                                                  std::string cursor = {}) const;
};

GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, Session const& session);

}  // namespace getxapi
