/// @file
/// Direct messages, as dm/send and dm/list return them.
#pragma once

#include <getxapi/export.hpp>
#include <getxapi/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace getxapi {

/// A direct message.
struct Message {
  std::string id;  ///< Always present.
  /// Wire `createdAt` (ISO 8601, milliseconds); nullopt when absent or unparseable.
  std::optional<Timestamp> created_at;
  std::string sender_id;
  std::string recipient_id;
  std::string text;
  /// Present on dm/send responses (and sometimes in dm/list).
  std::string recipient_username;
  /// Wire `media`: null when the message has none.
  nlohmann::json media;
  /// True when `send_dm` found this message in the inbox after a failed
  /// attempt (see `ClientOptions::duplicate_safe_send`) instead of sending again.
  bool recovered = false;
  /// The message object exactly as received.
  nlohmann::json raw;
};

/// One page of the DM inbox (dm/list), newest first.
struct MessagePage {
  std::vector<Message> items;
  /// Cursor for the next page; empty on the last page.
  std::string next_cursor;
  bool has_more = false;
  /// The cursor this page was requested with (empty for the first page).
  std::string cursor;
  /// Wire `userId`: the account whose inbox this is.
  std::string user_id;
  /// The whole response object as received, minus the items array.
  nlohmann::json raw;
};

/// Prints id, sender, recipient and the text's length, never the text itself
/// (message bodies can be private).
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, Message const& message);
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, MessagePage const& page);

}  // namespace getxapi
