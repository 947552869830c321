#include <getxapi/outreach/audience.hpp>
#include <getxapi/outreach/runner.hpp>
#include <getxapi/outreach/stop.hpp>
#include <getxapi/outreach/template.hpp>

#include "journal_backend.hpp"
#include "store/error.hpp"
#include "walk.hpp"

#include <getxapi/clock.hpp>
#include <getxapi/inbox_walker.hpp>

#include <algorithm>
#include <map>

namespace getxapi::outreach {

using store::internal::StoreError;
using store::internal::take;

namespace {

Stats minus(Stats const& now, Stats const& base) {
  Stats d;
  for (std::size_t i = 0; i < kEndpointCount; ++i) {
    auto const& a = now.endpoints[i];
    auto const& b = base.endpoints[i];
    auto& r = d.endpoints[i];
    r.calls = a.calls - b.calls;
    r.requests = a.requests - b.requests;
    r.retries = a.retries - b.retries;
    r.waits = a.waits - b.waits;
    r.wait_ms = a.wait_ms - b.wait_ms;
    r.billed_calls = a.billed_calls - b.billed_calls;
    r.spend_micro_usd = a.spend_micro_usd - b.spend_micro_usd;
    r.errors = a.errors - b.errors;
    r.refused = a.refused - b.refused;
    r.recovered = a.recovered - b.recovered;
  }
  return d;
}

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

std::string match_key(std::string const& recipient_id, std::string const& text) {
  return recipient_id + '\x1f' + text;
}

std::chrono::milliseconds settle_span(RunOptions const& o) {
  return o.request_timeout + std::chrono::duration_cast<std::chrono::milliseconds>(o.inbox_margin);
}

// When a `sending` row settles: as recorded, or (rows from before settle times
// were recorded) its mark plus this run's settle span.
Timestamp settles_at(RecipientRecord const& r, RunOptions const& o, Timestamp now) {
  if (r.settle_at) return *r.settle_at;
  return r.sending_at.value_or(now) + settle_span(o);
}

struct Wanted {
  std::int64_t seq;
  Timestamp settle_at;
};

// One inbox walk (the SDK's InboxWalker: newest first, back to `since` minus
// the skew, loop-guarded and page-bounded): marks every wanted message found
// as sent and removes it from `wanted`. Returns whose inbox it was.
Result<std::string> find_in_inbox(Client& client, Journal& journal, std::string_view campaign,
                                  RunOptions const& options, Timestamp since,
                                  std::map<std::string, Wanted>& wanted, ReconcileReport& report) {
  auto const clock = options.clock ? options.clock : system_clock();
  InboxWalkOptions rules;
  rules.max_pages = static_cast<std::size_t>(std::max<std::int64_t>(1, options.max_inbox_pages));
  rules.since = since;
  rules.skew = options.reconcile_skew;
  rules.page_size = options.reconcile_page_size;
  InboxWalker walker(client, options.auth_token, rules);
  auto failed = walker.for_each([&](Message& m) {
    auto const& me = walker.inbox_user_id();
    if (!me.empty() && m.sender_id != me) return true;
    auto it = wanted.find(match_key(m.recipient_id, m.text));
    if (it == wanted.end()) return true;
    take(journal.mark_sent(campaign, it->second.seq, m.id, true,
                           m.created_at.value_or(clock->system_now())));
    wanted.erase(it);
    ++report.found;
    return !wanted.empty();
  });
  report.pages += static_cast<std::int64_t>(walker.pages());
  if (failed) return *failed;
  if (!wanted.empty() && !walker.reached_window_start() && !walker.next_cursor().empty()) {
    // Cut by the page bound before reaching the oldest mark: cannot tell.
    return Error(ErrorCode::kInvalidResponse, "reconcile inbox walk: stopped at its bound of " +
                                                  std::to_string(options.max_inbox_pages) +
                                                  " page(s)");
  }
  return walker.inbox_user_id();
}

Result<ReconcileReport> reconcile_rows(Client& client, Journal& journal, std::string_view campaign,
                                       RunOptions const& options) {
  ReconcileReport report;
  auto const rows = take(journal.recipients(campaign, RecipientState::kSending));
  if (rows.empty()) return report;
  auto const clock = options.clock ? options.clock : system_clock();
  Timestamp const now = clock->system_now();

  std::map<std::string, Wanted> wanted;  // (recipient id, text) -> row
  Timestamp since = now;
  for (auto const& r : rows) {
    wanted.emplace(match_key(r.user_id, r.text), Wanted{r.seq, settles_at(r, options, now)});
    if (r.sending_at && *r.sending_at < since) since = *r.sending_at;
  }
  auto sender = find_in_inbox(client, journal, campaign, options, since, wanted, report);
  if (!sender) return std::move(sender).error();
  // Walked back past every `sending` mark without a match: not delivered, once
  // settled. Before that a slow server may still deliver it: leave it alone.
  Timestamp const after_walk = clock->system_now();
  for (auto const& [key, row] : wanted) {
    if (after_walk < row.settle_at) {
      ++report.unsettled;
      continue;
    }
    take(journal.mark_pending(campaign, row.seq));
    ++report.not_found;
  }
  if (!sender->empty()) {
    auto info = take(journal.campaign(campaign));
    if (info && info->sender_id.empty()) take(journal.set_sender_id(campaign, *sender));
  }
  return report;
}

// What happens after a failed call for one recipient.
enum class Next {
  kSkip,        // about this recipient alone: record it failed, go on
  kUnsettled,   // may have been delivered: stays `sending` until the inbox or time settles it
  kRetryNow,    // a short rate limit: wait, then the same recipient again
  kRetryLater,  // certainly not delivered: pending again, retried in a later round
  kPause,       // the daily cap or a long rate limit: resume later
  kStop,        // no other recipient would fare better
};

// Why a run ends early.
struct End {
  RunOutcome outcome;
  std::optional<Error> error;
  std::optional<Timestamp> resume_at;
};

// One run of a campaign, one method per phase. Journal failures are thrown
// (StoreError) inside the phases and end the run as failed with kStoreError.
class CampaignRun {
 public:
  CampaignRun(Client& client, Journal& journal, CampaignSpec const& spec, RunOptions const& options)
      : client_(client),
        journal_(journal),
        spec_(spec),
        options_(options),
        clock_(options.clock ? options.clock : system_clock()),
        sleeper_(options.sleeper ? options.sleeper : thread_sleeper()),
        baseline_(client.stats()) {}

