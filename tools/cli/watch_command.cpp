// getxapi dm watch --state FILE [--tab TAB]... [--interval MIN[-MAX]] [--budget USD_PER_DAY]
//                  [--exec COMMAND] [--once] [--since TIME]
#include "watch_command.hpp"

#include "context.hpp"
#include "output.hpp"

#include <getxapi/inbox.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace getxapi::cli {
namespace {

namespace in = getxapi::inbox;
using std::chrono::milliseconds;

struct WatchArgs {
  std::string state;
  std::vector<std::string> tabs;
  std::string interval;
  std::optional<double> budget;
  std::string exec;
  bool once = false;
  std::string since;
};

// How long an --exec program may take over one message before it is killed
// (the message is then handed over again).
constexpr auto kExecTimeout = std::chrono::seconds(120);
// Most of a reply we read from an --exec program (a DM is at most 10,000 characters).
constexpr std::size_t kMaxReplyBytes = 256 * 1024;

milliseconds parse_seconds(std::string const& text) {
  std::istringstream is(text);
  double seconds = 0;
  char trailing = 0;
  if (!(is >> seconds) || (is >> trailing) || !(seconds > 0) || !std::isfinite(seconds) ||
      seconds > 86400.0 * 7) {
    throw UsageError("--interval: expected seconds (e.g. 5 or 5-300), got '" + text + "'");
  }
  return milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000)));
}

std::pair<milliseconds, milliseconds> parse_interval(std::string const& text) {
  auto const dash = text.find('-');
  if (dash == std::string::npos) {
    auto const fixed = parse_seconds(text);
    return {fixed, fixed};
  }
  auto const min = parse_seconds(text.substr(0, dash));
  auto const max = parse_seconds(text.substr(dash + 1));
  if (max < min) throw UsageError("--interval: MAX is below MIN in '" + text + "'");
  return {min, max};
}

// ISO 8601 UTC, or a relative +45s / -30m / 2h / +1d meaning that long ago.
Timestamp parse_since(std::string const& text, Timestamp now) {
  if (auto t = parse_timestamp(text)) return *t;
  std::string s = text;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) s.erase(0, 1);
  if (s.size() >= 2) {
    char const unit = s.back();
    std::string const number = s.substr(0, s.size() - 1);
    std::int64_t const scale = unit == 's'   ? 1
                               : unit == 'm' ? 60
                               : unit == 'h' ? 3600
                               : unit == 'd' ? 86400
                                             : 0;
    bool const digits = !number.empty() && number.size() < 10 &&
                        number.find_first_not_of("0123456789") == std::string::npos;
    if (scale != 0 && digits) return now - std::chrono::seconds(std::stoll(number) * scale);
  }
  throw UsageError("--since: expected an ISO 8601 UTC time or a relative +45s/+30m/+2h/+1d, got '" +
                   text + "'");
}

struct ExecResult {
  int status = -1;  // exit status; -1 when it did not exit normally
  std::string out;
};

// The environment of an --exec program: the user's, minus the two secrets the
// watcher holds (a bot answers on stdout, it does not need them).
std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string const entry(*e);
    if (entry.rfind("GETXAPI_API_KEY=", 0) == 0 || entry.rfind("GETXAPI_AUTH_TOKEN=", 0) == 0) {
      continue;
    }
    env.push_back(entry);
  }
  return env;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Writes `input` to the child's stdin and reads its stdout at the same time
// (either may fill a pipe), until both are done or the deadline passes.
bool pump(int& to_child, int& from_child, std::string const& input, std::string& output) {
  std::size_t written = 0;
  auto const deadline = std::chrono::steady_clock::now() + kExecTimeout;
  while (from_child >= 0) {
    if (written == input.size()) close_fd(to_child);
    pollfd fds[2] = {{from_child, POLLIN, 0}, {to_child, POLLOUT, 0}};
    auto const left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    int const n = ::poll(fds, to_child >= 0 ? 2 : 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (to_child >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      ssize_t const w = ::write(to_child, input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      if (w < 0 && errno != EINTR && errno != EAGAIN) close_fd(to_child);  // it stopped reading
    }
    if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
      char buffer[4096];
      ssize_t const r = ::read(from_child, buffer, sizeof buffer);
      if (r > 0 && output.size() < kMaxReplyBytes)
        output.append(buffer, static_cast<std::size_t>(r));
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) close_fd(from_child);
    }
  }
  return true;
}

