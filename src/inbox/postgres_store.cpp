// The watcher's state in PostgreSQL, with the SQLite file's semantics: every
// method is one transaction, a committed `sending` mark or acknowledgement is
// durable before the method returns, and one watcher at a time holds the run
// lock. The lock is a session advisory lock, so the server drops it when the
// holder's connection ends (SIGKILL included) and a watcher restarted on
// another host takes over with everything the dead one acknowledged.
#include "postgres_store.hpp"

#include "store/postgres.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

namespace getxapi::inbox::internal {
namespace {

using store::internal::pg_bytes;
using store::internal::pg_num;
using store::internal::pg_unbytes;
using store::internal::PgConnection;
using store::internal::PgParam;
using store::internal::PgResult;
using store::internal::PgSchema;

// What comes from outside (ids, the message JSON, reply texts, errors) is
// bytea: kept byte for byte like the SQLite file keeps it, whatever the
// database's encoding. A bot's reply that is not UTF-8 is journaled and then
// refused by dm/send (kInvalidArgument, recorded `failed`) on both stores;
// a text column would refuse it here as a store error and stop the watcher.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE inbox_meta(key TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE inbox_seen(id BYTEA PRIMARY KEY, conversation_id BYTEA NOT NULL,
  own BOOLEAN NOT NULL, edit_count INTEGER NOT NULL, created_ms BIGINT NOT NULL);
CREATE TABLE inbox_conversations(id BYTEA PRIMARY KEY, tab BYTEA NOT NULL,
  sort_ms BIGINT NOT NULL, last_message_id BYTEA NOT NULL, last_edit_count INTEGER NOT NULL,
  handoff_until_ms BIGINT NOT NULL DEFAULT 0);
CREATE TABLE inbox_deliveries(seq BIGSERIAL PRIMARY KEY, message_id BYTEA NOT NULL,
  edit_count INTEGER NOT NULL, conversation_id BYTEA NOT NULL, created_ms BIGINT NOT NULL,
  payload BYTEA NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, acked_at_ms BIGINT,
  UNIQUE(message_id, edit_count));
CREATE INDEX inbox_deliveries_pending ON inbox_deliveries(created_ms) WHERE acked_at_ms IS NULL;
CREATE TABLE inbox_replies(id BIGSERIAL PRIMARY KEY, delivery_seq BIGINT NOT NULL UNIQUE,
  conversation_id BYTEA NOT NULL, recipient_id BYTEA NOT NULL, text BYTEA NOT NULL,
  state TEXT NOT NULL, message_id BYTEA NOT NULL DEFAULT '',
  sending_at_ms BIGINT NOT NULL DEFAULT 0, done_at_ms BIGINT NOT NULL DEFAULT 0,
  error BYTEA NOT NULL DEFAULT '');
CREATE INDEX inbox_replies_open ON inbox_replies(id) WHERE state IN ('queued', 'sending');
CREATE INDEX inbox_replies_sent ON inbox_replies(done_at_ms) WHERE state = 'sent';
CREATE TABLE inbox_spend(day BIGINT PRIMARY KEY, micro_usd BIGINT NOT NULL,
  calls BIGINT NOT NULL);
)sql";

// Ids per `IN (...)` query of `seen`: far below libpq's 65,535 parameters.
constexpr std::size_t kIdsPerQuery = 500;

constexpr char kReplyColumns[] =
    "id, delivery_seq, conversation_id, recipient_id, text, state, message_id, sending_at_ms, "
    "done_at_ms, error";

ReplyState reply_state(std::string const& s) {
  for (auto const state :
       {ReplyState::kSending, ReplyState::kSent, ReplyState::kFailed, ReplyState::kSuppressed}) {
    if (s == to_string(state)) return state;
  }
  return ReplyState::kQueued;
}