  Result<RunReport> run() {
    auto opened = open();
    if (!opened) return std::move(opened).error();
    guarded([&] {
      if (!options_.dry_run) reconcile_phase();
      audience();
      seed_daily_cap();
      for (int round = 0; round < kRounds && !end_; ++round) {
        send_round();
        if (end_ || options_.dry_run) break;
        if (!settle()) break;
      }
    });
    return finish();
  }

 private:
  static constexpr int kRounds = 4;

  bool stop_requested() const { return options_.stop_requested && options_.stop_requested(); }
  void end(RunOutcome outcome, std::optional<Error> error = {},
           std::optional<Timestamp> resume_at = {}) {
    if (!end_) end_ = End{outcome, std::move(error), resume_at};
  }
  void save_stats() {
    if (run_id_ != 0) take(journal_.record_run_stats(run_id_, minus(client_.stats(), baseline_)));
  }
  // Runs a phase; a journal failure ends the run (what was committed stays).
  template <class F>
  void guarded(F&& phase) {
    try {
      phase();
    } catch (StoreError const& e) {
      end_.reset();
      end(RunOutcome::kFailed, e.error());
    }
  }
  // Commits `body` together with this run's billing so far.
  template <class F>
  void commit(F&& body) {
    take(journal_.transaction([&]() -> Result<Committed> {
      body();
      save_stats();
      return Committed{};
    }));
  }

