#include <getxapi/outreach/journal.hpp>

#include "store/sqlite.hpp"

#include <cstdio>
#include <iterator>

namespace getxapi::outreach {

using store::internal::Database;
using store::internal::guard;
using store::internal::Statement;

namespace {

std::int64_t to_ms(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Timestamp from_ms(std::int64_t ms) {
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(std::chrono::milliseconds(ms)));
}

std::optional<Timestamp> from_ms(std::optional<std::int64_t> ms) {
  if (!ms) return std::nullopt;
  return from_ms(*ms);
}

Audience parse_audience(std::string const& text) {
  if (text.rfind("file:", 0) == 0) return Audience::from_file(text.substr(5));
  if (text.rfind("followers:", 0) == 0) return Audience::followers_of(text.substr(10));
  return Audience::followers_of(text);
}

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

// The per-endpoint billing columns of `runs`, by name: never by enum order.
char const* billing_column(Endpoint e) {
  switch (e) {
    case Endpoint::kLogin:
      return "billed_login";
    case Endpoint::kUserInfo:
      return "billed_user_info";
    case Endpoint::kFollowers:
      return "billed_followers";
    case Endpoint::kFollowing:
      return "billed_following";
    case Endpoint::kDmSend:
      return "billed_dm_send";
    case Endpoint::kDmList:
      return "billed_dm_list";
    default:
      return nullptr;  // an endpoint newer than the schema: counted in billed_calls only
  }
}

void not_found(std::string_view what) {
  store::internal::fail(ErrorCode::kStoreError, std::string(what));
}

constexpr char kRecipientColumns[] =
    "seq, user_id, user_name, name, can_dm, state, text, message_id, recovered, reason, "
    "error_code, attempts, sending_at_ms, sent_at_ms, replied_at_ms, settle_at_ms";

RecipientRecord read_recipient(Statement const& s) {
  RecipientRecord r;
  r.seq = s.integer(0);
  r.user_id = s.text(1);
  r.user_name = s.text(2);
  r.name = s.text(3);
  if (!s.is_null(4)) r.can_dm = s.integer(4) != 0;
  r.state = parse_recipient_state(s.text(5)).value_or(RecipientState::kPending);
  r.text = s.text(6);
  r.message_id = s.text(7);
  r.recovered = s.integer(8) != 0;
  r.reason = s.text(9);
  r.error_code = s.text(10);
  r.attempts = static_cast<int>(s.integer(11));
  r.sending_at = from_ms(s.optional_integer(12));
  r.sent_at = from_ms(s.optional_integer(13));
  r.replied_at = from_ms(s.optional_integer(14));
  r.settle_at = from_ms(s.optional_integer(15));
  return r;
}

constexpr char kCampaignColumns[] =
    "name, created_at_ms, audience, message, account_key, audience_complete, audience_cursor, "
    "audience_pages, sender_id";

CampaignInfo read_campaign(Statement const& s) {
  CampaignInfo c;
  c.name = s.text(0);
  c.created_at = from_ms(s.integer(1));
  c.audience = parse_audience(s.text(2));
  c.message = s.text(3);
  c.account_key = s.text(4);
  c.audience_complete = s.integer(5) != 0;
  c.audience_cursor = s.text(6);
  c.audience_pages = s.integer(7);
  c.sender_id = s.text(8);
  return c;
}

std::optional<std::int64_t> optional_can_dm(std::optional<bool> v) {
  if (!v) return std::nullopt;
  return *v ? 1 : 0;
}

}  // namespace

std::string account_key(std::string_view auth_token) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : auth_token) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "acct-%016llx", static_cast<unsigned long long>(h));
  return buf;
}

struct Journal::Impl {
  Impl(std::string p, std::unique_ptr<Database> d) : path(std::move(p)), db(std::move(d)) {}
  std::string path;
  std::unique_ptr<Database> db;

