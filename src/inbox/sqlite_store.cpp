// The watcher's state in one SQLite file (WAL, synchronous=FULL): a committed
// `sending` mark or acknowledgement survives a kill -9 and a power cut.
#include "sqlite.hpp"

#include <getxapi/inbox/store.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <string_view>

namespace getxapi::inbox {
namespace internal {
namespace {

constexpr int kSchemaVersion = 1;
constexpr char kKind[] = "getxapi-inbox";

constexpr char kSchemaV1[] = R"sql(
CREATE TABLE watcher_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE seen(id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, own INTEGER NOT NULL,
                  edit_count INTEGER NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE conversations(id TEXT PRIMARY KEY, tab TEXT NOT NULL, sort_ms INTEGER NOT NULL,
                           last_message_id TEXT NOT NULL, last_edit_count INTEGER NOT NULL,
                           handoff_until_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE deliveries(seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL,
                        edit_count INTEGER NOT NULL, conversation_id TEXT NOT NULL,
                        created_ms INTEGER NOT NULL, payload TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0, acked_at_ms INTEGER,
                        UNIQUE(message_id, edit_count));
CREATE INDEX deliveries_pending ON deliveries(acked_at_ms, created_ms);
CREATE TABLE replies(id INTEGER PRIMARY KEY AUTOINCREMENT, delivery_seq INTEGER NOT NULL UNIQUE,
                     conversation_id TEXT NOT NULL, recipient_id TEXT NOT NULL,
                     text TEXT NOT NULL, state TEXT NOT NULL, message_id TEXT NOT NULL DEFAULT '',
                     sending_at_ms INTEGER NOT NULL DEFAULT 0, done_at_ms INTEGER NOT NULL DEFAULT 0,
                     error TEXT NOT NULL DEFAULT '');
CREATE INDEX replies_state ON replies(state);
CREATE TABLE spend(day INTEGER PRIMARY KEY, micro_usd INTEGER NOT NULL, calls INTEGER NOT NULL);
)sql";

ReplyState parse_state(std::string const& s) {
  if (s == "sending") return ReplyState::kSending;
  if (s == "sent") return ReplyState::kSent;
  if (s == "failed") return ReplyState::kFailed;
  if (s == "suppressed") return ReplyState::kSuppressed;
  return ReplyState::kQueued;
}

constexpr char kReplyColumns[] =
    "id, delivery_seq, conversation_id, recipient_id, text, state, message_id, sending_at_ms, "
    "done_at_ms, error";

ReplyRecord read_reply(Statement& s) {
  ReplyRecord r;
  r.id = s.integer(0);
  r.delivery_seq = s.integer(1);
  r.conversation_id = s.text(2);
  r.recipient_id = s.text(3);
  r.text = s.text(4);
  r.state = parse_state(s.text(5));
  r.message_id = s.text(6);
  r.sending_at_ms = s.integer(7);
  r.done_at_ms = s.integer(8);
  r.error = s.text(9);
  return r;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::string path) : path_(std::move(path)), db_(path_) {
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec("PRAGMA synchronous=FULL");
    migrate();
  }
  ~SqliteStore() override {
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  std::string location() const override { return path_; }

  bool try_lock() override {
    if (lock_fd_ >= 0) return true;
    std::string const lock = path_ + ".lock";
    int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return false;
    }
    lock_fd_ = fd;
    return true;
  }

  StoreInfo info() override {
    StoreInfo info;
    Statement s(db_, "SELECT key, value FROM watcher_meta");
    while (s.step()) {
      auto const key = s.text(0);
      if (key == "initialized") info.initialized = s.text(1) == "1";
      if (key == "floor_ms") info.floor_ms = std::stoll(s.text(1));
      if (key == "owner_id") info.owner_id = s.text(1);
    }
    return info;
  }

  std::map<std::string, SeenMessage> seen(std::vector<std::string> const& ids) override {
    std::map<std::string, SeenMessage> out;
    Statement s(db_, "SELECT conversation_id, own, edit_count, created_ms FROM seen WHERE id = ?1");
    for (auto const& id : ids) {
      s.reset();
      s.bind(1, id);
      if (s.step()) {
        out[id] = SeenMessage{id, s.text(0), s.integer(1) != 0, static_cast<int>(s.integer(2)),
                              s.integer(3)};
      }
    }
    return out;
  }

  std::optional<ConversationRecord> conversation(std::string const& id) override {
    Statement s(db_,
                "SELECT tab, sort_ms, last_message_id, last_edit_count, handoff_until_ms "
                "FROM conversations WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return ConversationRecord{
        id, s.text(0), s.integer(1), s.text(2), static_cast<int>(s.integer(3)), s.integer(4)};
  }

  void commit(WalkCommit const& walk) override {
    Transaction tx(db_);
    if (walk.initialize) write_info(*walk.initialize);
    write_seen(walk.seen);
    write_conversations(walk.conversations);
    write_deliveries(walk.deliveries);
    for (auto const& [reply_id, message_id] : walk.replies_seen) {
      settle_sent(reply_id, message_id, 0);
    }
    Statement h(db_,
                "INSERT INTO conversations(id, tab, sort_ms, last_message_id, last_edit_count, "
                "handoff_until_ms) VALUES(?1, '', 0, '', 0, ?2) ON CONFLICT(id) DO UPDATE SET "
                "handoff_until_ms = max(handoff_until_ms, excluded.handoff_until_ms)");
    for (auto const& [conversation, until] : walk.handoffs) {
      h.reset();
      h.bind(1, conversation).bind(2, until).run();
    }
    tx.commit();
  }

  std::vector<Delivery> pending() override {
    std::vector<Delivery> out;
    Statement s(db_,
                "SELECT seq, payload, attempts, created_ms FROM deliveries "
                "WHERE acked_at_ms IS NULL ORDER BY created_ms, length(message_id), message_id, "
                "edit_count");
    while (s.step()) {
      Delivery d;
      try {
        d.message = InboundMessage::from_json(nlohmann::json::parse(s.text(1)));
      } catch (std::exception const& e) {
        throw StoreError("watcher state " + path_ + ": unreadable delivery: " + e.what());
      }
      d.message.sequence = s.integer(0);
      d.message.attempt = static_cast<int>(s.integer(2)) + 1;
      d.created_ms = s.integer(3);
      out.push_back(std::move(d));
    }
    return out;
  }

  void count_attempt(std::int64_t seq) override {
    Statement s(db_, "UPDATE deliveries SET attempts = attempts + 1 WHERE seq = ?1");
    s.bind(1, seq).run();
  }

  void acknowledge(std::int64_t seq, std::int64_t now_ms) override {
    Statement s(db_,
                "UPDATE deliveries SET acked_at_ms = ?2, attempts = attempts + 1 "
                "WHERE seq = ?1 AND acked_at_ms IS NULL");
    s.bind(1, seq).bind(2, now_ms).run();
  }

  std::int64_t add_reply(ReplyRecord const& r) override {
    Transaction tx(db_);
    if (auto existing = reply_for(r.delivery_seq)) return existing->id;
    Statement s(db_,
                "INSERT INTO replies(delivery_seq, conversation_id, recipient_id, text, state, "
                "done_at_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, r.delivery_seq)
        .bind(2, r.conversation_id)
        .bind(3, r.recipient_id)
        .bind(4, r.text)
        .bind(5, to_string(r.state))
        .bind(6, r.done_at_ms)
        .run();
    auto const id = db_.last_insert_rowid();
    if (r.state == ReplyState::kSuppressed || r.state == ReplyState::kFailed) {
      ack_delivery(r.delivery_seq, r.done_at_ms);
    }
    tx.commit();
    return id;
  }

  std::optional<ReplyRecord> reply_for(std::int64_t delivery_seq) override {
    Statement s(db_,
                std::string("SELECT ") + kReplyColumns + " FROM replies WHERE delivery_seq = ?1");
    s.bind(1, delivery_seq);
    if (!s.step()) return std::nullopt;
    return read_reply(s);
  }

  std::vector<ReplyRecord> open_replies() override {
    return replies_where("state IN ('queued', 'sending') ORDER BY id", 0);
  }

  std::vector<ReplyRecord> sent_replies_since(std::int64_t since_ms) override {
    return replies_where("state = 'sent' AND done_at_ms >= ?1 ORDER BY id", since_ms);
  }

  void mark_sending(std::int64_t reply_id, std::int64_t now_ms) override {
    Statement s(db_,
                "UPDATE replies SET state = 'sending', sending_at_ms = ?2 WHERE id = ?1 AND "
                "state = 'queued'");
    s.bind(1, reply_id).bind(2, now_ms).run();
    if (db_.changes() != 1) throw StoreError("reply " + std::to_string(reply_id) + " not queued");
  }

  void mark_sent(std::int64_t reply_id, std::string const& message_id,
                 std::int64_t now_ms) override {
    Transaction tx(db_);
    settle_sent(reply_id, message_id, now_ms);
    tx.commit();
  }

  void mark_failed(std::int64_t reply_id, std::string const& error, std::int64_t now_ms) override {
    Transaction tx(db_);
    Statement s(db_,
                "UPDATE replies SET state = 'failed', error = ?2, done_at_ms = ?3 WHERE id = ?1 "
                "RETURNING delivery_seq");
    s.bind(1, reply_id).bind(2, error).bind(3, now_ms);
    if (s.step()) {
      auto const seq = s.integer(0);
      s.run();
      ack_delivery(seq, now_ms);
    }
    tx.commit();
  }

  void requeue(std::int64_t reply_id) override {
    Statement s(db_, "UPDATE replies SET state = 'queued' WHERE id = ?1 AND state = 'sending'");
    s.bind(1, reply_id).run();
  }

  void add_spend(std::int64_t day, std::int64_t micro_usd, std::int64_t calls) override {
    Statement s(db_,
                "INSERT INTO spend(day, micro_usd, calls) VALUES(?1, ?2, ?3) ON CONFLICT(day) DO "
                "UPDATE SET micro_usd = micro_usd + excluded.micro_usd, calls = calls + "
                "excluded.calls");
    s.bind(1, day).bind(2, micro_usd).bind(3, calls).run();
  }

  std::int64_t spend(std::int64_t day) override {
    Statement s(db_, "SELECT micro_usd FROM spend WHERE day = ?1");
    s.bind(1, day);
    return s.step() ? s.integer(0) : 0;
  }

  Counts counts() override {
    Counts c;
    c.seen = scalar("SELECT count(*) FROM seen");
    c.delivered = scalar("SELECT count(*) FROM deliveries WHERE acked_at_ms IS NOT NULL");
    c.pending = scalar("SELECT count(*) FROM deliveries WHERE acked_at_ms IS NULL");
    c.replies_sent = scalar("SELECT count(*) FROM replies WHERE state = 'sent'");
    c.replies_open = scalar("SELECT count(*) FROM replies WHERE state IN ('queued','sending')");
    c.replies_failed = scalar("SELECT count(*) FROM replies WHERE state = 'failed'");
    c.replies_suppressed = scalar("SELECT count(*) FROM replies WHERE state = 'suppressed'");
    return c;
  }

 private:
  void migrate() {
    std::int64_t version = scalar("PRAGMA user_version");
    if (version > kSchemaVersion) {
      throw StoreError(path_ + " was written by a newer getxapi (state version " +
                       std::to_string(version) + "); upgrade getxapi");
    }
    if (version == 0) {
      if (scalar("SELECT count(*) FROM sqlite_master") != 0) {
        throw StoreError(path_ + " is a SQLite file but not a dm watch state");
      }
      Transaction tx(db_);
      db_.exec(kSchemaV1);
      Statement s(db_, "INSERT INTO watcher_meta(key, value) VALUES('kind', ?1)");
      s.bind(1, kKind).run();
      db_.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
      tx.commit();
      return;
    }
    Statement s(db_, "SELECT value FROM watcher_meta WHERE key = 'kind'");
    if (!s.step() || s.text(0) != kKind) {
      throw StoreError(path_ + " is a SQLite file but not a dm watch state");
    }
  }

  std::int64_t scalar(std::string const& sql) {
    Statement s(db_, sql);
    return s.step() ? s.integer(0) : 0;
  }

  void put_meta(std::string_view key, std::string const& value) {
    Statement s(db_,
                "INSERT INTO watcher_meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE "
                "SET value = excluded.value");
    s.bind(1, key).bind(2, value).run();
  }

  void write_info(StoreInfo const& info) {
    put_meta("initialized", info.initialized ? "1" : "0");
    put_meta("floor_ms", std::to_string(info.floor_ms));
    put_meta("owner_id", info.owner_id);
  }

  void write_seen(std::vector<SeenMessage> const& seen) {
    Statement s(db_,
                "INSERT INTO seen(id, conversation_id, own, edit_count, created_ms) "
                "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE SET "
                "edit_count = max(edit_count, excluded.edit_count)");
    for (auto const& m : seen) {
      s.reset();
      s.bind(1, m.id)
          .bind(2, m.conversation_id)
          .bind(3, m.own ? 1 : 0)
          .bind(4, m.edit_count)
          .bind(5, m.created_ms)
          .run();
    }
  }

  void write_conversations(std::vector<ConversationRecord> const& conversations) {
    Statement s(db_,
                "INSERT INTO conversations(id, tab, sort_ms, last_message_id, last_edit_count) "
                "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE SET tab = excluded.tab, "
                "sort_ms = excluded.sort_ms, last_message_id = excluded.last_message_id, "
                "last_edit_count = excluded.last_edit_count");
    for (auto const& c : conversations) {
      s.reset();
      s.bind(1, c.id)
          .bind(2, c.tab)
          .bind(3, c.sort_ms)
          .bind(4, c.last_message_id)
          .bind(5, c.last_edit_count)
          .run();
    }
  }

  void write_deliveries(std::vector<InboundMessage> const& deliveries) {
    Statement s(db_,
                "INSERT INTO deliveries(message_id, edit_count, conversation_id, created_ms, "
                "payload) VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(message_id, edit_count) DO "
                "NOTHING");
    for (auto const& m : deliveries) {
      std::int64_t const created = m.message.created_at
                                       ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                             m.message.created_at->time_since_epoch())
                                             .count()
                                       : 0;
      s.reset();
      s.bind(1, m.message.id)
          .bind(2, m.edit_count)
          .bind(3, m.conversation_id)
          .bind(4, created)
          .bind(5, m.to_json().dump())
          .run();
    }
  }

  void ack_delivery(std::int64_t seq, std::int64_t now_ms) {
    Statement s(db_,
                "UPDATE deliveries SET acked_at_ms = ?2 WHERE seq = ?1 AND acked_at_ms IS NULL");
    s.bind(1, seq).bind(2, now_ms).run();
  }

  void settle_sent(std::int64_t reply_id, std::string const& message_id, std::int64_t now_ms) {
    Statement s(db_,
                "UPDATE replies SET state = 'sent', message_id = ?2, done_at_ms = ?3 "
                "WHERE id = ?1 AND state IN ('queued', 'sending') RETURNING delivery_seq");
    s.bind(1, reply_id).bind(2, message_id).bind(3, now_ms);
    if (s.step()) {
      auto const seq = s.integer(0);
      s.run();
      ack_delivery(seq, now_ms);
    }
  }

  std::vector<ReplyRecord> replies_where(std::string const& where, std::int64_t arg) {
    std::vector<ReplyRecord> out;
    Statement s(db_, std::string("SELECT ") + kReplyColumns + " FROM replies WHERE " + where);
    if (where.find("?1") != std::string::npos) s.bind(1, arg);
    while (s.step()) out.push_back(read_reply(s));
    return out;
  }

  std::string path_;
  Database db_;
  int lock_fd_ = -1;
};

}  // namespace
}  // namespace internal

std::string_view to_string(ReplyState state) noexcept {
  switch (state) {
    case ReplyState::kQueued:
      return "queued";
    case ReplyState::kSending:
      return "sending";
    case ReplyState::kSent:
      return "sent";
    case ReplyState::kFailed:
      return "failed";
    case ReplyState::kSuppressed:
      return "suppressed";
  }
  return "queued";
}

Result<std::shared_ptr<Store>> open_store(std::string const& location) {
  if (location.empty()) return Error(ErrorCode::kInvalidArgument, "a watcher state needs a path");
  if (location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "PostgreSQL watcher states are not built yet; use a file path (SQLite)");
  }
  try {
    return std::shared_ptr<Store>(std::make_shared<internal::SqliteStore>(location));
  } catch (StoreError const& e) {
    return Error(ErrorCode::kStoreError, e.what());
  }
}

}  // namespace getxapi::inbox
