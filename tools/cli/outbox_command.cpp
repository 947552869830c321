// getxapi outbox add --outbox STORE (--to NAME | --to-id ID) [--key KEY] [--from ACCOUNT]
//                    [--not-before TIME] [--expires TIME] TEXT|-
// getxapi outbox work --outbox STORE [--account NAME=ENV_VAR[:TIER]]... [--delay S|MIN-MAX]
//                     [--once] [--lease S] [--recheck S] [--settle S]
// getxapi outbox status --outbox STORE
// getxapi outbox list --outbox STORE [--state STATE]
//
// A thin shell over getxapi::outbox (see docs/outbox.md): tokens are read from the
// environment variables that --account names, never from arguments or the store.
#include "outbox_command.hpp"
#include "progress.hpp"

#include "context.hpp"
#include "delay.hpp"
#include "output.hpp"

#include <getxapi/outbox.hpp>
#include <getxapi/signals.hpp>

#include <cmath>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace getxapi::cli {
namespace {

namespace ob = getxapi::outbox;
using nlohmann::json;

struct AddArgs {
  std::string outbox;
  std::string to;
  std::string to_id;
  std::string key;
  std::string from;
  std::string not_before;
  std::string expires;
  std::string text;
};

struct WorkArgs {
  std::string outbox;
  std::vector<std::string> accounts;
  std::string delay = "2-5";
  bool once = false;
  // Whole seconds; 0 keeps the library's default (WorkerOptions).
  int lease = 0;
  int recheck = 0;
  int settle = 0;
};

struct ListArgs {
  std::string outbox;
  std::string state;
};

/// ISO 8601 UTC, or +N s|m|h|d from now.
Timestamp parse_time(std::string const& flag, std::string const& text) {
  if (!text.empty() && text[0] == '+') {
    std::size_t used = 0;
    long long n = -1;
    try {
      n = std::stoll(text.substr(1), &used);
    } catch (std::exception const&) {
      used = 0;
    }
    if (n >= 0 && used + 2 == text.size() && n <= 36500LL * 86400) {
      long long const unit = text.back() == 's'   ? 1
                             : text.back() == 'm' ? 60
                             : text.back() == 'h' ? 3600
                             : text.back() == 'd' ? 86400
                                                  : 0;
      if (unit != 0 && n <= 36500LL * 86400 / unit) {
        return std::chrono::system_clock::now() + std::chrono::seconds(n * unit);
      }
    }
  } else if (auto t = parse_timestamp(text)) {
    return *t;
  }
  throw UsageError(flag +
                   ": expected ISO 8601 UTC (2026-03-02T10:00:00Z) or +45s/+30m/+2h/+1d, "
                   "got \"" +
                   text + "\"");
}

json entry_json(ob::Entry const& e) {
  json j{{"id", e.id},
         {"state", std::string(to_string(e.state))},
         {"text", e.text},
         {"attempts", e.attempts},
         {"createdAt", format_timestamp(e.created_at)},
         {"dueAt", format_timestamp(e.due_at)}};
  j[e.recipient.is_id() ? "recipientId" : "recipientUsername"] = e.recipient.value();
  if (!e.recipient_id.empty()) j["recipientId"] = e.recipient_id;
  if (!e.key.empty()) j["key"] = e.key;
  if (!e.sender.empty()) j["from"] = e.sender;
  if (!e.account.empty()) j["account"] = e.account;
  if (e.not_before) j["notBefore"] = format_timestamp(*e.not_before);
  if (e.expires) j["expires"] = format_timestamp(*e.expires);
  if (!e.message_id.empty()) j["messageId"] = e.message_id;
  if (e.sent_at) j["sentAt"] = format_timestamp(*e.sent_at);
  if (e.recovered) j["recovered"] = true;
  if (e.ambiguous_since) j["ambiguousSince"] = format_timestamp(*e.ambiguous_since);
  if (!e.error_code.empty()) j["errorCode"] = e.error_code;
  if (!e.reason.empty()) j["reason"] = e.reason;
  return j;
}

int add(Context& ctx, AddArgs a) {
  if (a.to.empty() == a.to_id.empty()) throw UsageError("give exactly one of --to and --to-id");
  ob::NewEntry n;
  n.recipient = a.to.empty() ? Recipient::by_id(a.to_id) : Recipient::by_username(a.to);
  if (a.text == "-") {
    a.text.assign(std::istreambuf_iterator<char>(ctx.in), std::istreambuf_iterator<char>());
    while (!a.text.empty() && (a.text.back() == '\n' || a.text.back() == '\r')) a.text.pop_back();
  }
  n.text = a.text;
  n.key = a.key;
  n.sender = a.from;
  if (!a.not_before.empty()) n.not_before = parse_time("--not-before", a.not_before);
  if (!a.expires.empty()) n.expires = parse_time("--expires", a.expires);
  auto outbox = ob::Outbox::open(a.outbox);
  if (!outbox) return ctx.fail(outbox.error());
  auto r = outbox->enqueue(n);
  if (!r) return ctx.fail(r.error());
  if (ctx.global.json) {
    json j = entry_json(r->entry);
    j["created"] = r->created;
    print_json_line(ctx.out, j);
  } else {
    ctx.out << r->entry.id << '\n';
  }
  if (!r->created) {
    ctx.err << "key " << cell(a.key, 80) << " is already in the outbox: entry " << r->entry.id
            << " (" << r->entry.state << "); nothing added\n";
  }
  return kExitOk;
}

std::vector<ob::Account> pool(Context& ctx, WorkArgs const& a) {
  std::vector<ob::Account> accounts;
  auto token_of = [&](std::string const& var) -> std::string {
    auto v = ctx.env(var);
    if (!v && var.rfind("GETXAPI_", 0) != 0) {
      if (char const* raw = std::getenv(var.c_str()); raw && *raw) v = std::string(raw);
    }
    if (!v) throw UsageError(var + " is not set (export the account's auth_token in it)");
    ctx.add_secret(*v);
    return *v;
  };
  if (a.accounts.empty()) {
    accounts.push_back(ob::Account{"default", token_of("GETXAPI_AUTH_TOKEN"), 500, false});
    return accounts;
  }
  for (auto const& text : a.accounts) {
    auto spec = ob::parse_account_spec(text);
    if (!spec) throw UsageError(spec.error().message());
    accounts.push_back(
        ob::Account{spec->name, token_of(spec->env_var), spec->daily_cap, spec->verified});
  }
  return accounts;
}

int work(Context& ctx, WorkArgs const& a) {
  ob::WorkerOptions o;
  o.accounts = pool(ctx, a);
  std::tie(o.delay_min, o.delay_max) = parse_delay(a.delay);
  o.once = a.once;
  if (a.lease > 0) o.lease = std::chrono::seconds(a.lease);
  if (a.recheck > 0) o.recheck = std::chrono::seconds(a.recheck);
  if (a.settle > 0) o.settle = std::chrono::seconds(a.settle);
  // SIGINT/SIGTERM: finish the send in flight and return (a second one kills).
  SignalStop signals;
  o.stop_requested = signals.predicate();
  // Rate on stderr: kept up to date on a terminal, a line every few seconds otherwise.
  ProgressMeter meter(ctx, "outbox work", "sent");
  std::uint64_t sent = 0;
  std::uint64_t failed = 0;
  o.on_event = [&](ob::WorkerEvent const& e) {
    if (e.kind == ob::WorkerEvent::Kind::kSent) ++sent;
    if (e.kind == ob::WorkerEvent::Kind::kFailed) ++failed;
    meter.update(sent, std::nullopt,
                 std::to_string(sent) + " sent, " + std::to_string(failed) + " failed");
    if (e.kind == ob::WorkerEvent::Kind::kAccountDisabled) {
      ctx.err << "account " << e.account << " disabled: " << ctx.scrub(e.error->message()) << '\n';
    } else if (e.kind == ob::WorkerEvent::Kind::kAccountResting) {
      ctx.err << "account " << e.account << " rests until the next UTC day (daily limit)\n";
    }
  };
  auto client = ctx.make_client();
  auto outbox = ob::Outbox::open(a.outbox);
  if (!outbox) return ctx.fail(outbox.error());
  auto report = ob::work(client, *outbox, o);
  meter.finish();
  if (!report) return ctx.fail(report.error());
  auto const& r = *report;
  if (ctx.global.json) {
    json j{{"outcome", std::string(to_string(r.outcome))},
           {"sent", r.sent},
           {"recovered", r.recovered},
           {"failed", r.failed},
           {"retried", r.retried},
           {"ambiguous", r.ambiguous},
           {"disabledAccounts", r.disabled_accounts},
           {"billedCalls", r.stats.total().billed_calls},
           {"spendUsd", r.stats.spend_usd()}};
    print_json_line(ctx.out, j);
  } else {
    ctx.out << "sent " << r.sent << " (recovered " << r.recovered << "), failed " << r.failed
            << ", retried " << r.retried << ", unconfirmed " << r.ambiguous << "; billed calls "
            << r.stats.total().billed_calls << '\n';
  }
  if (r.outcome == ob::WorkOutcome::kFailed) {
    return ctx.fail(r.error.value_or(Error(ErrorCode::kUnknown, "the worker stopped")));
  }
  if (r.outcome == ob::WorkOutcome::kInterrupted) {
    ctx.err << "interrupted: what was sent is recorded; run `outbox work` again to go on\n";
  }
  return kExitOk;
}

json status_json(ob::OutboxStatus const& s) {
  json accounts = json::array();
  for (auto const& a : s.accounts) {
    json j{{"name", a.name},
           {"sentToday", a.sent_today},
           {"dailyCap", a.daily_cap},
           {"health", std::string(to_string(a.health))},
           {"verified", a.verified}};
    if (a.rest_until) j["restUntil"] = format_timestamp(*a.rest_until);
    if (!a.reason.empty()) j["reason"] = a.reason;
    accounts.push_back(std::move(j));
  }
  json j{{"queued", s.counts.queued},
         {"sending", s.counts.sending},
         {"sent", s.counts.sent},
         {"failed", s.counts.failed},
         {"expired", s.counts.expired},
         {"accounts", accounts},
         {"billedCalls", s.billed_calls},
         {"spendUsd", s.spend_usd()},
         {"billedCallsPerSent", s.billed_per_sent()}};
  if (s.oldest_due_id) {
    j["oldestDue"] = {{"id", *s.oldest_due_id}, {"dueAt", format_timestamp(*s.oldest_due_at)}};
  }
  return j;
}

int status(Context& ctx, std::string const& path) {
  auto outbox = ob::Outbox::open(path);
  if (!outbox) return ctx.fail(outbox.error());
  auto s = outbox->status();
  if (!s) return ctx.fail(s.error());
  if (ctx.global.json) {
    print_json_line(ctx.out, status_json(*s));
  } else {
    ctx.out << *s;
  }
  return kExitOk;
}

int list(Context& ctx, ListArgs const& a) {
  std::optional<ob::EntryState> state;
  if (!a.state.empty()) {
    state = ob::parse_entry_state(a.state);
    if (!state) {
      throw UsageError("--state: expected queued, sending, sent, failed or expired, got \"" +
                       a.state + "\"");
    }
  }
  auto outbox = ob::Outbox::open(a.outbox);
  if (!outbox) return ctx.fail(outbox.error());
  auto entries = outbox->list(state);
  if (!entries) return ctx.fail(entries.error());
  for (auto const& e : *entries) {
    if (ctx.global.json) {
      print_json_line(ctx.out, entry_json(e));
    } else {
      std::ostringstream line;
      line << e;
      ctx.out << cell(line.str()) << '\n';
    }
  }
  return kExitOk;
}

}  // namespace

