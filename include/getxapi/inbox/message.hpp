/// @file
/// What the watcher hands to a handler, and what the handler answers.
#pragma once

#include <getxapi/inbox/export.hpp>
#include <getxapi/message.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>

namespace getxapi::inbox {

/// Who wrote a message, from the `users` lookup of dm/list and dm/conversation.
struct Sender {
  std::string id;
  std::string screen_name;  ///< Handle without '@'; empty when the service did not say.
  std::string name;         ///< Display name; may be empty.
};

/// One inbound message (or an edit of one) handed to the handler.
struct GETXAPI_INBOX_EXPORT InboundMessage {
  /// The message as GetXAPI sent it (`message.raw` keeps every wire field).
  Message message;
  std::string conversation_id;
  /// The inbox tab it was found in: "all", "requests" or "hidden".
  std::string tab;
  Sender sender;
  int edit_count = 0;
  /// True when this is an edit (same id, higher `edit_count`) of a message
  /// handed over before. A reply to an edit is never sent.
  bool is_edit = false;
  /// True while a person answering from the account has paused auto-replies in
  /// this conversation (human handoff): a reply returned now is not sent.
  bool auto_reply_paused = false;
  /// The delivery's number in the watcher's store (stable across restarts).
  std::int64_t sequence = 0;
  /// 1 on the first hand-over, more when it was handed over before without an
  /// acknowledgement (a crash, a handler that asked for a retry).
  int attempt = 1;

  /// GetXAPI's field names (`id`, `senderId`, `text`, `createdAt`, ...) plus
  /// `conversation_id`, `tab`, `edit_count`, `edited` and a `sender` object
  /// (`id`, `screen_name`, `name`): the line `getxapi dm watch --json` prints.
  nlohmann::json to_json() const;
  /// The inverse of `to_json` (used to hand a stored message over again).
  static InboundMessage from_json(nlohmann::json const& j);
};

/// What the handler decided about one message.
struct Decision {
  /// False: not handled; the message is handed over again on the next poll and
  /// later messages of the same conversation wait behind it.
  bool acknowledge = true;
  /// Non-empty: send this as the reply in the conversation, exactly once.
  std::string reply;

  static Decision ack() { return {}; }
  static Decision answer(std::string text) { return Decision{true, std::move(text)}; }
  static Decision retry() { return Decision{false, {}}; }
};

/// Prints the ids, the tab and the text's length, never the text.
GETXAPI_INBOX_EXPORT std::ostream& operator<<(std::ostream& os, InboundMessage const& m);

}  // namespace getxapi::inbox
