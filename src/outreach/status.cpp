#include <getxapi/outreach/status.hpp>

#include "store/error.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace getxapi::outreach {
namespace {

std::chrono::seconds eta_for(std::int64_t remaining, CampaignPacing const& pacing,
                             std::int64_t sent_today, Timestamp now) {
  using std::chrono::milliseconds;
  milliseconds const per_send =
      (pacing.delay_min + std::max(pacing.delay_min, pacing.delay_max)) / 2;
  auto total = milliseconds(0);
  if (pacing.daily_cap && *pacing.daily_cap > 0) {
    std::int64_t const cap = *pacing.daily_cap;
    std::int64_t const left_today = std::max<std::int64_t>(0, cap - sent_today);
    if (remaining <= left_today) {
      total = per_send * remaining;
    } else {
      std::int64_t const rest = remaining - left_today;
      std::int64_t const full_days = (rest - 1) / cap;
      std::int64_t const last_day = rest - full_days * cap;
      auto const day = utc_day(now);
      Timestamp const midnight(
          std::chrono::duration_cast<Timestamp::duration>(std::chrono::hours(24) * (day + 1)));
      total = std::chrono::duration_cast<milliseconds>(midnight - now) +
              std::chrono::hours(24) * full_days + per_send * last_day;
    }
  } else {
    total = per_send * remaining;
  }
  return std::chrono::ceil<std::chrono::seconds>(total);
}

std::string usd(std::int64_t micro) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.4f", static_cast<double>(micro) / 1e6);
  return buf;
}

std::string duration_text(std::chrono::seconds s) {
  auto const n = s.count();
  char buf[48];
  if (n < 120) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(n));
  } else if (n < 7200) {
    std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>((n + 59) / 60));
  } else if (n < 172800) {
    std::snprintf(buf, sizeof buf, "%.1fh", static_cast<double>(n) / 3600.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f days", static_cast<double>(n) / 86400.0);
  }
  return buf;
}

// Every journal read of a status; a failed read throws, `campaign_status` returns it.
CampaignStatus status_of(Journal const& journal, CampaignInfo const& info, Timestamp now) {
  using store::internal::take;
  std::string const& name = info.name;
  CampaignStatus s;
  s.campaign = info;
  s.counts = take(journal.counts(name));
  for (auto const& r : take(journal.recipients(name))) {
    if (r.state == RecipientState::kSkipped) ++s.skipped_reasons[r.reason];
    if (r.state == RecipientState::kFailed) ++s.failed_codes[r.error_code];
  }
  s.run_billing = take(journal.billed(name, std::string("run")));
  s.replies_billing = take(journal.billed(name, std::string("replies")));
  if (s.counts.sent > 0) {
    s.billed_calls_per_dm =
        static_cast<double>(s.run_billing.total_billed_calls) / static_cast<double>(s.counts.sent);
  }
  s.spend_usd =
      static_cast<double>(s.run_billing.spend_micro_usd + s.replies_billing.spend_micro_usd) / 1e6;
  auto const runs = take(journal.runs(name));
  for (auto const& r : runs) {
    ++s.runs;
    if (!r.finished_at) ++s.unfinished_runs;
    if (r.kind == "run") s.pacing = r.pacing;
  }
  s.sent_today = take(journal.sends_on_day(s.campaign.account_key, utc_day(now)));
  s.remaining = s.counts.pending + s.counts.sending;
  if (s.campaign.audience_complete) {
    s.eta = eta_for(s.remaining, s.pacing.value_or(CampaignPacing{}), s.sent_today, now);
    s.eta_at = now + *s.eta;
  }
  return s;
}

}  // namespace

Result<CampaignStatus> campaign_status(Journal const& journal, std::string_view name,
                                       Timestamp now) {
  auto found = journal.campaign(name);
  if (!found) return std::move(found).error();
  auto info = std::move(*found);
  if (!info) {
    return Error(ErrorCode::kInvalidArgument,
                 "no campaign " + std::string(name) + " in " + journal.path());
  }
  return store::internal::guard<CampaignStatus>([&] { return status_of(journal, *info, now); });
}

