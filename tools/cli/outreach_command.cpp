// getxapi outreach run --campaign NAME --journal FILE (--followers-of NAME | --recipients FILE)
//                      --message-file FILE [--daily-cap N] [--delay S | --delay MIN-MAX]
//                      [--limit N] [--dry-run]
// getxapi outreach status --campaign NAME --journal FILE [--json]
// getxapi outreach replies --campaign NAME --journal FILE
//
// A thin shell over getxapi::outreach: the run loop, the journal and the
// exactly-once guarantees live in the library (see docs/outreach.md).
#include "outreach_command.hpp"

#include "context.hpp"
#include "delay.hpp"
#include "output.hpp"

#include <getxapi/outreach.hpp>

#include <sys/stat.h>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <tuple>

namespace getxapi::cli {
namespace {

namespace out = getxapi::outreach;

struct RunArgs {
  std::string campaign;
  std::string journal;
  std::string followers_of;
  std::string recipients;
  std::string message_file;
  std::optional<int> daily_cap;
  std::string delay = "2-5";
  std::optional<long long> limit;
  bool dry_run = false;
  int inbox_margin = 60;
  double progress_interval = 10;
};

struct CampaignArgs {
  std::string campaign;
  std::string journal;
  bool json = false;
  std::string state;  // list only
};

std::string shell_quote(std::string const& s) {
  bool plain = !s.empty();
  for (char c : s) {
    bool const ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                    c == '.' || c == '/' || c == ':' || c == '@' || c == '=' || c == ',';
    if (!ok) plain = false;
  }
  if (plain) return s;
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

// `journal` as the journal shows itself: a postgresql:// URL without its password.
std::string resume_command(Context const& ctx, RunArgs const& a, std::string const& journal) {
  std::string cmd = "getxapi";
  if (!ctx.global.base_url.empty()) cmd += " --base-url " + shell_quote(ctx.global.base_url);
  cmd +=
      " outreach run --campaign " + shell_quote(a.campaign) + " --journal " + shell_quote(journal);
  if (!a.followers_of.empty()) cmd += " --followers-of " + shell_quote(a.followers_of);
  if (!a.recipients.empty()) cmd += " --recipients " + shell_quote(a.recipients);
  cmd += " --message-file " + shell_quote(a.message_file);
  if (a.daily_cap) cmd += " --daily-cap " + std::to_string(*a.daily_cap);
  cmd += " --delay " + shell_quote(a.delay);
  if (a.inbox_margin != 60) cmd += " --inbox-margin " + std::to_string(a.inbox_margin);
  return cmd;
}

out::CampaignPacing parse_pacing(RunArgs const& a) {
  out::CampaignPacing p;
  std::tie(p.delay_min, p.delay_max) = parse_delay(a.delay);
  if (a.daily_cap) {
    if (*a.daily_cap < 1) throw UsageError("--daily-cap must be at least 1");
    p.daily_cap = *a.daily_cap;
  }
  return p;
}

std::string read_message_file(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read --message-file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string message = text.str();
  // Editors end files with a newline that nobody means to send.
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
    message.pop_back();
  }
  return message;
}

bool file_exists(std::string const& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// "12.0/min, ETA 35m" from what this run sent so far.
std::string rate_and_eta(out::RunProgress const& p, std::chrono::steady_clock::duration elapsed) {
  double const minutes = std::chrono::duration<double>(elapsed).count() / 60.0;
  if (p.sent_this_run == 0 || minutes <= 0) return "rate unknown yet";
  double const per_minute = static_cast<double>(p.sent_this_run) / minutes;
  double const left = static_cast<double>(p.counts.pending + p.counts.sending) / per_minute;
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << per_minute << "/min, ETA ";
  if (left < 1) {
    s << "<1m";
  } else if (left < 120) {
    s << std::llround(left) << "m";
  } else {
    s << left / 60 << "h";
  }
  return s.str();
}

std::string progress_line(std::string const& campaign, out::RunProgress const& p,
                          std::chrono::steady_clock::duration elapsed) {
  std::ostringstream line;
  line << "outreach " << campaign << ": ";
  if (p.audience_walk) {
    line << "fetching the audience: " << p.audience_pages << " page(s), " << p.counts.total()
         << " followers";
    return line.str();
  }
  auto const& c = p.counts;
  line << c.sent << " sent (" << p.sent_this_run << " this run), " << c.pending << " pending, "
       << c.sending << " unconfirmed, " << c.skipped << " skipped, " << c.failed << " failed; "
       << rate_and_eta(p, elapsed);
  if (p.settling_until) {
    line << "; waiting until " << format_timestamp(*p.settling_until)
         << " for unclear sends to settle";
  }
  return line.str();
}

// On a terminal: one line rewritten in place. Otherwise (a log, cron): a full line
// every `interval`, so a long run still says how far it is and how long it has left.
std::function<void(out::RunProgress const&)> progress_printer(Context& ctx, RunArgs const& a) {
  auto const start = std::chrono::steady_clock::now();
  if (ctx.stderr_is_tty()) {
    return [&ctx, &a, start](out::RunProgress const& p) {
      ctx.progress(progress_line(a.campaign, p, std::chrono::steady_clock::now() - start));
    };
  }
  auto last = std::make_shared<std::optional<std::chrono::steady_clock::time_point>>();
  auto const interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(a.progress_interval));
  return [&ctx, &a, start, last, interval](out::RunProgress const& p) {
    auto const now = std::chrono::steady_clock::now();
    if (*last && now - **last < interval && !p.settling_until) return;
    *last = now;
    ctx.err << progress_line(a.campaign, p, now - start) << "\n" << std::flush;
  };
}

int run(Context& ctx, RunArgs const& a) {
  if (a.followers_of.empty() == a.recipients.empty()) {
    throw UsageError("give exactly one of --followers-of NAME and --recipients FILE");
  }
  if (a.limit && *a.limit < 1) throw UsageError("--limit must be at least 1");
  out::CampaignSpec spec;
  spec.name = a.campaign;
  spec.audience = a.recipients.empty() ? out::Audience::followers_of(a.followers_of)
                                       : out::Audience::from_file(a.recipients);
  spec.message = read_message_file(a.message_file);
  // A typo in the message is a usage error, found before the journal is even created.
  if (auto parsed = out::MessageTemplate::parse(spec.message); !parsed) {
    return ctx.fail(parsed.error());
  }
  auto const pacing = parse_pacing(a);
  std::string const token = ctx.auth_token();

  out::SignalStop signals;
  // The runner builds the client: pacing, clock, the interruptible sleeper and the
  // request timeout all come from these options, so they cannot disagree.
  auto client_options = ctx.client_options();

  auto opened = out::Journal::open(a.journal);
  if (!opened) return ctx.fail(opened.error());
  out::Journal& journal = *opened;
  out::RunOptions options;
  options.auth_token = token;
  options.pacing = pacing;
  if (a.limit) options.limit = *a.limit;
  options.dry_run = a.dry_run;
  options.stop_requested = signals.predicate();
  if (a.inbox_margin < 0) throw UsageError("--inbox-margin must be 0 or more seconds");
  options.inbox_margin = std::chrono::seconds(a.inbox_margin);
  if (!(a.progress_interval >= 0) || !std::isfinite(a.progress_interval)) {
    throw UsageError("--progress-interval must be 0 or more seconds");
  }
  options.on_progress = progress_printer(ctx, a);
  if (a.dry_run) {
    options.on_dry_run = [&](out::RecipientRecord const& r, std::string const& text) {
      if (ctx.global.json) {
        ctx.out
            << nlohmann::json{{"id", r.user_id}, {"userName", r.user_name}, {"text", text}}.dump()
            << "\n";
      } else {
        ctx.out << "would send to " << (r.user_name.empty() ? "" : "@" + r.user_name + " ") << "("
                << (r.user_id.empty() ? "id unresolved" : r.user_id) << "): " << text << "\n";
      }
    };
  }

  auto result = out::run_campaign(std::move(client_options), journal, spec, options);
  ctx.end_progress();
  if (!result) return ctx.fail(result.error());
  auto const& report = *result;
  auto const& c = report.counts;
  std::string const resume = resume_command(ctx, a, journal.path());

  if (ctx.global.json) {
    nlohmann::json j = {{"campaign", a.campaign},
                        {"outcome", std::string(to_string(report.outcome))},
                        {"sent", report.sent},
                        {"recovered", report.recovered},
                        {"skipped", report.skipped},
                        {"failed", report.failed},
                        {"reconciled_sent", report.reconciled_sent},
                        {"reconciled_pending", report.reconciled_pending},
                        {"audience_pages", report.audience_pages},
                        {"resolved", report.resolved},
                        {"billed_calls", report.stats.total().billed_calls},
                        {"spend_usd", report.stats.spend_usd()},
                        {"totals",
                         {{"sent", c.sent},
                          {"pending", c.pending},
                          {"sending", c.sending},
                          {"skipped", c.skipped},
                          {"failed", c.failed}}}};
    if (a.dry_run) j["would_send"] = report.would_send;
    if (report.resume_at) j["resume_at"] = format_timestamp(*report.resume_at);
    ctx.out << j.dump() << "\n";
  } else if (a.dry_run) {
    ctx.out << "dry run: " << report.would_send << " message(s) would be sent, " << c.skipped
            << " recipient(s) skipped; nothing was sent\n";
  } else {
    ctx.out << "campaign " << a.campaign << ": " << report.sent << " sent this run";
    if (report.recovered > 0) {
      ctx.out << " (" << report.recovered << " confirmed from the inbox, not sent twice)";
    }
    ctx.out << "; in all " << c.sent << " sent, " << c.pending << " pending, " << c.sending
            << " unconfirmed, " << c.skipped << " skipped, " << c.failed << " failed; "
            << report.stats.total().billed_calls << " billed calls this run ($"
            << report.stats.spend_usd() << ")\n";
  }

  switch (report.outcome) {
    case out::RunOutcome::kCompleted:
      return kExitOk;
    case out::RunOutcome::kInterrupted:
      ctx.err << "interrupted: progress saved; resume with: " << resume << "\n";
      return kExitOk;
    case out::RunOutcome::kLimitReached:
      ctx.err << "limit of " << *a.limit << " send(s) reached; continue with: " << resume << "\n";
      return kExitOk;
    case out::RunOutcome::kPaused: {
      std::string const why = report.error ? ctx.scrub(report.error->message()) : "paused";
      ctx.err << "paused: " << why;
      if (report.resume_at) ctx.err << "; resume after " << format_timestamp(*report.resume_at);
      ctx.err << " with: " << resume << "\n";
      return kExitOk;
    }
    case out::RunOutcome::kFailed:
      break;
  }
  int const code = report.error ? ctx.fail(*report.error) : kExitFailure;
  ctx.err << "progress saved; resume with: " << resume << "\n";
  return code == kExitOk ? kExitFailure : code;
}

getxapi::Result<out::Journal> open_existing(CampaignArgs const& a) {
  // A postgresql:// journal is a database, not a file (and its URL may hold a password).
  bool const url =
      a.journal.rfind("postgresql://", 0) == 0 || a.journal.rfind("postgres://", 0) == 0;
  if (!url && !file_exists(a.journal)) throw UsageError("no journal at " + a.journal);
  return out::Journal::open(a.journal);
}

int status(Context& ctx, CampaignArgs const& a) {
  auto journal = open_existing(a);
  if (!journal) return ctx.fail(journal.error());
  auto s = out::campaign_status(*journal, a.campaign, getxapi::system_clock()->system_now());
  if (!s && s.error().code() == getxapi::ErrorCode::kInvalidArgument) {
    throw UsageError(s.error().message());
  }
  if (!s) return ctx.fail(s.error());
  if (a.json || ctx.global.json) {
    ctx.out << out::to_json(*s).dump() << "\n";
  } else {
    ctx.out << *s;
  }
  return kExitOk;
}

int replies(Context& ctx, CampaignArgs const& a) {
  auto journal = open_existing(a);
  if (!journal) return ctx.fail(journal.error());
  auto campaign = journal->campaign(a.campaign);
  if (!campaign) return ctx.fail(campaign.error());
  if (!*campaign) throw UsageError("no campaign " + a.campaign + " in " + journal->path());
  std::string const token = ctx.auth_token();
  auto client = ctx.make_client();
  auto report = out::scan_replies(client, *journal, a.campaign, token);
  if (!report) return ctx.fail(report.error());
  if (ctx.global.json) {
    ctx.out << nlohmann::json{{"campaign", a.campaign},
                              {"new_replies", report->new_replies},
                              {"replied", report->replied},
                              {"pages", report->pages}}
                   .dump()
            << "\n";
  } else {
    ctx.out << "campaign " << a.campaign << ": " << report->new_replies << " new repl"
            << (report->new_replies == 1 ? "y" : "ies") << ", " << report->replied
            << " recipient(s) replied in all (" << report->pages << " inbox page(s) read)\n";
  }
  return kExitOk;
}

// One recipient as `list` prints it: who, and why they are where they are.
nlohmann::json recipient_json(out::RecipientRecord const& r, std::string const& state) {
  nlohmann::json j = {{"seq", r.seq},
                      {"id", r.user_id},
                      {"userName", r.user_name},
                      {"name", r.name},
                      {"state", state},
                      {"attempts", r.attempts},
                      {"reason", r.reason},
                      {"error_code", r.error_code}};
  if (r.replied_at) j["replied_at"] = format_timestamp(*r.replied_at);
  if (r.sent_at) j["sent_at"] = format_timestamp(*r.sent_at);
  if (!r.message_id.empty()) j["message_id"] = r.message_id;
  return j;
}

int list(Context& ctx, CampaignArgs const& a) {
  static std::string const kStates = "pending, sending, sent, skipped, failed or replied";
  bool const replied = a.state == "replied";
  auto const state = replied ? std::optional<out::RecipientState>(out::RecipientState::kSent)
                             : out::parse_recipient_state(a.state);
  if (!state) throw UsageError("--state: expected " + kStates + ", got \"" + a.state + "\"");
  auto journal = open_existing(a);
  if (!journal) return ctx.fail(journal.error());
  auto campaign = journal->campaign(a.campaign);
  if (!campaign) return ctx.fail(campaign.error());
  if (!*campaign) throw UsageError("no campaign " + a.campaign + " in " + journal->path());
  auto rows = journal->recipients(a.campaign, *state);
  if (!rows) return ctx.fail(rows.error());
  Table table({{"SEQ", Table::Align::kRight},
               {"ID"},
               {"USERNAME"},
               {"CODE"},
               {"ATTEMPTS", Table::Align::kRight},
               {replied ? "REPLIED_AT" : "REASON"}});
  for (auto const& r : *rows) {
    if (replied && !r.replied_at) continue;
    if (ctx.global.json || a.json) {
      print_json_line(ctx.out, recipient_json(r, a.state));
      continue;
    }
    table.add_row({std::to_string(r.seq), cell(r.user_id),
                   cell(r.user_name.empty() ? "" : "@" + r.user_name), cell(r.error_code),
                   std::to_string(r.attempts),
                   replied ? short_time(r.replied_at) : cell(r.reason, 80)});
  }
  if (!(ctx.global.json || a.json)) {
    if (table.rows() == 0) {
      ctx.out << "no " << a.state << " recipients in campaign " << a.campaign << "\n";
    } else {
      table.print(ctx.out);
    }
  }
  return kExitOk;
}

void add_campaign_options(CLI::App& cmd, std::string& campaign, std::string& journal) {
  cmd.add_option("--campaign", campaign, "Campaign name (its key in the journal)")->required();
  cmd.add_option("--journal", journal, "Journal: a SQLite file, or a postgresql:// URL")
      ->required();
}

}  // namespace

void register_outreach(CLI::App& root, Context& ctx) {
  auto* outreach = root.add_subcommand("outreach", "Durable, resumable DM campaigns");
  outreach->require_subcommand(1);

  auto run_args = std::make_shared<RunArgs>();
  auto* run_cmd = outreach->add_subcommand(
      "run", "Start or resume a campaign (running it again resumes it; never sends twice)");
  add_campaign_options(*run_cmd, run_args->campaign, run_args->journal);
  auto* followers = run_cmd->add_option("--followers-of", run_args->followers_of,
                                        "Audience: the followers of this account (canDm from "
                                        "the followers pages)");
  auto* recipients = run_cmd->add_option("--recipients", run_args->recipients,
                                         "Audience: a file of handles or ids, one per line");
  followers->excludes(recipients);
  run_cmd
      ->add_option("--message-file", run_args->message_file,
                   "The message; {name} and {userName} are replaced per recipient")
      ->required();
  run_cmd->add_option("--daily-cap", run_args->daily_cap,
                      "Sends per account per UTC day, counting earlier runs");
  run_cmd->add_option("--delay", run_args->delay,
                      "Seconds between sends: S or MIN-MAX (default 2-5)");
  run_cmd->add_option("--limit", run_args->limit, "At most N sends in this run");
  run_cmd->add_option("--inbox-margin", run_args->inbox_margin,
                      "Seconds the inbox may take to show a DM a slow server delivered late; an "
                      "unclear send is never re-sent before --timeout plus this (default 60)");
  run_cmd->add_option("--progress-interval", run_args->progress_interval,
                      "When stderr is not a terminal: seconds between progress lines (default "
                      "10; 0: after every recipient)");
  run_cmd->add_flag("--dry-run", run_args->dry_run,
                    "Fetch the audience and print each message; send nothing");
  run_cmd->callback(
      [&ctx, run_args] { ctx.run([&ctx, run_args] { return run(ctx, *run_args); }); });

  auto status_args = std::make_shared<CampaignArgs>();
  auto* status_cmd = outreach->add_subcommand(
      "status", "Counts by state, spend, billed calls per DM, and the time left");
  add_campaign_options(*status_cmd, status_args->campaign, status_args->journal);
  status_cmd->add_flag("--json", status_args->json, "One JSON object");
  status_cmd->callback(
      [&ctx, status_args] { ctx.run([&ctx, status_args] { return status(ctx, *status_args); }); });

  auto list_args = std::make_shared<CampaignArgs>();
  auto* list_cmd = outreach->add_subcommand(
      "list", "The recipients in one state, with their reasons (failed, skipped, replied, ...)");
  add_campaign_options(*list_cmd, list_args->campaign, list_args->journal);
  list_cmd
      ->add_option("--state", list_args->state,
                   "pending, sending, sent, skipped, failed or replied")
      ->required();
  list_cmd->add_flag("--json", list_args->json, "One JSON object per recipient");
  list_cmd->callback(
      [&ctx, list_args] { ctx.run([&ctx, list_args] { return list(ctx, *list_args); }); });

  auto replies_args = std::make_shared<CampaignArgs>();
  auto* replies_cmd =
      outreach->add_subcommand("replies", "Walk the inbox and mark the recipients who answered");
  add_campaign_options(*replies_cmd, replies_args->campaign, replies_args->journal);
  replies_cmd->callback([&ctx, replies_args] {
    ctx.run([&ctx, replies_args] { return replies(ctx, *replies_args); });
  });
}

}  // namespace getxapi::cli