void register_outbox(CLI::App& root, Context& ctx) {
  auto* group = root.add_subcommand(
      "outbox", "Queue notifications and deliver them exactly once over a pool of accounts");
  group->require_subcommand(1);

  auto add_args = std::make_shared<AddArgs>();
  auto* add_cmd = group->add_subcommand("add", "Queue one DM; the same --key twice is one DM");
  add_cmd
      ->add_option("--outbox", add_args->outbox,
                   "The outbox: a SQLite file, or a postgresql:// URL")
      ->required()
      ->type_name("STORE");
  add_cmd->add_option("--to", add_args->to, "Recipient handle")->type_name("NAME");
  add_cmd->add_option("--to-id", add_args->to_id, "Recipient user id")->type_name("ID");
  add_cmd->add_option("--key", add_args->key, "Idempotency key");
  add_cmd->add_option("--from", add_args->from, "Send only from this account of the pool")
      ->type_name("ACCOUNT");
  add_cmd->add_option("--not-before", add_args->not_before, "Not before (ISO 8601 UTC or +30m)")
      ->type_name("TIME");
  add_cmd->add_option("--expires", add_args->expires, "Never sent at or after this time")
      ->type_name("TIME");
  add_cmd->add_option("text", add_args->text, "The message, or - to read it from stdin")
      ->required()
      ->type_name("TEXT|-");
  add_cmd->callback(
      [&ctx, add_args] { ctx.run([&ctx, add_args] { return add(ctx, *add_args); }); });

  auto work_args = std::make_shared<WorkArgs>();
  auto* work_cmd = group->add_subcommand("work", "Deliver what is due over the accounts given");
  work_cmd
      ->add_option("--outbox", work_args->outbox,
                   "The outbox: a SQLite file, or a postgresql:// URL")
      ->required()
      ->type_name("STORE");
  work_cmd
      ->add_option("--account", work_args->accounts,
                   "An account of the pool: its token is read from ENV_VAR; TIER is new, "
                   "established, premium or a daily cap (default: GETXAPI_AUTH_TOKEN)")
      ->type_name("NAME=ENV_VAR[:TIER]");
  work_cmd->add_option("--delay", work_args->delay, "Seconds between two sends of one account")
      ->type_name("S|MIN-MAX")
      ->capture_default_str();
  work_cmd->add_flag("--once", work_args->once, "Deliver what is due now, then exit");
  // Shared outboxes (docs/scaling.md): how soon a dead worker's claims are taken over.
  work_cmd
      ->add_option("--lease", work_args->lease,
                   "Seconds a claim is held before another worker may take it over "
                   "(default 300; must exceed the longest send)")
      ->type_name("S")
      ->check(CLI::Range(1, 86400));
  work_cmd
      ->add_option("--recheck", work_args->recheck,
                   "Seconds between two inbox checks of an unconfirmed send (default 15)")
      ->type_name("S")
      ->check(CLI::Range(1, 86400));
  work_cmd
      ->add_option("--settle", work_args->settle,
                   "Seconds an unconfirmed send must stay out of the inbox before it is sent "
                   "again (default 120)")
      ->type_name("S")
      ->check(CLI::Range(1, 86400));
  work_cmd->callback(
      [&ctx, work_args] { ctx.run([&ctx, work_args] { return work(ctx, *work_args); }); });

  auto status_path = std::make_shared<std::string>();
  auto* status_cmd = group->add_subcommand("status", "Counts by state, accounts, spend");
  status_cmd
      ->add_option("--outbox", *status_path, "The outbox: a SQLite file, or a postgresql:// URL")
      ->required()
      ->type_name("STORE");
  status_cmd->callback(
      [&ctx, status_path] { ctx.run([&ctx, status_path] { return status(ctx, *status_path); }); });

  auto list_args = std::make_shared<ListArgs>();
  auto* list_cmd = group->add_subcommand("list", "One line (or NDJSON object) per entry");
  list_cmd
      ->add_option("--outbox", list_args->outbox,
                   "The outbox: a SQLite file, or a postgresql:// URL")
      ->required()
      ->type_name("STORE");
  list_cmd->add_option("--state", list_args->state, "queued, sending, sent, failed or expired")
      ->type_name("STATE");
  list_cmd->callback(
      [&ctx, list_args] { ctx.run([&ctx, list_args] { return list(ctx, *list_args); }); });
}

}  // namespace getxapi::cli
