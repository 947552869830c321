/// @file
/// Requests for sending, listing and reading direct messages.
#pragma once

#include <getxapi/conversation.hpp>
#include <getxapi/export.hpp>

#include <iosfwd>
#include <optional>
#include <string>

namespace getxapi {

/// Who a DM goes to: by numeric user id (exact, preferred) or by handle.
class GETXAPI_EXPORT Recipient {
 public:
  enum class Kind { kId, kUserName };

  /// A numeric X user id, e.g. "1700000000000000002".
  static Recipient by_id(std::string id) { return Recipient(Kind::kId, std::move(id)); }
  /// A handle, with or without a leading '@'.
  static Recipient by_username(std::string user_name) {
    return Recipient(Kind::kUserName, std::move(user_name));
  }

  Recipient() = default;
  Kind kind() const noexcept { return kind_; }
  /// The id or the handle, as given.
  std::string const& value() const noexcept { return value_; }
  bool is_id() const noexcept { return kind_ == Kind::kId; }

  friend bool operator==(Recipient const& a, Recipient const& b) {
    return a.kind_ == b.kind_ && a.value_ == b.value_;
  }

 private:
  Recipient(Kind kind, std::string value) : kind_(kind), value_(std::move(value)) {}
  Kind kind_ = Kind::kId;
  std::string value_;
};

/// POST /twitter/dm/send.
struct SendDmRequest {
  std::string auth_token;  ///< The sender's X session. Secret.
  Recipient recipient;
  std::string text;  ///< 1 to 10,000 Unicode code points, valid UTF-8, not only spaces.
};

/// POST /twitter/dm/list. Every field is checked before anything is sent.
struct ListDmsRequest {
  std::string auth_token;    ///< Whose inbox. Secret.
  std::string cursor;        ///< Empty for the newest page; pages within one tab.
  std::optional<int> count;  ///< Messages per page, 1..100; the server's default is 50.
  InboxTab tab = InboxTab::kAll;
  /// From `LoginResult` (see `Session`): both or neither. Sending them skips
  /// GetXAPI's credential lookup (faster); stale values fail on the X action
  /// itself rather than with an early 401. `ct0` is a secret.
  std::string ct0{};  // `{}`: brace-initialising the first fields stays warning-free
  std::string twid{};
  /// How GetXAPI reaches X for this account: an `http://`, `https://`,
  /// `socks5://` or `socks4://` URL. Empty: `ClientOptions::default_proxy`.
  /// Credentials in it (`user:pass@`) are masked in logs and printing.
  std::string proxy{};
};

/// POST /twitter/dm/conversation: one thread, newest first.
struct ConversationRequest {
  std::string auth_token;       ///< Whose inbox. Secret.
  std::string conversation_id;  ///< `Conversation::id` or `Message::conversation_id`. Required.
  std::string cursor{};         ///< Empty for the newest page; `next_cursor` goes back in time.
  std::optional<int> count{};   ///< Messages per page, 1..100; the server's default is 50.
  std::string proxy{};          ///< As `ListDmsRequest::proxy`.
};

GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, Recipient const& recipient);
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, SendDmRequest const& request);
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, ListDmsRequest const& request);
/// Masks the token and any proxy credentials.
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, ConversationRequest const& request);

}  // namespace getxapi