  // ---- open: check the spec, take the lock, create or check the campaign ---------------
  Result<Committed> open() {
    if (spec_.name.empty()) return invalid("a campaign needs a name");
    if (options_.auth_token.empty()) return invalid("a campaign needs the sender's auth_token");
    if (spec_.audience.source.empty()) return invalid("a campaign needs an audience");
    auto tmpl = MessageTemplate::parse(spec_.message);
    if (!tmpl) return std::move(tmpl).error();
    tmpl_ = std::move(*tmpl);
    key_ = account_key(options_.auth_token);
    auto lock = internal::lock_run(journal_, spec_.name, key_);
    if (!lock) return std::move(lock).error();
    lock_ = std::move(*lock);
    auto existing = journal_.campaign(spec_.name);
    if (!existing) return std::move(existing).error();
    auto created = *existing ? check_same(**existing) : create();
    if (!created) return created;
    auto run = journal_.begin_run(spec_.name, "run", options_.pacing, clock_->system_now());
    if (!run) return std::move(run).error();
    run_id_ = *run;
    return Committed{};
  }

  Result<Committed> check_same(CampaignInfo const& existing) const {
    if (existing.audience.describe() != spec_.audience.describe()) {
      return invalid("campaign " + spec_.name + " was created with audience " +
                     existing.audience.describe() + "; use a new campaign name for " +
                     spec_.audience.describe());
    }
    if (existing.message != spec_.message) {
      return invalid("campaign " + spec_.name +
                     " was created with a different message; use a new campaign name to "
                     "send another message");
    }
    if (existing.account_key != key_) {
      return invalid("campaign " + spec_.name +
                     " was started from another account (a different auth_token)");
    }
    return Committed{};
  }

  Result<Committed> create() {
    std::optional<std::vector<NewRecipient>> recipients;
    if (spec_.audience.kind == Audience::Kind::kFile) {
      auto lines = read_recipients_file(spec_.audience.source);
      if (!lines) return std::move(lines).error();
      recipients.emplace();
      for (auto& line : *lines) {
        if (line.user_name.empty() && tmpl_->uses_user_name()) {
          return invalid("the message uses {userName} but the recipients file lists ids (" +
                         line.id + "), whose handles are unknown; list handles instead");
        }
        recipients->push_back(NewRecipient{line.id, line.user_name, {}, std::nullopt});
      }
    }
    auto info = journal_.create_campaign(spec_, key_, clock_->system_now(), std::move(recipients));
    if (!info) return std::move(info).error();
    return Committed{};
  }

  // ---- reconcile: settle what was left in flight -----------------------------------------
  // False when the inbox could not be read (rows stay `sending`).
  bool reconcile_phase() {
    auto r = reconcile_rows(client_, journal_, spec_.name, options_);
    save_stats();
    if (!r) {
      // Rows stay `sending` (never resent blindly); stop only if nothing else could work.
      if (r.error().stops_run()) end(RunOutcome::kFailed, r.error());
      last_error_ = r.error();
      return false;
    }
    report_.reconciled_sent += r->found;
    report_.reconciled_pending += r->not_found;
    report_.sent += r->found;
    report_.recovered += r->found;
    return true;
  }

  // ---- audience: page by page, each page committed with the cursor after it -------------
  void audience() {
    auto info = take(journal_.campaign(spec_.name));
    internal::WalkGuard guard("followers walk of " + spec_.audience.source,
                              options_.max_audience_pages);
    while (!end_ && info && !info->audience_complete) {
      if (stop_requested()) return end(RunOutcome::kInterrupted);
      auto page = client_.followers(info->audience.source, info->audience_cursor);
      if (!page) {
        save_stats();
        return end(RunOutcome::kFailed, std::move(page).error());
      }
      ++report_.audience_pages;
      std::vector<NewRecipient> batch;
      batch.reserve(page->items.size());
      for (auto const& u : page->items) {
        batch.push_back(NewRecipient{u.id, u.user_name, u.name, u.can_dm});
      }
      std::string const next = page->has_more ? page->next_cursor : std::string();
      std::int64_t added = 0;
      commit([&] { added = take(journal_.add_audience_page(spec_.name, batch, next)); });
      for (auto const& u : page->items) report_.skipped += u.can_dm ? 0 : 1;
      info = take(journal_.campaign(spec_.name));
      progress(true, info ? info->audience_pages : 0);
      if (next.empty()) break;
      if (auto stop = guard.next(next, added > 0)) return end(RunOutcome::kFailed, *stop);
    }
  }

