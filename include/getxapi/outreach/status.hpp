/// @file
/// `campaign_status`: where a campaign stands, what it cost, and how long it has left.
#pragma once

#include <getxapi/outreach/campaign.hpp>
#include <getxapi/outreach/export.hpp>
#include <getxapi/outreach/journal.hpp>
#include <getxapi/result.hpp>
#include <getxapi/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>

namespace getxapi::outreach {

/// A campaign's state, computed from the journal alone (no API call).
struct CampaignStatus {
  CampaignInfo campaign;
  StateCounts counts;
  std::map<std::string, std::int64_t> skipped_reasons;  ///< reason -> recipients.
  std::map<std::string, std::int64_t> failed_codes;     ///< "kCannotDm" -> recipients.
  /// Billed calls and spend of every `run`, across processes (as committed).
  BilledTotals run_billing;
  /// Same, for `replies` scans.
  BilledTotals replies_billing;
  /// Billed calls of runs per delivered DM; nullopt before the first DM.
  std::optional<double> billed_calls_per_dm;
  double spend_usd = 0;  ///< Runs and replies scans.
  /// The pacing of the latest run (nullopt before the first).
  std::optional<CampaignPacing> pacing;
  std::int64_t sent_today = 0;  ///< By this account, every campaign, this UTC day.
  /// Recipients still to message (pending + sending).
  std::int64_t remaining = 0;
  /// Time to finish under the latest run's pacing and daily cap; nullopt when
  /// the audience is not fully known yet.
  std::optional<std::chrono::seconds> eta;
  std::optional<Timestamp> eta_at;
  std::int64_t runs = 0;
  std::int64_t unfinished_runs = 0;  ///< Killed, or running now.
};

/// The status of `campaign` at `now`; kInvalidArgument if the journal has no such
/// campaign, kStoreError / kBusy if the journal cannot be read.
GETXAPI_OUTREACH_EXPORT Result<CampaignStatus> campaign_status(Journal const& journal,
                                                               std::string_view campaign,
                                                               Timestamp now);

/// One JSON object (counts, billing, billed_calls_per_dm, eta, ...).
GETXAPI_OUTREACH_EXPORT nlohmann::json to_json(CampaignStatus const& status);
/// A few human-readable lines.
GETXAPI_OUTREACH_EXPORT std::ostream& operator<<(std::ostream& os, CampaignStatus const& status);

}  // namespace getxapi::outreach