ReplyRecord reply_at(PgResult const& r, int row) {
  ReplyRecord out;
  out.id = r.integer(row, 0);
  out.delivery_seq = r.integer(row, 1);
  out.conversation_id = pg_unbytes(r.text(row, 2));
  out.recipient_id = pg_unbytes(r.text(row, 3));
  out.text = pg_unbytes(r.text(row, 4));
  out.state = reply_state(r.text(row, 5));
  out.message_id = pg_unbytes(r.text(row, 6));
  out.sending_at_ms = r.integer(row, 7);
  out.done_at_ms = r.integer(row, 8);
  out.error = pg_unbytes(r.text(row, 9));
  return out;
}

std::int64_t created_ms_of(InboundMessage const& m) {
  if (!m.message.created_at) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             m.message.created_at->time_since_epoch())
      .count();
}

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::string const& url)
      : db_(PgConnection::connect(url)), location_(store::internal::redact_postgres_url(url)) {
    db_.migrate(schema());
    // One run lock per state: a database may hold several, one schema each.
    auto const where = db_.exec("SELECT current_schema()");
    lock_name_ = "getxapi inbox " + (where.rows() ? where.text(0, 0) : std::string());
  }

  std::string location() const override { return location_; }

  bool try_lock() override {
    if (!locked_) locked_ = atomically([&] { return db_.try_lock(lock_name_); });
    return locked_;
  }

  StoreInfo info() override {
    return atomically([&] {
      StoreInfo info;
      auto const r = db_.exec("SELECT key, value FROM inbox_meta");
      for (int i = 0; i < r.rows(); ++i) {
        auto const key = r.text(i, 0);
        auto const value = pg_unbytes(r.text(i, 1));
        if (key == "initialized") info.initialized = value == "1";
        if (key == "floor_ms") info.floor_ms = std::strtoll(value.c_str(), nullptr, 10);
        if (key == "owner_id") info.owner_id = value;
      }
      return info;
    });
  }

  std::map<std::string, SeenMessage> seen(std::vector<std::string> const& ids) override {
    return atomically([&] {
      std::map<std::string, SeenMessage> out;
      for (std::size_t at = 0; at < ids.size(); at += kIdsPerQuery) {
        std::size_t const n = std::min(kIdsPerQuery, ids.size() - at);
        std::string sql =
            "SELECT id, conversation_id, own, edit_count, created_ms FROM inbox_seen WHERE id IN (";
        std::vector<PgParam> params;
        for (std::size_t i = 0; i < n; ++i) {
          sql += (i ? ", $" : "$") + std::to_string(i + 1);
          params.push_back(pg_bytes(ids[at + i]));
        }
        auto const r = db_.exec(sql + ")", params);
        for (int i = 0; i < r.rows(); ++i) {
          auto id = pg_unbytes(r.text(i, 0));
          out[id] = SeenMessage{id, pg_unbytes(r.text(i, 1)), r.text(i, 2) == "t",
                                static_cast<int>(r.integer(i, 3)), r.integer(i, 4)};
        }
      }
      return out;
    });
  }

  std::optional<ConversationRecord> conversation(std::string const& id) override {
    return atomically([&]() -> std::optional<ConversationRecord> {
      auto const r = db_.exec(
          "SELECT tab, sort_ms, last_message_id, last_edit_count, handoff_until_ms "
          "FROM inbox_conversations WHERE id = $1",
          {pg_bytes(id)});
      if (r.rows() == 0) return std::nullopt;
      return ConversationRecord{id,
                                pg_unbytes(r.text(0, 0)),
                                r.integer(0, 1),
                                pg_unbytes(r.text(0, 2)),
                                static_cast<int>(r.integer(0, 3)),
                                r.integer(0, 4)};
    });
  }

  void commit(WalkCommit const& walk) override {
    atomically([&] {
      if (walk.initialize) write_info(*walk.initialize);
      for (auto const& m : walk.seen) write_seen(m);
      for (auto const& c : walk.conversations) write_conversation(c);
      for (auto const& m : walk.deliveries) write_delivery(m);
      for (auto const& [reply_id, message_id] : walk.replies_seen) {
        settle_sent(reply_id, message_id, 0);
      }
      for (auto const& [conversation, until] : walk.handoffs) {
        db_.exec(
            "INSERT INTO inbox_conversations AS c (id, tab, sort_ms, last_message_id, "
            "last_edit_count, handoff_until_ms) VALUES($1, '', 0, '', 0, $2) "
            "ON CONFLICT(id) DO UPDATE SET "
            "handoff_until_ms = GREATEST(c.handoff_until_ms, EXCLUDED.handoff_until_ms)",
            {pg_bytes(conversation), pg_num(until)});
      }
    });
  }

  std::vector<Delivery> pending() override {
    return atomically([&] {
      std::vector<Delivery> out;
      // Byte order, as SQLite compares text.
      auto const r = db_.exec(
          "SELECT seq, payload, attempts, created_ms FROM inbox_deliveries "
          "WHERE acked_at_ms IS NULL ORDER BY created_ms, length(message_id), message_id, "
          "edit_count");
      for (int i = 0; i < r.rows(); ++i) {
        Delivery d;
        try {
          d.message = InboundMessage::from_json(nlohmann::json::parse(pg_unbytes(r.text(i, 1))));
        } catch (std::exception const& e) {
          throw StoreError("dm watch state " + location_ + ": unreadable delivery: " + e.what());
        }
        d.message.sequence = r.integer(i, 0);
        d.message.attempt = static_cast<int>(r.integer(i, 2)) + 1;
        d.created_ms = r.integer(i, 3);
        out.push_back(std::move(d));
      }
      return out;
    });
  }

  void count_attempt(std::int64_t seq) override {
    atomically([&] {
      db_.exec("UPDATE inbox_deliveries SET attempts = attempts + 1 WHERE seq = $1", {pg_num(seq)});
    });
  }

  void acknowledge(std::int64_t seq, std::int64_t now_ms) override {
    atomically([&] { ack_delivery(seq, now_ms); });
  }

  std::int64_t add_reply(ReplyRecord const& r) override {
    return atomically([&] {
      if (auto existing = find_reply(r.delivery_seq)) return existing->id;
      // ON CONFLICT: a reply another session journaled a moment ago wins.
      auto const inserted = db_.exec(
          "INSERT INTO inbox_replies(delivery_seq, conversation_id, recipient_id, text, state, "
          "done_at_ms) VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT(delivery_seq) DO NOTHING "
          "RETURNING id",
          {pg_num(r.delivery_seq), pg_bytes(r.conversation_id), pg_bytes(r.recipient_id),
           pg_bytes(r.text), std::string(to_string(r.state)), pg_num(r.done_at_ms)});
      if (inserted.rows() == 0) {
        if (auto existing = find_reply(r.delivery_seq)) return existing->id;
        throw StoreError("dm watch state " + location_ + ": a reply vanished while journaled");
      }
      if (r.state == ReplyState::kSuppressed || r.state == ReplyState::kFailed) {
        ack_delivery(r.delivery_seq, r.done_at_ms);
      }
      return inserted.integer(0, 0);
    });
  }

  std::optional<ReplyRecord> reply_for(std::int64_t delivery_seq) override {
    return atomically([&] { return find_reply(delivery_seq); });
  }

  std::vector<ReplyRecord> open_replies() override {
    return atomically([&] { return replies_where("state IN ('queued', 'sending') ORDER BY id"); });
  }

  std::vector<ReplyRecord> sent_replies_since(std::int64_t since_ms) override {
    return atomically([&] {
      return replies_where("state = 'sent' AND done_at_ms >= $1 ORDER BY id", {pg_num(since_ms)});
    });
  }

  void mark_sending(std::int64_t reply_id, std::int64_t now_ms) override {
    atomically([&] {
      auto const r = db_.exec(
          "UPDATE inbox_replies SET state = 'sending', sending_at_ms = $2 WHERE id = $1 AND "
          "state = 'queued'",
          {pg_num(reply_id), pg_num(now_ms)});
      if (r.affected() != 1)
        throw StoreError("reply " + std::to_string(reply_id) + " is not queued");
    });
  }

  void mark_sent(std::int64_t reply_id, std::string const& message_id,
                 std::int64_t now_ms) override {
    atomically([&] { settle_sent(reply_id, message_id, now_ms); });
  }

  void mark_failed(std::int64_t reply_id, std::string const& error, std::int64_t now_ms) override {
    atomically([&] {
      auto const r = db_.exec(
          "UPDATE inbox_replies SET state = 'failed', error = $2, done_at_ms = $3 "
          "WHERE id = $1 RETURNING delivery_seq",
          {pg_num(reply_id), pg_bytes(error), pg_num(now_ms)});
      if (r.rows() == 1) ack_delivery(r.integer(0, 0), now_ms);
    });
  }

  void requeue(std::int64_t reply_id) override {
    atomically([&] {
      db_.exec("UPDATE inbox_replies SET state = 'queued' WHERE id = $1 AND state = 'sending'",
               {pg_num(reply_id)});
    });
  }

  void add_spend(std::int64_t day, std::int64_t micro_usd, std::int64_t calls) override {
    atomically([&] {
      db_.exec(
          "INSERT INTO inbox_spend AS s (day, micro_usd, calls) VALUES($1, $2, $3) "
          "ON CONFLICT(day) DO UPDATE SET micro_usd = s.micro_usd + EXCLUDED.micro_usd, "
          "calls = s.calls + EXCLUDED.calls",
          {pg_num(day), pg_num(micro_usd), pg_num(calls)});
    });
  }

  std::int64_t spend(std::int64_t day) override {
    return atomically([&] {
      auto const r = db_.exec("SELECT micro_usd FROM inbox_spend WHERE day = $1", {pg_num(day)});
      return r.rows() ? r.integer(0, 0) : std::int64_t{0};
    });
  }

  Counts counts() override {
    return atomically([&] {
      // One statement: one snapshot.
      auto const r = db_.exec(
          "SELECT (SELECT count(*) FROM inbox_seen), "
          "(SELECT count(*) FROM inbox_deliveries WHERE acked_at_ms IS NOT NULL), "
          "(SELECT count(*) FROM inbox_deliveries WHERE acked_at_ms IS NULL), "
          "count(*) FILTER (WHERE state = 'sent'), "
          "count(*) FILTER (WHERE state IN ('queued', 'sending')), "
          "count(*) FILTER (WHERE state = 'failed'), "
          "count(*) FILTER (WHERE state = 'suppressed') FROM inbox_replies");
      Counts c;
      c.seen = r.integer(0, 0);
      c.delivered = r.integer(0, 1);
      c.pending = r.integer(0, 2);
      c.replies_sent = r.integer(0, 3);
      c.replies_open = r.integer(0, 4);
      c.replies_failed = r.integer(0, 5);
      c.replies_suppressed = r.integer(0, 6);
      return c;
    });
  }

 private:
  static PgSchema const& schema() {
    static PgSchema const s{"inbox", {kSchemaV1}};
    return s;
  }

  // Every method is one transaction (a deadlock or serialization abort is
  // retried); the store layer's errors leave as this component's StoreError.
  template <class F>
  auto atomically(F&& body) -> decltype(body()) {
    try {
      return store::internal::pg_transaction(db_, body);
    } catch (store::internal::StoreError const& e) {
      throw StoreError(e.what());
    }
  }

  void put_meta(std::string const& key, std::string const& value) {
    db_.exec(
        "INSERT INTO inbox_meta(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE "
        "SET value = EXCLUDED.value",
        {key, pg_bytes(value)});
  }

  void write_info(StoreInfo const& info) {
    put_meta("initialized", info.initialized ? "1" : "0");
    put_meta("floor_ms", std::to_string(info.floor_ms));
    put_meta("owner_id", info.owner_id);
  }

  void write_seen(SeenMessage const& m) {
    db_.exec(
        "INSERT INTO inbox_seen AS s (id, conversation_id, own, edit_count, created_ms) "
        "VALUES($1, $2, $3, $4, $5) ON CONFLICT(id) DO UPDATE SET "
        "edit_count = GREATEST(s.edit_count, EXCLUDED.edit_count)",
        {pg_bytes(m.id), pg_bytes(m.conversation_id), std::string(m.own ? "t" : "f"),
         pg_num(m.edit_count), pg_num(m.created_ms)});
  }

  void write_conversation(ConversationRecord const& c) {
    db_.exec(
        "INSERT INTO inbox_conversations(id, tab, sort_ms, last_message_id, last_edit_count) "
        "VALUES($1, $2, $3, $4, $5) ON CONFLICT(id) DO UPDATE SET tab = EXCLUDED.tab, "
        "sort_ms = EXCLUDED.sort_ms, last_message_id = EXCLUDED.last_message_id, "
        "last_edit_count = EXCLUDED.last_edit_count",
        {pg_bytes(c.id), pg_bytes(c.tab), pg_num(c.sort_ms), pg_bytes(c.last_message_id),
         pg_num(c.last_edit_count)});
  }

  void write_delivery(InboundMessage const& m) {
    db_.exec(
        "INSERT INTO inbox_deliveries(message_id, edit_count, conversation_id, created_ms, "
        "payload) VALUES($1, $2, $3, $4, $5) ON CONFLICT(message_id, edit_count) DO NOTHING",
        {pg_bytes(m.message.id), pg_num(m.edit_count), pg_bytes(m.conversation_id),
         pg_num(created_ms_of(m)),
         pg_bytes(m.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))});
  }

  void ack_delivery(std::int64_t seq, std::int64_t now_ms) {
    db_.exec(
        "UPDATE inbox_deliveries SET acked_at_ms = $2, attempts = attempts + 1 "
        "WHERE seq = $1 AND acked_at_ms IS NULL",
        {pg_num(seq), pg_num(now_ms)});
  }

  void settle_sent(std::int64_t reply_id, std::string const& message_id, std::int64_t now_ms) {
    auto const r = db_.exec(
        "UPDATE inbox_replies SET state = 'sent', message_id = $2, done_at_ms = $3 "
        "WHERE id = $1 AND state IN ('queued', 'sending') RETURNING delivery_seq",
        {pg_num(reply_id), pg_bytes(message_id), pg_num(now_ms)});
    if (r.rows() == 1) ack_delivery(r.integer(0, 0), now_ms);
  }

  std::optional<ReplyRecord> find_reply(std::int64_t delivery_seq) {
    auto const r = db_.exec(
        std::string("SELECT ") + kReplyColumns + " FROM inbox_replies WHERE delivery_seq = $1",
        {pg_num(delivery_seq)});
    if (r.rows() == 0) return std::nullopt;
    return reply_at(r, 0);
  }

  std::vector<ReplyRecord> replies_where(std::string const& where,
                                         std::vector<PgParam> const& params = {}) {
    auto const r = db_.exec(
        std::string("SELECT ") + kReplyColumns + " FROM inbox_replies WHERE " + where, params);
    std::vector<ReplyRecord> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(reply_at(r, i));
    return out;
  }

  PgConnection db_;
  std::string location_;  ///< The URL without its password.
  std::string lock_name_;
  bool locked_ = false;
};

}  // namespace

std::shared_ptr<Store> open_postgres_store(std::string const& url) {
  return std::make_shared<PostgresStore>(url);
}

}  // namespace getxapi::inbox::internal
