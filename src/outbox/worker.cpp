#include <getxapi/clock.hpp>
#include <getxapi/inbox_walker.hpp>
#include <getxapi/outbox/worker.hpp>

#include "store.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <set>

namespace getxapi::outbox {
namespace {

using internal::Claim;
using internal::from_ms;
using internal::Settlement;
using internal::to_ms;
using Kind = Settlement::Kind;
using ms = std::chrono::milliseconds;

std::string fingerprint(std::string_view token) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: a name for the token, not the token
  for (unsigned char c : token) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string default_worker_id() {
  char host[64] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device rd;
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s:%ld:%08x", host, static_cast<long>(::getpid()), rd());
  return buf;
}

std::int64_t next_utc_midnight_ms(std::int64_t now_ms) {
  return to_ms(next_utc_midnight(internal::from_ms(now_ms)));
}

std::string describe(Error const& e) {
  return e.message().empty() ? std::string(to_string(e.code())) : e.message();
}

class Worker {
 public:
  Worker(Client& client, internal::Store& store, WorkerOptions const& o)
      : client_(client),
        store_(store),
        o_(o),
        clock_(o.clock ? o.clock : system_clock()),
        sleeper_(o.sleeper ? o.sleeper : thread_sleeper()),
        random_(o.random ? o.random : default_random()),
        worker_id_(o.worker_id.empty() ? default_worker_id() : o.worker_id),
        baseline_(client.stats()) {
    for (auto const& a : o_.accounts) {
      names_.push_back(a.name);
      tokens_[a.name] = a.auth_token;
    }
  }

  /// What this run did so far (kept when a store failure ends it).
  WorkReport const& report_so_far() const { return report_; }

  WorkReport run() {
    std::vector<internal::AccountRow> rows;
    for (auto const& a : o_.accounts) {
      rows.push_back({a.name, fingerprint(a.auth_token), a.daily_cap, a.verified});
    }
    store_.register_accounts(rows, now_ms());
    run_id_ = store_.begin_run(worker_id_, now_ms());
    reconcile_pass();
    while (!fatal_) {
      if (stopped()) {
        report_.outcome = WorkOutcome::kInterrupted;
        break;
      }
      if (now_ms() >= next_takeover_ms_) reconcile_pass();
      auto result = store_.claim(request(next_delay_ms()));
      if (result.claim) {
        deliver(*result.claim);
        save_stats(std::nullopt);
        continue;
      }
      if (result.no_usable_account) {
        fail(Error(ErrorCode::kAuthTokenInvalid,
                   "no usable account: every account of the pool is disabled"));
        break;
      }
      if (o_.once && !result.pacing_wait) {
        reconcile_pass();  // a lease may have run out meanwhile
        auto again = store_.claim(request(next_delay_ms()));
        if (!again.claim && !again.pacing_wait) {
          report_.outcome = WorkOutcome::kIdle;
          break;
        }
        if (again.claim) {
          deliver(*again.claim);
          save_stats(std::nullopt);
        }
        continue;
      }
      idle(result.retry_at_ms);
    }
    save_stats(now_ms());
    report_.stats = client_.stats();
    return report_;
  }

 private:
  std::int64_t now_ms() const { return to_ms(clock_->system_now()); }
  bool stopped() const { return o_.stop_requested && o_.stop_requested(); }

  internal::ClaimRequest request(std::int64_t delay_ms) const {
    return {worker_id_, names_, now_ms(), std::chrono::duration_cast<ms>(o_.lease).count(),
            delay_ms};
  }

  std::int64_t next_delay_ms() {
    auto const lo = o_.delay_min.count();
    auto const hi = std::max(o_.delay_max.count(), lo);
    return lo + static_cast<std::int64_t>(random_->uniform01() * static_cast<double>(hi - lo));
  }

  void event(WorkerEvent::Kind kind, std::int64_t id, std::string const& account,
             std::optional<Error> error = std::nullopt) {
    if (o_.on_event) o_.on_event(WorkerEvent{kind, id, account, std::move(error)});
  }

  void fail(Error e) {
    fatal_ = true;
    report_.outcome = WorkOutcome::kFailed;
    report_.error = std::move(e);
  }

