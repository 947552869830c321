/// @file
/// Where a watcher keeps what it has seen, delivered and answered. A file
/// path means SQLite (WAL, synchronous=FULL); a `postgresql://` URL means
/// PostgreSQL (built with GETXAPI_WITH_POSTGRES), so a watcher restarted on
/// another host continues from the same state (design.md §9).
#pragma once

#include <getxapi/inbox/export.hpp>
#include <getxapi/inbox/message.hpp>
#include <getxapi/result.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace getxapi::inbox {

/// Thrown by `Store` methods when the store fails (I/O, a foreign file). The
/// watcher turns it into `ErrorCode::kStoreError`; what was committed is kept.
class GETXAPI_INBOX_EXPORT StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The state as a whole.
struct StoreInfo {
  bool initialized = false;
  /// Messages created before this (epoch ms, server time) count as seen.
  std::int64_t floor_ms = 0;
  std::string owner_id;
};

/// A message the watcher has seen (inbound or the account's own).
struct SeenMessage {
  std::string id;
  std::string conversation_id;
  bool own = false;
  int edit_count = 0;
  std::int64_t created_ms = 0;
};

/// What the watcher remembers of a conversation.
struct ConversationRecord {
  std::string id;
  std::string tab;
  std::int64_t sort_ms = 0;
  std::string last_message_id;
  int last_edit_count = 0;
  /// Auto-replies are paused until then (epoch ms, watcher clock); 0: not paused.
  std::int64_t handoff_until_ms = 0;
};

/// A delivery: one inbound message (or edit) to hand to the handler.
struct Delivery {
  InboundMessage message;  ///< `sequence` and `attempt` filled in.
  std::int64_t created_ms = 0;
};

enum class ReplyState {
  kQueued,     ///< Decided, never attempted.
  kSending,    ///< Marked before dm/send went out: may have been delivered.
  kSent,       ///< Delivered (the send answered, or the thread showed it).
  kFailed,     ///< Refused for good (kCannotDm, ...).
  kSuppressed  ///< Not sent: a person had taken the conversation over.
};

/// A reply in the journal.
struct ReplyRecord {
  std::int64_t id = 0;
  std::int64_t delivery_seq = 0;
  std::string conversation_id;
  std::string recipient_id;
  std::string text;
  ReplyState state = ReplyState::kQueued;
  std::string message_id;  ///< When sent.
  std::int64_t sending_at_ms = 0;
  std::int64_t done_at_ms = 0;
  std::string error;
};

/// Everything one walk of the inbox learned, committed in one transaction so
/// a crash leaves either all of it or none.
struct WalkCommit {
  std::optional<StoreInfo> initialize;            ///< Set on the state's first commit.
  std::vector<SeenMessage> seen;                  ///< New messages, and edits (upserted).
  std::vector<ConversationRecord> conversations;  ///< Upserted (handoff kept unless set).
  std::vector<InboundMessage> deliveries;         ///< New deliveries; (id, edit_count) once.
  /// Journaled replies the inbox showed delivered: (reply id, message id).
  std::vector<std::pair<std::int64_t, std::string>> replies_seen;
  /// Conversations a person answered in: (conversation id, paused until ms).
  std::vector<std::pair<std::string, std::int64_t>> handoffs;
};

/// The watcher's durable state. One watcher at a time per store
/// (`try_lock`); readers may look at any time.
class GETXAPI_INBOX_EXPORT Store {
 public:
  virtual ~Store() = default;
  /// Where it is, for messages: the path, or the URL with its password
  /// shown as `***`.
  virtual std::string location() const = 0;
  /// Takes the store's run lock for this process's lifetime; false when another
  /// watcher holds it. A killed watcher's lock is released by the kernel (a
  /// SQLite file's lock file) or by the server when the dead process's
  /// connection ends (PostgreSQL: a session advisory lock).
  virtual bool try_lock() = 0;

  virtual StoreInfo info() = 0;
  /// The seen messages among `ids`.
  virtual std::map<std::string, SeenMessage> seen(std::vector<std::string> const& ids) = 0;
  virtual std::optional<ConversationRecord> conversation(std::string const& id) = 0;
  virtual void commit(WalkCommit const& walk) = 0;

  /// Unacknowledged deliveries, oldest message first.
  virtual std::vector<Delivery> pending() = 0;
  /// Counts one more hand-over of a delivery.
  virtual void count_attempt(std::int64_t seq) = 0;
  virtual void acknowledge(std::int64_t seq, std::int64_t now_ms) = 0;

  /// Journals the handler's reply to delivery `seq` (once: a second call
  /// returns the first reply's id). `kSuppressed` acknowledges the delivery too.
  virtual std::int64_t add_reply(ReplyRecord const& reply) = 0;
  virtual std::optional<ReplyRecord> reply_for(std::int64_t delivery_seq) = 0;
  /// Replies in `kQueued` or `kSending`, oldest first.
  virtual std::vector<ReplyRecord> open_replies() = 0;
  /// Replies sent since `since_ms` (to recognise their echoes).
  virtual std::vector<ReplyRecord> sent_replies_since(std::int64_t since_ms) = 0;
  /// Journal before send: kQueued -> kSending, committed before dm/send goes out.
  virtual void mark_sending(std::int64_t reply_id, std::int64_t now_ms) = 0;
  /// kSending -> kSent and the delivery acknowledged, in one transaction.
  virtual void mark_sent(std::int64_t reply_id, std::string const& message_id,
                         std::int64_t now_ms) = 0;
  /// -> kFailed and the delivery acknowledged.
  virtual void mark_failed(std::int64_t reply_id, std::string const& error,
                           std::int64_t now_ms) = 0;
  /// kSending -> kQueued: certainly not delivered, send it again.
  virtual void requeue(std::int64_t reply_id) = 0;

  /// Billed spend per UTC day (day = days since the epoch), across restarts.
  virtual void add_spend(std::int64_t day, std::int64_t micro_usd, std::int64_t calls) = 0;
  virtual std::int64_t spend(std::int64_t day) = 0;

  /// Counts, for status lines and tests.
  struct Counts {
    std::int64_t seen = 0, delivered = 0, pending = 0, replies_sent = 0, replies_open = 0,
                 replies_failed = 0, replies_suppressed = 0;
  };
  virtual Counts counts() = 0;
};

/// Opens (creating if needed) the store at `location`: a file path (SQLite),
/// or a `postgresql://` (`postgres://`) URL whose `inbox_*` tables are created
/// or migrated in the first schema of its search path. A build without
/// PostgreSQL refuses a URL with kStoreError (never taken for a file name).
/// A file that is not a watcher state, a state from a newer version, or a
/// server that cannot be reached is refused with kStoreError; no message
/// shows a password.
GETXAPI_INBOX_EXPORT Result<std::shared_ptr<Store>> open_store(std::string const& location);

GETXAPI_INBOX_EXPORT std::string_view to_string(ReplyState state) noexcept;

}  // namespace getxapi::inbox