  std::optional<CampaignInfo> campaign(std::string_view name) const {
    Statement s(*db, std::string("SELECT ") + kCampaignColumns + " FROM campaigns WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return read_campaign(s);
  }
  void set_sender_id(std::string_view campaign, std::string_view sender_id) {
    Statement s(*db, "UPDATE campaigns SET sender_id = ? WHERE name = ?");
    s.bind(1, sender_id).bind(2, campaign);
    s.run();
  }
  std::optional<RecipientRecord> one_recipient(std::string const& sql, std::string_view campaign,
                                               std::int64_t number) const {
    Statement s(*db, std::string("SELECT ") + kRecipientColumns + " FROM recipients " + sql);
    s.bind(1, campaign).bind(2, number);
    if (!s.step()) return std::nullopt;
    return read_recipient(s);
  }
  // One UPDATE of one recipient; `bind` binds the statement's leading parameters and
  // returns the index of the next one (campaign, then seq, are bound after them).
  std::int64_t update(std::string const& sql, std::string_view campaign, std::int64_t seq,
                      std::function<int(Statement&)> const& bind) {
    std::int64_t changed = 0;
    db->transaction([&] {
      Statement s(*db, sql);
      int const next = bind(s);
      s.bind(next, campaign).bind(next + 1, seq);
      s.run();
      changed = db->changes();
    });
    return changed;
  }
};

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Journal::~Journal() = default;
Journal::Journal(Journal&&) noexcept = default;
Journal& Journal::operator=(Journal&&) noexcept = default;

Result<Journal> Journal::open(std::string const& path) {
  auto impl = guard<std::unique_ptr<Impl>>(
      [&] { return std::make_unique<Impl>(path, Database::open(path, journal_schema())); });
  if (!impl) return std::move(impl).error();
  return Journal(std::move(*impl));
}

std::string const& Journal::path() const noexcept { return impl_->path; }

Result<int> Journal::schema_version() const {
  return guard<int>([&] { return impl_->db->user_version(); });
}

Result<Committed> Journal::transaction(std::function<Result<Committed>()> const& body) {
  return guard<Committed>([&] {
    impl_->db->transaction([&] {
      auto r = body();
      if (!r) throw store::internal::StoreError(r.error());
    });
  });
}

Result<std::optional<CampaignInfo>> Journal::campaign(std::string_view name) const {
  return guard<std::optional<CampaignInfo>>([&] { return impl_->campaign(name); });
}

Result<std::vector<CampaignInfo>> Journal::campaigns() const {
  return guard<std::vector<CampaignInfo>>([&] {
    Statement s(*impl_->db,
                std::string("SELECT ") + kCampaignColumns + " FROM campaigns ORDER BY name");
    std::vector<CampaignInfo> out;
    while (s.step()) out.push_back(read_campaign(s));
    return out;
  });
}

Result<CampaignInfo> Journal::create_campaign(
    CampaignSpec const& spec, std::string_view account, Timestamp now,
    std::optional<std::vector<NewRecipient>> file_recipients) {
  return guard<CampaignInfo>([&] {
    Database& db = *impl_->db;
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
    return *impl_->campaign(spec.name);
  });
}

Result<Committed> Journal::set_sender_id(std::string_view campaign, std::string_view sender_id) {
  return guard<Committed>([&] { impl_->set_sender_id(campaign, sender_id); });
}

Result<std::int64_t> Journal::add_audience_page(std::string_view campaign,
                                                std::vector<NewRecipient> const& recipients,
                                                std::string_view next_cursor) {
  return guard<std::int64_t>([&] {
    Database& db = *impl_->db;
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
  });
}

Result<std::optional<RecipientRecord>> Journal::recipient(std::string_view campaign,
                                                          std::int64_t seq) const {
  return guard<std::optional<RecipientRecord>>(
      [&] { return impl_->one_recipient("WHERE campaign = ? AND seq = ?", campaign, seq); });
}

Result<std::vector<RecipientRecord>> Journal::recipients(
    std::string_view campaign, std::optional<RecipientState> state) const {
  return guard<std::vector<RecipientRecord>>([&] {
    Statement s(*impl_->db, std::string("SELECT ") + kRecipientColumns +
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
  });
}

Result<std::optional<RecipientRecord>> Journal::next_pending(std::string_view campaign,
                                                             std::int64_t after_seq) const {
  return guard<std::optional<RecipientRecord>>([&] {
    return impl_->one_recipient(
        "WHERE campaign = ? AND state = 'pending' AND seq > ? ORDER BY seq LIMIT 1", campaign,
        after_seq);
  });
}

Result<bool> Journal::resolve(std::string_view campaign, std::int64_t seq,
                              NewRecipient const& user) {
  return guard<bool>([&] {
    Database& db = *impl_->db;
    bool resolved = false;
    db.transaction([&] {
      Statement dup(db,
                    "SELECT seq FROM recipients WHERE campaign = ? AND user_id = ? AND seq <> ?");
      dup.bind(1, campaign).bind(2, user.user_id).bind(3, seq);
      if (dup.step()) {
        std::string const reason = "duplicate of recipient #" + std::to_string(dup.integer(0));
        impl_->update(
            "UPDATE recipients SET state = 'skipped', reason = ? WHERE campaign = ? AND "
            "seq = ? AND state = 'pending'",
            campaign, seq, [&](Statement& s) {
              s.bind(1, reason);
              return 2;
            });
        return;
      }
      impl_->update(
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
  });
}

Result<Committed> Journal::mark_sending(std::string_view campaign, std::int64_t seq,
                                        std::string_view text, Timestamp now) {
  return guard<Committed>([&] {
    auto const changed = impl_->update(
        "UPDATE recipients SET state = 'sending', text = ?, sending_at_ms = ?, "
        "sending_day = ?, settle_at_ms = NULL, attempts = attempts + 1 WHERE campaign = ? AND seq "
        "= ? AND "
        "state = 'pending'",
        campaign, seq, [&](Statement& s) {
          s.bind(1, text).bind(2, to_ms(now)).bind(3, utc_day(now));
          return 4;
        });
    if (changed != 1) {
      not_found("recipient #" + std::to_string(seq) + " of " + std::string(campaign) +
                " is not pending");
    }
  });
}

Result<Committed> Journal::mark_unsettled(std::string_view campaign, std::int64_t seq,
                                          Timestamp settle_at, Error const& error) {
  return guard<Committed>([&] {
    impl_->update(
        "UPDATE recipients SET settle_at_ms = ?, reason = ?, error_code = ? "
        "WHERE campaign = ? AND seq = ? AND state = 'sending'",
        campaign, seq, [&](Statement& s) {
          s.bind(1, to_ms(settle_at)).bind(2, error.message()).bind(3, to_string(error.code()));
          return 4;
        });
  });
}

Result<Committed> Journal::mark_sent(std::string_view campaign, std::int64_t seq,
                                     std::string_view message_id, bool recovered, Timestamp at) {
  return guard<Committed>([&] {
    impl_->update(
        "UPDATE recipients SET state = 'sent', message_id = ?, recovered = ?, "
        "sent_at_ms = ?, reason = '', error_code = '' WHERE campaign = ? AND seq = ?",
        campaign, seq, [&](Statement& s) {
          s.bind(1, message_id).bind(2, recovered ? 1 : 0).bind(3, to_ms(at));
          return 4;
        });
  });
}

Result<Committed> Journal::mark_pending(std::string_view campaign, std::int64_t seq,
                                        std::optional<Error> const& error) {
  return guard<Committed>([&] {
    impl_->update(
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
  });
}

Result<Committed> Journal::mark_skipped(std::string_view campaign, std::int64_t seq,
                                        std::string_view reason) {
  return guard<Committed>([&] {
    impl_->update(
        "UPDATE recipients SET state = 'skipped', reason = ?, sending_day = NULL "
        "WHERE campaign = ? AND seq = ?",
        campaign, seq, [&](Statement& s) {
          s.bind(1, reason);
          return 2;
        });
  });
}

Result<Committed> Journal::mark_failed(std::string_view campaign, std::int64_t seq,
                                       Error const& error) {
  return guard<Committed>([&] {
    impl_->update(
        "UPDATE recipients SET state = 'failed', reason = ?, error_code = ?, "
        "sending_day = NULL WHERE campaign = ? AND seq = ?",
        campaign, seq, [&](Statement& s) {
          s.bind(1, error.message()).bind(2, to_string(error.code()));
          return 3;
        });
  });
}

Result<bool> Journal::mark_replied(std::string_view campaign, std::int64_t seq, Timestamp at) {
  return guard<bool>([&] {
    return impl_->update(
               "UPDATE recipients SET replied_at_ms = ? WHERE campaign = ? AND seq = ? AND "
               "replied_at_ms IS NULL",
               campaign, seq, [&](Statement& s) {
                 s.bind(1, to_ms(at));
                 return 2;
               }) == 1;
  });
}

Result<StateCounts> Journal::counts(std::string_view campaign) const {
  return guard<StateCounts>([&] {
    Statement s(*impl_->db,
                "SELECT state, COUNT(*), SUM(recovered), SUM(replied_at_ms IS NOT NULL) "
                "FROM recipients WHERE campaign = ? GROUP BY state");
    s.bind(1, campaign);
    StateCounts c;
    while (s.step()) {
      auto const n = s.integer(1);
      switch (parse_recipient_state(s.text(0)).value_or(RecipientState::kPending)) {
        case RecipientState::kPending:
          c.pending += n;
          break;
        case RecipientState::kSending:
          c.sending += n;
          break;
        case RecipientState::kSent:
          c.sent += n;
          c.recovered += s.integer(2);
          c.replied += s.integer(3);
          break;
        case RecipientState::kSkipped:
          c.skipped += n;
          break;
        case RecipientState::kFailed:
          c.failed += n;
          break;
      }
    }
    return c;
  });
}

Result<int> Journal::sends_on_day(std::string_view account, std::int64_t day) const {
  return guard<int>([&] {
    Statement s(*impl_->db,
                "SELECT COUNT(*) FROM recipients r JOIN campaigns c ON c.name = r.campaign "
                "WHERE c.account_key = ? AND r.sending_day = ? AND r.state IN ('sent', 'sending')");
    s.bind(1, account).bind(2, day);
    s.step();
    return static_cast<int>(s.integer(0));
  });
}

Result<std::int64_t> Journal::begin_run(std::string_view campaign, std::string_view kind,
                                        CampaignPacing const& pacing, Timestamp now) {
  return guard<std::int64_t>([&] {
    Database& db = *impl_->db;
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
  });
}

Result<Committed> Journal::record_run_stats(std::int64_t run, Stats const& stats) {
  return guard<Committed>([&] {
    std::string sql = "UPDATE runs SET billed_calls = ?, spend_micro_usd = ?";
    std::vector<std::int64_t> values;
    for (auto e : kAllEndpoints) {
      if (char const* column = billing_column(e)) {
        sql += std::string(", ") + column + " = ?";
        values.push_back(stats.at(e).billed_calls);
      }
    }
    sql += " WHERE id = ?";
    impl_->db->transaction([&] {
      Statement s(*impl_->db, sql);
      auto const total = stats.total();
      s.bind(1, total.billed_calls).bind(2, total.spend_micro_usd);
      int column = 3;
      for (auto v : values) s.bind(column++, v);
      s.bind(column, run);
      s.run();
    });
  });
}

Result<Committed> Journal::finish_run(std::int64_t run, std::string_view outcome, Timestamp now) {
  return guard<Committed>([&] {
    impl_->db->transaction([&] {
      Statement s(*impl_->db, "UPDATE runs SET finished_at_ms = ?, outcome = ? WHERE id = ?");
      s.bind(1, to_ms(now)).bind(2, outcome).bind(3, run);
      s.run();
    });
  });
}

Result<BilledTotals> Journal::billed(std::string_view campaign,
                                     std::optional<std::string> kind) const {
  return guard<BilledTotals>([&] {
    std::string sql =
        "SELECT COUNT(*), COALESCE(SUM(billed_calls), 0), COALESCE(SUM(spend_micro_usd), 0)";
    std::vector<Endpoint> columns;
    for (auto e : kAllEndpoints) {
      if (char const* column = billing_column(e)) {
        sql += std::string(", COALESCE(SUM(") + column + "), 0)";
        columns.push_back(e);
      }
    }
    sql += " FROM runs WHERE campaign = ? AND (? IS NULL OR kind = ?)";
    Statement s(*impl_->db, sql);
    s.bind(1, campaign);
    if (kind) {
      s.bind(2, *kind).bind(3, *kind);
    } else {
      s.bind_null(2).bind_null(3);
    }
    BilledTotals t;
    if (s.step()) {
      t.runs = s.integer(0);
      t.total_billed_calls = s.integer(1);
      t.spend_micro_usd = s.integer(2);
      for (std::size_t i = 0; i < columns.size(); ++i) {
        t.billed_calls[static_cast<std::size_t>(columns[i])] = s.integer(static_cast<int>(3 + i));
      }
    }
    return t;
  });
}

Result<std::vector<RunRecord>> Journal::runs(std::string_view campaign) const {
  return guard<std::vector<RunRecord>>([&] {
    Statement s(*impl_->db,
                "SELECT id, kind, started_at_ms, finished_at_ms, outcome, delay_min_ms, "
                "delay_max_ms, daily_cap FROM runs WHERE campaign = ? ORDER BY id");
    s.bind(1, campaign);
    std::vector<RunRecord> out;
    while (s.step()) {
      RunRecord r;
      r.id = s.integer(0);
      r.kind = s.text(1);
      r.started_at = from_ms(s.integer(2));
      r.finished_at = from_ms(s.optional_integer(3));
      r.outcome = s.text(4);
      r.pacing.delay_min = std::chrono::milliseconds(s.integer(5));
      r.pacing.delay_max = std::chrono::milliseconds(s.integer(6));
      if (auto cap = s.optional_integer(7)) r.pacing.daily_cap = static_cast<int>(*cap);
      out.push_back(std::move(r));
    }
    return out;
  });
}

}  // namespace getxapi::outreach
