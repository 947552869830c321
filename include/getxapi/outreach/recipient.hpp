/// @file
/// One recipient of a campaign and the state the journal keeps for it.
#pragma once

#include <getxapi/outreach/export.hpp>
#include <getxapi/timestamp.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace getxapi::outreach {

/// Where a recipient is. The journal moves a recipient
/// pending -> sending -> sent | failed | pending, and pending -> skipped.
enum class RecipientState {
  kPending,  ///< Not messaged yet (or certainly not delivered by an earlier attempt).
  kSending,  ///< A dm/send went out and its outcome is not known yet; reconciled
             ///< against the inbox before anything else is sent.
  kSent,     ///< Delivered; `message_id` is set.
  kSkipped,  ///< Not messaged on purpose (`reason`, e.g. canDm false).
  kFailed,   ///< A permanent per-recipient error (`error_code`, `reason`, `attempts`).
};

/// "pending", "sending", "sent", "skipped" or "failed".
GETXAPI_OUTREACH_EXPORT std::string_view to_string(RecipientState state) noexcept;
/// The inverse of `to_string`; nullopt for anything else.
GETXAPI_OUTREACH_EXPORT std::optional<RecipientState> parse_recipient_state(
    std::string_view text) noexcept;

/// A row of the journal's recipient table.
struct RecipientRecord {
  std::int64_t seq = 0;   ///< Position in the audience (followers order, or file order).
  std::string user_id;    ///< Empty until a handle from a file is resolved.
  std::string user_name;  ///< Empty for an id from a file.
  std::string name;       ///< Display name, when known.
  std::optional<bool> can_dm;
  RecipientState state = RecipientState::kPending;
  std::string text;        ///< The rendered message, once it was (about to be) sent.
  std::string message_id;  ///< Set when sent.
  bool recovered = false;  ///< Sent, but learnt from the inbox rather than a 200.
  std::string reason;      ///< Why skipped or failed (human readable).
  std::string error_code;  ///< `ErrorCode` name of the last failure, e.g. "kCannotDm".
  int attempts = 0;        ///< dm/send calls made for this recipient, over all runs.
  std::optional<Timestamp> sending_at;
  std::optional<Timestamp> sent_at;
  std::optional<Timestamp> replied_at;
  /// For a `sending` row whose dm/send failed ambiguously: until then it is
  /// never sent again, even if the inbox does not show it.
  std::optional<Timestamp> settle_at;
};

}  // namespace getxapi::outreach
