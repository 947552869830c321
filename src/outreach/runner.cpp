#include <getxapi/outreach/audience.hpp>
#include <getxapi/outreach/runner.hpp>
#include <getxapi/outreach/template.hpp>

#include "store/run_lock.hpp"

#include <map>

#include "store/error.hpp"

namespace getxapi::outreach {

using store::internal::take;
namespace {

// A dm/send that failed this way may have been delivered: the request went out
// and no answer said otherwise (5xx, no answer at all, or a 2xx we could not read).
bool maybe_delivered(Error const& e) {
  if (!e.request_sent()) return false;
  int const s = e.http_status();
  return s == 0 || s >= 500 || (s >= 200 && s < 300);
}

// Errors about this recipient alone: record them and go on with the others.
bool recipient_error(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCannotDm:
    case ErrorCode::kNotFound:
    case ErrorCode::kForbidden:
    case ErrorCode::kNotAllowedToDm:
    case ErrorCode::kInvalidArgument:
      return true;
    default:
      return false;
  }
}

// Errors that no other recipient would fare better with.
bool campaign_error(ErrorCode code) {
  switch (code) {
    case ErrorCode::kAuthTokenInvalid:
    case ErrorCode::kApiKeyRejected:
    case ErrorCode::kLoginChallenge:
    case ErrorCode::kBudgetExceeded:
      return true;
    default:
      return false;
  }
}

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

Timestamp next_utc_midnight(Timestamp now) {
  auto const day = utc_day(now);
  return Timestamp(
      std::chrono::duration_cast<Timestamp::duration>(std::chrono::hours(24) * (day + 1)));
}

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

std::string match_key(std::string const& recipient_id, std::string const& text) {
  return recipient_id + '\x1f' + text;
}

}  // namespace

Result<ReconcileReport> reconcile_rows(Client& client, Journal& journal, std::string_view campaign,
                                       RunOptions const& options);

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
  } catch (store::internal::StoreError const& e) {
    return e.error();
  }
}

Result<ReconcileReport> reconcile_rows(Client& client, Journal& journal, std::string_view campaign,
                                       RunOptions const& options) {
  ReconcileReport report;
  auto const rows = take(journal.recipients(campaign, RecipientState::kSending));
  if (rows.empty()) return report;
  auto const clock = options.clock ? options.clock : system_clock();

  std::map<std::string, std::int64_t> wanted;  // (recipient id, text) -> seq
  Timestamp since = clock->system_now();
  for (auto const& r : rows) {
    wanted.emplace(match_key(r.user_id, r.text), r.seq);
    if (r.sending_at && *r.sending_at < since) since = *r.sending_at;
  }
  since -= options.reconcile_skew;

  ListDmsRequest request{options.auth_token, {}, options.reconcile_page_size};
  std::string sender_id;
  for (;;) {
    auto page = client.list_dms(request);
    if (!page) return std::move(page).error();
    ++report.pages;
    if (sender_id.empty() && !page->user_id.empty()) sender_id = page->user_id;
    bool older_seen = false;
    for (auto const& m : page->items) {
      if (m.created_at && *m.created_at < since) {
        older_seen = true;
        continue;
      }
      if (!page->user_id.empty() && m.sender_id != page->user_id) continue;
      auto it = wanted.find(match_key(m.recipient_id, m.text));
      if (it == wanted.end()) continue;
      take(journal.mark_sent(campaign, it->second, m.id, true,
                             m.created_at.value_or(clock->system_now())));
      wanted.erase(it);
      ++report.found;
    }
    if (wanted.empty() || older_seen || !page->has_more || page->next_cursor.empty()) break;
    request.cursor = page->next_cursor;
  }
  // Walked back past every `sending` mark without a match: never delivered.
  for (auto const& [key, seq] : wanted) {
    take(journal.mark_pending(campaign, seq));
    ++report.not_found;
  }
  if (!sender_id.empty()) {
    auto info = take(journal.campaign(campaign));
    if (info && info->sender_id.empty()) take(journal.set_sender_id(campaign, sender_id));
  }
  return report;
}

