/// @file
/// `run_campaign`: sends a campaign's messages, durably, exactly once each.
#pragma once

#include <getxapi/client.hpp>
#include <getxapi/clock.hpp>
#include <getxapi/error.hpp>
#include <getxapi/outreach/campaign.hpp>
#include <getxapi/outreach/export.hpp>
#include <getxapi/outreach/journal.hpp>
#include <getxapi/outreach/recipient.hpp>
#include <getxapi/result.hpp>
#include <getxapi/stats.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace getxapi::outreach {

/// How a run ended.
enum class RunOutcome {
  kCompleted,     ///< Nobody is left pending or sending.
  kLimitReached,  ///< `RunOptions::limit` sends were made; run again to go on.
  kInterrupted,   ///< `stop_requested` said stop; the send in flight was finished and saved.
  kPaused,        ///< The daily cap (local or X's) or a long rate limit; see `resume_at`.
  kFailed,        ///< Stopped on an error that stops the campaign (`error`), e.g.
                  ///< kAuthTokenInvalid, kApiKeyRejected, a dead server.
};

/// "completed", "limit", "interrupted", "paused" or "failed".
GETXAPI_OUTREACH_EXPORT std::string_view to_string(RunOutcome outcome) noexcept;

/// Told to `RunOptions::on_progress` after each recipient.
struct RunProgress {
  StateCounts counts;
  std::int64_t sent_this_run = 0;
  bool audience_walk = false;  ///< True while the audience is being fetched.
  std::int64_t audience_pages = 0;
  /// Set while the run waits for sends of unknown outcome to settle (see
  /// `RunOptions::inbox_margin`): when the earliest of them does.
  std::optional<Timestamp> settling_until;
};

/// How to run. Give these with a `ClientOptions` to `run_campaign`, which
/// builds the client from them (pacing, clock, sleeper, stop), so they cannot
/// disagree.
struct RunOptions {
  /// The sender's X session. Secret: never stored (the journal keeps a fingerprint).
  std::string auth_token;
  /// Recorded for `status`; the client's pacer enforces it.
  CampaignPacing pacing;
  /// At most this many dm/send calls in this run.
  std::optional<std::int64_t> limit;
  /// Walk the audience and render every message, send nothing, change no recipient.
  bool dry_run = false;
  /// How far before a `sending` mark an inbox message may be dated and still
  /// count, for clock skew between this machine and X.
  std::chrono::seconds reconcile_skew{120};
  /// dm/list page size for reconciliation walks (1..100).
  int reconcile_page_size = 100;
  /// A dm/send that may have been delivered (timeout, 5xx, dropped after the
  /// request went out, an unreadable 2xx) settles `request_timeout +
  /// inbox_margin` after its `sending` mark (or after the call returned, if
  /// later). Until then it stays `sending` and is never sent again, whatever
  /// the inbox shows; after it, an inbox that does not show it means not
  /// delivered. `inbox_margin` is how long the inbox may take to show a DM
  /// that a slow server delivered after the client gave up.
  std::chrono::seconds inbox_margin{60};
  /// The client's request timeout (`ClientOptions::timeout`). Set by the
  /// `ClientOptions` overload of `run_campaign`; give it yourself with a `Client`.
  std::chrono::milliseconds request_timeout{30'000};
  /// Page bounds of the walks (each also ends on a repeated cursor, or after
  /// pages that bring nothing new): the audience walk per run, and each
  /// inbox walk of reconciliation.
  std::int64_t max_audience_pages = 15'000;
  std::int64_t max_inbox_pages = 50;
  /// Stop the run after this many sends in a row failed transiently.
  int max_consecutive_failures = 5;
  /// Wait at most this long when X rate-limits a send with `retry_after`; longer pauses the run.
  std::chrono::seconds max_rate_limit_wait{15 * 60};
  /// The client's clock: it decides which UTC day a send counts against. Null: the system clock.
  std::shared_ptr<Clock> clock;
  /// For rate-limit waits. Null: really sleep.
  std::shared_ptr<Sleeper> sleeper;
  /// Polled between sends (and before each wait); true ends the run as kInterrupted.
  std::function<bool()> stop_requested;
  std::function<void(RunProgress const&)> on_progress;
  /// Dry runs: told each recipient that would be messaged, and the text.
  std::function<void(RecipientRecord const&, std::string const& text)> on_dry_run;
};

/// What a run did.
struct RunReport {
  RunOutcome outcome = RunOutcome::kCompleted;
  /// Why the run failed or paused.
  std::optional<Error> error;
  /// When a paused run may resume (the next UTC midnight for the daily cap).
  std::optional<Timestamp> resume_at;
  std::int64_t sent = 0;                ///< Delivered in this run (recovered ones included).
  std::int64_t recovered = 0;           ///< Of those, found in the inbox after an unclear failure.
  std::int64_t skipped = 0;             ///< Skipped in this run (canDm false, duplicates).
  std::int64_t failed = 0;              ///< Permanent failures recorded in this run.
  std::int64_t reconciled_sent = 0;     ///< `sending` rows found delivered in the inbox.
  std::int64_t reconciled_pending = 0;  ///< `sending` rows found not delivered.
  std::int64_t audience_pages = 0;      ///< followers_v2 pages fetched in this run.
  std::int64_t resolved = 0;            ///< user/info calls for handles from a file.
  std::int64_t would_send = 0;          ///< Dry runs: messages that would go out.
  StateCounts counts;                   ///< The campaign after the run.
  Stats stats;  ///< What this run's calls cost (the client's counters, this run only).
};

/// Looks for every `sending` recipient of `campaign` in the sender's inbox
/// (dm/list, newest first, back to the earliest `sending` mark minus `skew`):
/// a message to that recipient id with the same text means sent; none means
/// pending once the row has settled (see `RunOptions::inbox_margin`), and
/// nothing yet before. Rows stay `sending` if the inbox cannot be read.
struct ReconcileReport {
  std::int64_t found = 0;
  std::int64_t not_found = 0;
  std::int64_t unsettled = 0;  ///< Not in the inbox, but not settled yet: left `sending`.
  std::int64_t pages = 0;
};
GETXAPI_OUTREACH_EXPORT Result<ReconcileReport> reconcile(Client& client, Journal& journal,
                                                          std::string_view campaign,
                                                          RunOptions const& options);

/// Creates the campaign on first use (checking the template before anything
/// is sent) or resumes it, then: reconciles `sending` rows, finishes the
/// audience walk, and sends to each pending recipient in audience order,
/// marking `sending` (committed) before each dm/send and `sent` after.
///
/// Fails, with nothing sent, when the spec is unusable or differs from the
/// campaign's (kInvalidArgument), when another run holds the journal under any
/// name (kBusy), or when the journal cannot be written (kStoreError).
///
/// This overload builds the client from `client_options`: the campaign's
/// pacing, `options.clock`, `options.sleeper`, a stop check before each pause
/// and the request timeout are set from one place, so client and runner agree.
GETXAPI_OUTREACH_EXPORT Result<RunReport> run_campaign(ClientOptions client_options,
                                                       Journal& journal, CampaignSpec const& spec,
                                                       RunOptions options);

/// The same with a client you built (e.g. over a mock connection). Its pacing
/// must come from `options.pacing` (`CampaignPacing::apply`), its clock must
/// be `options.clock` and its timeout `options.request_timeout`.
GETXAPI_OUTREACH_EXPORT Result<RunReport> run_campaign(Client& client, Journal& journal,
                                                       CampaignSpec const& spec,
                                                       RunOptions const& options);

}  // namespace getxapi::outreach
