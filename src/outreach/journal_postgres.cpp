// The PostgreSQL journal (design.md §9): the same rows as the SQLite file, in
// tables prefixed `outreach_` of the URL's schema, so one database can hold it
// next to an outbox or anything else. Versioned like the file (getxapi_schema
// row "outreach", the same version numbers), migrated under the store layer's
// advisory lock so processes opening at once apply each migration once.
//
// The run lock is a session advisory lock in the database, not a file: the
// server drops it when the holder's connection ends, kill -9 included.
#include "journal_backend.hpp"

#include "store/postgres.hpp"

#include <iterator>

namespace getxapi::outreach::internal {

using store::internal::PgConnection;
using store::internal::PgParam;
using store::internal::PgResult;
using store::internal::StoreError;

namespace {

// Migration N takes version N-1 to version N, as in the SQLite journal.
char const* const kPgMigrations[] = {
    // 1: the first schema.
    R"sql(
CREATE TABLE outreach_campaigns(
  name TEXT PRIMARY KEY,
  created_at_ms BIGINT NOT NULL,
  audience TEXT NOT NULL,
  message TEXT NOT NULL,
  account_key TEXT NOT NULL,
  audience_complete INTEGER NOT NULL DEFAULT 0,
  audience_cursor TEXT NOT NULL DEFAULT '',
  audience_pages BIGINT NOT NULL DEFAULT 0);
CREATE TABLE outreach_recipients(
  campaign TEXT NOT NULL REFERENCES outreach_campaigns(name),
  seq BIGINT NOT NULL,
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
  sending_at_ms BIGINT,
  sent_at_ms BIGINT,
  PRIMARY KEY (campaign, seq));
CREATE UNIQUE INDEX outreach_recipients_by_user ON outreach_recipients(campaign, user_id)
  WHERE user_id <> '';
CREATE INDEX outreach_recipients_by_state ON outreach_recipients(campaign, state, seq);
CREATE TABLE outreach_runs(
  id BIGSERIAL PRIMARY KEY,
  campaign TEXT NOT NULL,
  started_at_ms BIGINT NOT NULL,
  finished_at_ms BIGINT,
  outcome TEXT NOT NULL DEFAULT 'running',
  billed_calls BIGINT NOT NULL DEFAULT 0,
  spend_micro_usd BIGINT NOT NULL DEFAULT 0);
)sql",
    // 2: per-endpoint billing and pacing per run, replies, the sender id, and
    // the UTC day of each send so the daily cap can be counted across runs.
    R"sql(
ALTER TABLE outreach_campaigns ADD COLUMN sender_id TEXT NOT NULL DEFAULT '';
ALTER TABLE outreach_recipients ADD COLUMN recovered INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN replied_at_ms BIGINT, ADD COLUMN sending_day BIGINT;
UPDATE outreach_recipients SET sending_day = COALESCE(sending_at_ms, sent_at_ms) / 86400000
  WHERE state IN ('sent', 'sending') AND COALESCE(sending_at_ms, sent_at_ms) IS NOT NULL;
CREATE INDEX outreach_recipients_by_day ON outreach_recipients(sending_day)
  WHERE sending_day IS NOT NULL;
ALTER TABLE outreach_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'run',
  ADD COLUMN billed_login BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN billed_user_info BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN billed_followers BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN billed_following BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN billed_dm_send BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN billed_dm_list BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN delay_min_ms BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN delay_max_ms BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN daily_cap INTEGER;
)sql",
    // 3: when a send whose outcome is unknown settles.
    R"sql(
ALTER TABLE outreach_recipients ADD COLUMN settle_at_ms BIGINT;
)sql",
};
static_assert(sizeof(kPgMigrations) / sizeof(kPgMigrations[0]) == Journal::kSchemaVersion,
              "one migration per schema version");

constexpr char kComponent[] = "outreach";

store::internal::PgSchema const& pg_schema() {
  static store::internal::PgSchema const schema{
      kComponent, std::vector<std::string>(std::begin(kPgMigrations), std::end(kPgMigrations))};
  return schema;
}