ExecResult run_exec(std::string const& command, std::string const& input) {
  int in_pipe[2] = {-1, -1};
  int out_pipe[2] = {-1, -1};
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return {};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return {};
  }
  auto env = child_environment();
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string shell = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {shell.data(), dash_c.data(), cmd.data(), nullptr};

  pid_t const pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::signal(SIGPIPE, SIG_DFL);
    ::execve("/bin/sh", argv, envp.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  int to_child = in_pipe[1];
  int from_child = out_pipe[0];
  ExecResult result;
  if (pid < 0) {
    close_fd(to_child);
    close_fd(from_child);
    return result;
  }
  // A bot that exits without reading stdin must not kill the watcher with SIGPIPE.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  bool const finished = pump(to_child, from_child, input, result.out);
  ::sigaction(SIGPIPE, &previous, nullptr);
  close_fd(to_child);
  close_fd(from_child);
  if (!finished) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (finished && WIFEXITED(status)) result.status = WEXITSTATUS(status);
  return result;
}

std::string trim_reply(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string dollars(std::int64_t micro) {
  std::ostringstream os;
  os << '$' << std::fixed << std::setprecision(3) << static_cast<double>(micro) / 1e6;
  return os.str();
}

// Counters for the status line.
struct Status {
  int polls = 0, handed = 0, replies = 0;
  getxapi::Client const* client = nullptr;  // for the spend so far
  std::string where;                        // the state, without a URL's password
  std::chrono::steady_clock::time_point last_line = std::chrono::steady_clock::now();
};

void print_message(Context& ctx, in::InboundMessage const& m) {
  if (ctx.global.json) {
    print_json_line(ctx.out, m.to_json());
  } else {
    std::string who = m.sender.screen_name.empty() ? m.sender.id : "@" + m.sender.screen_name;
    ctx.out << short_time(m.message.created_at) << "  " << cell(who) << "  "
            << cell(m.conversation_id) << (m.is_edit ? "  (edited)" : "") << "  "
            << cell(m.message.text) << "\n";
  }
  ctx.out.flush();
}

in::Handler make_handler(Context& ctx, WatchArgs const& a, Status& status) {
  return [&ctx, &a, &status](in::InboundMessage const& m) {
    ++status.handed;
    if (a.exec.empty()) {
      print_message(ctx, m);
      // Printed and flushed is handled; a closed stdout is not.
      return ctx.out.good() ? in::Decision::ack() : in::Decision::retry();
    }
    if (ctx.global.json) print_message(ctx, m);
    auto const result = run_exec(a.exec, m.to_json().dump() + "\n");
    if (result.status != 0) {
      ctx.err << "watch: --exec "
              << (result.status < 0 ? "did not finish" : "exited " + std::to_string(result.status))
              << " on message " << m.message.id << "; it is handed over again on the next poll\n";
      return in::Decision::retry();
    }
    auto reply = trim_reply(result.out);
    return reply.empty() ? in::Decision::ack() : in::Decision::answer(std::move(reply));
  };
}

void on_event(Context& ctx, Status& status, in::WatchEvent const& e, in::Watcher const* watcher) {
  using Kind = in::WatchEvent::Kind;
  switch (e.kind) {
    case Kind::kBaseline:
      ctx.err << "watch: new state " << status.where
              << ": what is in the inbox now counts as seen (use --since to backfill)\n";
      return;
    case Kind::kHandoff:
      ctx.err << "watch: a person answered in " << cell(e.conversation_id)
              << " from the account; auto-replies paused there\n";
      return;
    case Kind::kReplyAmbiguous:
      ctx.err << "watch: the reply in " << cell(e.conversation_id)
              << " may have been sent; it is settled from the thread before any resend\n";
      return;
    case Kind::kReplyFailed:
      ctx.err << "watch: the reply in " << cell(e.conversation_id)
              << " was refused: " << ctx.scrub(e.detail) << "\n";
      return;
    case Kind::kBudgetExhausted:
      ctx.err << "watch: today's budget is spent; waiting for the next UTC day\n";
      return;
    case Kind::kError:
      ctx.err << "watch: " << ctx.scrub(e.detail) << "; trying again later\n";
      return;
    case Kind::kReplySent:
      ++status.replies;
      return;
    case Kind::kPolled:
    case Kind::kReplySuppressed:
      break;
  }
  ++status.polls;
  auto const next = watcher ? watcher->next_interval() : milliseconds(0);
  std::ostringstream line;
  line << "watching " << status.where << ": " << status.polls << " polls, " << status.handed
       << " handed over, " << status.replies << " replies, "
       << dollars(status.client ? status.client->stats().total().spend_micro_usd : 0)
       << " spent; next poll in " << std::setprecision(3)
       << static_cast<double>(next.count()) / 1000 << "s";
  if (ctx.stderr_is_tty()) {
    ctx.progress(line.str());
  } else if (std::chrono::steady_clock::now() - status.last_line > std::chrono::minutes(1)) {
    ctx.err << "watch: " << line.str() << "\n";
    status.last_line = std::chrono::steady_clock::now();
  }
}

int watch(Context& ctx, WatchArgs const& a) {
  in::WatchOptions o;
  for (auto const& tab : a.tabs) {
    if (!parse_inbox_tab(tab))
      throw UsageError("--tab: expected all, requests or hidden, got '" + tab + "'");
  }
  if (!a.tabs.empty()) o.tabs = a.tabs;
  if (!a.interval.empty()) std::tie(o.min_interval, o.max_interval) = parse_interval(a.interval);
  if (a.budget) {
    if (!(*a.budget > 0) || !std::isfinite(*a.budget))
      throw UsageError("--budget: expected dollars > 0");
    o.budget_usd_per_day = a.budget;
  }
  auto const clock = getxapi::system_clock();
  if (!a.since.empty()) o.since = parse_since(a.since, clock->system_now());
  if (auto settle = ctx.env("GETXAPI_WATCH_SETTLE")) o.settle = parse_seconds(*settle);
  std::string const token = ctx.auth_token();

  getxapi::SignalStop signals;
  auto const stop = signals.predicate();
  getxapi::ClientOptions base;
  base.clock = clock;
  base.sleeper = getxapi::interruptible_sleeper(stop);
  auto client = ctx.make_client(std::move(base));

  auto store = in::open_store(a.state);
  if (!store) return ctx.fail(store.error());
  o.clock = clock;
  o.sleeper = getxapi::interruptible_sleeper(stop);
  o.stop_requested = stop;
  Status status;
  status.client = &client;
  status.where = (*store)->location();
  in::Watcher* self = nullptr;
  o.on_event = [&](in::WatchEvent const& e) { on_event(ctx, status, e, self); };
  in::Watcher watcher(in::client_source(client, token), *store, o);
  self = &watcher;
  auto handler = make_handler(ctx, a, status);

  if (a.once) {
    auto pass = watcher.poll_once(handler);
    ctx.end_progress();
    if (!pass) return ctx.fail(pass.error());
    return kExitOk;
  }
  auto run = watcher.run(handler);
  ctx.end_progress();
  if (!run) return ctx.fail(run.error());
  ctx.err << "interrupted: state saved in " << status.where << "; resume with the same command\n";
  return kExitOk;
}

}  // namespace

