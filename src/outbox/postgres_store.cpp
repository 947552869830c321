#include "postgres_store.hpp"
#include "store_common.hpp"

#include "store/postgres.hpp"

#include <algorithm>
#include <climits>

namespace getxapi::outbox::internal {
namespace {

using store::internal::PgConnection;
using store::internal::PgParam;
using store::internal::PgResult;
using store::internal::PgSchema;
using store::internal::PgTransaction;

constexpr char kSchemaV1[] = R"sql(
CREATE TABLE outbox_entries(
  id BIGSERIAL PRIMARY KEY,
  key TEXT UNIQUE,
  recipient_kind TEXT NOT NULL,
  recipient TEXT NOT NULL,
  recipient_id TEXT,
  text TEXT NOT NULL,
  sender TEXT,
  created_ms BIGINT NOT NULL,
  not_before_ms BIGINT,
  expires_ms BIGINT,
  due_ms BIGINT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  account TEXT,
  worker TEXT,
  sending_at_ms BIGINT,
  sending_day BIGINT,
  lease_until_ms BIGINT,
  ambiguous_since_ms BIGINT,
  needs_verified INTEGER NOT NULL DEFAULT 0,
  avoid_account TEXT,
  message_id TEXT,
  sent_at_ms BIGINT,
  recovered INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  reason TEXT);
CREATE INDEX outbox_entries_by_state_due ON outbox_entries(state, due_ms, id);
CREATE TABLE outbox_accounts(
  name TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  daily_cap INTEGER NOT NULL,
  verified INTEGER NOT NULL DEFAULT 0,
  user_id TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  rest_until_ms BIGINT NOT NULL DEFAULT 0,
  reason TEXT,
  next_send_ms BIGINT NOT NULL DEFAULT 0);
CREATE TABLE outbox_account_days(
  account TEXT NOT NULL,
  day BIGINT NOT NULL,
  sends INTEGER NOT NULL,
  PRIMARY KEY(account, day));
CREATE TABLE outbox_runs(
  id BIGSERIAL PRIMARY KEY,
  worker TEXT NOT NULL,
  started_ms BIGINT NOT NULL,
  finished_ms BIGINT,
  billed_calls BIGINT NOT NULL DEFAULT 0,
  spend_micro_usd BIGINT NOT NULL DEFAULT 0);
)sql";

PgParam num(std::int64_t v) { return std::to_string(v); }
PgParam opt_num(std::optional<std::int64_t> v) {
  if (!v) return std::nullopt;
  return std::to_string(*v);
}
PgParam opt_text(std::string const& s) {
  if (s.empty()) return std::nullopt;
  return s;
}
// One row of a result, as `read_entry` reads it.
struct PgRow {
  PgResult const& result;
  int row;
  std::int64_t integer(int column) const { return result.integer(row, column); }
  std::optional<std::int64_t> optional_integer(int column) const {
    return result.optional_integer(row, column);
  }
  std::string text(int column) const { return result.text(row, column); }
};

Entry read_entry(PgResult const& r, int row) { return internal::read_entry(PgRow{r, row}); }

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::string const& url) : db_(PgConnection::connect(url)) {
    db_.migrate(schema());
  }

  std::pair<Entry, bool> enqueue(NewEntry const& n, std::int64_t now_ms) override {
    return in_transaction([&]() -> std::pair<Entry, bool> {
      PgParam const recipient_id =
          n.recipient.is_id() ? PgParam(n.recipient.value()) : std::nullopt;
      std::int64_t const due = n.not_before ? std::max(now_ms, to_ms(*n.not_before)) : now_ms;
      // ON CONFLICT: two processes enqueueing one key at once still make one entry.
      auto inserted = db_.exec(
          "INSERT INTO outbox_entries(key, recipient_kind, recipient, recipient_id, text, sender,"
          " created_ms, not_before_ms, expires_ms, due_ms, state)"
          " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'queued')"
          " ON CONFLICT (key) DO NOTHING RETURNING id",
          {opt_text(n.key), std::string(n.recipient.is_id() ? "id" : "user_name"),
           n.recipient.value(), recipient_id, n.text, opt_text(n.sender), num(now_ms),
           opt_num(opt_ms(n.not_before)), opt_num(opt_ms(n.expires)), num(due)});
      if (inserted.rows() == 1) return {*entry(inserted.integer(0, 0)), true};
      auto existing = db_.exec(
          std::string("SELECT ") + kEntryColumns + " FROM outbox_entries WHERE key = $1", {n.key});
      if (existing.rows() == 0) store::internal::fail(ErrorCode::kBusy, "outbox: enqueue raced");
      return {read_entry(existing, 0), false};
    });
  }

  std::optional<Entry> entry(std::int64_t id) override {
    auto r = db_.exec(std::string("SELECT ") + kEntryColumns + " FROM outbox_entries WHERE id = $1",
                      {num(id)});
    if (r.rows() == 0) return std::nullopt;
    return read_entry(r, 0);
  }

  std::vector<Entry> list(std::optional<EntryState> state, std::size_t limit) override {
    std::string sql = std::string("SELECT ") + kEntryColumns + " FROM outbox_entries";
    std::vector<PgParam> params;
    if (state) {
      sql += " WHERE state = $1";
      params.emplace_back(std::string(to_string(*state)));
    }
    sql += " ORDER BY id LIMIT $" + std::to_string(params.size() + 1);
    params.push_back(num(static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX))));
    auto r = db_.exec(sql, params);
    std::vector<Entry> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_entry(r, i));
    return out;
  }

  OutboxStatus status(std::int64_t now_ms) override {
    OutboxStatus st;
    auto counts = db_.exec("SELECT state, COUNT(*) FROM outbox_entries GROUP BY state");
    for (int i = 0; i < counts.rows(); ++i) {
      if (auto state = parse_entry_state(counts.text(i, 0))) {
        set_count(st.counts, *state, counts.integer(i, 1));
      }
    }
    auto accounts = db_.exec(
        "SELECT a.name, COALESCE(d.sends, 0), a.daily_cap, a.verified, a.disabled,"
        " a.rest_until_ms, COALESCE(a.reason, '') FROM outbox_accounts a LEFT JOIN"
        " outbox_account_days d ON d.account = a.name AND d.day = $1 ORDER BY a.name",
        {num(utc_day_of_ms(now_ms))});
    for (int i = 0; i < accounts.rows(); ++i) {
      AccountStatus a;
      a.name = accounts.text(i, 0);
      a.sent_today = static_cast<int>(accounts.integer(i, 1));
      a.daily_cap = static_cast<int>(accounts.integer(i, 2));
      a.verified = accounts.integer(i, 3) != 0;
      if (accounts.integer(i, 4) != 0) {
        a.health = AccountHealth::kDisabled;
        a.reason = accounts.text(i, 6);
      } else if (accounts.integer(i, 5) > now_ms) {
        a.health = AccountHealth::kResting;
        a.rest_until = from_ms(accounts.integer(i, 5));
        a.reason = accounts.text(i, 6);
      }
      st.accounts.push_back(std::move(a));
    }
    auto runs = db_.exec(
        "SELECT COALESCE(SUM(billed_calls),0), COALESCE(SUM(spend_micro_usd),0) FROM outbox_runs");
    st.billed_calls = runs.integer(0, 0);
    st.spend_micro_usd = runs.integer(0, 1);
    auto oldest = db_.exec(
        "SELECT id, due_ms FROM outbox_entries WHERE state = 'queued' ORDER BY due_ms, id LIMIT 1");
    if (oldest.rows() == 1) {
      st.oldest_due_id = oldest.integer(0, 0);
      st.oldest_due_at = from_ms(oldest.integer(0, 1));
    }
    return st;
  }

  void register_accounts(std::vector<AccountRow> const& accounts, std::int64_t) override {
    in_transaction([&] {
      for (auto const& a : accounts) {
        // A new token for a disabled account is someone's fix: enable it again.
        db_.exec(
            "INSERT INTO outbox_accounts AS o (name, fingerprint, daily_cap, verified)"
            " VALUES($1,$2,$3,$4) ON CONFLICT(name) DO UPDATE SET"
            " daily_cap = EXCLUDED.daily_cap, verified = EXCLUDED.verified,"
            " disabled = CASE WHEN o.fingerprint = EXCLUDED.fingerprint THEN o.disabled ELSE 0 END,"
            " reason = CASE WHEN o.fingerprint = EXCLUDED.fingerprint THEN o.reason ELSE NULL END,"
            " user_id = CASE WHEN o.fingerprint = EXCLUDED.fingerprint THEN o.user_id ELSE NULL"
            " END, fingerprint = EXCLUDED.fingerprint",
            {a.name, a.fingerprint, num(a.daily_cap), num(a.verified ? 1 : 0)});
      }
      return 0;
    });
  }

  void set_account_user_id(std::string const& account, std::string const& user_id) override {
    db_.exec("UPDATE outbox_accounts SET user_id = $1 WHERE name = $2", {user_id, account});
  }
  std::string account_user_id(std::string const& account) override {
    auto r =
        db_.exec("SELECT COALESCE(user_id, '') FROM outbox_accounts WHERE name = $1", {account});
    return r.rows() ? r.text(0, 0) : std::string();
  }
  void rest_account(std::string const& account, std::int64_t until_ms,
                    std::string const& reason) override {
    db_.exec(
        "UPDATE outbox_accounts SET rest_until_ms = GREATEST(rest_until_ms, $1), reason = $2"
        " WHERE name = $3",
        {num(until_ms), reason, account});
  }
  void disable_account(std::string const& account, std::string const& reason) override {
    db_.exec("UPDATE outbox_accounts SET disabled = 1, reason = $1 WHERE name = $2",
             {reason, account});
  }
  void set_account_verified(std::string const& account, bool verified) override {
    db_.exec("UPDATE outbox_accounts SET verified = $1 WHERE name = $2",
             {num(verified ? 1 : 0), account});
  }
  bool has_verified_account(std::string const& except) override {
    auto r = db_.exec(
        "SELECT 1 FROM outbox_accounts WHERE verified = 1 AND disabled = 0 AND name <> $1 LIMIT 1",
        {except});
    return r.rows() > 0;
  }

  ClaimResult claim(ClaimRequest const& r) override {
    // Late entries expire in their own transaction, skipping rows other
    // workers hold, so a claim never waits on them.
    in_transaction([&] {
      db_.exec(
          "UPDATE outbox_entries SET state = 'expired', reason = 'expired before it could be sent'"
          " WHERE id IN (SELECT id FROM outbox_entries WHERE state = 'queued' AND"
          " expires_ms IS NOT NULL AND expires_ms <= $1 FOR UPDATE SKIP LOCKED)",
          {num(r.now_ms)});
      return 0;
    });
    return in_transaction([&] { return claim_in_transaction(r); });
  }

  std::vector<Entry> take_over(ClaimRequest const& r) override {
    return in_transaction([&] {
      std::vector<Entry> out;
      auto rows = db_.exec(std::string("SELECT ") + kEntryColumns +
                               " FROM outbox_entries WHERE state = 'sending' AND"
                               " lease_until_ms <= $1 ORDER BY sending_at_ms, id"
                               " FOR UPDATE SKIP LOCKED",
                           {num(r.now_ms)});
      for (int i = 0; i < rows.rows(); ++i) {
        Entry e = read_entry(rows, i);
        if (std::find(r.accounts.begin(), r.accounts.end(), e.account) != r.accounts.end()) {
          out.push_back(std::move(e));
        }
      }
      for (auto const& e : out) {
        db_.exec("UPDATE outbox_entries SET worker = $1, lease_until_ms = $2 WHERE id = $3",
                 {r.worker, num(r.now_ms + r.lease_ms), num(e.id)});
      }
      return out;
    });
  }

  void set_recipient_id(std::int64_t entry_id, std::string const& recipient_id) override {
    db_.exec("UPDATE outbox_entries SET recipient_id = $1 WHERE id = $2",
             {recipient_id, num(entry_id)});
  }

  void settle(Settlement const& st) override {
    in_transaction([&] {
      settle_in_transaction(st);
      return 0;
    });
  }

  std::int64_t begin_run(std::string const& worker, std::int64_t now_ms) override {
    auto r = db_.exec("INSERT INTO outbox_runs(worker, started_ms) VALUES($1, $2) RETURNING id",
                      {worker, num(now_ms)});
    return r.integer(0, 0);
  }

  void record_run(std::int64_t run_id, RunTotals const& t,
                  std::optional<std::int64_t> finished_ms) override {
    db_.exec(
        "UPDATE outbox_runs SET billed_calls = $1, spend_micro_usd = $2,"
        " finished_ms = COALESCE($3, finished_ms) WHERE id = $4",
        {num(t.billed_calls), num(t.spend_micro_usd), opt_num(finished_ms), num(run_id)});
  }

 private:
  static PgSchema const& schema() {
    static PgSchema const s{"outbox", {kSchemaV1}};
    return s;
  }

  // Runs `body` in one transaction; a deadlock or serialization abort (kBusy
  // from the connection) is retried a few times, anything else is thrown.
  template <class F>
  auto in_transaction(F body) -> decltype(body()) {
    for (int attempt = 1;; ++attempt) {
      try {
        PgTransaction tx(db_);
        auto value = body();
        tx.commit();
        return value;
      } catch (store::internal::StoreError const& e) {
        if (e.error().code() != ErrorCode::kBusy || attempt >= 5) throw;
      }
    }
  }

  ClaimResult claim_in_transaction(ClaimRequest const& r) {
    auto accounts = lock_accounts(r.accounts, r.now_ms);
    return claim_first(
        due_candidates(r.now_ms), accounts, r.now_ms,
        [&](Candidate const& c, AccountState& a) { return take(c.id, a, r); },
        [&] { return count_queued(); },
        [&]() -> std::optional<std::int64_t> {
          auto next = db_.exec(
              "SELECT MIN(due_ms) FROM outbox_entries WHERE state = 'queued' AND due_ms > $1",
              {num(r.now_ms)});
          if (next.is_null(0, 0)) return std::nullopt;
          return next.integer(0, 0);
        },
        [&]() -> std::optional<std::int64_t> {
          auto lease =
              db_.exec("SELECT MIN(lease_until_ms) FROM outbox_entries WHERE state = 'sending'");
          if (lease.is_null(0, 0)) return std::nullopt;
          return lease.integer(0, 0);
        });
  }

  void settle_in_transaction(Settlement const& st) {
    auto row = db_.exec(
        "SELECT state, COALESCE(account,''), sending_day, COALESCE(worker,'')"
        " FROM outbox_entries WHERE id = $1 FOR UPDATE",
        {num(st.entry_id)});
    if (row.rows() == 0) return;
    std::string const state = row.text(0, 0);
    std::string const account = row.text(0, 1);
    std::optional<std::int64_t> const day = row.optional_integer(0, 2);
    std::string const holder = row.text(0, 3);
    if (st.kind == Settlement::Kind::kSent) {
      // A delivery is recorded whatever happened to the claim meanwhile, unless
      // the entry is already settled: it happened.
      if (state != "sending" && state != "queued") return;
      db_.exec(
          "UPDATE outbox_entries SET state = 'sent', message_id = $1, recovered = $2,"
          " sent_at_ms = $3, lease_until_ms = NULL, ambiguous_since_ms = NULL,"
          " error_code = NULL, reason = NULL WHERE id = $4",
          {st.message_id, num(st.recovered ? 1 : 0), num(st.now_ms), num(st.entry_id)});
      if (state == "queued" && day) count(account, *day, +1);  // was given back wrongly
      return;
    }
    if (state != "sending" || holder != st.worker) return;  // the claim was taken over
    settle_unsent(st);
    if (st.kind != Settlement::Kind::kAmbiguous && day) count(account, *day, -1);
  }

  void settle_unsent(Settlement const& st) {
    switch (st.kind) {
      case Settlement::Kind::kAmbiguous:
        db_.exec(
            "UPDATE outbox_entries SET lease_until_ms = $1, ambiguous_since_ms ="
            " COALESCE(ambiguous_since_ms, $2), error_code = $3, reason = $4 WHERE id = $5",
            {num(st.due_ms), num(st.now_ms), st.error_code, st.reason, num(st.entry_id)});
        break;
      case Settlement::Kind::kRequeue:
        db_.exec(
            "UPDATE outbox_entries SET state = 'queued', due_ms = $1, lease_until_ms = NULL,"
            " ambiguous_since_ms = NULL, worker = NULL, error_code = $2, reason = $3,"
            " needs_verified = GREATEST(needs_verified, $4), avoid_account ="
            " COALESCE($5, avoid_account), attempts = attempts - $6 WHERE id = $7",
            {num(st.due_ms), st.error_code, st.reason, num(st.needs_verified ? 1 : 0),
             opt_text(st.avoid_account), num(st.count_attempt_back ? 1 : 0), num(st.entry_id)});
        break;
      case Settlement::Kind::kFailed:
      case Settlement::Kind::kExpired:
        db_.exec(
            "UPDATE outbox_entries SET state = $1, lease_until_ms = NULL, worker = NULL,"
            " error_code = $2, reason = $3 WHERE id = $4",
            {std::string(st.kind == Settlement::Kind::kFailed ? "failed" : "expired"),
             st.error_code, st.reason, num(st.entry_id)});
        break;
      case Settlement::Kind::kSent:
        break;
    }
  }

  std::int64_t count_queued() {
    auto r = db_.exec("SELECT COUNT(*) FROM outbox_entries WHERE state = 'queued'");
    return r.integer(0, 0);
  }

  // The request's accounts, locked until the claim commits: two claims that
  // share an account take turns, so its count and pacing stay exact. In name
  // order, so two claims never wait on each other in a cycle.
  std::vector<AccountState> lock_accounts(std::vector<std::string> names, std::int64_t now_ms) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::vector<AccountState> out;
    for (auto const& name : names) {
      auto r = db_.exec(
          "SELECT daily_cap, verified, disabled, rest_until_ms, next_send_ms"
          " FROM outbox_accounts WHERE name = $1 FOR UPDATE",
          {name});
      if (r.rows() == 0) continue;
      // Read after the lock, in a statement of its own: under READ COMMITTED a
      // statement that waited for the lock still sees the rest of the database
      // as it was when it started, so a count read with the lock would miss the
      // send the other claim just committed (the cap would be passed by one).
      auto day = db_.exec("SELECT sends FROM outbox_account_days WHERE account = $1 AND day = $2",
                          {name, num(utc_day_of_ms(now_ms))});
      AccountState a;
      a.name = name;
      a.cap = static_cast<int>(r.integer(0, 0));
      a.verified = r.integer(0, 1) != 0;
      a.disabled = r.integer(0, 2) != 0;
      a.rest_until = r.integer(0, 3);
      a.next_send = r.integer(0, 4);
      a.sends_today = day.rows() ? static_cast<int>(day.integer(0, 0)) : 0;
      out.push_back(std::move(a));
    }
    return out;
  }

  std::vector<Candidate> due_candidates(std::int64_t now_ms) {
    // Bounded, and skipping what other workers are claiming right now.
    auto r = db_.exec(
        "SELECT id, COALESCE(sender,''), needs_verified, COALESCE(avoid_account,'')"
        " FROM outbox_entries WHERE state = 'queued' AND due_ms <= $1"
        " ORDER BY due_ms, id LIMIT 256 FOR UPDATE SKIP LOCKED",
        {num(now_ms)});
    std::vector<Candidate> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back(Candidate{r.integer(i, 0), r.text(i, 1), r.integer(i, 2) != 0, r.text(i, 3)});
    }
    return out;
  }

  Entry take(std::int64_t id, AccountState& a, ClaimRequest const& r) {
    std::int64_t const day = utc_day_of_ms(r.now_ms);
    db_.exec(
        "UPDATE outbox_entries SET state = 'sending', account = $1, worker = $2,"
        " attempts = attempts + 1, sending_at_ms = $3, sending_day = $4,"
        " lease_until_ms = $5, ambiguous_since_ms = NULL WHERE id = $6",
        {a.name, r.worker, num(r.now_ms), num(day), num(r.now_ms + r.lease_ms), num(id)});
    db_.exec("UPDATE outbox_accounts SET next_send_ms = $1 WHERE name = $2",
             {num(r.now_ms + r.delay_ms), a.name});
    count(a.name, day, +1);
    a.next_send = r.now_ms + r.delay_ms;
    ++a.sends_today;
    return *entry(id);
  }

  void count(std::string const& account, std::int64_t day, int delta) {
    db_.exec(
        "INSERT INTO outbox_account_days AS d (account, day, sends) VALUES($1, $2, GREATEST($3, 0))"
        " ON CONFLICT(account, day) DO UPDATE SET sends = GREATEST(d.sends + $3, 0)",
        {account, num(day), num(delta)});
  }

  PgConnection db_;
};

}  // namespace

std::unique_ptr<Store> open_postgres_store(std::string const& url) {
  return std::make_unique<PostgresStore>(url);
}

}  // namespace getxapi::outbox::internal
