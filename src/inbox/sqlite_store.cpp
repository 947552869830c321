// The watcher's state in one SQLite file (WAL, synchronous=FULL): a committed
// `sending` mark or acknowledgement survives a kill -9 and a power cut.
#ifdef GETXAPI_INBOX_HAS_POSTGRES
#include "postgres_store.hpp"
#endif
#include "store/error.hpp"
#include "store/location.hpp"
#include "store/run_lock.hpp"
#include "store/sqlite.hpp"

#include <getxapi/inbox/store.hpp>

#include <optional>
#include <string_view>

namespace getxapi::inbox {
namespace internal {
namespace {

using store::internal::Database;
using store::internal::Statement;

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

// "GXW1": how a watcher state file says it is one (PRAGMA application_id).
store::internal::Schema const& state_schema() {
  static store::internal::Schema const schema{"dm watch state", 0x47585731, "", {kSchemaV1}};
  return schema;
}

// Store errors of the shared layer, rethrown as this component's StoreError.
template <class F>
auto wrap(F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (store::internal::StoreError const& e) {
    throw StoreError(e.what());
  }
}

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
  explicit SqliteStore(std::string const& path)
      : db_(Database::open(path, state_schema())), path_(path) {}

  std::string location() const override { return path_; }

  bool try_lock() override {
    if (lock_) return true;
    auto lock = store::internal::RunLock::acquire(path_, "dm watch state");
    if (!lock) return false;
    lock_.emplace(std::move(*lock));
    return true;
  }

  StoreInfo info() override {
    return wrap([&] {
      StoreInfo info;
      Statement s(*db_, "SELECT key, value FROM watcher_meta");
      while (s.step()) {
        auto const key = s.text(0);
        if (key == "initialized") info.initialized = s.text(1) == "1";
        if (key == "floor_ms") info.floor_ms = std::stoll(s.text(1));
        if (key == "owner_id") info.owner_id = s.text(1);
      }
      return info;
    });
  }

  std::map<std::string, SeenMessage> seen(std::vector<std::string> const& ids) override {
    return wrap([&] {
      std::map<std::string, SeenMessage> out;
      for (auto const& id : ids) {
        Statement s(*db_,
                    "SELECT conversation_id, own, edit_count, created_ms FROM seen WHERE id = ?1");
        s.bind(1, id);
        if (s.step()) {
          out[id] = SeenMessage{id, s.text(0), s.integer(1) != 0, static_cast<int>(s.integer(2)),
                                s.integer(3)};
        }
      }
      return out;
    });
  }

  std::optional<ConversationRecord> conversation(std::string const& id) override {
    return wrap([&]() -> std::optional<ConversationRecord> {
      Statement s(*db_,
                  "SELECT tab, sort_ms, last_message_id, last_edit_count, handoff_until_ms "
                  "FROM conversations WHERE id = ?1");
      s.bind(1, id);
      if (!s.step()) return std::nullopt;
      return ConversationRecord{
          id, s.text(0), s.integer(1), s.text(2), static_cast<int>(s.integer(3)), s.integer(4)};
    });
  }

  void commit(WalkCommit const& walk) override {
    wrap([&] {
      db_->transaction([&] {
        if (walk.initialize) write_info(*walk.initialize);
        write_seen(walk.seen);
        write_conversations(walk.conversations);
        write_deliveries(walk.deliveries);
        for (auto const& [reply_id, message_id] : walk.replies_seen) {
          settle_sent(reply_id, message_id, 0);
        }
        for (auto const& [conversation, until] : walk.handoffs) {
          Statement h(*db_,
                      "INSERT INTO conversations(id, tab, sort_ms, last_message_id, "
                      "last_edit_count, handoff_until_ms) VALUES(?1, '', 0, '', 0, ?2) "
                      "ON CONFLICT(id) DO UPDATE SET "
                      "handoff_until_ms = max(handoff_until_ms, excluded.handoff_until_ms)");
          h.bind(1, conversation).bind(2, until).run();
        }
      });
    });
  }

  std::vector<Delivery> pending() override {
    return wrap([&] {
      std::vector<Delivery> out;
      Statement s(*db_,
                  "SELECT seq, payload, attempts, created_ms FROM deliveries "
                  "WHERE acked_at_ms IS NULL ORDER BY created_ms, length(message_id), "
                  "message_id, edit_count");
      while (s.step()) {
        Delivery d;
        try {
          d.message = InboundMessage::from_json(nlohmann::json::parse(s.text(1)));
        } catch (std::exception const& e) {
          throw StoreError("dm watch state " + path_ + ": unreadable delivery: " + e.what());
        }
        d.message.sequence = s.integer(0);
        d.message.attempt = static_cast<int>(s.integer(2)) + 1;
        d.created_ms = s.integer(3);
        out.push_back(std::move(d));
      }
      return out;
    });
  }