PgParam num(std::int64_t v) { return std::to_string(v); }
PgParam opt_num(std::optional<std::int64_t> v) {
  if (!v) return std::nullopt;
  return std::to_string(*v);
}
PgParam str(std::string_view s) { return std::string(s); }

// One row of a result, read like a SQLite statement (see read_recipient).
struct PgRow {
  PgResult const& result;
  int row;
  std::int64_t integer(int c) const { return result.integer(row, c); }
  std::string text(int c) const { return result.text(row, c); }
  bool is_null(int c) const { return result.is_null(row, c); }
  std::optional<std::int64_t> optional_integer(int c) const {
    return result.optional_integer(row, c);
  }
};

template <class T, class Read>
std::vector<T> read_all(PgResult const& r, Read read) {
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read(PgRow{r, i}));
  return out;
}

// The advisory locks of one run; unlocked when the run ends, or by the server
// when the connection does (then `conn` is gone too).
struct HeldLocks {
  std::weak_ptr<PgConnection> conn;
  std::vector<std::string> names;
  ~HeldLocks() {
    auto c = conn.lock();
    if (!c) return;
    for (auto const& name : names) {
      try {
        c->unlock(name);
      } catch (StoreError const&) {
        // The connection is broken: the server has dropped the lock already.
      }
    }
  }
};

}  // namespace

class PostgresBackend final : public Backend {
 public:
  explicit PostgresBackend(std::string const& url)
      : display_(store::internal::redact_postgres_url(url)),
        db_(std::make_shared<PgConnection>(PgConnection::connect(url))) {
    // A row another process keeps locked this long is kBusy, as the SQLite busy timeout.
    db_->exec_script("SET lock_timeout = '10s'");
    db_->migrate(pg_schema());
    // Advisory locks are the database's, not the schema's: their names carry the schema.
    schema_ = db_->exec("SELECT current_schema()").text(0, 0);
  }

  std::string const& display() const override { return display_; }

  int schema_version() override {
    auto r = q("SELECT version FROM getxapi_schema WHERE component = $1", {str(kComponent)});
    return r.rows() ? static_cast<int>(r.integer(0, 0)) : 0;
  }

  void transaction(std::function<void()> const& body) override {
    if (depth_ > 0) {
      body();
      return;
    }
    db_->exec_script("BEGIN");
    depth_ = 1;
    failed_ = false;
    try {
      body();
      // A statement that failed aborted the whole transaction, even if its
      // error was handled: COMMIT would quietly roll back. Say so instead.
      if (failed_) {
        store::internal::fail(
            ErrorCode::kStoreError,
            "outreach journal " + display_ +
                ": a statement of this transaction failed; nothing was committed");
      }
      depth_ = 0;
      db_->exec_script("COMMIT");
    } catch (...) {
      depth_ = 0;
      try {
        db_->exec_script("ROLLBACK");
      } catch (StoreError const&) {
        // The connection is gone: the server rolls back on its own.
      }
      throw;
    }
  }

  // One run per campaign, and one per account (the daily cap is seeded from the
  // journal when a run starts: two runs of one account would each spend it).
  RunGuard lock_run(std::string_view campaign, std::string_view account) override {
    auto held = std::make_shared<HeldLocks>();
    held->conn = db_;
    std::string const prefix = "getxapi outreach " + schema_ + " ";
    std::string const campaign_lock = prefix + "campaign " + std::string(campaign);
    if (!db_->try_lock(campaign_lock)) {
      store::internal::fail(ErrorCode::kBusy, "campaign " + std::string(campaign) + " in journal " +
                                                  display_ +
                                                  " is in use by another run; nothing was sent");
    }
    held->names.push_back(campaign_lock);
    std::string const account_lock = prefix + "account " + std::string(account);
    if (!db_->try_lock(account_lock)) {
      store::internal::fail(ErrorCode::kBusy,
                            "another campaign of the same account is running on journal " +
                                display_ +
                                " (one run per account keeps its daily cap); "
                                "nothing was sent");
    }
    held->names.push_back(account_lock);
    return held;
  }

  std::optional<CampaignInfo> campaign(std::string_view name) override {
    auto r =
        q(std::string("SELECT ") + kCampaignColumns + " FROM outreach_campaigns WHERE name = $1",
          {str(name)});
    if (r.rows() == 0) return std::nullopt;
    return read_campaign(PgRow{r, 0});
  }

