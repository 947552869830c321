#include <getxapi/outreach/journal.hpp>

#include "sqlite.hpp"

#include <cstdio>

namespace getxapi::outreach {

using internal::Database;
using internal::Statement;

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
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == Journal::kSchemaVersion,
              "one migration per schema version");

constexpr char kRecipientColumns[] =
    "seq, user_id, user_name, name, can_dm, state, text, message_id, recovered, reason, "
    "error_code, attempts, sending_at_ms, sent_at_ms, replied_at_ms";

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

std::int64_t utc_day(Timestamp t) noexcept {
  auto const ms = to_ms(t);
  constexpr std::int64_t kDay = 86'400'000;
  return ms >= 0 ? ms / kDay : (ms - kDay + 1) / kDay;
}

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
  explicit Impl(std::string const& p) : path(p), db(p) {}
  std::string path;
  mutable Database db;
  int depth = 0;
};

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Journal::~Journal() = default;
Journal::Journal(Journal&&) noexcept = default;
Journal& Journal::operator=(Journal&&) noexcept = default;

Journal Journal::open(std::string const& path) {
  auto impl = std::make_unique<Impl>(path);
  Database& db = impl->db;
  {
    Statement mode(db, "PRAGMA journal_mode=WAL");
    if (!mode.step() || mode.text(0) != "wal") {
      throw JournalError("journal " + path + ": cannot switch to WAL mode");
    }
  }
  // FULL: a `sending` mark must survive a power cut too, or a resend could double a DM.
  db.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  Journal journal(std::move(impl));
  journal.transaction([&] {
    int version = journal.schema_version();
    if (version > kSchemaVersion) {
      throw JournalError("journal " + path + " has schema version " + std::to_string(version) +
                         ", newer than this program's " + std::to_string(kSchemaVersion) +
                         "; upgrade getxapi");
    }
    if (version == 0) {
      // A non-empty file without our version is someone else's database.
      Statement tables(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
      tables.step();
      if (tables.integer(0) != 0) {
        throw JournalError("journal " + path + " is a SQLite file but not an outreach journal");
      }
    }
    for (; version < kSchemaVersion; ++version) {
      db.exec(kMigrations[version]);
      db.exec("PRAGMA user_version = " + std::to_string(version + 1));
    }
  });
  return journal;
}

std::string const& Journal::path() const noexcept { return impl_->path; }

int Journal::schema_version() const {
  Statement s(impl_->db, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

void Journal::transaction(std::function<void()> const& body) {
  if (impl_->depth > 0) {
    body();
    return;
  }
  impl_->db.exec("BEGIN IMMEDIATE");
  ++impl_->depth;
  try {
    body();
    --impl_->depth;
    impl_->db.exec("COMMIT");
  } catch (...) {
    impl_->depth = 0;
    try {
      impl_->db.exec("ROLLBACK");
    } catch (...) {  // the original error says more
    }
    throw;
  }
}

std::optional<CampaignInfo> Journal::campaign(std::string_view name) const {
  Statement s(impl_->db,
              std::string("SELECT ") + kCampaignColumns + " FROM campaigns WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return read_campaign(s);
}

std::vector<CampaignInfo> Journal::campaigns() const {
  Statement s(impl_->db,
              std::string("SELECT ") + kCampaignColumns + " FROM campaigns ORDER BY name");
  std::vector<CampaignInfo> out;
  while (s.step()) out.push_back(read_campaign(s));
  return out;
}

CampaignInfo Journal::create_campaign(CampaignSpec const& spec, std::string_view account,
                                      Timestamp now,
                                      std::optional<std::vector<NewRecipient>> file_recipients) {
  transaction([&] {
    Statement s(impl_->db,
                "INSERT INTO campaigns(name, created_at_ms, audience, message, account_key, "
                "audience_complete) VALUES (?, ?, ?, ?, ?, ?)");
    s.bind(1, spec.name)
        .bind(2, to_ms(now))
        .bind(3, spec.audience.describe())
        .bind(4, spec.message)
        .bind(5, account)
        .bind(6, file_recipients ? 1 : 0);
    s.run();
    if (file_recipients) {
      std::int64_t seq = 0;
      for (auto const& r : *file_recipients) {
        Statement one(impl_->db,
                      "INSERT OR IGNORE INTO recipients(campaign, seq, user_id, user_name, state) "
                      "VALUES (?, ?, ?, ?, 'pending')");
        one.bind(1, spec.name).bind(2, seq++).bind(3, r.user_id).bind(4, r.user_name);
        one.run();
      }
    }
  });
  return *campaign(spec.name);
}

void Journal::set_sender_id(std::string_view campaign, std::string_view sender_id) {
  transaction([&] {
    Statement s(impl_->db, "UPDATE campaigns SET sender_id = ? WHERE name = ?");
    s.bind(1, sender_id).bind(2, campaign);
    s.run();
  });
}

std::int64_t Journal::add_audience_page(std::string_view campaign,
                                        std::vector<NewRecipient> const& recipients,
                                        std::string_view next_cursor) {
  std::int64_t added = 0;
  transaction([&] {
    Statement max(impl_->db, "SELECT COALESCE(MAX(seq), -1) FROM recipients WHERE campaign = ?");
    max.bind(1, campaign);
    max.step();
    std::int64_t seq = max.integer(0) + 1;
    for (auto const& r : recipients) {
      bool const skip = r.can_dm.has_value() && !*r.can_dm;
      Statement add(impl_->db,
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
      if (impl_->db.changes() > 0) {
        ++seq;
        ++added;
      }
    }
    Statement c(impl_->db,
                "UPDATE campaigns SET audience_cursor = ?, audience_complete = ?, "
                "audience_pages = audience_pages + 1 WHERE name = ?");
    c.bind(1, next_cursor).bind(2, next_cursor.empty() ? 1 : 0).bind(3, campaign);
    c.run();
  });
  return added;
}

std::optional<RecipientRecord> Journal::recipient(std::string_view campaign,
                                                  std::int64_t seq) const {
  Statement s(impl_->db, std::string("SELECT ") + kRecipientColumns +
                             " FROM recipients WHERE campaign = ? AND seq = ?");
  s.bind(1, campaign).bind(2, seq);
  if (!s.step()) return std::nullopt;
  return read_recipient(s);
}

std::vector<RecipientRecord> Journal::recipients(std::string_view campaign,
                                                 std::optional<RecipientState> state) const {
  Statement s(impl_->db, std::string("SELECT ") + kRecipientColumns +
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

std::optional<RecipientRecord> Journal::next_pending(std::string_view campaign,
                                                     std::int64_t after_seq) const {
  Statement s(impl_->db, std::string("SELECT ") + kRecipientColumns +
                             " FROM recipients WHERE campaign = ? AND state = 'pending' AND "
                             "seq > ? ORDER BY seq LIMIT 1");
  s.bind(1, campaign).bind(2, after_seq);
  if (!s.step()) return std::nullopt;
  return read_recipient(s);
}

bool Journal::resolve(std::string_view campaign, std::int64_t seq, NewRecipient const& user) {
  bool resolved = false;
  transaction([&] {
    Statement dup(impl_->db,
                  "SELECT seq FROM recipients WHERE campaign = ? AND user_id = ? AND seq <> ?");
    dup.bind(1, campaign).bind(2, user.user_id).bind(3, seq);
    if (dup.step()) {
      std::int64_t const other = dup.integer(0);
      Statement s(impl_->db,
                  "UPDATE recipients SET state = 'skipped', reason = ? WHERE campaign = ? AND "
                  "seq = ? AND state = 'pending'");
      s.bind(1, "duplicate of recipient #" + std::to_string(other)).bind(2, campaign).bind(3, seq);
      s.run();
      return;
    }
    Statement s(impl_->db,
                "UPDATE recipients SET user_id = ?, user_name = ?, name = ?, can_dm = ? "
                "WHERE campaign = ? AND seq = ?");
    s.bind(1, user.user_id)
        .bind(2, user.user_name)
        .bind(3, user.name)
        .bind(4, optional_can_dm(user.can_dm))
        .bind(5, campaign)
        .bind(6, seq);
    s.run();
    resolved = true;
  });
  return resolved;
}

void Journal::mark_sending(std::string_view campaign, std::int64_t seq, std::string_view text,
                           Timestamp now) {
  transaction([&] {
    Statement s(impl_->db,
                "UPDATE recipients SET state = 'sending', text = ?, sending_at_ms = ?, "
                "sending_day = ?, attempts = attempts + 1 WHERE campaign = ? AND seq = ? AND "
                "state = 'pending'");
    s.bind(1, text).bind(2, to_ms(now)).bind(3, utc_day(now)).bind(4, campaign).bind(5, seq);
    s.run();
    if (impl_->db.changes() != 1) {
      throw JournalError("recipient #" + std::to_string(seq) + " of " + std::string(campaign) +
                         " is not pending");
    }
  });
}

void Journal::mark_sent(std::string_view campaign, std::int64_t seq, std::string_view message_id,
                        bool recovered, Timestamp at) {
  transaction([&] {
    Statement s(impl_->db,
                "UPDATE recipients SET state = 'sent', message_id = ?, recovered = ?, "
                "sent_at_ms = ?, reason = '', error_code = '' WHERE campaign = ? AND seq = ?");
    s.bind(1, message_id)
        .bind(2, recovered ? 1 : 0)
        .bind(3, to_ms(at))
        .bind(4, campaign)
        .bind(5, seq);
    s.run();
  });
}

void Journal::mark_pending(std::string_view campaign, std::int64_t seq,
                           std::optional<Error> const& error) {
  transaction([&] {
    Statement s(impl_->db,
                "UPDATE recipients SET state = 'pending', sending_day = NULL, "
                "reason = COALESCE(?, reason), error_code = COALESCE(?, error_code) "
                "WHERE campaign = ? AND seq = ?");
    if (error) {
      s.bind(1, error->message()).bind(2, to_string(error->code()));
    } else {
      s.bind_null(1).bind_null(2);
    }
    s.bind(3, campaign).bind(4, seq);
    s.run();
  });
}

void Journal::mark_skipped(std::string_view campaign, std::int64_t seq, std::string_view reason) {
  transaction([&] {
    Statement s(impl_->db,
                "UPDATE recipients SET state = 'skipped', reason = ?, sending_day = NULL "
                "WHERE campaign = ? AND seq = ?");
    s.bind(1, reason).bind(2, campaign).bind(3, seq);
    s.run();
  });
}

void Journal::mark_failed(std::string_view campaign, std::int64_t seq, Error const& error) {
  transaction([&] {
    Statement s(impl_->db,
                "UPDATE recipients SET state = 'failed', reason = ?, error_code = ?, "
                "sending_day = NULL WHERE campaign = ? AND seq = ?");
    s.bind(1, error.message()).bind(2, to_string(error.code())).bind(3, campaign).bind(4, seq);
    s.run();
  });
}

bool Journal::mark_replied(std::string_view campaign, std::int64_t seq, Timestamp at) {
  bool changed = false;
  transaction([&] {
    Statement s(impl_->db,
                "UPDATE recipients SET replied_at_ms = ? WHERE campaign = ? AND seq = ? AND "
                "replied_at_ms IS NULL");
    s.bind(1, to_ms(at)).bind(2, campaign).bind(3, seq);
    s.run();
    changed = impl_->db.changes() == 1;
  });
  return changed;
}

StateCounts Journal::counts(std::string_view campaign) const {
  Statement s(impl_->db,
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
}

int Journal::sends_on_day(std::string_view account, std::int64_t day) const {
  Statement s(impl_->db,
              "SELECT COUNT(*) FROM recipients r JOIN campaigns c ON c.name = r.campaign "
              "WHERE c.account_key = ? AND r.sending_day = ? AND r.state IN ('sent', 'sending')");
  s.bind(1, account).bind(2, day);
  s.step();
  return static_cast<int>(s.integer(0));
}

std::int64_t Journal::begin_run(std::string_view campaign, std::string_view kind,
                                CampaignPacing const& pacing, Timestamp now) {
  std::int64_t id = 0;
  transaction([&] {
    Statement s(impl_->db,
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
    id = impl_->db.last_insert_rowid();
  });
  return id;
}

void Journal::record_run_stats(std::int64_t run, Stats const& stats) {
  transaction([&] {
    Statement s(impl_->db,
                "UPDATE runs SET billed_calls = ?, spend_micro_usd = ?, billed_login = ?, "
                "billed_user_info = ?, billed_followers = ?, billed_following = ?, "
                "billed_dm_send = ?, billed_dm_list = ? WHERE id = ?");
    auto const total = stats.total();
    s.bind(1, total.billed_calls).bind(2, total.spend_micro_usd);
    int column = 3;
    for (auto e : kAllEndpoints) s.bind(column++, stats.at(e).billed_calls);
    s.bind(column, run);
    s.run();
  });
}

void Journal::finish_run(std::int64_t run, std::string_view outcome, Timestamp now) {
  transaction([&] {
    Statement s(impl_->db, "UPDATE runs SET finished_at_ms = ?, outcome = ? WHERE id = ?");
    s.bind(1, to_ms(now)).bind(2, outcome).bind(3, run);
    s.run();
  });
}

BilledTotals Journal::billed(std::string_view campaign, std::optional<std::string> kind) const {
  Statement s(impl_->db,
              "SELECT COUNT(*), COALESCE(SUM(billed_calls), 0), COALESCE(SUM(spend_micro_usd), 0), "
              "COALESCE(SUM(billed_login), 0), COALESCE(SUM(billed_user_info), 0), "
              "COALESCE(SUM(billed_followers), 0), COALESCE(SUM(billed_following), 0), "
              "COALESCE(SUM(billed_dm_send), 0), COALESCE(SUM(billed_dm_list), 0) "
              "FROM runs WHERE campaign = ? AND (? IS NULL OR kind = ?)");
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
    for (std::size_t i = 0; i < kEndpointCount; ++i) {
      t.billed_calls[i] = s.integer(static_cast<int>(3 + i));
    }
  }
  return t;
}

std::vector<RunRecord> Journal::runs(std::string_view campaign) const {
  Statement s(impl_->db,
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
}

}  // namespace getxapi::outreach