  void seed_daily_cap() {
    client_.seed_daily_sends(options_.auth_token,
                             take(journal_.sends_on_day(key_, utc_day(clock_->system_now()))));
  }

  // ---- send round: every pending recipient once, in audience order ------------------------
  void send_round() {
    std::int64_t after = -1;
    while (!end_) {
      auto next = take(journal_.next_pending(spec_.name, after));
      if (!next) return;
      if (stop_requested()) return end(RunOutcome::kInterrupted);
      if (options_.limit && send_calls_ >= *options_.limit && !options_.dry_run) {
        return end(RunOutcome::kLimitReached);
      }
      after = next->seq;
      if (!send_one(std::move(*next))) after -= 1;  // the same recipient again
    }
  }

  // False when the same recipient should be tried again at once.
  bool send_one(RecipientRecord r) {
    if (r.user_id.empty() && !options_.dry_run && !resolve(r)) return true;
    if (r.can_dm.has_value() && !*r.can_dm) {
      take(journal_.mark_skipped(spec_.name, r.seq, "canDm false"));
      ++report_.skipped;
      return true;
    }
    std::string const text = tmpl_->render(TemplateFields{r.name, r.user_name});
    if (options_.dry_run) {
      ++report_.would_send;
      if (options_.on_dry_run) options_.on_dry_run(r, text);
      return true;
    }
    Timestamp const marked = clock_->system_now();
    take(journal_.mark_sending(spec_.name, r.seq, text, marked));
    ++send_calls_;
    auto sent =
        client_.send_dm(SendDmRequest{options_.auth_token, Recipient::by_id(r.user_id), text});
    if (sent) {
      delivered(r, *sent);
      return true;
    }
    return failed_send(r, marked, sent.error());
  }

  // A handle from a recipients file: one billed user/info call gives the id
  // (for exact reconciliation), the display name and canDm. False: skip it now.
  bool resolve(RecipientRecord& r) {
    auto user = client_.user_info(r.user_name);
    ++report_.resolved;
    if (!user) {
      Error const& e = user.error();
      Next const next = e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kForbidden
                            ? Next::kSkip
                            : classify(e);
      if (next == Next::kSkip) {
        commit([&] { take(journal_.mark_failed(spec_.name, r.seq, e)); });
        ++report_.failed;
      } else {
        apply_failure(next, e);
      }
      return false;
    }
    bool resolved = false;
    commit([&] {
      resolved = take(journal_.resolve(
          spec_.name, r.seq, NewRecipient{user->id, user->user_name, user->name, user->can_dm}));
    });
    if (!resolved) {
      ++report_.skipped;
      return false;
    }
    r.user_id = user->id;
    r.user_name = user->user_name;
    r.name = user->name;
    r.can_dm = user->can_dm;
    return true;
  }

  void delivered(RecipientRecord const& r, Message const& sent) {
    commit([&] {
      take(journal_.mark_sent(spec_.name, r.seq, sent.id, sent.recovered, clock_->system_now()));
      if (!sent.sender_id.empty()) {
        auto c = take(journal_.campaign(spec_.name));
        if (c && c->sender_id.empty()) take(journal_.set_sender_id(spec_.name, sent.sender_id));
      }
    });
    ++report_.sent;
    if (sent.recovered) ++report_.recovered;
    consecutive_failures_ = 0;
    progress(false, 0);
  }

  // False when the same recipient should be tried again at once.
  bool failed_send(RecipientRecord const& r, Timestamp marked, Error const& e) {
    Next const next = classify(e);
    switch (next) {
      case Next::kUnsettled: {
        // Could not tell whether X delivered it: it stays `sending` until the
        // inbox shows it or it settles; never sent blind inside that time.
        Timestamp const settle =
            std::max(marked + options_.request_timeout, clock_->system_now()) +
            std::chrono::duration_cast<std::chrono::milliseconds>(options_.inbox_margin);
        commit([&] { take(journal_.mark_unsettled(spec_.name, r.seq, settle, e)); });
        break;
      }
      case Next::kSkip:
        commit([&] { take(journal_.mark_failed(spec_.name, r.seq, e)); });
        ++report_.failed;
        consecutive_failures_ = 0;
        progress(false, 0);
        return true;
      default:
        commit([&] { take(journal_.mark_pending(spec_.name, r.seq, e)); });
        // A pause or a wait-and-retry does not use up `limit`.
        if (next == Next::kPause || next == Next::kRetryNow) --send_calls_;
        break;
    }
    return apply_failure(next, e);
  }

