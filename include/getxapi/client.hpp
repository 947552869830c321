/// @file
/// `getxapi::Client`: typed calls to GetXAPI's user and DM endpoints.
#pragma once

#include <getxapi/client_options.hpp>
#include <getxapi/clock.hpp>
#include <getxapi/connection.hpp>
#include <getxapi/conversation.hpp>
#include <getxapi/dm.hpp>
#include <getxapi/export.hpp>
#include <getxapi/inbox_range.hpp>
#include <getxapi/login.hpp>
#include <getxapi/message.hpp>
#include <getxapi/pacing.hpp>
#include <getxapi/range.hpp>
#include <getxapi/result.hpp>
#include <getxapi/session.hpp>
#include <getxapi/stats.hpp>
#include <getxapi/user.hpp>

#include <memory>
#include <string_view>

namespace getxapi {

/// A GetXAPI client. Cheap to copy (copies share one `Connection`: its
/// limits, stats and HTTP connections) and safe to use from several threads
/// at once.
///
/// No call throws for an outcome the API documents: each returns a
/// `Result`. Arguments are checked before anything is sent, so a bad one
/// costs nothing (kInvalidArgument, `attempts() == 0`).
///
/// Each call forwards to the client's `Connection` (see connection.hpp); the
/// ranges are built here from its per-page calls.
class GETXAPI_EXPORT Client {
 public:
  /// Never fails: a missing API key or a bad base URL is reported by each call
  /// as kInvalidArgument. Same as `Client(make_connection(std::move(options)))`.
  explicit Client(ClientOptions options);
  /// A client over `connection`, e.g. a `getxapi_mocks::MockConnection` in a
  /// test. Null: every call fails with kInvalidArgument.
  explicit Client(std::shared_ptr<Connection> connection);
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

  // ---- Conversations (src/conversation_ranges.cpp for the ranges) ----------
  /// POST /twitter/dm/conversation ($0.001): one page of one thread, newest
  /// first; `next_cursor` goes back in time.
  Result<MessagePage> conversation(ConversationRequest const& request);
  /// Every conversation of one inbox tab, each once (dm/list pages by
  /// messages: a thread on several pages is yielded the first time). The
  /// range's `user_id()` is the inbox owner. `options.page_size` is messages
  /// per dm/list page.
  InboxRange<Conversation> all_conversations(std::string_view auth_token,
                                             InboxTab tab = InboxTab::kAll,
                                             RangeOptions options = {});
  /// The same with a Session's ct0/twid (faster) and proxy.
  InboxRange<Conversation> all_conversations(Session const& session, InboxTab tab = InboxTab::kAll,
                                             RangeOptions options = {});
  /// Every message of one thread, newest first (dm/conversation pages).
  InboxRange<Message> all_conversation_messages(std::string_view auth_token,
                                                std::string_view conversation_id,
                                                RangeOptions options = {});
  /// The same with a Session's proxy.
  InboxRange<Message> all_conversation_messages(Session const& session,
                                                std::string_view conversation_id,
                                                RangeOptions options = {});

  /// Requests, retries, waits, billed calls and spend so far, per endpoint.
  Stats stats() const;

  /// Tells the daily send cap that `sends` DMs were already sent today (UTC)
  /// with `auth_token`, e.g. by an earlier run recorded in a journal.
  void seed_daily_sends(std::string_view auth_token, int sends);
  /// Sends counted today (UTC) for `auth_token` against the daily cap.
  int daily_sends(std::string_view auth_token) const;

  /// The connection this client forwards to.
  std::shared_ptr<Connection> const& connection() const noexcept { return connection_; }
  /// The connection's clock (never null): the one that decides which UTC day
  /// a send counts against. Code that journals sends beside this client (the
  /// outreach runner) dates them with it rather than with a clock of its own.
  std::shared_ptr<Clock> clock() const;
  /// The pacing the connection enforces (send delay, daily cap, limits).
  PacingOptions pacing() const;

 private:
  std::shared_ptr<Connection> connection_;
};

}  // namespace getxapi
