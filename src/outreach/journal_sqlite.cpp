// The SQLite journal: one file (WAL mode, synchronous=FULL), the embedded
// default. The SQL here is the journal's since version 1; the run lock is the
// file's (store/run_lock.hpp), so one run per journal file at a time.
#include "journal_backend.hpp"

#include "store/run_lock.hpp"
#include "store/sqlite.hpp"

#include <iterator>

namespace getxapi::outreach::internal {

using store::internal::Database;
using store::internal::Statement;

namespace {

// Migration N takes a version N-1 file to version N. A new journal runs them
// all, so every migration is exercised by every test that opens a journal.
char const* const kMigrations[] = {
    // 1: the first schema.
    R"sql(
CREATE TABLE campaigns(
  name TEXT PRIMARY KEY,
  created_at_ms INTEGER NOT NULL,
  audience TEXT NOT NULL,
  message TEXT NOT NULL,
  account_key TEXT NOT NULL,
  audience_complete INTEGER NOT NULL DEFAULT 0,
  audience_cursor TEXT NOT NULL DEFAULT '',
  audience_pages INTEGER NOT NULL DEFAULT 0);
CREATE TABLE recipients(
  campaign TEXT NOT NULL REFERENCES campaigns(name),
  seq INTEGER NOT NULL,
  user_id TEXT NOT NULL DEFAULT '',
  user_name TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  can_dm INTEGER,
  state TEXT NOT NULL CHECK (state IN ('pending','sending','sent','skipped','failed')),
  text TEXT NOT NULL DEFAULT '',
  message_id TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  error_code TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  sending_at_ms INTEGER,
  sent_at_ms INTEGER,
  PRIMARY KEY (campaign, seq));
CREATE UNIQUE INDEX recipients_by_user ON recipients(campaign, user_id) WHERE user_id <> '';
CREATE INDEX recipients_by_state ON recipients(campaign, state, seq);
CREATE TABLE runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  finished_at_ms INTEGER,
  outcome TEXT NOT NULL DEFAULT 'running',
  billed_calls INTEGER NOT NULL DEFAULT 0,
  spend_micro_usd INTEGER NOT NULL DEFAULT 0);
)sql",
    // 2: per-endpoint billing and pacing per run, replies, the sender id, and
    // the UTC day of each send so the daily cap can be counted across runs.
    R"sql(
ALTER TABLE campaigns ADD COLUMN sender_id TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN recovered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recipients ADD COLUMN replied_at_ms INTEGER;
ALTER TABLE recipients ADD COLUMN sending_day INTEGER;
UPDATE recipients SET sending_day = COALESCE(sending_at_ms, sent_at_ms) / 86400000
  WHERE state IN ('sent', 'sending') AND COALESCE(sending_at_ms, sent_at_ms) IS NOT NULL;
CREATE INDEX recipients_by_day ON recipients(sending_day) WHERE sending_day IS NOT NULL;
ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'run';
ALTER TABLE runs ADD COLUMN billed_login INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN billed_user_info INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN billed_followers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN billed_following INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN billed_dm_send INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN billed_dm_list INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN delay_min_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN delay_max_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN daily_cap INTEGER;
)sql",
    // 3: when a send whose outcome is unknown settles: until then the inbox not
    // showing it proves nothing, and it is never sent again.
    R"sql(
ALTER TABLE recipients ADD COLUMN settle_at_ms INTEGER;
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == Journal::kSchemaVersion,
              "one migration per schema version");

// "GXJ1": how a journal file says it is one (PRAGMA application_id). Journals
// written before it existed are recognised by their tables.
constexpr std::int32_t kJournalApplicationId = 0x47584A31;

store::internal::Schema const& journal_schema() {
  static store::internal::Schema const schema{
      "outreach journal", kJournalApplicationId, "campaigns",
      std::vector<std::string>(std::begin(kMigrations), std::end(kMigrations))};
  return schema;
}

}  // namespace

class SqliteBackend final : public Backend {
 public:
  explicit SqliteBackend(std::string const& path)
      : path_(path), db_(Database::open(path, journal_schema())) {}

  std::string const& display() const override { return path_; }
  int schema_version() override { return db_->user_version(); }
  void transaction(std::function<void()> const& body) override { db_->transaction(body); }

  RunGuard lock_run(std::string_view, std::string_view) override {
    // One run per journal file, whatever campaign: the file is the unit a user copies.
    return std::make_shared<store::internal::RunLock>(
        store::internal::take(store::internal::RunLock::acquire(path_)));
  }

