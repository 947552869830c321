/// @file
/// Conversations: the inbox as GetXAPI's dm/list and dm/conversation describe it
/// (inbox tabs, threads, the users they involve, non-message events).
#pragma once

#include <getxapi/export.hpp>
#include <getxapi/message.hpp>
#include <getxapi/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace getxapi {

/// The three inbox tabs of dm/list.
enum class InboxTab {
  kAll,       ///< `all`: the main inbox (the default).
  kRequests,  ///< `requests`: message requests from accounts the owner does not follow.
  kHidden,    ///< `hidden`: low-quality message requests.
};

/// "all", "requests" or "hidden" (the wire spelling); "?" for a value outside the enum.
GETXAPI_EXPORT std::string_view to_string(InboxTab tab) noexcept;
/// The wire spelling back to a tab (exact, lower case); nullopt for anything else.
GETXAPI_EXPORT std::optional<InboxTab> parse_inbox_tab(std::string_view text) noexcept;
/// True for the three enumerators (a cast integer may be none of them).
GETXAPI_EXPORT bool is_valid(InboxTab tab) noexcept;

/// A user as the DM endpoints describe one: in a page's `users` lookup (every
/// field) or as a conversation participant (id, screen_name and name only).
struct DmUser {
  std::string id;           ///< Always present.
  std::string screen_name;  ///< Handle without the '@'.
  std::string name;         ///< Display name.
  std::string profile_image_url;
  bool verified = false;
  bool is_blue_verified = false;
  bool is_protected = false;  ///< Wire `protected`.
  /// The object as received (every field, known or new). Null for
  /// participants: their full record is in `MessagePage::users`.
  nlohmann::json raw;
};

/// One thread of the inbox, as dm/list lists it.
struct Conversation {
  /// Wire `conversation_id`: opaque (`<id>-<id>` for one-to-one threads, other
  /// shapes exist); pass it to `Client::conversation`. Always present.
  std::string id;
  /// Wire `type`: "ONE_TO_ONE" or "GROUP_DM" (kept as sent: new kinds appear).
  std::string type;
  /// True while the thread has messages the owner has not read.
  bool unread = false;
  /// Wire `sort_timestamp` (epoch milliseconds): the inbox is ordered by it.
  std::optional<Timestamp> sort_time;
  /// Everyone in the thread, the inbox owner included.
  std::vector<DmUser> participants;
  /// The newest message, when the service sent one.
  std::optional<Message> last_message;
  /// The conversation object as received, minus `participants` and
  /// `last_message` (decoded above; `last_message->raw` keeps the latter).
  nlohmann::json raw;

  bool is_group() const noexcept { return type == "GROUP_DM"; }
  /// The participants other than `owner_id` (the inbox owner, `MessagePage::user_id`).
  GETXAPI_EXPORT std::vector<DmUser> others(std::string_view owner_id) const;
};

/// Something that happened in a conversation other than a message (a request
/// accepted, encryption enabled, ...).
struct DmEvent {
  std::string type;  ///< E.g. "message_request_accepted"; kept as sent.
  std::string conversation_id;
  /// Wire `createdAt` (or `created_at`); nullopt when absent or unparseable.
  std::optional<Timestamp> created_at;
  /// The event object as received.
  nlohmann::json raw;
};

/// Prints the tab's wire spelling.
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, InboxTab tab);
/// `DmUser{id=..., screen_name=@..., name="..."}`.
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, DmUser const& user);
/// Id, type, unread, participants' handles and the last message summarised
/// like `Message` (never its text).
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, Conversation const& conversation);
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, DmEvent const& event);

}  // namespace getxapi
