/// @file
/// One queued DM of an outbox and its life cycle.
#pragma once

#include <getxapi/dm.hpp>
#include <getxapi/outbox/export.hpp>
#include <getxapi/timestamp.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace getxapi::outbox {

/// Where an entry is. `sending` is journaled before the dm/send goes out, so a
/// crash leaves it there until the sender's inbox says whether it was delivered.
enum class EntryState {
  kQueued,   ///< Waiting for its due time, an account, or a retry.
  kSending,  ///< Claimed by a worker; a dm/send may have gone out.
  kSent,     ///< Delivered, with the message id.
  kFailed,   ///< A dead letter: will never be sent (error code and reason kept).
  kExpired,  ///< Its expiry passed before it could be sent; never sent.
};

/// "queued", "sending", "sent", "failed", "expired".
GETXAPI_OUTBOX_EXPORT std::string_view to_string(EntryState state) noexcept;
/// The inverse of `to_string`; nullopt for anything else.
GETXAPI_OUTBOX_EXPORT std::optional<EntryState> parse_entry_state(std::string_view text) noexcept;
GETXAPI_OUTBOX_EXPORT std::ostream& operator<<(std::ostream& os, EntryState state);

/// What `Outbox::enqueue` takes.
struct NewEntry {
  Recipient recipient;  ///< By id (exact) or by handle (resolved once with user/info).
  std::string text;     ///< The DM, valid UTF-8, 1..10,000 code points.
  /// The same key twice is one DM, ever: the second enqueue returns the first entry.
  /// Empty: no deduplication.
  std::string key;
  /// Send only from this account of the pool (its name); empty: any account.
  std::string sender;
  std::optional<Timestamp> not_before;  ///< Not sent before this time.
  std::optional<Timestamp> expires;     ///< Never sent at or after this time.
};

/// An entry as stored.
struct Entry {
  std::int64_t id = 0;
  std::string key;
  Recipient recipient;
  std::string recipient_id;  ///< The resolved user id (empty until known).
  std::string text;
  std::string sender;  ///< The pinned account, if any.
  Timestamp created_at{};
  std::optional<Timestamp> not_before;
  std::optional<Timestamp> expires;
  Timestamp due_at{};  ///< Not tried before this (not_before, or a retry's backoff).
  EntryState state = EntryState::kQueued;
  int attempts = 0;     ///< Claims so far (sends, resolutions, retries).
  std::string account;  ///< The account it was (last) claimed by.
  std::optional<Timestamp> sending_at;
  /// Set while a send's outcome is unknown (the request went out, no answer said
  /// what happened): the entry waits for the inbox, never re-sent before `settle`.
  std::optional<Timestamp> ambiguous_since;
  std::string message_id;
  std::optional<Timestamp> sent_at;
  bool recovered = false;  ///< Found in the inbox after a crash or an unclear answer.
  std::string error_code;  ///< e.g. "kCannotDm", for failed entries and retries.
  std::string reason;      ///< Human-readable: why failed, expired or retried.
};

GETXAPI_OUTBOX_EXPORT std::ostream& operator<<(std::ostream& os, Entry const& entry);

}  // namespace getxapi::outbox
