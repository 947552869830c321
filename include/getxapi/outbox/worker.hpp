/// @file
/// The worker: delivers what is due, exactly once, over a pool of accounts.
#pragma once

#include <getxapi/client.hpp>
#include <getxapi/clock.hpp>
#include <getxapi/outbox/account.hpp>
#include <getxapi/outbox/export.hpp>
#include <getxapi/outbox/outbox.hpp>
#include <getxapi/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace getxapi::outbox {

/// Something a caller should hear about while the worker runs.
struct WorkerEvent {
  enum class Kind {
    kSent,             ///< `entry_id` delivered (or recovered) from `account`.
    kFailed,           ///< `entry_id` became a dead letter (`error`).
    kRetryLater,       ///< `entry_id` goes back to the queue after a transient error.
    kAmbiguous,        ///< `entry_id`'s send may have gone out; waiting for the inbox.
    kAccountResting,   ///< `account` hit its daily limit; rests until the next UTC day.
    kAccountDisabled,  ///< `account`'s token was refused (`error`).
  };
  Kind kind = Kind::kSent;
  std::int64_t entry_id = 0;
  std::string account;
  std::optional<Error> error;
};

struct WorkerOptions {
  /// The pool. Tokens stay in memory; the store sees names and fingerprints.
  std::vector<Account> accounts;
  /// Pause between two sends of one account (random in [min, max]), kept in the
  /// store so that it holds across workers and restarts.
  std::chrono::milliseconds delay_min{2000};
  std::chrono::milliseconds delay_max{5000};
  /// `--once`: return when nothing due is left to try now (pacing waits are still
  /// waited); otherwise run until `stop_requested` says so.
  bool once = false;
  std::function<bool()> stop_requested;
  /// How long a claim is held. A worker that dies holding one is taken over
  /// (reconciled against the inbox) after this. Must exceed the longest send
  /// (the client's timeout times its attempts).
  std::chrono::seconds lease{300};
  /// An ambiguous send (the request went out, no answer said what happened) is
  /// looked for in the inbox every `recheck`, and is re-sent only when the inbox
  /// still does not show it `settle` after the send.
  std::chrono::seconds recheck{15};
  std::chrono::seconds settle{120};
  /// How far before the earliest `sending` mark the inbox walk goes (clock skew).
  std::chrono::seconds reconcile_skew{120};
  /// First backoff of a transient failure (429, 5xx, network) that the client's
  /// own retries did not fix; doubles per attempt up to `max_backoff`.
  std::chrono::seconds backoff{5};
  std::chrono::seconds max_backoff{900};
  /// Longest sleep while idle (new entries are picked up at least this often).
  std::chrono::milliseconds poll{1000};
  /// The client's clock and sleeper (null: the real ones). The clock decides the
  /// UTC day a send counts against; it must be the client's.
  std::shared_ptr<Clock> clock;
  std::shared_ptr<Sleeper> sleeper;
  std::shared_ptr<RandomSource> random;
  std::function<void(WorkerEvent const&)> on_event;
  /// Written in the store with each claim (empty: host:pid:random).
  std::string worker_id;
};

enum class WorkOutcome {
  kIdle,         ///< `once`: nothing due left to try now.
  kInterrupted,  ///< `stop_requested` returned true.
  kFailed,       ///< The worker cannot go on (`error`): no usable account, the API key
                 ///< refused, the spend limit, the store.
};
GETXAPI_OUTBOX_EXPORT std::string_view to_string(WorkOutcome outcome) noexcept;

struct WorkReport {
  WorkOutcome outcome = WorkOutcome::kIdle;
  std::optional<Error> error;
  std::int64_t sent = 0;
  std::int64_t recovered = 0;  ///< Of `sent`: found in the inbox instead of sent again.
  std::int64_t failed = 0;
  std::int64_t retried = 0;
  std::int64_t ambiguous = 0;
  std::vector<std::string> disabled_accounts;
  Stats stats;  ///< This run's calls, billed calls and spend.
};

/// Delivers the due entries of `outbox` with `client` until idle (`once`) or
/// stopped. Returns an Error (kInvalidArgument, nothing sent) for bad options;
/// everything else is in the report.
GETXAPI_OUTBOX_EXPORT Result<WorkReport> work(Client& client, Outbox& outbox,
                                              WorkerOptions const& options);

}  // namespace getxapi::outbox