  // What a failure means for the run; false when the same recipient goes again now.
  bool apply_failure(Next next, Error const& e) {
    last_error_ = e;
    switch (next) {
      case Next::kSkip:
        return true;
      case Next::kStop:
        end(RunOutcome::kFailed, e);
        return true;
      case Next::kPause:
        end(RunOutcome::kPaused, e, resume_time(e));
        return true;
      case Next::kRetryNow:
        if (stop_requested()) {
          end(RunOutcome::kInterrupted);
          return true;
        }
        sleeper_->sleep_for(
            std::chrono::duration_cast<std::chrono::milliseconds>(*e.retry_after()));
        return false;
      case Next::kUnsettled:
      case Next::kRetryLater:
        if (++consecutive_failures_ >= options_.max_consecutive_failures) {
          end(RunOutcome::kFailed, e);
        }
        return true;
    }
    return true;
  }

  // The one place that says what a failed call means for the campaign.
  Next classify(Error const& e) const {
    if (e.may_have_taken_effect()) return Next::kUnsettled;
    if (e.code() == ErrorCode::kDailyLimitReached) return Next::kPause;
    if (e.is_recipient_refusal()) return Next::kSkip;
    if (e.stops_run()) return Next::kStop;
    if (e.code() == ErrorCode::kRateLimited && e.retry_after()) {
      return *e.retry_after() > options_.max_rate_limit_wait ? Next::kPause : Next::kRetryNow;
    }
    return Next::kRetryLater;
  }

  Timestamp resume_time(Error const& e) const {
    Timestamp const now = clock_->system_now();
    if (e.code() == ErrorCode::kDailyLimitReached) {
      // The local cap resets at UTC midnight; X may say when its own does.
      return e.retry_after() && e.attempts() > 0 ? now + *e.retry_after() : next_utc_midnight(now);
    }
    return now + e.retry_after().value_or(std::chrono::seconds(0));
  }

  // ---- settle: ask the inbox about unclear sends, waiting until they settle -----------------
  // False when the run should not start another round.
  bool settle() {
    constexpr int kMaxWaits = 3;  // a clock set back cannot keep the run here
    for (int waits = 0;; ++waits) {
      auto counts = take(journal_.counts(spec_.name));
      if (counts.sending == 0) return counts.pending > 0;
      if (!reconcile_phase()) return false;
      auto const rows = take(journal_.recipients(spec_.name, RecipientState::kSending));
      if (rows.empty()) return take(journal_.counts(spec_.name)).pending > 0;
      Timestamp const now = clock_->system_now();
      Timestamp earliest = settles_at(rows.front(), options_, now);
      for (auto const& r : rows) earliest = std::min(earliest, settles_at(r, options_, now));
      // Pending rows go first; the unsettled ones are waited for after them.
      if (take(journal_.counts(spec_.name)).pending > 0) return true;
      if (waits >= kMaxWaits) return false;
      if (stop_requested()) {
        end(RunOutcome::kInterrupted);
        return false;
      }
      auto const wait = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     earliest - now + std::chrono::milliseconds(1)),
                                 settle_span(options_));
      RunProgress p = base_progress();
      p.settling_until = earliest;
      if (options_.on_progress) options_.on_progress(p);
      if (wait.count() > 0) sleeper_->sleep_for(wait);
      if (stop_requested()) {
        end(RunOutcome::kInterrupted);
        return false;
      }
    }
  }