  std::vector<CampaignInfo> campaigns() override {
    auto r = q(std::string("SELECT ") + kCampaignColumns +
               " FROM outreach_campaigns ORDER BY name COLLATE \"C\"");
    return read_all<CampaignInfo>(r, [](PgRow const& row) { return read_campaign(row); });
  }

  void create_campaign(CampaignSpec const& spec, std::string_view account, Timestamp now,
                       std::optional<std::vector<NewRecipient>> const& file_recipients) override {
    transaction([&] {
      q("INSERT INTO outreach_campaigns(name, created_at_ms, audience, message, account_key, "
        "audience_complete) VALUES ($1, $2, $3, $4, $5, $6)",
        {spec.name, num(to_ms(now)), spec.audience.describe(), spec.message, str(account),
         num(file_recipients ? 1 : 0)});
      if (!file_recipients) return;
      std::int64_t seq = 0;
      for (auto const& r : *file_recipients) {
        q("INSERT INTO outreach_recipients(campaign, seq, user_id, user_name, state) "
          "VALUES ($1, $2, $3, $4, 'pending') ON CONFLICT DO NOTHING",
          {spec.name, num(seq++), r.user_id, r.user_name});
      }
    });
  }

  void set_sender_id(std::string_view campaign, std::string_view sender_id) override {
    q("UPDATE outreach_campaigns SET sender_id = $1 WHERE name = $2",
      {str(sender_id), str(campaign)});
  }

  std::int64_t add_audience_page(std::string_view campaign,
                                 std::vector<NewRecipient> const& recipients,
                                 std::string_view next_cursor) override {
    std::int64_t added = 0;
    transaction([&] {
      auto max = q("SELECT COALESCE(MAX(seq), -1) FROM outreach_recipients WHERE campaign = $1",
                   {str(campaign)});
      std::int64_t seq = max.integer(0, 0) + 1;
      for (auto const& r : recipients) {
        bool const skip = r.can_dm.has_value() && !*r.can_dm;
        auto add =
            q("INSERT INTO outreach_recipients(campaign, seq, user_id, user_name, name, can_dm, "
              "state, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
              {str(campaign), num(seq), r.user_id, r.user_name, r.name,
               opt_num(optional_can_dm(r.can_dm)), str(skip ? "skipped" : "pending"),
               str(skip ? "canDm false" : "")});
        if (add.affected() > 0) {
          ++seq;
          ++added;
        }
      }
      q("UPDATE outreach_campaigns SET audience_cursor = $1, audience_complete = $2, "
        "audience_pages = audience_pages + 1 WHERE name = $3",
        {str(next_cursor), num(next_cursor.empty() ? 1 : 0), str(campaign)});
    });
    return added;
  }

  std::optional<RecipientRecord> recipient(std::string_view campaign, std::int64_t seq) override {
    return one_recipient("WHERE campaign = $1 AND seq = $2", campaign, seq);
  }

  std::vector<RecipientRecord> recipients(std::string_view campaign,
                                          std::optional<RecipientState> state) override {
    std::string sql = std::string("SELECT ") + kRecipientColumns +
                      " FROM outreach_recipients WHERE campaign = $1";
    std::vector<PgParam> params{str(campaign)};
    if (state) {
      sql += " AND state = $2";
      params.push_back(str(to_string(*state)));
    }
    auto r = q(sql + " ORDER BY seq", params);
    return read_all<RecipientRecord>(r, [](PgRow const& row) { return read_recipient(row); });
  }

  std::optional<RecipientRecord> next_pending(std::string_view campaign,
                                              std::int64_t after_seq) override {
    return one_recipient(
        "WHERE campaign = $1 AND state = 'pending' AND seq > $2 ORDER BY seq LIMIT 1", campaign,
        after_seq);
  }