  std::optional<CampaignInfo> campaign(std::string_view name) override {
    Statement s(*db_, std::string("SELECT ") + kCampaignColumns + " FROM campaigns WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return read_campaign(s);
  }

  std::vector<CampaignInfo> campaigns() override {
    Statement s(*db_, std::string("SELECT ") + kCampaignColumns + " FROM campaigns ORDER BY name");
    std::vector<CampaignInfo> out;
    while (s.step()) out.push_back(read_campaign(s));
    return out;
  }

  void create_campaign(CampaignSpec const& spec, std::string_view account, Timestamp now,
                       std::optional<std::vector<NewRecipient>> const& file_recipients) override {
    Database& db = *db_;
    db.transaction([&] {
      Statement s(db,
                  "INSERT INTO campaigns(name, created_at_ms, audience, message, account_key, "
                  "audience_complete) VALUES (?, ?, ?, ?, ?, ?)");
      s.bind(1, spec.name)
          .bind(2, to_ms(now))
          .bind(3, spec.audience.describe())
          .bind(4, spec.message)
          .bind(5, account)
          .bind(6, file_recipients ? 1 : 0);
      s.run();
      if (!file_recipients) return;
      std::int64_t seq = 0;
      for (auto const& r : *file_recipients) {
        Statement one(db,
                      "INSERT OR IGNORE INTO recipients(campaign, seq, user_id, user_name, state) "
                      "VALUES (?, ?, ?, ?, 'pending')");
        one.bind(1, spec.name).bind(2, seq++).bind(3, r.user_id).bind(4, r.user_name);
        one.run();
      }
    });
  }

  void set_sender_id(std::string_view campaign, std::string_view sender_id) override {
    Statement s(*db_, "UPDATE campaigns SET sender_id = ? WHERE name = ?");
    s.bind(1, sender_id).bind(2, campaign);
    s.run();
  }

  std::int64_t add_audience_page(std::string_view campaign,
                                 std::vector<NewRecipient> const& recipients,
                                 std::string_view next_cursor) override {
    Database& db = *db_;
    std::int64_t added = 0;
    db.transaction([&] {
      Statement max(db, "SELECT COALESCE(MAX(seq), -1) FROM recipients WHERE campaign = ?");
      max.bind(1, campaign);
      max.step();
      std::int64_t seq = max.integer(0) + 1;
      for (auto const& r : recipients) {
        bool const skip = r.can_dm.has_value() && !*r.can_dm;
        Statement add(db,
                      "INSERT OR IGNORE INTO recipients(campaign, seq, user_id, user_name, name, "
                      "can_dm, state, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        add.bind(1, campaign)
            .bind(2, seq)
            .bind(3, r.user_id)
            .bind(4, r.user_name)
            .bind(5, r.name)
            .bind(6, optional_can_dm(r.can_dm))
            .bind(7, skip ? "skipped" : "pending")
            .bind(8, skip ? "canDm false" : "");
        add.run();
        if (db.changes() > 0) {
          ++seq;
          ++added;
        }
      }
      Statement c(db,
                  "UPDATE campaigns SET audience_cursor = ?, audience_complete = ?, "
                  "audience_pages = audience_pages + 1 WHERE name = ?");
      c.bind(1, next_cursor).bind(2, next_cursor.empty() ? 1 : 0).bind(3, campaign);
      c.run();
    });
    return added;
  }

  std::optional<RecipientRecord> recipient(std::string_view campaign, std::int64_t seq) override {
    return one_recipient("WHERE campaign = ? AND seq = ?", campaign, seq);
  }

  std::vector<RecipientRecord> recipients(std::string_view campaign,
                                          std::optional<RecipientState> state) override {
    Statement s(*db_, std::string("SELECT ") + kRecipientColumns +
                          " FROM recipients WHERE campaign = ? AND (? IS NULL OR state = ?) "
                          "ORDER BY seq");
    s.bind(1, campaign);
    if (state) {
      s.bind(2, to_string(*state)).bind(3, to_string(*state));
    } else {
      s.bind_null(2).bind_null(3);
    }
    std::vector<RecipientRecord> out;
    while (s.step()) out.push_back(read_recipient(s));
    return out;
  }

  std::optional<RecipientRecord> next_pending(std::string_view campaign,
                                              std::int64_t after_seq) override {
    return one_recipient(
        "WHERE campaign = ? AND state = 'pending' AND seq > ? ORDER BY seq LIMIT 1", campaign,
        after_seq);
  }

  bool resolve(std::string_view campaign, std::int64_t seq, NewRecipient const& user) override {
    Database& db = *db_;
    bool resolved = false;
    db.transaction([&] {
      Statement dup(db,
                    "SELECT seq FROM recipients WHERE campaign = ? AND user_id = ? AND seq <> ?");
      dup.bind(1, campaign).bind(2, user.user_id).bind(3, seq);
      if (dup.step()) {
        std::string const reason = "duplicate of recipient #" + std::to_string(dup.integer(0));
        update(
            "UPDATE recipients SET state = 'skipped', reason = ? WHERE campaign = ? AND "
            "seq = ? AND state = 'pending'",
            campaign, seq, [&](Statement& s) {
              s.bind(1, reason);
              return 2;
            });
        return;
      }
      update(
          "UPDATE recipients SET user_id = ?, user_name = ?, name = ?, can_dm = ? "
          "WHERE campaign = ? AND seq = ?",
          campaign, seq, [&](Statement& s) {
            s.bind(1, user.user_id)
                .bind(2, user.user_name)
                .bind(3, user.name)
                .bind(4, optional_can_dm(user.can_dm));
            return 5;
          });
      resolved = true;
    });
    return resolved;
  }

  std::int64_t mark_sending(std::string_view campaign, std::int64_t seq, std::string_view text,
                            Timestamp now) override {
    return update(
        "UPDATE recipients SET state = 'sending', text = ?, sending_at_ms = ?, "
        "sending_day = ?, settle_at_ms = NULL, attempts = attempts + 1 WHERE campaign = ? AND seq "
        "= ? AND "
        "state = 'pending'",
        campaign, seq, [&](Statement& s) {
          s.bind(1, text).bind(2, to_ms(now)).bind(3, utc_day(now));
          return 4;
        });
  }

  void mark_unsettled(std::string_view campaign, std::int64_t seq, Timestamp settle_at,
                      Error const& error) override {
    update(
        "UPDATE recipients SET settle_at_ms = ?, reason = ?, error_code = ? "
        "WHERE campaign = ? AND seq = ? AND state = 'sending'",
        campaign, seq, [&](Statement& s) {
          s.bind(1, to_ms(settle_at)).bind(2, error.message()).bind(3, to_string(error.code()));
          return 4;
        });
  }

  void mark_sent(std::string_view campaign, std::int64_t seq, std::string_view message_id,
                 bool recovered, Timestamp at) override {
    update(
        "UPDATE recipients SET state = 'sent', message_id = ?, recovered = ?, "
        "sent_at_ms = ?, reason = '', error_code = '' WHERE campaign = ? AND seq = ?",
        campaign, seq, [&](Statement& s) {
          s.bind(1, message_id).bind(2, recovered ? 1 : 0).bind(3, to_ms(at));
          return 4;
        });
  }

  void mark_pending(std::string_view campaign, std::int64_t seq,
                    std::optional<Error> const& error) override {
    update(
        "UPDATE recipients SET state = 'pending', sending_day = NULL, "
        "reason = COALESCE(?, reason), error_code = COALESCE(?, error_code) "
        "WHERE campaign = ? AND seq = ?",
        campaign, seq, [&](Statement& s) {
          if (error) {
            s.bind(1, error->message()).bind(2, to_string(error->code()));
          } else {
            s.bind_null(1).bind_null(2);
          }
          return 3;
        });
  }

  void mark_skipped(std::string_view campaign, std::int64_t seq, std::string_view reason) override {
    update(
        "UPDATE recipients SET state = 'skipped', reason = ?, sending_day = NULL "
        "WHERE campaign = ? AND seq = ?",
        campaign, seq, [&](Statement& s) {
          s.bind(1, reason);
          return 2;
        });
  }

  void mark_failed(std::string_view campaign, std::int64_t seq, Error const& error) override {
    update(
        "UPDATE recipients SET state = 'failed', reason = ?, error_code = ?, "
        "sending_day = NULL WHERE campaign = ? AND seq = ?",
        campaign, seq, [&](Statement& s) {
          s.bind(1, error.message()).bind(2, to_string(error.code()));
          return 3;
        });
  }

  bool mark_replied(std::string_view campaign, std::int64_t seq, Timestamp at) override {
    return update(
               "UPDATE recipients SET replied_at_ms = ? WHERE campaign = ? AND seq = ? AND "
               "replied_at_ms IS NULL",
               campaign, seq, [&](Statement& s) {
                 s.bind(1, to_ms(at));
                 return 2;
               }) == 1;
  }

  StateCounts counts(std::string_view campaign) override {
    Statement s(*db_,
                "SELECT state, COUNT(*), SUM(recovered), SUM(replied_at_ms IS NOT NULL) "
                "FROM recipients WHERE campaign = ? GROUP BY state");
    s.bind(1, campaign);
    StateCounts c;
    while (s.step()) add_count(c, s.text(0), s.integer(1), s.integer(2), s.integer(3));
    return c;
  }

  int sends_on_day(std::string_view account, std::int64_t day) override {
    Statement s(*db_,
                "SELECT COUNT(*) FROM recipients r JOIN campaigns c ON c.name = r.campaign "
                "WHERE c.account_key = ? AND r.sending_day = ? AND r.state IN ('sent', 'sending')");
    s.bind(1, account).bind(2, day);
    s.step();
    return static_cast<int>(s.integer(0));
  }

  std::int64_t begin_run(std::string_view campaign, std::string_view kind,
                         CampaignPacing const& pacing, Timestamp now) override {
    Database& db = *db_;
    std::int64_t id = 0;
    db.transaction([&] {
      Statement s(db,
                  "INSERT INTO runs(campaign, kind, started_at_ms, delay_min_ms, delay_max_ms, "
                  "daily_cap) VALUES (?, ?, ?, ?, ?, ?)");
      std::optional<std::int64_t> cap;
      if (pacing.daily_cap) cap = *pacing.daily_cap;
      s.bind(1, campaign)
          .bind(2, kind)
          .bind(3, to_ms(now))
          .bind(4, static_cast<std::int64_t>(pacing.delay_min.count()))
          .bind(5, static_cast<std::int64_t>(pacing.delay_max.count()))
          .bind(6, cap);
      s.run();
      id = db.last_insert_rowid();
    });
    return id;
  }

  void record_run_stats(std::int64_t run, Stats const& stats) override {
    std::string sql = "UPDATE runs SET billed_calls = ?, spend_micro_usd = ?";
    std::vector<std::int64_t> values;
    for (auto e : billing_endpoints()) {
      sql += std::string(", ") + billing_column(e) + " = ?";
      values.push_back(stats.at(e).billed_calls);
    }
    sql += " WHERE id = ?";
    db_->transaction([&] {
      Statement s(*db_, sql);
      auto const total = stats.total();
      s.bind(1, total.billed_calls).bind(2, total.spend_micro_usd);
      int column = 3;
      for (auto v : values) s.bind(column++, v);
      s.bind(column, run);
      s.run();
    });
  }

  void finish_run(std::int64_t run, std::string_view outcome, Timestamp now) override {
    db_->transaction([&] {
      Statement s(*db_, "UPDATE runs SET finished_at_ms = ?, outcome = ? WHERE id = ?");
      s.bind(1, to_ms(now)).bind(2, outcome).bind(3, run);
      s.run();
    });
  }

  BilledTotals billed(std::string_view campaign, std::optional<std::string> const& kind) override {
    std::string sql =
        "SELECT COUNT(*), COALESCE(SUM(billed_calls), 0), COALESCE(SUM(spend_micro_usd), 0)";
    for (auto e : billing_endpoints()) {
      sql += std::string(", COALESCE(SUM(") + billing_column(e) + "), 0)";
    }
    sql += " FROM runs WHERE campaign = ? AND (? IS NULL OR kind = ?)";
    Statement s(*db_, sql);
    s.bind(1, campaign);
    if (kind) {
      s.bind(2, *kind).bind(3, *kind);
    } else {
      s.bind_null(2).bind_null(3);
    }
    if (!s.step()) return BilledTotals{};
    return read_billed(s);
  }

  std::vector<RunRecord> runs(std::string_view campaign) override {
    Statement s(*db_,
                std::string("SELECT ") + kRunColumns + " FROM runs WHERE campaign = ? ORDER BY id");
    s.bind(1, campaign);
    std::vector<RunRecord> out;
    while (s.step()) out.push_back(read_run(s));
    return out;
  }

 private:
  std::optional<RecipientRecord> one_recipient(std::string const& sql, std::string_view campaign,
                                               std::int64_t number) {
    Statement s(*db_, std::string("SELECT ") + kRecipientColumns + " FROM recipients " + sql);
    s.bind(1, campaign).bind(2, number);
    if (!s.step()) return std::nullopt;
    return read_recipient(s);
  }
  // One UPDATE of one recipient; `bind` binds the statement's leading parameters and
  // returns the index of the next one (campaign, then seq, are bound after them).
  std::int64_t update(std::string const& sql, std::string_view campaign, std::int64_t seq,
                      std::function<int(Statement&)> const& bind) {
    std::int64_t changed = 0;
    db_->transaction([&] {
      Statement s(*db_, sql);
      int const next = bind(s);
      s.bind(next, campaign).bind(next + 1, seq);
      s.run();
      changed = db_->changes();
    });
    return changed;
  }

  std::string path_;
  std::unique_ptr<Database> db_;
};

std::unique_ptr<Backend> open_sqlite_backend(std::string const& path) {
  return std::make_unique<SqliteBackend>(path);
}

}  // namespace getxapi::outreach::internal
