// The outbox's storage, as the operations the worker needs rather than SQL, so a
// PostgreSQL store (claims with FOR UPDATE SKIP LOCKED + a lease, counters in the
// claim's transaction) can implement the same interface. Every method is one
// transaction; failures throw StoreError.
#pragma once

#include <getxapi/outbox/entry.hpp>
#include <getxapi/outbox/status.hpp>

#include "store/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace getxapi::outbox::internal {

/// Thrown inside the store; public calls return it as a typed Error (kStoreError, kBusy).
using StoreError = store::internal::StoreError;

/// Milliseconds since the Unix epoch: what the store keeps.
std::int64_t to_ms(Timestamp t);
Timestamp from_ms(std::int64_t ms);
/// Days since 1970-01-01, UTC (`getxapi::utc_day` of `from_ms(ms)`).
std::int64_t utc_day_of_ms(std::int64_t ms);

/// An account as a worker registers it (no token: a fingerprint).
struct AccountRow {
  std::string name;
  std::string fingerprint;
  int daily_cap = 0;
  bool verified = false;
};

struct ClaimRequest {
  std::string worker;
  std::vector<std::string> accounts;  ///< The names this worker holds tokens for.
  std::int64_t now_ms = 0;
  std::int64_t lease_ms = 0;
  std::int64_t delay_ms = 0;  ///< The claiming account's next send waits this long.
};

struct Claim {
  Entry entry;
  std::string account;
};

struct ClaimResult {
  std::optional<Claim> claim;
  /// Without a claim: when trying again may succeed (pacing, a due time, a lease).
  std::optional<std::int64_t> retry_at_ms;
  /// Without a claim: something is due now and only an account's pause holds it.
  bool pacing_wait = false;
  /// Without a claim: queued entries exist but none of the worker's accounts is usable.
  bool no_usable_account = false;
};

/// How a claimed entry ends up; `worker` must still hold the claim, except for
/// kSent, which is recorded whenever the entry was not settled otherwise.
struct Settlement {
  enum class Kind {
    kSent,       ///< message_id, recovered, sender user id
    kFailed,     ///< dead letter: error_code, reason; the day's count is given back
    kRequeue,    ///< back to queued at due_ms (error_code/reason kept); count given back
    kAmbiguous,  ///< stays sending; lease until due_ms; ambiguous_since set if unset
    kExpired,    ///< never sent; count given back
  };
  Kind kind = Kind::kSent;
  std::int64_t entry_id = 0;
  std::string worker;
  std::int64_t now_ms = 0;
  std::int64_t due_ms = 0;
  std::string message_id;
  bool recovered = false;
  std::string error_code;
  std::string reason;
  bool needs_verified = false;      ///< kRequeue after 476: only a verified account may take it.
  std::string avoid_account;        ///< kRequeue: not this account again.
  bool count_attempt_back = false;  ///< kRequeue without a send (e.g. claimed, not sent).
};

struct RunTotals {
  std::int64_t billed_calls = 0;
  std::int64_t spend_micro_usd = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  /// Inserts, or returns the entry that holds `entry.key` (created = false).
  virtual std::pair<Entry, bool> enqueue(NewEntry const& entry, std::int64_t now_ms) = 0;
  virtual std::optional<Entry> entry(std::int64_t id) = 0;
  virtual std::vector<Entry> list(std::optional<EntryState> state, std::size_t limit) = 0;
  virtual OutboxStatus status(std::int64_t now_ms) = 0;

  /// Creates or updates the pool's accounts. A disabled account whose token
  /// fingerprint changed is enabled again (someone gave it a new token).
  virtual void register_accounts(std::vector<AccountRow> const& accounts, std::int64_t now_ms) = 0;
  virtual void set_account_user_id(std::string const& account, std::string const& user_id) = 0;
  virtual void rest_account(std::string const& account, std::int64_t until_ms,
                            std::string const& reason) = 0;
  virtual void disable_account(std::string const& account, std::string const& reason) = 0;
  virtual void set_account_verified(std::string const& account, bool verified) = 0;
  /// A healthy verified account other than `except` exists in the pool.
  virtual bool has_verified_account(std::string const& except) = 0;
  virtual std::string account_user_id(std::string const& account) = 0;

  /// Expires what is late, then claims the first due entry (by due time) that an
  /// account of the request can send now: the entry becomes `sending` with a lease,
  /// the account's count for today goes up and its next send is paced, all in one
  /// transaction.
  virtual ClaimResult claim(ClaimRequest const& request) = 0;
  /// Entries left `sending` by a worker whose lease ran out (or ambiguous ones due
  /// for a recheck), from the request's accounts: leased to this worker now.
  virtual std::vector<Entry> take_over(ClaimRequest const& request) = 0;
  virtual void set_recipient_id(std::int64_t entry_id, std::string const& recipient_id) = 0;
  virtual void settle(Settlement const& s) = 0;

  virtual std::int64_t begin_run(std::string const& worker, std::int64_t now_ms) = 0;
  virtual void record_run(std::int64_t run_id, RunTotals const& totals,
                          std::optional<std::int64_t> finished_ms) = 0;
};

}  // namespace getxapi::outbox::internal
