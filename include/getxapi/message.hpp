/// @file
/// Direct messages, and the pages dm/list and dm/conversation return.
#pragma once

#include <getxapi/export.hpp>
#include <getxapi/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace getxapi {

// Defined in <getxapi/conversation.hpp> (included at the end of this header):
// a Conversation holds its last Message, so Message has to come first.
enum class InboxTab;
struct Conversation;
struct DmEvent;
struct DmUser;

/// A photo, video or GIF attached to a message (wire `media`).
struct MessageMedia {
  std::string type;  ///< "photo", "video" or "gif" (kept as sent).
  std::string url;   ///< Wire `url` (or `media_url_https` / `media_url`).
};

/// A link in a message's text (wire `links[]`).
struct MessageLink {
  std::string url;           ///< As in the text, e.g. a t.co link.
  std::string expanded_url;  ///< Where it leads; empty when not given.
};

/// A reaction someone left on a message (wire `reactions[]`).
struct MessageReaction {
  std::string emoji;
  std::string sender_id;  ///< Who reacted (wire `senderId` or `sender_id`).
};

/// A direct message. Wire names are camelCase; the snake_case spellings seen
/// in the field (`sender_id`, `recipient_id`, `conversation_id`) are accepted.
struct Message {
  std::string id;  ///< Always present.
  /// Wire `createdAt` (ISO 8601, milliseconds); nullopt when absent or unparseable.
  std::optional<Timestamp> created_at;
  std::string sender_id;
  std::string recipient_id;
  /// Empty when the service could not decrypt the message (`text` absent).
  std::string text;
  /// Present on dm/send responses (and sometimes in dm/list).
  std::string recipient_username;
  /// Wire `conversationId`: the thread, for `Client::conversation`.
  std::string conversation_id;
  /// Wire `reply_to_message_id`; empty when the message is not a reply.
  std::string reply_to_message_id;
  /// Wire `edit_count`: an edited message keeps its id and comes back higher.
  int edit_count = 0;
  /// Wire `media`; nullopt when the message has none.
  std::optional<MessageMedia> media;
  std::vector<MessageLink> links;
  std::vector<MessageReaction> reactions;
  /// True when `send_dm` found this message in the inbox after a failed
  /// attempt (see `ClientOptions::duplicate_safe_send`) instead of sending again.
  bool recovered = false;
  /// The message object exactly as received (`shared_tweet`, `card` and any
  /// field this SDK does not model are here).
  nlohmann::json raw;
};

/// One page of the inbox (dm/list) or of one thread (dm/conversation), newest
/// first. Older dm/list deployments send only the messages: the conversation
/// fields are then empty.
struct MessagePage {
  std::vector<Message> items;
  /// Cursor for the next page; empty on the last page.
  std::string next_cursor;
  bool has_more = false;
  /// The cursor this page was requested with (empty for the first page).
  std::string cursor;
  /// Wire `userId`: the account whose inbox this is (the inbox owner).
  std::string user_id;
  /// The tab this page lists (dm/list; the one requested when the answer does
  /// not say). Value-initialised: `InboxTab::kAll`.
  InboxTab tab{};
  /// dm/conversation only: the thread this page belongs to.
  std::string conversation_id;
  /// dm/list: the conversations the page's messages belong to. dm/list pages
  /// by messages, so one conversation can appear on several pages.
  std::vector<Conversation> conversations;
  std::vector<DmEvent> events;
  /// Wire `users`: everyone the page mentions, by id.
  std::map<std::string, DmUser, std::less<>> users;
  /// The whole response object as received, minus the arrays decoded above
  /// (`messages`, `conversations`, `events`, `users`).
  nlohmann::json raw;

  /// The user with this id from `users`; null when the page does not say.
  GETXAPI_EXPORT DmUser const* user(std::string_view id) const;
};

/// The wire shape, `{"type": ..., "url": ...}`, for code that writes messages
/// back out as JSON (`nlohmann::json j = message.media;`).
inline void to_json(nlohmann::json& j, MessageMedia const& media) {
  j = {{"type", media.type}, {"url", media.url}};
}
/// No media is `null`, as on the wire.
inline void to_json(nlohmann::json& j, std::optional<MessageMedia> const& media) {
  if (media) {
    to_json(j, *media);
  } else {
    j = nullptr;
  }
}

/// Prints id, sender, recipient and the text's length, never the text itself
/// (message bodies can be private).
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, Message const& message);
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, MessagePage const& page);

}  // namespace getxapi

#include <getxapi/conversation.hpp>
