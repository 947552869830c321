// Where a `Journal` keeps its rows: a SQLite file (journal_sqlite.cpp, the
// default) or a PostgreSQL database (journal_postgres.cpp, design.md §9).
// `Journal` is a thin shell that turns the StoreError these throw into a
// `Result`; the shared parts (how a row reads back, which billing column an
// endpoint has) live here so both dialects decode the same way.
#pragma once

#include <getxapi/outreach/journal.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace getxapi::outreach::internal {

/// Held while a campaign runs; the lock goes with the last copy.
using RunGuard = std::shared_ptr<void>;

/// One dialect's implementation of every journal call. Each method is one
/// committed transaction (or joins the caller's, see `transaction`) and
/// throws StoreError (kStoreError, kBusy).
class Backend {
 public:
  virtual ~Backend() = default;

  /// What `Journal::path()` shows: the file, or the URL without its password.
  virtual std::string const& display() const = 0;
  virtual int schema_version() = 0;
  /// Runs `body` in one transaction; nested calls join the outer one.
  virtual void transaction(std::function<void()> const& body) = 0;
  /// Takes the run lock for `campaign`, started from `account`; throws kBusy
  /// when another run holds it.
  virtual RunGuard lock_run(std::string_view campaign, std::string_view account) = 0;

  virtual std::optional<CampaignInfo> campaign(std::string_view name) = 0;
  virtual std::vector<CampaignInfo> campaigns() = 0;
  virtual void create_campaign(CampaignSpec const& spec, std::string_view account, Timestamp now,
                               std::optional<std::vector<NewRecipient>> const& file) = 0;
  virtual void set_sender_id(std::string_view campaign, std::string_view sender_id) = 0;
  virtual std::int64_t add_audience_page(std::string_view campaign,
                                         std::vector<NewRecipient> const& recipients,
                                         std::string_view next_cursor) = 0;

  virtual std::optional<RecipientRecord> recipient(std::string_view campaign, std::int64_t seq) = 0;
  virtual std::vector<RecipientRecord> recipients(std::string_view campaign,
                                                  std::optional<RecipientState> state) = 0;
  virtual std::optional<RecipientRecord> next_pending(std::string_view campaign,
                                                      std::int64_t after_seq) = 0;
  virtual bool resolve(std::string_view campaign, std::int64_t seq, NewRecipient const& user) = 0;
  /// Rows changed (1, or 0 when the recipient is not pending).
  virtual std::int64_t mark_sending(std::string_view campaign, std::int64_t seq,
                                    std::string_view text, Timestamp now) = 0;
  virtual void mark_unsettled(std::string_view campaign, std::int64_t seq, Timestamp settle_at,
                              Error const& error) = 0;
  virtual void mark_sent(std::string_view campaign, std::int64_t seq, std::string_view message_id,
                         bool recovered, Timestamp at) = 0;
  virtual void mark_pending(std::string_view campaign, std::int64_t seq,
                            std::optional<Error> const& error) = 0;
  virtual void mark_skipped(std::string_view campaign, std::int64_t seq,
                            std::string_view reason) = 0;
  virtual void mark_failed(std::string_view campaign, std::int64_t seq, Error const& error) = 0;
  virtual bool mark_replied(std::string_view campaign, std::int64_t seq, Timestamp at) = 0;
  virtual StateCounts counts(std::string_view campaign) = 0;
  virtual int sends_on_day(std::string_view account, std::int64_t day) = 0;

  virtual std::int64_t begin_run(std::string_view campaign, std::string_view kind,
                                 CampaignPacing const& pacing, Timestamp now) = 0;
  virtual void record_run_stats(std::int64_t run, Stats const& stats) = 0;
  virtual void finish_run(std::int64_t run, std::string_view outcome, Timestamp now) = 0;
  virtual BilledTotals billed(std::string_view campaign,
                              std::optional<std::string> const& kind) = 0;
  virtual std::vector<RunRecord> runs(std::string_view campaign) = 0;
};

std::unique_ptr<Backend> open_sqlite_backend(std::string const& path);
#ifdef GETXAPI_OUTREACH_HAS_POSTGRES
std::unique_ptr<Backend> open_postgres_backend(std::string const& url);
#endif

/// The run lock of `campaign` in `journal` (the runner's, held for a run).
Result<RunGuard> lock_run(Journal& journal, std::string_view campaign, std::string_view account);

// ---- shared by both dialects ----------------------------------------------------------------

inline std::int64_t to_ms(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline Timestamp from_ms(std::int64_t ms) {
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(std::chrono::milliseconds(ms)));
}

inline std::optional<Timestamp> from_ms(std::optional<std::int64_t> ms) {
  if (!ms) return std::nullopt;
  return from_ms(*ms);
}

inline std::optional<std::int64_t> optional_can_dm(std::optional<bool> v) {
  if (!v) return std::nullopt;
  return *v ? 1 : 0;
}

Audience parse_audience(std::string const& text);

/// The per-endpoint billing column of the runs table, by name: never by enum
/// order. nullptr for an endpoint newer than the schema (counted in billed_calls only).
char const* billing_column(Endpoint e);

/// Throws kStoreError with `what`.
[[noreturn]] void not_found(std::string_view what);

/// Adds `n` recipients in `state` (with `recovered` / `replied` of them) to `c`.
void add_count(StateCounts& c, std::string const& state, std::int64_t n, std::int64_t recovered,
               std::int64_t replied);

constexpr char kRecipientColumns[] =
    "seq, user_id, user_name, name, can_dm, state, text, message_id, recovered, reason, "
    "error_code, attempts, sending_at_ms, sent_at_ms, replied_at_ms, settle_at_ms";

constexpr char kCampaignColumns[] =
    "name, created_at_ms, audience, message, account_key, audience_complete, audience_cursor, "
    "audience_pages, sender_id";

constexpr char kRunColumns[] =
    "id, kind, started_at_ms, finished_at_ms, outcome, delay_min_ms, delay_max_ms, daily_cap";

// `Row` reads column i of one result row: integer(i), text(i), is_null(i),
// optional_integer(i) (a SQLite statement, or one row of a PostgreSQL result).
template <class Row>
RecipientRecord read_recipient(Row const& s) {
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

template <class Row>
CampaignInfo read_campaign(Row const& s) {
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

template <class Row>
RunRecord read_run(Row const& s) {
  RunRecord r;
  r.id = s.integer(0);
  r.kind = s.text(1);
  r.started_at = from_ms(s.integer(2));
  r.finished_at = from_ms(s.optional_integer(3));
  r.outcome = s.text(4);
  r.pacing.delay_min = std::chrono::milliseconds(s.integer(5));
  r.pacing.delay_max = std::chrono::milliseconds(s.integer(6));
  if (auto cap = s.optional_integer(7)) r.pacing.daily_cap = static_cast<int>(*cap);
  return r;
}

/// The billing columns `billed` sums, in order, after runs / billed_calls / spend.
std::vector<Endpoint> billing_endpoints();

/// Reads `billed`'s one row: runs, billed_calls, spend, then `billing_endpoints()`.
template <class Row>
BilledTotals read_billed(Row const& s) {
  BilledTotals t;
  t.runs = s.integer(0);
  t.total_billed_calls = s.integer(1);
  t.spend_micro_usd = s.integer(2);
  auto const columns = billing_endpoints();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    t.billed_calls[static_cast<std::size_t>(columns[i])] = s.integer(static_cast<int>(3 + i));
  }
  return t;
}

}  // namespace getxapi::outreach::internal