  // Sleeps until `until` (or `poll`), in slices so that a stop is seen soon.
  void idle(std::optional<std::int64_t> until) {
    std::int64_t wait = o_.poll.count();
    if (until) wait = std::min(wait, std::max<std::int64_t>(*until - now_ms(), 1));
    while (wait > 0 && !stopped()) {
      std::int64_t const slice = std::min<std::int64_t>(wait, 100);
      sleeper_->sleep_for(ms(slice));
      wait -= slice;
    }
  }

  void save_stats(std::optional<std::int64_t> finished) {
    auto const now = client_.stats().total();
    auto const base = baseline_.total();
    store_.record_run(
        run_id_, {now.billed_calls - base.billed_calls, now.spend_micro_usd - base.spend_micro_usd},
        finished);
  }

  Settlement settlement(Kind kind, Entry const& e) const {
    Settlement s;
    s.kind = kind;
    s.entry_id = e.id;
    s.worker = worker_id_;
    s.now_ms = now_ms();
    s.due_ms = s.now_ms;
    return s;
  }

  void dead_letter(Claim const& c, Error const& e) {
    auto s = settlement(Kind::kFailed, c.entry);
    s.error_code = std::string(to_string(e.code()));
    s.reason = describe(e);
    store_.settle(s);
    ++report_.failed;
    event(WorkerEvent::Kind::kFailed, c.entry.id, c.account, e);
  }

  // Back to the queue at once, as if never claimed (the account was at fault).
  void give_back(Claim const& c, Error const& e) {
    auto s = settlement(Kind::kRequeue, c.entry);
    s.error_code = std::string(to_string(e.code()));
    s.reason = describe(e);
    s.count_attempt_back = true;
    store_.settle(s);
  }

  void retry_later(Claim const& c, Error const& e) {
    auto s = settlement(Kind::kRequeue, c.entry);
    ms backoff = std::chrono::duration_cast<ms>(o_.backoff) *
                 (1LL << std::min(std::max(c.entry.attempts - 1, 0), 16));
    backoff = std::min(backoff, std::chrono::duration_cast<ms>(o_.max_backoff));
    if (e.retry_after()) backoff = std::max<ms>(backoff, ms(*e.retry_after()));
    s.due_ms = s.now_ms + backoff.count();
    s.error_code = std::string(to_string(e.code()));
    s.reason = describe(e) + " (retrying later)";
    store_.settle(s);
    ++report_.retried;
    event(WorkerEvent::Kind::kRetryLater, c.entry.id, c.account, e);
  }

  void ambiguous(Entry const& entry, std::string const& account, Error const& e) {
    auto s = settlement(Kind::kAmbiguous, entry);
    s.due_ms = s.now_ms + std::chrono::duration_cast<ms>(o_.recheck).count();
    s.error_code = std::string(to_string(e.code()));
    s.reason = "sent, outcome unknown: " + describe(e) + "; waiting for the inbox";
    store_.settle(s);
    ++report_.ambiguous;
    event(WorkerEvent::Kind::kAmbiguous, entry.id, account, e);
  }

  void delivered(Entry const& entry, std::string const& account, Message const& m, bool recovered) {
    auto s = settlement(Kind::kSent, entry);
    s.message_id = m.id;
    s.recovered = recovered;
    // Counted before the store write: the DM is out whether or not its mark
    // (or a later write of the same call) fits on the disk.
    ++report_.sent;
    if (recovered) ++report_.recovered;
    store_.settle(s);
    if (!m.sender_id.empty() && known_user_ids_.insert({account, m.sender_id}).second) {
      store_.set_account_user_id(account, m.sender_id);
    }
    event(WorkerEvent::Kind::kSent, entry.id, account);
  }

  void deliver(Claim const& c) {
    std::string const& token = tokens_[c.account];
    std::string recipient_id = c.entry.recipient_id;
    if (recipient_id.empty()) {
      // A handle: resolved once per worker (user/info), so the inbox can be matched exactly.
      std::string handle = c.entry.recipient.value();
      for (auto& ch : handle) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      auto cached = handles_.find(handle);
      if (cached == handles_.end()) {
        auto found = client_.user_info(handle);
        if (!found) return on_error(c, found.error(), false);
        cached = handles_.emplace(handle, std::move(*found)).first;
      }
      User const* user = &cached->second;
      if (!user->can_dm) {
        return dead_letter(c, Error(ErrorCode::kCannotDm,
                                    "canDm false: @" + user->user_name + " does not accept DMs"));
      }
      recipient_id = user->id;
      store_.set_recipient_id(c.entry.id, recipient_id);
    }
    auto sent = client_.send_dm(SendDmRequest{token, Recipient::by_id(recipient_id), c.entry.text});
    if (sent) return delivered(c.entry, c.account, *sent, sent->recovered);
    on_error(c, sent.error(), true);
  }

