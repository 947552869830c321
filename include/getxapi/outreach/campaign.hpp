/// @file
/// A campaign: a name, an audience, a message, and how fast it may go.
#pragma once

#include <getxapi/outreach/audience.hpp>
#include <getxapi/outreach/export.hpp>
#include <getxapi/pacing.hpp>
#include <getxapi/timestamp.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace getxapi::outreach {

/// What a campaign is, fixed when it is created: running it again with the
/// same spec resumes it; a different audience or message is refused (start a
/// new campaign name instead), because reconciliation matches sent texts.
struct CampaignSpec {
  std::string name;
  Audience audience;
  /// The message template (see `MessageTemplate`).
  std::string message;
};

/// Pacing for a campaign's sends. It is the client's pacer that enforces it:
/// apply it to the `ClientOptions` the runner's client is built from; the
/// runner records it in the journal so `status` can estimate the time left.
struct CampaignPacing {
  /// Random pause in [min, max] between two sends (GetXAPI's guide: 2-5 s).
  std::chrono::milliseconds delay_min{0};
  std::chrono::milliseconds delay_max{0};
  /// Sends per account per UTC day, counting what the journal says this
  /// account already sent today (every campaign in the journal). nullopt: no
  /// local cap (X still enforces its own).
  std::optional<int> daily_cap;

  /// Copies the delay and the cap into `pacing` (leaves the rest alone).
  void apply(PacingOptions& pacing) const {
    pacing.send_delay_min = delay_min;
    pacing.send_delay_max = delay_max;
    pacing.daily_send_cap = daily_cap;
  }
};

/// A campaign as the journal holds it.
struct CampaignInfo {
  std::string name;
  Audience audience;
  std::string message;
  /// A fingerprint of the sender's auth_token (never the token): which account
  /// the campaign sends from, and which sends count against one daily cap.
  std::string account_key;
  Timestamp created_at;
  /// True once every page of the audience is in the journal.
  bool audience_complete = false;
  /// The followers cursor to continue the walk from after an interruption.
  std::string audience_cursor;
  std::int64_t audience_pages = 0;
  /// The sender's user id, once learnt from a dm/send or dm/list response.
  std::string sender_id;
};

}  // namespace getxapi::outreach