  // ---- finish: the outcome, committed -----------------------------------------------------
  Result<RunReport> finish() {
    guarded([&] {
      save_stats();
      report_.stats = minus(client_.stats(), baseline_);
      report_.counts = take(journal_.counts(spec_.name));
    });
    if (end_) {
      report_.outcome = end_->outcome;
      report_.error = end_->error;
      report_.resume_at = end_->resume_at;
    } else if (options_.dry_run || (report_.counts.pending == 0 && report_.counts.sending == 0)) {
      report_.outcome = RunOutcome::kCompleted;
    } else {
      // Typed as the failure that kept them back (transient: running again may work).
      ErrorCode const code = last_error_ ? last_error_->code() : ErrorCode::kServerError;
      report_.outcome = RunOutcome::kFailed;
      report_.error =
          Error(code, std::to_string(report_.counts.pending) + " pending and " +
                          std::to_string(report_.counts.sending) +
                          " unconfirmed recipients are left after repeated failures; run "
                          "again to retry them");
    }
    guarded([&] {
      take(journal_.finish_run(run_id_, to_string(report_.outcome), clock_->system_now()));
    });
    if (end_ && end_->outcome == RunOutcome::kFailed && report_.outcome != RunOutcome::kFailed) {
      report_.outcome = RunOutcome::kFailed;
      report_.error = end_->error;
    }
    return report_;
  }

  RunProgress base_progress() {
    RunProgress p;
    p.counts = take(journal_.counts(spec_.name));
    p.sent_this_run = report_.sent;
    return p;
  }
  void progress(bool walking, std::int64_t pages) {
    if (!options_.on_progress) return;
    RunProgress p = base_progress();
    p.audience_walk = walking;
    p.audience_pages = pages;
    options_.on_progress(p);
  }

  Client& client_;
  Journal& journal_;
  CampaignSpec const& spec_;
  RunOptions const& options_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<Sleeper> sleeper_;
  Stats const baseline_;
  std::optional<MessageTemplate> tmpl_;
  std::string key_;
  internal::RunGuard lock_;
  std::int64_t run_id_ = 0;
  RunReport report_;
  std::optional<End> end_;
  std::optional<Error> last_error_;
  std::int64_t send_calls_ = 0;
  int consecutive_failures_ = 0;
};

}  // namespace

std::string_view to_string(RunOutcome outcome) noexcept {
  switch (outcome) {
    case RunOutcome::kCompleted:
      return "completed";
    case RunOutcome::kLimitReached:
      return "limit";
    case RunOutcome::kInterrupted:
      return "interrupted";
    case RunOutcome::kPaused:
      return "paused";
    case RunOutcome::kFailed:
      return "failed";
  }
  return "failed";
}

Result<ReconcileReport> reconcile(Client& client, Journal& journal, std::string_view campaign,
                                  RunOptions const& options) {
  try {
    return reconcile_rows(client, journal, campaign, options);
  } catch (StoreError const& e) {
    return e.error();
  }
}

Result<RunReport> run_campaign(Client& client, Journal& journal, CampaignSpec const& spec,
                               RunOptions const& options) {
  return CampaignRun(client, journal, spec, options).run();
}

Result<RunReport> run_campaign(ClientOptions client_options, Journal& journal,
                               CampaignSpec const& spec, RunOptions options) {
  options.pacing.apply(client_options.pacing);
  if (!options.clock) options.clock = client_options.clock ? client_options.clock : system_clock();
  client_options.clock = options.clock;
  auto const stop = options.stop_requested;
  if (!options.sleeper) {
    options.sleeper = stop ? interruptible_sleeper(stop) : client_options.sleeper;
  }
  if (options.sleeper) client_options.sleeper = options.sleeper;
  if (stop) {
    // Once asked to stop, do not start a new send because a pause ended; a
    // retry of the send in flight still goes ahead (the client checks the inbox first).
    client_options.on_wait = [stop, user = client_options.on_wait](WaitEvent const& event) {
      bool const pause =
          event.reason == WaitReason::kSendDelay || event.reason == WaitReason::kRateLimit;
      if (pause && stop()) return false;
      return user ? user(event) : true;
    };
  }
  options.request_timeout = client_options.timeout;
  Client client(std::move(client_options));
  return CampaignRun(client, journal, spec, options).run();
}

}  // namespace getxapi::outreach