  void on_error(Claim const& c, Error const& e, bool was_send) {
    if (was_send && e.may_have_taken_effect()) return ambiguous(c.entry, c.account, e);
    switch (e.code()) {
      case ErrorCode::kDailyLimitReached: {
        auto const now = now_ms();
        std::int64_t until = next_utc_midnight_ms(now);
        if (e.retry_after() && e.attempts() > 0) {
          until = now + std::chrono::duration_cast<ms>(*e.retry_after()).count();
        }
        store_.rest_account(c.account, until, "daily limit reached");
        give_back(c, e);
        event(WorkerEvent::Kind::kAccountResting, c.entry.id, c.account, e);
        return;
      }
      case ErrorCode::kAuthTokenInvalid:
      case ErrorCode::kLoginChallenge:
        store_.disable_account(c.account, std::string(to_string(e.code())) + ": " + describe(e));
        give_back(c, e);
        if (std::find(report_.disabled_accounts.begin(), report_.disabled_accounts.end(),
                      c.account) == report_.disabled_accounts.end()) {
          report_.disabled_accounts.push_back(c.account);
        }
        event(WorkerEvent::Kind::kAccountDisabled, c.entry.id, c.account, e);
        return;
      case ErrorCode::kNotAllowedToDm: {
        store_.set_account_verified(c.account, false);
        if (!store_.has_verified_account(c.account)) return dead_letter(c, e);
        auto s = settlement(Kind::kRequeue, c.entry);
        s.error_code = std::string(to_string(e.code()));
        s.reason = describe(e) + " (trying a verified account)";
        s.needs_verified = true;
        s.avoid_account = c.account;
        store_.settle(s);
        ++report_.retried;
        event(WorkerEvent::Kind::kRetryLater, c.entry.id, c.account, e);
        return;
      }
      default:
        break;
    }
    // kNotAllowedToDm, kAuthTokenInvalid and kLoginChallenge were narrowed
    // above to this account: another account of the pool may fare better.
    if (e.is_recipient_refusal()) return dead_letter(c, e);
    if (e.stops_run()) {
      give_back(c, e);
      return fail(e);
    }
    retry_later(c, e);
  }

  // Entries left `sending` by a dead worker (lease run out) and ambiguous ones
  // due for a recheck: the sender's inbox decides; never re-sent blind.
  void reconcile_pass() {
    next_takeover_ms_ =
        now_ms() + std::chrono::duration_cast<ms>(std::min(o_.lease, o_.recheck)).count() / 2;
    auto taken = store_.take_over(request(0));
    std::map<std::string, std::vector<Entry>> by_account;
    for (auto& e : taken) by_account[e.account].push_back(std::move(e));
    for (auto& [account, entries] : by_account) reconcile_account(account, entries);
  }

  void reconcile_account(std::string const& account, std::vector<Entry> const& entries) {
    std::map<std::string, Entry const*> wanted;  // recipient id + text -> entry
    std::int64_t since = now_ms();
    for (auto const& e : entries) {
      if (e.recipient_id.empty()) {
        // Never resolved, so never sent (the id is stored before every send).
        settle_unsent(e);
        continue;
      }
      wanted[e.recipient_id + '\x1f' + e.text] = &e;
      if (e.sending_at) since = std::min(since, to_ms(*e.sending_at));
    }
    if (wanted.empty()) return;
    auto walked = walk_inbox(account, since, wanted);
    for (auto const& [key, e] : wanted) {
      if (!walked) {
        ambiguous(*e, account, *walked_error_);
      } else {
        settle_unsent(*e);
      }
    }
  }

