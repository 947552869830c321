#include "sqlite_store.hpp"
#include "store_common.hpp"

#include "store/sqlite.hpp"

#include <algorithm>
#include <map>

namespace getxapi::outbox::internal {
namespace {

using store::internal::Database;
using store::internal::Statement;

constexpr char kSchemaV1[] = R"sql(
CREATE TABLE entries(
  id INTEGER PRIMARY KEY,
  key TEXT UNIQUE,
  recipient_kind TEXT NOT NULL,
  recipient TEXT NOT NULL,
  recipient_id TEXT,
  text TEXT NOT NULL,
  sender TEXT,
  created_ms INTEGER NOT NULL,
  not_before_ms INTEGER,
  expires_ms INTEGER,
  due_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  account TEXT,
  worker TEXT,
  sending_at_ms INTEGER,
  sending_day INTEGER,
  lease_until_ms INTEGER,
  ambiguous_since_ms INTEGER,
  needs_verified INTEGER NOT NULL DEFAULT 0,
  avoid_account TEXT,
  message_id TEXT,
  sent_at_ms INTEGER,
  recovered INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  reason TEXT);
CREATE INDEX entries_by_state_due ON entries(state, due_ms, id);
CREATE TABLE accounts(
  name TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  daily_cap INTEGER NOT NULL,
  verified INTEGER NOT NULL DEFAULT 0,
  user_id TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  rest_until_ms INTEGER NOT NULL DEFAULT 0,
  reason TEXT,
  next_send_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE account_days(
  account TEXT NOT NULL,
  day INTEGER NOT NULL,
  sends INTEGER NOT NULL,
  PRIMARY KEY(account, day));
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  worker TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  finished_ms INTEGER,
  billed_calls INTEGER NOT NULL DEFAULT 0,
  spend_micro_usd INTEGER NOT NULL DEFAULT 0);
)sql";

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::string const& path) : db_(Database::open(path, schema())) {}

  std::pair<Entry, bool> enqueue(NewEntry const& n, std::int64_t now_ms) override {
    std::pair<Entry, bool> out;
    db_->transaction([&] {
      if (!n.key.empty()) {
        if (auto existing = by_key(n.key)) {
          out = {std::move(*existing), false};
          return;
        }
      }
      Statement s(*db_,
                  "INSERT INTO entries(key, recipient_kind, recipient, recipient_id, text, sender, "
                  "created_ms, not_before_ms, expires_ms, due_ms, state) "
                  "VALUES(?,?,?,?,?,?,?,?,?,?,'queued')");
      if (n.key.empty()) {
        s.bind_null(1);
      } else {
        s.bind(1, n.key);
      }
      s.bind(2, n.recipient.is_id() ? "id" : "user_name").bind(3, n.recipient.value());
      if (n.recipient.is_id()) {
        s.bind(4, n.recipient.value());
      } else {
        s.bind_null(4);
      }
      s.bind(5, n.text);
      if (n.sender.empty()) {
        s.bind_null(6);
      } else {
        s.bind(6, n.sender);
      }
      s.bind(7, now_ms).bind(8, opt_ms(n.not_before)).bind(9, opt_ms(n.expires));
      s.bind(10, n.not_before ? std::max(now_ms, to_ms(*n.not_before)) : now_ms);
      s.run();
      out = {*entry(db_->last_insert_rowid()), true};
    });
    return out;
  }

  std::optional<Entry> entry(std::int64_t id) override {
    Statement s(*db_, std::string("SELECT ") + kEntryColumns + " FROM entries WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_entry(s);
  }

  std::vector<Entry> list(std::optional<EntryState> state, std::size_t limit) override {
    std::string sql = std::string("SELECT ") + kEntryColumns + " FROM entries";
    if (state) sql += " WHERE state = ?";
    sql += " ORDER BY id LIMIT ?";
    Statement s(*db_, sql);
    int i = 1;
    if (state) s.bind(i++, to_string(*state));
    s.bind(i, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<Entry> out;
    while (s.step()) out.push_back(read_entry(s));
    return out;
  }

  OutboxStatus status(std::int64_t now_ms) override {
    OutboxStatus st;
    {
      Statement s(*db_, "SELECT state, COUNT(*) FROM entries GROUP BY state");
      while (s.step()) {
        auto state = parse_entry_state(s.text(0));
        if (!state) continue;
        set_count(st.counts, *state, s.integer(1));
      }
    }
    {
      Statement s(*db_,
                  "SELECT a.name, COALESCE(d.sends, 0), a.daily_cap, a.verified, a.disabled, "
                  "a.rest_until_ms, COALESCE(a.reason, '') FROM accounts a LEFT JOIN "
                  "account_days d ON d.account = a.name AND d.day = ? ORDER BY a.name");
      s.bind(1, utc_day_of_ms(now_ms));
      while (s.step()) {
        AccountStatus a;
        a.name = s.text(0);
        a.sent_today = static_cast<int>(s.integer(1));
        a.daily_cap = static_cast<int>(s.integer(2));
        a.verified = s.integer(3) != 0;
        if (s.integer(4) != 0) {
          a.health = AccountHealth::kDisabled;
          a.reason = s.text(6);
        } else if (s.integer(5) > now_ms) {
          a.health = AccountHealth::kResting;
          a.rest_until = from_ms(s.integer(5));
          a.reason = s.text(6);
        }
        st.accounts.push_back(std::move(a));
      }
    }
    {
      Statement s(*db_,
                  "SELECT COALESCE(SUM(billed_calls),0), COALESCE(SUM(spend_micro_usd),0) "
                  "FROM runs");
      if (s.step()) {
        st.billed_calls = s.integer(0);
        st.spend_micro_usd = s.integer(1);
      }
    }
    {
      Statement s(*db_,
                  "SELECT id, due_ms FROM entries WHERE state = 'queued' "
                  "ORDER BY due_ms, id LIMIT 1");
      if (s.step()) {
        st.oldest_due_id = s.integer(0);
        st.oldest_due_at = from_ms(s.integer(1));
      }
    }
    return st;
  }

  void register_accounts(std::vector<AccountRow> const& accounts, std::int64_t) override {
    db_->transaction([&] {
      for (auto const& a : accounts) {
        // A new token for a disabled account is someone's fix: enable it again.
        Statement s(
            *db_,
            "INSERT INTO accounts(name, fingerprint, daily_cap, verified) VALUES(?,?,?,?) "
            "ON CONFLICT(name) DO UPDATE SET daily_cap = excluded.daily_cap, "
            "verified = excluded.verified, "
            "disabled = CASE WHEN fingerprint = excluded.fingerprint THEN disabled ELSE 0 END,"
            " reason = CASE WHEN fingerprint = excluded.fingerprint THEN reason ELSE NULL END,"
            " user_id = CASE WHEN fingerprint = excluded.fingerprint THEN user_id ELSE NULL "
            "END, fingerprint = excluded.fingerprint");
        s.bind(1, a.name).bind(2, a.fingerprint).bind(3, a.daily_cap).bind(4, a.verified ? 1 : 0);
        s.run();
      }
    });
  }

  void set_account_user_id(std::string const& account, std::string const& user_id) override {
    Statement s(*db_, "UPDATE accounts SET user_id = ? WHERE name = ?");
    s.bind(1, user_id).bind(2, account).run();
  }
  std::string account_user_id(std::string const& account) override {
    Statement s(*db_, "SELECT COALESCE(user_id, '') FROM accounts WHERE name = ?");
    s.bind(1, account);
    return s.step() ? s.text(0) : std::string();
  }
  void rest_account(std::string const& account, std::int64_t until_ms,
                    std::string const& reason) override {
    Statement s(*db_,
                "UPDATE accounts SET rest_until_ms = MAX(rest_until_ms, ?), reason = ? "
                "WHERE name = ?");
    s.bind(1, until_ms).bind(2, reason).bind(3, account).run();
  }
  void disable_account(std::string const& account, std::string const& reason) override {
    Statement s(*db_, "UPDATE accounts SET disabled = 1, reason = ? WHERE name = ?");
    s.bind(1, reason).bind(2, account).run();
  }
  void set_account_verified(std::string const& account, bool verified) override {
    Statement s(*db_, "UPDATE accounts SET verified = ? WHERE name = ?");
    s.bind(1, verified ? 1 : 0).bind(2, account).run();
  }
  bool has_verified_account(std::string const& except) override {
    Statement s(*db_, "SELECT 1 FROM accounts WHERE verified = 1 AND disabled = 0 AND name <> ?");
    s.bind(1, except);
    return s.step();
  }

  ClaimResult claim(ClaimRequest const& r) override {
    ClaimResult result;
    db_->transaction([&] { result = claim_in_transaction(r); });
    return result;
  }

  std::vector<Entry> take_over(ClaimRequest const& r) override {
    std::vector<Entry> out;
    db_->transaction([&] { out = take_over_in_transaction(r); });
    return out;
  }

  void settle(Settlement const& st) override {
    db_->transaction([&] { settle_in_transaction(st); });
  }

  ClaimResult claim_in_transaction(ClaimRequest const& r) {
    expire_late(r.now_ms);
    auto accounts = load_accounts(r.accounts, r.now_ms);
    return claim_first(
        due_candidates(r.now_ms), accounts, r.now_ms,
        [&](Candidate const& c, AccountState& a) { return take(c.id, a, r); },
        [&] { return count_queued(); },
        [&]() -> std::optional<std::int64_t> {
          Statement s(*db_,
                      "SELECT MIN(due_ms) FROM entries WHERE state = 'queued' AND due_ms > ?");
          s.bind(1, r.now_ms);
          if (s.step() && !s.is_null(0)) return s.integer(0);
          return std::nullopt;
        },
        [&]() -> std::optional<std::int64_t> {
          Statement s(*db_, "SELECT MIN(lease_until_ms) FROM entries WHERE state = 'sending'");
          if (s.step() && !s.is_null(0)) return s.integer(0);
          return std::nullopt;
        });
  }

  std::vector<Entry> take_over_in_transaction(ClaimRequest const& r) {
    std::vector<Entry> out;
    {
      Statement s(*db_, std::string("SELECT ") + kEntryColumns +
                            " FROM entries WHERE state = 'sending' AND lease_until_ms <= ? "
                            "ORDER BY sending_at_ms, id");
      s.bind(1, r.now_ms);
      while (s.step()) {
        Entry e = read_entry(s);
        if (std::find(r.accounts.begin(), r.accounts.end(), e.account) != r.accounts.end()) {
          out.push_back(std::move(e));
        }
      }
    }
    for (auto const& e : out) {
      Statement s(*db_, "UPDATE entries SET worker = ?, lease_until_ms = ? WHERE id = ?");
      s.bind(1, r.worker).bind(2, r.now_ms + r.lease_ms).bind(3, e.id).run();
    }
    return out;
  }

  void set_recipient_id(std::int64_t entry_id, std::string const& recipient_id) override {
    Statement s(*db_, "UPDATE entries SET recipient_id = ? WHERE id = ?");
    s.bind(1, recipient_id).bind(2, entry_id).run();
  }

  void settle_in_transaction(Settlement const& st) {
    std::string account;
    std::optional<std::int64_t> day;
    std::string state;
    std::string holder;
    {
      Statement s(*db_,
                  "SELECT state, COALESCE(account,''), sending_day, COALESCE(worker,'') "
                  "FROM entries WHERE id = ?");
      s.bind(1, st.entry_id);
      if (!s.step()) return;
      state = s.text(0);
      account = s.text(1);
      day = s.optional_integer(2);
      holder = s.text(3);
    }
    if (st.kind == Settlement::Kind::kSent) {
      // A delivery is recorded whatever happened to the claim meanwhile, unless
      // the entry is already settled: it happened.
      if (state != "sending" && state != "queued") return;
      Statement s(*db_,
                  "UPDATE entries SET state = 'sent', message_id = ?, recovered = ?, "
                  "sent_at_ms = ?, lease_until_ms = NULL, ambiguous_since_ms = NULL, "
                  "error_code = NULL, reason = NULL WHERE id = ?");
      s.bind(1, st.message_id).bind(2, st.recovered ? 1 : 0).bind(3, st.now_ms);
      s.bind(4, st.entry_id).run();
      if (state == "queued" && day) count(account, *day, +1);  // was given back wrongly
      return;
    }
    if (state != "sending" || holder != st.worker) return;  // the claim was taken over
    bool give_back = st.kind != Settlement::Kind::kAmbiguous;
    switch (st.kind) {
      case Settlement::Kind::kAmbiguous: {
        Statement s(*db_,
                    "UPDATE entries SET lease_until_ms = ?, ambiguous_since_ms = "
                    "COALESCE(ambiguous_since_ms, ?), error_code = ?, reason = ? WHERE id = ?");
        s.bind(1, st.due_ms).bind(2, st.now_ms).bind(3, st.error_code).bind(4, st.reason);
        s.bind(5, st.entry_id).run();
        break;
      }
      case Settlement::Kind::kRequeue: {
        Statement s(*db_,
                    "UPDATE entries SET state = 'queued', due_ms = ?, lease_until_ms = NULL, "
                    "ambiguous_since_ms = NULL, worker = NULL, error_code = ?, reason = ?, "
                    "needs_verified = MAX(needs_verified, ?), avoid_account = "
                    "COALESCE(?, avoid_account), attempts = attempts - ? WHERE id = ?");
        s.bind(1, st.due_ms).bind(2, st.error_code).bind(3, st.reason);
        s.bind(4, st.needs_verified ? 1 : 0);
        if (st.avoid_account.empty()) {
          s.bind_null(5);
        } else {
          s.bind(5, st.avoid_account);
        }
        s.bind(6, st.count_attempt_back ? 1 : 0).bind(7, st.entry_id).run();
        break;
      }
      case Settlement::Kind::kFailed:
      case Settlement::Kind::kExpired: {
        Statement s(*db_,
                    "UPDATE entries SET state = ?, lease_until_ms = NULL, worker = NULL, "
                    "error_code = ?, reason = ? WHERE id = ?");
        s.bind(1, st.kind == Settlement::Kind::kFailed ? "failed" : "expired");
        s.bind(2, st.error_code).bind(3, st.reason).bind(4, st.entry_id).run();
        break;
      }
      case Settlement::Kind::kSent:
        break;
    }
    if (give_back && day) count(account, *day, -1);
  }

  std::int64_t begin_run(std::string const& worker, std::int64_t now_ms) override {
    Statement s(*db_, "INSERT INTO runs(worker, started_ms) VALUES(?, ?)");
    s.bind(1, worker).bind(2, now_ms).run();
    return db_->last_insert_rowid();
  }

  void record_run(std::int64_t run_id, RunTotals const& t,
                  std::optional<std::int64_t> finished_ms) override {
    Statement s(*db_,
                "UPDATE runs SET billed_calls = ?, spend_micro_usd = ?, "
                "finished_ms = COALESCE(?, finished_ms) WHERE id = ?");
    s.bind(1, t.billed_calls).bind(2, t.spend_micro_usd).bind(3, finished_ms).bind(4, run_id);
    s.run();
  }

 private:
  static store::internal::Schema const& schema() {
    // "GXO1": how an outbox file says it is one (PRAGMA application_id).
    static store::internal::Schema const s{"outbox", 0x47584F31, "", {kSchemaV1}};
    return s;
  }

  std::optional<Entry> by_key(std::string const& key) {
    Statement s(*db_, std::string("SELECT ") + kEntryColumns + " FROM entries WHERE key = ?");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return read_entry(s);
  }

  void expire_late(std::int64_t now_ms) {
    Statement s(*db_,
                "UPDATE entries SET state = 'expired', reason = "
                "'expired before it could be sent' WHERE state = 'queued' AND "
                "expires_ms IS NOT NULL AND expires_ms <= ?");
    s.bind(1, now_ms).run();
  }

  std::int64_t count_queued() {
    Statement s(*db_, "SELECT COUNT(*) FROM entries WHERE state = 'queued'");
    return s.step() ? s.integer(0) : 0;
  }

  std::vector<AccountState> load_accounts(std::vector<std::string> const& names,
                                          std::int64_t now_ms) {
    std::vector<AccountState> out;
    for (auto const& name : names) {
      Statement s(*db_,
                  "SELECT a.daily_cap, a.verified, a.disabled, a.rest_until_ms, a.next_send_ms, "
                  "COALESCE(d.sends, 0) FROM accounts a LEFT JOIN account_days d "
                  "ON d.account = a.name AND d.day = ? WHERE a.name = ?");
      s.bind(1, utc_day_of_ms(now_ms)).bind(2, name);
      if (!s.step()) continue;
      AccountState a;
      a.name = name;
      a.cap = static_cast<int>(s.integer(0));
      a.verified = s.integer(1) != 0;
      a.disabled = s.integer(2) != 0;
      a.rest_until = s.integer(3);
      a.next_send = s.integer(4);
      a.sends_today = static_cast<int>(s.integer(5));
      out.push_back(std::move(a));
    }
    return out;
  }

  std::vector<Candidate> due_candidates(std::int64_t now_ms) {
    // Bounded: entries pinned to busy accounts should not make a claim scan everything.
    Statement s(*db_,
                "SELECT id, COALESCE(sender,''), needs_verified, COALESCE(avoid_account,'') "
                "FROM entries WHERE state = 'queued' AND due_ms <= ? "
                "ORDER BY due_ms, id LIMIT 256");
    s.bind(1, now_ms);
    std::vector<Candidate> out;
    while (s.step())
      out.push_back(Candidate{s.integer(0), s.text(1), s.integer(2) != 0, s.text(3)});
    return out;
  }

  Entry take(std::int64_t id, AccountState& a, ClaimRequest const& r) {
    std::int64_t const day = utc_day_of_ms(r.now_ms);
    {
      Statement s(*db_,
                  "UPDATE entries SET state = 'sending', account = ?, worker = ?, "
                  "attempts = attempts + 1, sending_at_ms = ?, sending_day = ?, "
                  "lease_until_ms = ?, ambiguous_since_ms = NULL WHERE id = ?");
      s.bind(1, a.name).bind(2, r.worker).bind(3, r.now_ms).bind(4, day);
      s.bind(5, r.now_ms + r.lease_ms).bind(6, id).run();
    }
    {
      Statement s(*db_, "UPDATE accounts SET next_send_ms = ? WHERE name = ?");
      s.bind(1, r.now_ms + r.delay_ms).bind(2, a.name).run();
    }
    count(a.name, day, +1);
    a.next_send = r.now_ms + r.delay_ms;
    ++a.sends_today;
    return *entry(id);
  }

  void count(std::string const& account, std::int64_t day, int delta) {
    Statement s(*db_,
                "INSERT INTO account_days(account, day, sends) VALUES(?, ?, MAX(?, 0)) "
                "ON CONFLICT(account, day) DO UPDATE SET sends = MAX(sends + ?, 0)");
    s.bind(1, account).bind(2, day).bind(3, delta).bind(4, delta).run();
  }

  std::unique_ptr<Database> db_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(std::string const& path) {
  return std::make_unique<SqliteStore>(path);
}

}  // namespace getxapi::outbox::internal
