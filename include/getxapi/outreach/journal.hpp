/// @file
/// `Journal`: the store (a SQLite file, or a PostgreSQL database) that makes a
/// campaign durable and resumable.
#pragma once

#include <getxapi/clock.hpp>
#include <getxapi/endpoint.hpp>
#include <getxapi/error.hpp>
#include <getxapi/outreach/campaign.hpp>
#include <getxapi/outreach/export.hpp>
#include <getxapi/outreach/recipient.hpp>
#include <getxapi/result.hpp>
#include <getxapi/stats.hpp>
#include <getxapi/timestamp.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace getxapi::outreach {

/// What a journal write returns on success: the change is committed. On
/// failure the `Error` is kStoreError (I/O, a full disk, a file that is not a
/// journal, a newer schema) or kBusy (another process kept the file locked
/// past the busy timeout, or a PostgreSQL row past the lock timeout); whatever
/// was committed before stays valid.
struct Committed {};

/// How many recipients are in each state.
struct StateCounts {
  std::int64_t pending = 0;
  std::int64_t sending = 0;
  std::int64_t sent = 0;
  std::int64_t skipped = 0;
  std::int64_t failed = 0;
  std::int64_t recovered = 0;  ///< Of `sent`: learnt from the inbox.
  std::int64_t replied = 0;    ///< Of `sent`: answered (see `scan_replies`).
  std::int64_t total() const { return pending + sending + sent + skipped + failed; }
};

/// Billed calls and spend recorded by runs, summed.
struct BilledTotals {
  std::array<std::int64_t, kEndpointCount> billed_calls{};  ///< Indexed by `Endpoint`.
  std::int64_t total_billed_calls = 0;
  std::int64_t spend_micro_usd = 0;
  std::int64_t runs = 0;
  std::int64_t at(Endpoint e) const { return billed_calls[static_cast<std::size_t>(e)]; }
};

/// One run (an `outreach run` or `outreach replies` process) as recorded.
struct RunRecord {
  std::int64_t id = 0;
  std::string kind;  ///< "run" or "replies".
  Timestamp started_at;
  std::optional<Timestamp> finished_at;
  std::string outcome;  ///< "running" until it finishes (or forever, if it was killed).
  CampaignPacing pacing;
};

/// A recipient about to be added to a campaign's audience.
struct NewRecipient {
  std::string user_id;
  std::string user_name;
  std::string name;
  std::optional<bool> can_dm;
};

namespace internal {
struct JournalAccess;
}  // namespace internal

/// The journal: one SQLite file (WAL mode, synchronous=FULL) holding any
/// number of campaigns, their recipients and their runs. Every method is one
/// committed transaction, so a process killed at any instant leaves it
/// consistent. Nothing throws: every call returns a `Result` whose error is
/// kStoreError or kBusy (see `Committed`).
///
/// The schema is versioned (`PRAGMA user_version`) and migrated forward on
/// open; a file from a newer version is refused rather than damaged.
///
/// A `postgresql://` (or `postgres://`) URL opens the same journal in a
/// PostgreSQL database (builds with GETXAPI_WITH_POSTGRES; otherwise refused
/// with kStoreError): tables `outreach_*` in the URL's schema, versioned in
/// `getxapi_schema` with the same numbers, migrated once however many
/// processes open it at the same moment. See docs/outreach.md.
class GETXAPI_OUTREACH_EXPORT Journal {
 public:
  /// The schema this code writes. Version 1 lacked per-endpoint billing,
  /// replies, the sender id and the per-day send index; version 2 the settle
  /// time of sends whose outcome is unknown.
  static constexpr int kSchemaVersion = 3;

  /// Opens (creating if needed) and migrates the journal at `path`. An
  /// existing file is identified read-only first: a file that is not a
  /// journal (another program's SQLite database included) is refused with
  /// kStoreError and left exactly as it was. `path` may be a PostgreSQL URL
  /// (see above).
  static Result<Journal> open(std::string const& path);

  ~Journal();
  Journal(Journal&&) noexcept;
  Journal& operator=(Journal&&) noexcept;
  Journal(Journal const&) = delete;
  Journal& operator=(Journal const&) = delete;

  /// The file path, or the URL with any password shown as `***`.
  std::string const& path() const noexcept;
  /// The schema version of the file (always `kSchemaVersion` after `open`).
  Result<int> schema_version() const;

  /// Runs `body` in one transaction (nested calls join the outer one); an
  /// error from `body` rolls it back and is returned.
  Result<Committed> transaction(std::function<Result<Committed>()> const& body);