  void count_attempt(std::int64_t seq) override {
    wrap([&] {
      Statement s(*db_, "UPDATE deliveries SET attempts = attempts + 1 WHERE seq = ?1");
      s.bind(1, seq).run();
    });
  }

  void acknowledge(std::int64_t seq, std::int64_t now_ms) override {
    wrap([&] { ack_delivery(seq, now_ms); });
  }

  std::int64_t add_reply(ReplyRecord const& r) override {
    return wrap([&] {
      std::int64_t id = 0;
      db_->transaction([&] {
        if (auto existing = find_reply(r.delivery_seq)) {
          id = existing->id;
          return;
        }
        Statement s(*db_,
                    "INSERT INTO replies(delivery_seq, conversation_id, recipient_id, text, "
                    "state, done_at_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
        s.bind(1, r.delivery_seq)
            .bind(2, r.conversation_id)
            .bind(3, r.recipient_id)
            .bind(4, r.text)
            .bind(5, to_string(r.state))
            .bind(6, r.done_at_ms)
            .run();
        id = db_->last_insert_rowid();
        if (r.state == ReplyState::kSuppressed || r.state == ReplyState::kFailed) {
          ack_delivery(r.delivery_seq, r.done_at_ms);
        }
      });
      return id;
    });
  }

  std::optional<ReplyRecord> reply_for(std::int64_t delivery_seq) override {
    return wrap([&] { return find_reply(delivery_seq); });
  }

  std::vector<ReplyRecord> open_replies() override {
    return wrap([&] { return replies_where("state IN ('queued', 'sending') ORDER BY id", 0); });
  }

  std::vector<ReplyRecord> sent_replies_since(std::int64_t since_ms) override {
    return wrap(
        [&] { return replies_where("state = 'sent' AND done_at_ms >= ?1 ORDER BY id", since_ms); });
  }

  void mark_sending(std::int64_t reply_id, std::int64_t now_ms) override {
    wrap([&] {
      Statement s(*db_,
                  "UPDATE replies SET state = 'sending', sending_at_ms = ?2 WHERE id = ?1 AND "
                  "state = 'queued'");
      s.bind(1, reply_id).bind(2, now_ms).run();
      if (db_->changes() != 1) {
        throw StoreError("reply " + std::to_string(reply_id) + " is not queued");
      }
    });
  }

  void mark_sent(std::int64_t reply_id, std::string const& message_id,
                 std::int64_t now_ms) override {
    wrap([&] { db_->transaction([&] { settle_sent(reply_id, message_id, now_ms); }); });
  }

  void mark_failed(std::int64_t reply_id, std::string const& error, std::int64_t now_ms) override {
    wrap([&] {
      db_->transaction([&] {
        std::optional<std::int64_t> seq;
        {
          Statement s(*db_,
                      "UPDATE replies SET state = 'failed', error = ?2, done_at_ms = ?3 "
                      "WHERE id = ?1 RETURNING delivery_seq");
          s.bind(1, reply_id).bind(2, error).bind(3, now_ms);
          if (s.step()) seq = s.integer(0);
          if (seq) s.run();
        }
        if (seq) ack_delivery(*seq, now_ms);
      });
    });
  }

  void requeue(std::int64_t reply_id) override {
    wrap([&] {
      Statement s(*db_, "UPDATE replies SET state = 'queued' WHERE id = ?1 AND state = 'sending'");
      s.bind(1, reply_id).run();
    });
  }

  void add_spend(std::int64_t day, std::int64_t micro_usd, std::int64_t calls) override {
    wrap([&] {
      Statement s(*db_,
                  "INSERT INTO spend(day, micro_usd, calls) VALUES(?1, ?2, ?3) ON CONFLICT(day) "
                  "DO UPDATE SET micro_usd = micro_usd + excluded.micro_usd, "
                  "calls = calls + excluded.calls");
      s.bind(1, day).bind(2, micro_usd).bind(3, calls).run();
    });
  }

  std::int64_t spend(std::int64_t day) override {
    return wrap([&] {
      Statement s(*db_, "SELECT micro_usd FROM spend WHERE day = ?1");
      s.bind(1, day);
      return s.step() ? s.integer(0) : std::int64_t{0};
    });
  }

  Counts counts() override {
    return wrap([&] {
      Counts c;
      c.seen = scalar("SELECT count(*) FROM seen");
      c.delivered = scalar("SELECT count(*) FROM deliveries WHERE acked_at_ms IS NOT NULL");
      c.pending = scalar("SELECT count(*) FROM deliveries WHERE acked_at_ms IS NULL");
      c.replies_sent = scalar("SELECT count(*) FROM replies WHERE state = 'sent'");
      c.replies_open = scalar("SELECT count(*) FROM replies WHERE state IN ('queued','sending')");
      c.replies_failed = scalar("SELECT count(*) FROM replies WHERE state = 'failed'");
      c.replies_suppressed = scalar("SELECT count(*) FROM replies WHERE state = 'suppressed'");
      return c;
    });
  }

 private:
  std::int64_t scalar(std::string const& sql) {
    Statement s(*db_, sql);
    return s.step() ? s.integer(0) : 0;
  }

  void put_meta(std::string_view key, std::string const& value) {
    Statement s(*db_,
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
    for (auto const& m : seen) {
      Statement s(*db_,
                  "INSERT INTO seen(id, conversation_id, own, edit_count, created_ms) "
                  "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE SET "
                  "edit_count = max(edit_count, excluded.edit_count)");
      s.bind(1, m.id)
          .bind(2, m.conversation_id)
          .bind(3, m.own ? 1 : 0)
          .bind(4, m.edit_count)
          .bind(5, m.created_ms)
          .run();
    }
  }

  void write_conversations(std::vector<ConversationRecord> const& conversations) {
    for (auto const& c : conversations) {
      Statement s(*db_,
                  "INSERT INTO conversations(id, tab, sort_ms, last_message_id, last_edit_count) "
                  "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE SET tab = excluded.tab, "
                  "sort_ms = excluded.sort_ms, last_message_id = excluded.last_message_id, "
                  "last_edit_count = excluded.last_edit_count");
      s.bind(1, c.id)
          .bind(2, c.tab)
          .bind(3, c.sort_ms)
          .bind(4, c.last_message_id)
          .bind(5, c.last_edit_count)
          .run();
    }
  }

  void write_deliveries(std::vector<InboundMessage> const& deliveries) {
    for (auto const& m : deliveries) {
      std::int64_t const created = m.message.created_at
                                       ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                             m.message.created_at->time_since_epoch())
                                             .count()
                                       : 0;
      Statement s(*db_,
                  "INSERT INTO deliveries(message_id, edit_count, conversation_id, created_ms, "
                  "payload) VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(message_id, edit_count) DO "
                  "NOTHING");
      s.bind(1, m.message.id)
          .bind(2, m.edit_count)
          .bind(3, m.conversation_id)
          .bind(4, created)
          .bind(5, m.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
          .run();
    }
  }

  void ack_delivery(std::int64_t seq, std::int64_t now_ms) {
    Statement s(*db_,
                "UPDATE deliveries SET acked_at_ms = ?2, attempts = attempts + 1 "
                "WHERE seq = ?1 AND acked_at_ms IS NULL");
    s.bind(1, seq).bind(2, now_ms).run();
  }

  void settle_sent(std::int64_t reply_id, std::string const& message_id, std::int64_t now_ms) {
    std::optional<std::int64_t> seq;
    {
      Statement s(*db_,
                  "UPDATE replies SET state = 'sent', message_id = ?2, done_at_ms = ?3 "
                  "WHERE id = ?1 AND state IN ('queued', 'sending') RETURNING delivery_seq");
      s.bind(1, reply_id).bind(2, message_id).bind(3, now_ms);
      if (s.step()) seq = s.integer(0);
      if (seq) s.run();
    }
    if (seq) ack_delivery(*seq, now_ms);
  }

  std::optional<ReplyRecord> find_reply(std::int64_t delivery_seq) {
    Statement s(*db_,
                std::string("SELECT ") + kReplyColumns + " FROM replies WHERE delivery_seq = ?1");
    s.bind(1, delivery_seq);
    if (!s.step()) return std::nullopt;
    return read_reply(s);
  }

  std::vector<ReplyRecord> replies_where(std::string const& where, std::int64_t arg) {
    std::vector<ReplyRecord> out;
    Statement s(*db_, std::string("SELECT ") + kReplyColumns + " FROM replies WHERE " + where);
    if (where.find("?1") != std::string::npos) s.bind(1, arg);
    while (s.step()) out.push_back(read_reply(s));
    return out;
  }

  std::unique_ptr<Database> db_;
  std::string path_;
  std::optional<store::internal::RunLock> lock_;
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
  bool const postgres =
      store::internal::parse_location(location).kind == store::internal::Location::Kind::kPostgres;
#ifndef GETXAPI_INBOX_HAS_POSTGRES
  if (postgres) {
    // Never echo the URL: it may hold a password.
    return Error(ErrorCode::kStoreError,
                 "this build has no PostgreSQL support (GETXAPI_WITH_POSTGRES=OFF); use a SQLite "
                 "file path for the watcher state");
  }
#endif
  try {
#ifdef GETXAPI_INBOX_HAS_POSTGRES
    if (postgres) return internal::open_postgres_store(location);
#endif
    return std::shared_ptr<Store>(std::make_shared<internal::SqliteStore>(location));
  } catch (store::internal::StoreError const& e) {
    return e.error();
  } catch (StoreError const& e) {
    return Error(ErrorCode::kStoreError, e.what());
  }
}

}  // namespace getxapi::inbox
