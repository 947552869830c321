// What the SQLite and the PostgreSQL outbox stores share besides the SQL: how
// an entry row is decoded, and the rule that picks the account for a claim.
// One copy, so the two stores cannot drift apart.
#pragma once

#include "store.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace getxapi::outbox::internal {

/// The columns of an entry row, in the order `read_entry` decodes them (the
/// same names in both schemas).
inline constexpr char kEntryColumns[] =
    "id, key, recipient_kind, recipient, recipient_id, text, sender, created_ms, not_before_ms, "
    "expires_ms, due_ms, state, attempts, account, sending_at_ms, ambiguous_since_ms, "
    "message_id, sent_at_ms, recovered, error_code, reason";

/// Decodes one row selected with `kEntryColumns`. `row` has `integer(column)`,
/// `optional_integer(column)` and `text(column)`: a SQLite statement, or one
/// row of a PostgreSQL result.
template <class Row>
Entry read_entry(Row const& row) {
  auto at = [&](int column, std::optional<Timestamp>& out) {
    if (auto v = row.optional_integer(column)) out = from_ms(*v);
  };
  Entry e;
  e.id = row.integer(0);
  e.key = row.text(1);
  e.recipient =
      row.text(2) == "id" ? Recipient::by_id(row.text(3)) : Recipient::by_username(row.text(3));
  e.recipient_id = row.text(4);
  e.text = row.text(5);
  e.sender = row.text(6);
  e.created_at = from_ms(row.integer(7));
  at(8, e.not_before);
  at(9, e.expires);
  e.due_at = from_ms(row.integer(10));
  e.state = parse_entry_state(row.text(11)).value_or(EntryState::kQueued);
  e.attempts = static_cast<int>(row.integer(12));
  e.account = row.text(13);
  at(14, e.sending_at);
  at(15, e.ambiguous_since);
  e.message_id = row.text(16);
  at(17, e.sent_at);
  e.recovered = row.integer(18) != 0;
  e.error_code = row.text(19);
  e.reason = row.text(20);
  return e;
}

inline std::optional<std::int64_t> opt_ms(std::optional<Timestamp> t) {
  if (!t) return std::nullopt;
  return to_ms(*t);
}

/// `n` entries are in `state`.
inline void set_count(StateCounts& counts, EntryState state, std::int64_t n) {
  switch (state) {
    case EntryState::kQueued:
      counts.queued = n;
      break;
    case EntryState::kSending:
      counts.sending = n;
      break;
    case EntryState::kSent:
      counts.sent = n;
      break;
    case EntryState::kFailed:
      counts.failed = n;
      break;
    case EntryState::kExpired:
      counts.expired = n;
      break;
  }
}

/// An account of the claiming worker, as a claim sees it.
struct AccountState {
  std::string name;
  int cap = 0;
  bool verified = false;
  bool disabled = false;
  std::int64_t rest_until = 0;
  std::int64_t next_send = 0;
  int sends_today = 0;
  bool has_room() const { return sends_today < cap; }
};

/// A queued entry that is due, with what restricts which account may send it.
struct Candidate {
  std::int64_t id = 0;
  std::string sender;
  bool needs_verified = false;
  std::string avoid;
};

/// Whether `a` may take candidate `c` at all (ignoring its pause between sends).
inline bool allowed(Candidate const& c, AccountState const& a, std::int64_t now_ms) {
  if (a.disabled || a.rest_until > now_ms || !a.has_room()) return false;
  if (!c.sender.empty() && a.name != c.sender) return false;
  if (c.needs_verified && !a.verified) return false;
  return c.avoid.empty() || a.name != c.avoid;
}

/// The account for `c` that may send now and has waited longest (then: fewest
/// sends today), or null. `paced_until`: the earliest end of a pause among the
/// allowed accounts still pausing.
inline AccountState* pick_account(Candidate const& c, std::vector<AccountState>& accounts,
                                  std::int64_t now_ms, std::optional<std::int64_t>& paced_until) {
  AccountState* best = nullptr;
  for (auto& a : accounts) {
    if (!allowed(c, a, now_ms)) continue;
    if (a.next_send > now_ms) {
      paced_until = paced_until ? std::min(*paced_until, a.next_send) : a.next_send;
      continue;
    }
    if (!best || a.next_send < best->next_send ||
        (a.next_send == best->next_send && a.sends_today < best->sends_today)) {
      best = &a;
    }
  }
  return best;
}

/// The claim both stores make inside their claim transaction: the first due
/// candidate (in `due` order) that an account may send now is taken with
/// `take(candidate, account)`. Without one: whether only a pause holds
/// something back, whether no account is usable at all, and when trying again
/// may succeed (a pause or a rest ending, the next due time, a lease running
/// out). `count_queued()`, `next_due_ms()` and `lease_end_ms()` are the
/// store's queries, asked only when needed.
template <class Take, class CountQueued, class NextDue, class LeaseEnd>
ClaimResult claim_first(std::vector<Candidate> const& due, std::vector<AccountState>& accounts,
                        std::int64_t now_ms, Take&& take, CountQueued&& count_queued,
                        NextDue&& next_due_ms, LeaseEnd&& lease_end_ms) {
  ClaimResult result;
  bool const any_usable = std::any_of(accounts.begin(), accounts.end(),
                                      [](AccountState const& a) { return !a.disabled; });
  std::optional<std::int64_t> retry_at;
  auto earliest = [&](std::int64_t t) { retry_at = retry_at ? std::min(*retry_at, t) : t; };
  for (auto const& c : due) {
    std::optional<std::int64_t> paced_until;
    AccountState* best = pick_account(c, accounts, now_ms, paced_until);
    if (paced_until) {
      result.pacing_wait = true;
      earliest(*paced_until);
    }
    if (best) {
      result.claim = Claim{take(c, *best), best->name};
      result.pacing_wait = false;
      return result;
    }
  }
  bool const any_due = !due.empty();
  if (!any_usable && (any_due || count_queued() > 0)) result.no_usable_account = true;
  // Nothing now: when may something be? A future due time, a lease running out,
  // an account's rest ending (only matters if something waits).
  if (auto t = next_due_ms()) earliest(*t);
  if (auto t = lease_end_ms()) earliest(std::max(now_ms, *t));
  if (any_due) {
    for (auto const& a : accounts) {
      if (!a.disabled && a.rest_until > now_ms) earliest(a.rest_until);
    }
  }
  result.retry_at_ms = retry_at;
  return result;
}

}  // namespace getxapi::outbox::internal