  // ---- campaigns -------------------------------------------------------------------------
  Result<std::optional<CampaignInfo>> campaign(std::string_view name) const;
  Result<std::vector<CampaignInfo>> campaigns() const;
  /// Adds a campaign; for a file audience, `file_recipients` is its whole audience
  /// (then the audience is complete at once).
  Result<CampaignInfo> create_campaign(
      CampaignSpec const& spec, std::string_view account_key, Timestamp now,
      std::optional<std::vector<NewRecipient>> file_recipients = {});
  Result<Committed> set_sender_id(std::string_view campaign, std::string_view sender_id);

  // ---- audience --------------------------------------------------------------------------
  /// Appends one followers page: recipients not yet in the campaign are added
  /// (canDm false ones as skipped), and the walk's cursor moves to
  /// `next_cursor`; an empty `next_cursor` completes the audience. Returns how
  /// many were new.
  Result<std::int64_t> add_audience_page(std::string_view campaign,
                                         std::vector<NewRecipient> const& recipients,
                                         std::string_view next_cursor);

  // ---- recipients ------------------------------------------------------------------------
  Result<std::optional<RecipientRecord>> recipient(std::string_view campaign,
                                                   std::int64_t seq) const;
  /// In audience order; all of them, or those in `state`.
  Result<std::vector<RecipientRecord>> recipients(std::string_view campaign,
                                                  std::optional<RecipientState> state = {}) const;
  /// The first pending recipient after `after_seq`, in audience order.
  Result<std::optional<RecipientRecord>> next_pending(std::string_view campaign,
                                                      std::int64_t after_seq = -1) const;
  /// Records what user/info said about a handle from a file. False (and the
  /// recipient skipped as a duplicate) when that id is already in the campaign.
  Result<bool> resolve(std::string_view campaign, std::int64_t seq, NewRecipient const& user);
  /// pending -> sending, committed before the dm/send request goes out.
  Result<Committed> mark_sending(std::string_view campaign, std::int64_t seq, std::string_view text,
                                 Timestamp now);
  /// Keeps a `sending` row whose dm/send failed in a way that may have
  /// delivered it, with the failure and the time it settles: before
  /// `settle_at`, an inbox that does not show it proves nothing.
  Result<Committed> mark_unsettled(std::string_view campaign, std::int64_t seq, Timestamp settle_at,
                                   Error const& error);
  /// sending -> sent.
  Result<Committed> mark_sent(std::string_view campaign, std::int64_t seq,
                              std::string_view message_id, bool recovered, Timestamp at);
  /// sending -> pending: certainly not delivered. `error` is kept as the last failure.
  Result<Committed> mark_pending(std::string_view campaign, std::int64_t seq,
                                 std::optional<Error> const& error = {});
  Result<Committed> mark_skipped(std::string_view campaign, std::int64_t seq,
                                 std::string_view reason);
  Result<Committed> mark_failed(std::string_view campaign, std::int64_t seq, Error const& error);
  /// Records that a sent recipient answered at `at`. False if already recorded.
  Result<bool> mark_replied(std::string_view campaign, std::int64_t seq, Timestamp at);
  Result<StateCounts> counts(std::string_view campaign) const;
  /// Sends (sent, or sending and maybe delivered) recorded for `account_key`
  /// on UTC day `day` (days since the epoch), over every campaign.
  Result<int> sends_on_day(std::string_view account_key, std::int64_t day) const;

  // ---- runs ------------------------------------------------------------------------------
  Result<std::int64_t> begin_run(std::string_view campaign, std::string_view kind,
                                 CampaignPacing const& pacing, Timestamp now);
  /// Stores the billed calls and spend of run `run` so far (a snapshot, not a delta).
  Result<Committed> record_run_stats(std::int64_t run, Stats const& stats);
  Result<Committed> finish_run(std::int64_t run, std::string_view outcome, Timestamp now);
  Result<BilledTotals> billed(std::string_view campaign,
                              std::optional<std::string> kind = {}) const;
  Result<std::vector<RunRecord>> runs(std::string_view campaign) const;

 private:
  friend struct internal::JournalAccess;
  struct Impl;
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The UTC day (days since 1970-01-01) that `t` falls in: the core's
/// `getxapi::utc_day` (<getxapi/clock.hpp>), named here too for code that
/// calls `outreach::utc_day`.
using ::getxapi::utc_day;

/// A stable fingerprint of an auth_token ("acct-" + 16 hex digits of a 64-bit
/// FNV-1a hash): lets the journal tell accounts apart without storing a secret.
GETXAPI_OUTREACH_EXPORT std::string account_key(std::string_view auth_token);

}  // namespace getxapi::outreach