  bool resolve(std::string_view campaign, std::int64_t seq, NewRecipient const& user) override {
    bool resolved = false;
    transaction([&] {
      auto dup = q(
          "SELECT seq FROM outreach_recipients WHERE campaign = $1 AND user_id = $2 AND seq <> $3",
          {str(campaign), user.user_id, num(seq)});
      if (dup.rows() > 0) {
        q("UPDATE outreach_recipients SET state = 'skipped', reason = $1 WHERE campaign = $2 AND "
          "seq = $3 AND state = 'pending'",
          {"duplicate of recipient #" + std::to_string(dup.integer(0, 0)), str(campaign),
           num(seq)});
        return;
      }
      q("UPDATE outreach_recipients SET user_id = $1, user_name = $2, name = $3, can_dm = $4 "
        "WHERE campaign = $5 AND seq = $6",
        {user.user_id, user.user_name, user.name, opt_num(optional_can_dm(user.can_dm)),
         str(campaign), num(seq)});
      resolved = true;
    });
    return resolved;
  }

  std::int64_t mark_sending(std::string_view campaign, std::int64_t seq, std::string_view text,
                            Timestamp now) override {
    return update(
        "state = 'sending', text = $1, sending_at_ms = $2, sending_day = $3, settle_at_ms = NULL, "
        "attempts = attempts + 1",
        " AND state = 'pending'", campaign, seq, {str(text), num(to_ms(now)), num(utc_day(now))});
  }

  void mark_unsettled(std::string_view campaign, std::int64_t seq, Timestamp settle_at,
                      Error const& error) override {
    update("settle_at_ms = $1, reason = $2, error_code = $3", " AND state = 'sending'", campaign,
           seq, {num(to_ms(settle_at)), error.message(), str(to_string(error.code()))});
  }

  void mark_sent(std::string_view campaign, std::int64_t seq, std::string_view message_id,
                 bool recovered, Timestamp at) override {
    update(
        "state = 'sent', message_id = $1, recovered = $2, sent_at_ms = $3, reason = '', "
        "error_code = ''",
        "", campaign, seq, {str(message_id), num(recovered ? 1 : 0), num(to_ms(at))});
  }

  void mark_pending(std::string_view campaign, std::int64_t seq,
                    std::optional<Error> const& error) override {
    PgParam message, code;
    if (error) {
      message = error->message();
      code = str(to_string(error->code()));
    }
    update(
        "state = 'pending', sending_day = NULL, reason = COALESCE($1, reason), "
        "error_code = COALESCE($2, error_code)",
        "", campaign, seq, {message, code});
  }

  void mark_skipped(std::string_view campaign, std::int64_t seq, std::string_view reason) override {
    update("state = 'skipped', reason = $1, sending_day = NULL", "", campaign, seq, {str(reason)});
  }

  void mark_failed(std::string_view campaign, std::int64_t seq, Error const& error) override {
    update("state = 'failed', reason = $1, error_code = $2, sending_day = NULL", "", campaign, seq,
           {error.message(), str(to_string(error.code()))});
  }

  bool mark_replied(std::string_view campaign, std::int64_t seq, Timestamp at) override {
    return update("replied_at_ms = $1", " AND replied_at_ms IS NULL", campaign, seq,
                  {num(to_ms(at))}) == 1;
  }

  StateCounts counts(std::string_view campaign) override {
    auto r =
        q("SELECT state, COUNT(*), COALESCE(SUM(recovered), 0), "
          "SUM(CASE WHEN replied_at_ms IS NOT NULL THEN 1 ELSE 0 END) "
          "FROM outreach_recipients WHERE campaign = $1 GROUP BY state",
          {str(campaign)});
    StateCounts c;
    for (int i = 0; i < r.rows(); ++i) {
      add_count(c, r.text(i, 0), r.integer(i, 1), r.integer(i, 2), r.integer(i, 3));
    }
    return c;
  }

  int sends_on_day(std::string_view account, std::int64_t day) override {
    auto r =
        q("SELECT COUNT(*) FROM outreach_recipients r JOIN outreach_campaigns c ON c.name = "
          "r.campaign WHERE c.account_key = $1 AND r.sending_day = $2 AND r.state IN ('sent', "
          "'sending')",
          {str(account), num(day)});
    return static_cast<int>(r.integer(0, 0));
  }