Result<RunReport> run_campaign(Client& client, Journal& journal, CampaignSpec const& spec,
                               RunOptions const& options) {
  auto const clock = options.clock ? options.clock : system_clock();
  auto const sleeper = options.sleeper ? options.sleeper : thread_sleeper();
  auto stop = [&] { return options.stop_requested && options.stop_requested(); };

  if (spec.name.empty()) return invalid("a campaign needs a name");
  if (options.auth_token.empty()) return invalid("a campaign needs the sender's auth_token");
  if (spec.audience.source.empty()) return invalid("a campaign needs an audience");
  auto tmpl = MessageTemplate::parse(spec.message);
  if (!tmpl) return std::move(tmpl).error();
  std::string const key = account_key(options.auth_token);

  auto lock = store::internal::RunLock::acquire(journal.path());
  if (!lock) return std::move(lock).error();

  RunReport report;
  std::int64_t run_id = 0;
  Stats const baseline = client.stats();
  auto save_stats = [&] {
    if (run_id != 0) take(journal.record_run_stats(run_id, minus(client.stats(), baseline)));
  };

  try {
    auto existing = take(journal.campaign(spec.name));
    if (existing) {
      if (existing->audience.describe() != spec.audience.describe()) {
        return invalid("campaign " + spec.name + " was created with audience " +
                       existing->audience.describe() + "; use a new campaign name for " +
                       spec.audience.describe());
      }
      if (existing->message != spec.message) {
        return invalid("campaign " + spec.name +
                       " was created with a different message; use a new campaign name to "
                       "send another message");
      }
      if (existing->account_key != key) {
        return invalid("campaign " + spec.name +
                       " was started from another account (a different auth_token)");
      }
    } else if (spec.audience.kind == Audience::Kind::kFile) {
      auto lines = read_recipients_file(spec.audience.source);
      if (!lines) return std::move(lines).error();
      std::vector<NewRecipient> recipients;
      for (auto& line : *lines) {
        if (line.user_name.empty() && tmpl->uses_user_name()) {
          return invalid("the message uses {userName} but the recipients file lists ids (" +
                         line.id + "), whose handles are unknown; list handles instead");
        }
        recipients.push_back(NewRecipient{line.id, line.user_name, {}, std::nullopt});
      }
      take(journal.create_campaign(spec, key, clock->system_now(), std::move(recipients)));
    } else {
      take(journal.create_campaign(spec, key, clock->system_now()));
    }
    run_id = take(journal.begin_run(spec.name, "run", options.pacing, clock->system_now()));
  } catch (store::internal::StoreError const& e) {
    return e.error();
  }

  std::optional<Error> failure;
  bool interrupted = false, paused = false, limit_reached = false;
  auto progress = [&](bool walking, std::int64_t pages) {
    if (!options.on_progress) return;
    RunProgress p;
    p.counts = take(journal.counts(spec.name));
    p.sent_this_run = report.sent;
    p.audience_walk = walking;
    p.audience_pages = pages;
    options.on_progress(p);
  };
  auto do_reconcile = [&]() -> bool {
    auto r = reconcile(client, journal, spec.name, options);
    save_stats();
    if (r) {
      report.reconciled_sent += r->found;
      report.reconciled_pending += r->not_found;
      report.sent += r->found;
      report.recovered += r->found;
      return true;
    }
    // Rows stay `sending` (never resent blindly); stop only if nothing else could work.
    if (campaign_error(r.error().code())) failure = r.error();
    return false;
  };

  try {
    // 1. Settle what an earlier, interrupted run left in flight.
    if (!options.dry_run) do_reconcile();

    // 2. The audience, page by page, each page committed with the cursor after it.
    auto info = take(journal.campaign(spec.name));
    while (!failure && info && !info->audience_complete) {
      if (stop()) {
        interrupted = true;
        break;
      }
      auto page = client.followers(info->audience.source, info->audience_cursor);
      if (!page) {
        failure = std::move(page).error();
        save_stats();
        break;
      }
      ++report.audience_pages;
      std::vector<NewRecipient> batch;
      batch.reserve(page->items.size());
      for (auto const& u : page->items) {
        batch.push_back(NewRecipient{u.id, u.user_name, u.name, u.can_dm});
        if (!u.can_dm) ++report.skipped;
      }
      std::string const next = page->has_more ? page->next_cursor : std::string();
      take(journal.transaction([&]() -> Result<Committed> {
        journal.add_audience_page(spec.name, batch, next);
        save_stats();
        return Committed{};
      }));
      info = take(journal.campaign(spec.name));
      progress(true, info ? info->audience_pages : 0);
    }

    // 3. The sends.
    client.seed_daily_sends(options.auth_token,
                            take(journal.sends_on_day(key, utc_day(clock->system_now()))));
    std::int64_t send_calls = 0;
    int consecutive_failures = 0;
    constexpr int kRounds = 4;
    for (int round = 0; round < kRounds && !failure && !interrupted; ++round) {
      std::int64_t after = -1;
      bool left_in_flight = false;
      while (!failure) {
        auto next = take(journal.next_pending(spec.name, after));
        if (!next) break;
        RecipientRecord r = std::move(*next);
        if (stop()) {
          interrupted = true;
          break;
        }
        if (options.limit && send_calls >= *options.limit && !options.dry_run) {
          limit_reached = true;
          break;
        }
        after = r.seq;

        if (r.user_id.empty()) {
          if (options.dry_run) {
            ++report.would_send;
            if (options.on_dry_run) {
              options.on_dry_run(r, tmpl->render(TemplateFields{r.name, r.user_name}));
            }
            continue;
          }
          // A handle from a recipients file: one billed user/info call gives the
          // id (for exact reconciliation), the display name and canDm.
          auto user = client.user_info(r.user_name);
          ++report.resolved;
          if (!user) {
            Error const& e = user.error();
            if (e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kForbidden) {
              take(journal.transaction([&]() -> Result<Committed> {
                journal.mark_failed(spec.name, r.seq, e);
                save_stats();
                return Committed{};
              }));
              ++report.failed;
            } else if (campaign_error(e.code())) {
              failure = e;
            } else if (++consecutive_failures >= options.max_consecutive_failures) {
              failure = e;
            }
            continue;
          }
          bool resolved = false;
          take(journal.transaction([&]() -> Result<Committed> {
            resolved =
                *journal.resolve(spec.name, r.seq,
                                 NewRecipient{user->id, user->user_name, user->name, user->can_dm});
            save_stats();
            return Committed{};
          }));
          if (!resolved) {
            ++report.skipped;
            continue;
          }
          r.user_id = user->id;
          r.user_name = user->user_name;
          r.name = user->name;
          r.can_dm = user->can_dm;
        }
        if (r.can_dm.has_value() && !*r.can_dm) {
          take(journal.mark_skipped(spec.name, r.seq, "canDm false"));
          ++report.skipped;
          continue;
        }

        std::string const text = tmpl->render(TemplateFields{r.name, r.user_name});
        if (options.dry_run) {
          ++report.would_send;
          if (options.on_dry_run) options.on_dry_run(r, text);
          continue;
        }

        take(journal.mark_sending(spec.name, r.seq, text, clock->system_now()));
        ++send_calls;
        auto sent =
            client.send_dm(SendDmRequest{options.auth_token, Recipient::by_id(r.user_id), text});
        if (sent) {
          take(journal.transaction([&]() -> Result<Committed> {
            journal.mark_sent(spec.name, r.seq, sent->id, sent->recovered, clock->system_now());
            if (!sent->sender_id.empty()) {
              auto c = *journal.campaign(spec.name);
              if (c && c->sender_id.empty()) journal.set_sender_id(spec.name, sent->sender_id);
            }
            save_stats();
            return Committed{};
          }));
          ++report.sent;
          if (sent->recovered) ++report.recovered;
          consecutive_failures = 0;
          progress(false, 0);
          continue;
        }

        Error const& e = sent.error();
        if (maybe_delivered(e)) {
          // Could not tell whether X delivered it: leave it `sending` for the
          // inbox to decide, never send it blind.
          save_stats();
          left_in_flight = true;
          if (++consecutive_failures >= options.max_consecutive_failures) failure = e;
          continue;
        }
        if (e.code() == ErrorCode::kDailyLimitReached) {
          take(journal.transaction([&]() -> Result<Committed> {
            journal.mark_pending(spec.name, r.seq, e);
            save_stats();
            return Committed{};
          }));
          --send_calls;
          paused = true;
          failure = e;
          // The local cap resets at UTC midnight; X may say when its own does.
          report.resume_at = e.retry_after() && e.attempts() > 0
                                 ? clock->system_now() + *e.retry_after()
                                 : next_utc_midnight(clock->system_now());
          break;
        }
        if (recipient_error(e.code())) {
          take(journal.transaction([&]() -> Result<Committed> {
            journal.mark_failed(spec.name, r.seq, e);
            save_stats();
            return Committed{};
          }));
          ++report.failed;
          consecutive_failures = 0;
          progress(false, 0);
          continue;
        }
        take(journal.transaction([&]() -> Result<Committed> {
          journal.mark_pending(spec.name, r.seq, e);
          save_stats();
          return Committed{};
        }));
        if (campaign_error(e.code())) {
          failure = e;
          break;
        }
        if (e.code() == ErrorCode::kRateLimited && e.retry_after()) {
          if (stop()) {
            interrupted = true;
            break;
          }
          if (*e.retry_after() > options.max_rate_limit_wait) {
            paused = true;
            failure = e;
            report.resume_at = clock->system_now() + *e.retry_after();
            break;
          }
          sleeper->sleep_for(
              std::chrono::duration_cast<std::chrono::milliseconds>(*e.retry_after()));
          after = r.seq - 1;  // the same recipient again
          --send_calls;
          continue;
        }
        if (++consecutive_failures >= options.max_consecutive_failures) failure = e;
      }
      if (failure || interrupted || limit_reached || options.dry_run) break;
      // Sends this run could not settle: ask the inbox now, so that a
      // campaign can complete in one run even through 5xx storms.
      if (left_in_flight || take(journal.counts(spec.name)).sending > 0) {
        if (!do_reconcile()) break;
      }
      if (take(journal.counts(spec.name)).pending == 0) break;
    }
  } catch (store::internal::StoreError const& e) {
    failure = e.error();
  }

  try {
    save_stats();
    report.stats = minus(client.stats(), baseline);
    report.counts = take(journal.counts(spec.name));
    if (paused) {
      report.outcome = RunOutcome::kPaused;
      report.error = failure;
    } else if (failure) {
      report.outcome = RunOutcome::kFailed;
      report.error = failure;
    } else if (interrupted) {
      report.outcome = RunOutcome::kInterrupted;
    } else if (limit_reached) {
      report.outcome = RunOutcome::kLimitReached;
    } else if (options.dry_run || (report.counts.pending == 0 && report.counts.sending == 0)) {
      report.outcome = RunOutcome::kCompleted;
    } else {
      report.outcome = RunOutcome::kFailed;
      report.error = Error(ErrorCode::kUnknown,
                           std::to_string(report.counts.pending) + " pending and " +
                               std::to_string(report.counts.sending) +
                               " unconfirmed recipients are left after repeated failures; run "
                               "again to retry them");
    }
    take(journal.finish_run(run_id, to_string(report.outcome), clock->system_now()));
  } catch (store::internal::StoreError const& e) {
    report.outcome = RunOutcome::kFailed;
    report.error = e.error();
  }
  return report;
}

}  // namespace getxapi::outreach