nlohmann::json to_json(CampaignStatus const& s) {
  using nlohmann::json;
  json billed = json::object();
  for (auto e : kAllEndpoints) {
    if (s.run_billing.at(e) > 0) billed[std::string(to_string(e))] = s.run_billing.at(e);
  }
  billed["total"] = s.run_billing.total_billed_calls;
  json j = {
      {"campaign", s.campaign.name},
      {"audience", s.campaign.audience.describe()},
      {"audience_complete", s.campaign.audience_complete},
      {"audience_pages", s.campaign.audience_pages},
      {"created_at", format_timestamp(s.campaign.created_at)},
      {"counts",
       {{"total", s.counts.total()},
        {"pending", s.counts.pending},
        {"sending", s.counts.sending},
        {"sent", s.counts.sent},
        {"skipped", s.counts.skipped},
        {"failed", s.counts.failed},
        {"recovered", s.counts.recovered},
        {"replied", s.counts.replied}}},
      {"skipped_reasons", s.skipped_reasons},
      {"failed_codes", s.failed_codes},
      {"billed_calls", billed},
      {"replies_billed_calls", s.replies_billing.total_billed_calls},
      {"billed_calls_per_dm", s.billed_calls_per_dm ? json(*s.billed_calls_per_dm) : json(nullptr)},
      {"spend_usd", s.spend_usd},
      {"sent_today", s.sent_today},
      {"remaining", s.remaining},
      {"runs", s.runs},
      {"unfinished_runs", s.unfinished_runs},
  };
  if (s.pacing) {
    j["daily_cap"] = s.pacing->daily_cap ? json(*s.pacing->daily_cap) : json(nullptr);
    j["delay_seconds"] = {static_cast<double>(s.pacing->delay_min.count()) / 1000.0,
                          static_cast<double>(s.pacing->delay_max.count()) / 1000.0};
  } else {
    j["daily_cap"] = nullptr;
    j["delay_seconds"] = nullptr;
  }
  j["eta_seconds"] = s.eta ? json(s.eta->count()) : json(nullptr);
  j["eta"] = s.eta_at ? json(format_timestamp(*s.eta_at)) : json(nullptr);
  return j;
}

std::ostream& operator<<(std::ostream& os, CampaignStatus const& s) {
  auto const& c = s.counts;
  os << "campaign: " << s.campaign.name << " (" << s.campaign.audience.describe() << ", "
     << (s.campaign.audience_complete ? "audience complete" : "audience walk not finished")
     << ")\n";
  os << "recipients: " << c.total() << ": " << c.sent << " sent";
  if (c.recovered > 0) os << " (" << c.recovered << " confirmed from the inbox)";
  os << ", " << c.pending << " pending, " << c.sending << " unconfirmed, " << c.skipped
     << " skipped, " << c.failed << " failed";
  if (c.replied > 0) os << "; " << c.replied << " replied";
  os << "\n";
  for (auto const& [reason, n] : s.skipped_reasons)
    os << "  skipped: " << reason << ": " << n << "\n";
  for (auto const& [code, n] : s.failed_codes) os << "  failed: " << code << ": " << n << "\n";
  os << "billed calls: " << s.run_billing.total_billed_calls;
  bool first = true;
  for (auto e : kAllEndpoints) {
    if (s.run_billing.at(e) == 0) continue;
    os << (first ? " (" : ", ") << to_string(e) << " " << s.run_billing.at(e);
    first = false;
  }
  if (!first) os << ")";
  os << " in " << s.run_billing.runs << " run(s)";
  if (s.replies_billing.total_billed_calls > 0) {
    os << ", plus " << s.replies_billing.total_billed_calls << " for reply scans";
  }
  os << "; spend " << usd(s.run_billing.spend_micro_usd + s.replies_billing.spend_micro_usd)
     << "\n";
  os << "billed calls per delivered DM: ";
  if (s.billed_calls_per_dm) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", *s.billed_calls_per_dm);
    os << buf << "\n";
  } else {
    os << "n/a (nothing delivered yet)\n";
  }
  os << "sent today by this account: " << s.sent_today;
  if (s.pacing && s.pacing->daily_cap) os << " (cap " << *s.pacing->daily_cap << ")";
  os << "\n";
  if (s.remaining == 0 && s.campaign.audience_complete) {
    os << "eta: done\n";
  } else if (!s.eta) {
    os << "eta: unknown until the audience walk finishes\n";
  } else {
    os << "eta: " << s.remaining << " left, about " << duration_text(*s.eta) << " (by "
       << format_timestamp(*s.eta_at) << ")";
    if (s.pacing) {
      os << " at " << static_cast<double>(s.pacing->delay_min.count()) / 1000.0 << "-"
         << static_cast<double>(s.pacing->delay_max.count()) / 1000.0 << " s between sends";
      if (s.pacing->daily_cap) os << ", " << *s.pacing->daily_cap << "/day";
    }
    os << "\n";
  }
  if (s.unfinished_runs > 0) {
    os << "note: " << s.unfinished_runs
       << " run(s) ended without finishing (killed?); billing counts what they committed\n";
  }
  return os;
}

}  // namespace getxapi::outreach
