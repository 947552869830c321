#include <getxapi/outbox/account.hpp>
#include <getxapi/outbox/entry.hpp>
#include <getxapi/outbox/status.hpp>
#include <getxapi/pacing.hpp>

#include <cctype>
#include <ostream>

namespace getxapi::outbox {

std::string_view to_string(EntryState state) noexcept {
  switch (state) {
    case EntryState::kQueued:
      return "queued";
    case EntryState::kSending:
      return "sending";
    case EntryState::kSent:
      return "sent";
    case EntryState::kFailed:
      return "failed";
    case EntryState::kExpired:
      return "expired";
  }
  return "queued";
}

std::optional<EntryState> parse_entry_state(std::string_view text) noexcept {
  for (auto s : {EntryState::kQueued, EntryState::kSending, EntryState::kSent, EntryState::kFailed,
                 EntryState::kExpired}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, EntryState state) { return os << to_string(state); }

std::ostream& operator<<(std::ostream& os, Entry const& e) {
  os << e.id << ' ' << e.state << " to " << (e.recipient.is_id() ? "" : "@") << e.recipient.value();
  if (!e.account.empty()) os << " from " << e.account;
  if (!e.message_id.empty()) os << " message " << e.message_id;
  if (e.recovered) os << " (recovered)";
  if (!e.error_code.empty()) os << ' ' << e.error_code;
  if (!e.reason.empty()) os << ": " << e.reason;
  return os;
}

std::string_view to_string(AccountHealth health) noexcept {
  switch (health) {
    case AccountHealth::kOk:
      return "ok";
    case AccountHealth::kResting:
      return "resting";
    case AccountHealth::kDisabled:
      return "disabled";
  }
  return "ok";
}

std::ostream& operator<<(std::ostream& os, AccountHealth health) { return os << to_string(health); }

Result<AccountSpec> parse_account_spec(std::string_view text) {
  auto bad = [&](std::string why) {
    return Error(ErrorCode::kInvalidArgument,
                 "--account " + std::string(text) + ": " + why + " (expected NAME=ENV_VAR[:TIER])");
  };
  auto const eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return bad("no NAME=");
  AccountSpec spec;
  spec.name = std::string(text.substr(0, eq));
  std::string_view rest = text.substr(eq + 1);
  std::string_view tier = "new";
  if (auto colon = rest.find(':'); colon != std::string_view::npos) {
    tier = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return bad("no ENV_VAR");
  for (char c : rest) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      return bad("ENV_VAR names an environment variable, not a token");
    }
  }
  spec.env_var = std::string(rest);
  if (tier == "new") {
    spec.daily_cap = daily_send_cap(AccountTier::kNew);
  } else if (tier == "established") {
    spec.daily_cap = daily_send_cap(AccountTier::kEstablished);
  } else if (tier == "premium") {
    spec.daily_cap = daily_send_cap(AccountTier::kPremium);
    spec.verified = true;  // Premium is what X calls verified
  } else {
    if (tier.empty() || tier.size() > 7)
      return bad("TIER is new, established, premium or a number");
    int cap = 0;
    for (char c : tier) {
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        return bad("TIER is new, established, premium or a number");
      }
      cap = cap * 10 + (c - '0');
    }
    spec.daily_cap = cap;
  }
  return spec;
}

std::ostream& operator<<(std::ostream& os, OutboxStatus const& s) {
  os << "queued " << s.counts.queued << ", sending " << s.counts.sending << ", sent "
     << s.counts.sent << ", failed " << s.counts.failed << ", expired " << s.counts.expired << '\n';
  for (auto const& a : s.accounts) {
    os << "account " << a.name << ": sent today " << a.sent_today << " / " << a.daily_cap << ", "
       << a.health;
    if (a.rest_until) os << " until " << format_timestamp(*a.rest_until);
    if (!a.reason.empty()) os << " (" << a.reason << ')';
    if (a.verified) os << ", verified";
    os << '\n';
  }
  os << "billed calls " << s.billed_calls << ", spend $" << s.spend_usd();
  if (s.counts.sent) os << ", billed calls per sent DM " << s.billed_per_sent();
  os << '\n';
  if (s.oldest_due_id) {
    os << "oldest due: entry " << *s.oldest_due_id << " due " << format_timestamp(*s.oldest_due_at)
       << '\n';
  }
  return os;
}

}  // namespace getxapi::outbox