  std::int64_t begin_run(std::string_view campaign, std::string_view kind,
                         CampaignPacing const& pacing, Timestamp now) override {
    std::optional<std::int64_t> cap;
    if (pacing.daily_cap) cap = *pacing.daily_cap;
    auto r =
        q("INSERT INTO outreach_runs(campaign, kind, started_at_ms, delay_min_ms, delay_max_ms, "
          "daily_cap) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
          {str(campaign), str(kind), num(to_ms(now)),
           num(static_cast<std::int64_t>(pacing.delay_min.count())),
           num(static_cast<std::int64_t>(pacing.delay_max.count())), opt_num(cap)});
    return r.integer(0, 0);
  }

  void record_run_stats(std::int64_t run, Stats const& stats) override {
    auto const total = stats.total();
    std::string sql = "UPDATE outreach_runs SET billed_calls = $1, spend_micro_usd = $2";
    std::vector<PgParam> params{num(total.billed_calls), num(total.spend_micro_usd)};
    for (auto e : billing_endpoints()) {
      params.push_back(num(stats.at(e).billed_calls));
      sql += std::string(", ") + billing_column(e) + " = $" + std::to_string(params.size());
    }
    params.push_back(num(run));
    q(sql + " WHERE id = $" + std::to_string(params.size()), params);
  }

  void finish_run(std::int64_t run, std::string_view outcome, Timestamp now) override {
    q("UPDATE outreach_runs SET finished_at_ms = $1, outcome = $2 WHERE id = $3",
      {num(to_ms(now)), str(outcome), num(run)});
  }

  BilledTotals billed(std::string_view campaign, std::optional<std::string> const& kind) override {
    std::string sql =
        "SELECT COUNT(*), COALESCE(SUM(billed_calls), 0), COALESCE(SUM(spend_micro_usd), 0)";
    for (auto e : billing_endpoints()) {
      sql += std::string(", COALESCE(SUM(") + billing_column(e) + "), 0)";
    }
    sql += " FROM outreach_runs WHERE campaign = $1";
    std::vector<PgParam> params{str(campaign)};
    if (kind) {
      sql += " AND kind = $2";
      params.push_back(*kind);
    }
    auto r = q(sql, params);
    if (r.rows() == 0) return BilledTotals{};
    return read_billed(PgRow{r, 0});
  }

  std::vector<RunRecord> runs(std::string_view campaign) override {
    auto r = q(std::string("SELECT ") + kRunColumns +
                   " FROM outreach_runs WHERE campaign = $1 ORDER BY id",
               {str(campaign)});
    return read_all<RunRecord>(r, [](PgRow const& row) { return read_run(row); });
  }

 private:
  // Every statement goes through here, so a failure inside a transaction is remembered.
  PgResult q(std::string const& sql, std::vector<PgParam> const& params = {}) {
    try {
      return db_->exec(sql, params);
    } catch (StoreError const&) {
      if (depth_ > 0) failed_ = true;
      throw;
    }
  }

  std::optional<RecipientRecord> one_recipient(std::string const& where, std::string_view campaign,
                                               std::int64_t number) {
    auto r = q(std::string("SELECT ") + kRecipientColumns + " FROM outreach_recipients " + where,
               {str(campaign), num(number)});
    if (r.rows() == 0) return std::nullopt;
    return read_recipient(PgRow{r, 0});
  }

  // UPDATE one recipient: `set` uses $1..$n for `values`; campaign and seq follow them,
  // then `extra` (more conditions). Returns the rows changed.
  std::int64_t update(std::string const& set, std::string const& extra, std::string_view campaign,
                      std::int64_t seq, std::vector<PgParam> values) {
    auto const n = values.size();
    values.push_back(str(campaign));
    values.push_back(num(seq));
    return q("UPDATE outreach_recipients SET " + set + " WHERE campaign = $" +
                 std::to_string(n + 1) + " AND seq = $" + std::to_string(n + 2) + extra,
             values)
        .affected();
  }

  std::string display_;
  std::shared_ptr<PgConnection> db_;
  std::string schema_;
  int depth_ = 0;
  bool failed_ = false;
};

std::unique_ptr<Backend> open_postgres_backend(std::string const& url) {
  return std::make_unique<PostgresBackend>(url);
}

}  // namespace getxapi::outreach::internal