void register_watch(CLI::App& dm, Context& ctx) {
  auto a = std::make_shared<WatchArgs>();
  auto* cmd = dm.add_subcommand(
      "watch", "Hand over every new inbound message once, oldest first; optionally answer it");
  cmd->add_option("--state", a->state,
                  "The watcher's state: a SQLite file, or a postgresql:// URL; created if missing")
      ->type_name("FILE")
      ->required();
  cmd->add_option("--tab", a->tabs, "Inbox tab to watch (repeatable; default: all and requests)")
      ->type_name("TAB");
  cmd->add_option("--interval", a->interval,
                  "Seconds between polls: MIN-MAX adapts (fast while a conversation is active), "
                  "one value fixes it (default 5-300)")
      ->type_name("MIN[-MAX]");
  cmd->add_option("--budget", a->budget, "Never spend more than this many US dollars a UTC day")
      ->type_name("USD_PER_DAY");
  cmd->add_option("--exec", a->exec,
                  "Run COMMAND (via /bin/sh -c) per message with its JSON on stdin: exit 0 "
                  "acknowledges, a non-empty stdout is sent as the reply, exactly once")
      ->type_name("COMMAND");
  cmd->add_flag("--once", a->once, "One pass, then exit (for cron and tests)");
  cmd->add_option("--since", a->since,
                  "On a new state, hand over messages since TIME (ISO 8601 UTC, or +2h meaning "
                  "two hours ago) instead of starting from now")
      ->type_name("TIME");
  cmd->footer(
      "Each message prints one line (one JSON object under --json: GetXAPI's field names plus\n"
      "conversation_id, tab, edited and sender {id, screen_name, name}). A message is handed\n"
      "over again until it is acknowledged, also after a crash; a reply is journaled before it\n"
      "is sent and checked against the thread after a crash, so it is never sent twice.\n"
      "Messages the account sends are not handed over; one not sent by the watcher (a person\n"
      "answering) pauses auto-replies in that conversation for 30 minutes.\n"
      "--exec programs get the user's environment minus GETXAPI_API_KEY/GETXAPI_AUTH_TOKEN and\n"
      "are killed after 120 s. GETXAPI_WATCH_SETTLE (seconds, default 120) is how long a reply\n"
      "that may have gone out waits for the thread before it is sent again.\n"
      "Example: getxapi dm watch --state bot.db --exec ./examples/bots/echo_bot.sh");
  cmd->callback([&ctx, a] { ctx.run([&ctx, a] { return watch(ctx, *a); }); });
}

}  // namespace getxapi::cli
