/// @file
/// What `Outbox::status` reports: counts by state, the accounts, the spend.
#pragma once

#include <getxapi/outbox/account.hpp>
#include <getxapi/outbox/export.hpp>
#include <getxapi/timestamp.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace getxapi::outbox {

struct StateCounts {
  std::int64_t queued = 0, sending = 0, sent = 0, failed = 0, expired = 0;
  std::int64_t total() const { return queued + sending + sent + failed + expired; }
};

struct AccountStatus {
  std::string name;
  int sent_today = 0;  ///< Sent, or sending and maybe delivered, this UTC day.
  int daily_cap = 0;
  bool verified = false;
  AccountHealth health = AccountHealth::kOk;
  std::optional<Timestamp> rest_until;  ///< For kResting.
  std::string reason;                   ///< Why resting or disabled.
};

struct OutboxStatus {
  StateCounts counts;
  std::vector<AccountStatus> accounts;
  std::int64_t billed_calls = 0;  ///< Over every worker run recorded in the store.
  std::int64_t spend_micro_usd = 0;
  double spend_usd() const { return static_cast<double>(spend_micro_usd) / 1e6; }
  /// Billed calls per delivered DM (0 when nothing was sent).
  double billed_per_sent() const {
    return counts.sent ? static_cast<double>(billed_calls) / static_cast<double>(counts.sent) : 0;
  }
  std::optional<std::int64_t> oldest_due_id;  ///< The queued entry due first.
  std::optional<Timestamp> oldest_due_at;
};

/// A few lines for a terminal.
GETXAPI_OUTBOX_EXPORT std::ostream& operator<<(std::ostream& os, OutboxStatus const& status);

}  // namespace getxapi::outbox