  // Removes what it finds from `wanted`; false (walked_error_ set) if the inbox
  // could not be read to the end. The core's walker keeps the window, the skew
  // margin and the loop guard.
  bool walk_inbox(std::string const& account, std::int64_t since,
                  std::map<std::string, Entry const*>& wanted) {
    InboxWalkOptions rules;
    rules.since = from_ms(since);
    rules.skew = o_.reconcile_skew;
    rules.page_size = 100;
    InboxWalker walker(client_, tokens_[account], rules);
    auto failed = walker.for_each([&](Message& m) {
      if (!walker.inbox_user_id().empty() && m.sender_id != walker.inbox_user_id()) return true;
      auto it = wanted.find(m.recipient_id + '\x1f' + m.text);
      if (it != wanted.end()) {
        delivered(*it->second, account, m, true);
        wanted.erase(it);
      }
      return !wanted.empty();
    });
    if (!failed) return true;
    walked_error_ = *failed;
    if (failed->code() == ErrorCode::kAuthTokenInvalid) {
      store_.disable_account(account, "kAuthTokenInvalid: " + describe(*failed));
    }
    return false;
  }

  // The inbox does not show it: back to the queue, unless it is ambiguous and
  // still inside its settle time, or too late to send.
  void settle_unsent(Entry const& e) {
    auto const now = now_ms();
    if (e.ambiguous_since &&
        now < to_ms(*e.ambiguous_since) + std::chrono::duration_cast<ms>(o_.settle).count()) {
      auto s = settlement(Kind::kAmbiguous, e);
      s.due_ms = now + std::chrono::duration_cast<ms>(o_.recheck).count();
      s.error_code = e.error_code;
      s.reason = e.reason;
      store_.settle(s);
      return;
    }
    if (e.expires && to_ms(*e.expires) <= now) {
      auto s = settlement(Kind::kExpired, e);
      s.reason = "expired before it could be sent";
      store_.settle(s);
      return;
    }
    auto s = settlement(Kind::kRequeue, e);
    s.error_code = e.error_code;
    s.reason = "not delivered (the inbox does not show it); queued again";
    store_.settle(s);
  }

  Client& client_;
  internal::Store& store_;
  WorkerOptions const& o_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<Sleeper> sleeper_;
  std::shared_ptr<RandomSource> random_;
  std::string worker_id_;
  Stats baseline_;
  std::vector<std::string> names_;
  std::map<std::string, std::string> tokens_;
  std::set<std::pair<std::string, std::string>> known_user_ids_;
  std::map<std::string, User> handles_;  // lower-case handle -> user/info
  std::int64_t run_id_ = 0;
  std::int64_t next_takeover_ms_ = 0;
  std::optional<Error> walked_error_;
  bool fatal_ = false;
  WorkReport report_;
};

}  // namespace

std::string_view to_string(WorkOutcome outcome) noexcept {
  switch (outcome) {
    case WorkOutcome::kIdle:
      return "idle";
    case WorkOutcome::kInterrupted:
      return "interrupted";
    case WorkOutcome::kFailed:
      return "failed";
  }
  return "failed";
}

Result<WorkReport> work(Client& client, Outbox& outbox, WorkerOptions const& options) {
  if (options.accounts.empty()) {
    return Error(ErrorCode::kInvalidArgument, "a worker needs at least one account");
  }
  std::set<std::string> names;
  for (auto const& a : options.accounts) {
    if (a.name.empty() || a.auth_token.empty() || a.daily_cap < 0) {
      return Error(ErrorCode::kInvalidArgument,
                   "an account needs a name, an auth_token and a daily cap >= 0");
    }
    if (!names.insert(a.name).second) {
      return Error(ErrorCode::kInvalidArgument, "account " + a.name + " is given twice");
    }
  }
  if (options.delay_min.count() < 0 || options.delay_max < options.delay_min) {
    return Error(ErrorCode::kInvalidArgument, "the delay must be 0 <= min <= max");
  }
  if (options.lease.count() <= 0 || options.recheck.count() <= 0) {
    return Error(ErrorCode::kInvalidArgument, "lease and recheck must be positive");
  }
  std::optional<Worker> worker;
  try {
    worker.emplace(client, outbox.store(), options);
    return worker->run();
  } catch (std::exception const& e) {
    // The sends made before the store failed stay counted: "sent 0" after a
    // disk filled up mid-run would hide DMs that went out.
    WorkReport r = worker ? worker->report_so_far() : WorkReport{};
    r.stats = client.stats();
    r.outcome = WorkOutcome::kFailed;
    r.error = Error(ErrorCode::kStoreError, e.what());
    return r;
  }
}

}  // namespace getxapi::outbox
