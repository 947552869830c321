// The DM workflow of GetXAPI's guide, end to end, against an embedded
// getxapi-sandbox (free, no API key) or, with --live, the read-only part
// against the real API.
#include <getxapi/getxapi.hpp>

#include "sandbox.hpp"

#ifdef GETXAPI_DEMO_HAS_OUTREACH
#include <getxapi/outreach.hpp>
#endif
#ifdef GETXAPI_DEMO_HAS_OUTBOX
#include <getxapi/outbox.hpp>
#endif
#ifdef GETXAPI_DEMO_HAS_INBOX
#include <getxapi/inbox.hpp>
#endif

#include <unistd.h>

#include <filesystem>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

namespace {

using getxapi::Client;
using getxapi::ClientOptions;
using getxapi::Endpoint;

// At most `n` code points of UTF-8 `text`, never splitting a character.
std::string clip(std::string const& text, std::size_t n) {
  std::size_t i = 0, points = 0;
  while (i < text.size() && points < n) {
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
    ++points;
  }
  return i < text.size() ? text.substr(0, i) + "..." : text;
}

void step(int n, std::string const& title) { std::cout << "\n[" << n << "] " << title << "\n"; }

void fail(getxapi::Error const& error) {
  std::cout << "    error: " << error << "\n";
  std::exit(1);
}

void summary(Client const& client) {
  auto const stats = client.stats();
  std::cout << "\nSummary\n";
  std::cout << "    " << std::left << std::setw(14) << "endpoint" << std::right << std::setw(9)
            << "requests" << std::setw(8) << "billed" << std::setw(10) << "cost"
            << "\n";
  for (auto endpoint : getxapi::kAllEndpoints) {
    auto const& e = stats.at(endpoint);
    if (e.requests == 0) continue;
    std::ostringstream cost;
    cost << "$" << std::fixed << std::setprecision(3) << e.spend_micro_usd / 1e6;
    std::cout << "    " << std::left << std::setw(14) << getxapi::to_string(endpoint) << std::right
              << std::setw(9) << e.requests << std::setw(8) << e.billed_calls << std::setw(10)
              << cost.str() << "\n";
  }
  auto const total = stats.total();
  std::cout << "    " << total.billed_calls << " billed calls would have cost $" << std::fixed
            << std::setprecision(3) << stats.spend_usd() << " on GetXAPI (sandbox: $0.00)\n";
}

int live() {
  char const* key = std::getenv("GETXAPI_API_KEY");
  char const* token = std::getenv("GETXAPI_AUTH_TOKEN");
  if (!key || !*key || !token || !*token) {
    std::cout << "scripts/demo --live needs GETXAPI_API_KEY and GETXAPI_AUTH_TOKEN in the\n"
                 "environment (the auth_token is your X session cookie, or the output of\n"
                 "`getxapi login`). Nothing was sent.\n";
    return 2;
  }
  ClientOptions options;
  options.api_key = key;
  if (char const* base = std::getenv("GETXAPI_BASE_URL")) options.base_url = base;
  options.spend_limit_usd = 0.01;  // read-only demo: a few calls at most
  Client client(options);
  std::cout << "Live, read-only, against " << options.base_url << "\n";

  char const* who = std::getenv("GETXAPI_DEMO_USER");
  step(1, std::string("user/info @") + (who ? who : "getxapi"));
  auto user = client.user_info(who ? who : "getxapi");
  if (!user) fail(user.error());
  std::cout << "    " << user->name << " (@" << user->user_name << "), " << user->followers_count
            << " followers, canDm=" << std::boolalpha << user->can_dm << "\n";

  step(2, "dm/list: first page of your inbox");
  getxapi::ListDmsRequest list{token, "", 10};
  auto page = client.list_dms(list);
  if (!page) fail(page.error());
  for (auto const& m : page->items) {
    std::cout << "    " << m.sender_id << " -> " << m.recipient_id << ": " << clip(m.text, 60)
              << "\n";
  }
  std::cout << "    " << page->items.size() << " messages"
            << (page->has_more ? " (more available)" : "") << "\n";
  summary(client);
  return 0;
}

#ifdef GETXAPI_DEMO_HAS_OUTREACH
// Outreach: a durable campaign. Two runs of three sends each; the second
// resumes where the first stopped and messages nobody twice.
void campaign_demo(std::string const& base_url, std::string const& token) {
  namespace out = getxapi::outreach;
  step(7, "Outreach: a durable campaign, run twice (getxapi::outreach)");
  auto const path = std::filesystem::temp_directory_path() /
                    ("getxapi-demo-campaign-" + std::to_string(::getpid()) + ".db");
  auto journal = out::Journal::open(path.string());
  if (!journal) fail(journal.error());
  out::CampaignSpec spec{"welcome", out::Audience::followers_of("ada_example"),
                         "Hi {name}, welcome aboard! (a getxapi demo campaign)"};
  ClientOptions options;
  options.api_key = "demo-key";
  options.base_url = base_url;
  out::RunOptions run;
  run.auth_token = token;
  run.pacing.delay_min = std::chrono::milliseconds(10);
  run.pacing.delay_max = std::chrono::milliseconds(30);
  run.limit = 3;
  for (int pass = 1; pass <= 2; ++pass) {
    auto report = out::run_campaign(options, *journal, spec, run);
    if (!report) fail(report.error());
    std::cout << "    run " << pass << ": " << out::to_string(report->outcome) << ", sent "
              << report->sent << ", skipped " << report->skipped
              << " (canDm false); journal: " << report->counts.sent << " sent, "
              << report->counts.pending << " pending of " << report->counts.total() << "\n";
  }
  std::error_code ignored;
  for (auto const* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path.string() + suffix, ignored);
  }
}
#endif

#ifdef GETXAPI_DEMO_HAS_OUTBOX
// Notifications: queued with idempotency keys, delivered once over a pool of two
// accounts; one has a daily cap of 3, so the rest moves to the other.
void notification_demo(std::string const& base_url) {
  namespace ob = getxapi::outbox;
  step(8, "Notifications: an outbox delivered over two accounts (getxapi::outbox)");
  auto const path = std::filesystem::temp_directory_path() /
                    ("getxapi-demo-outbox-" + std::to_string(::getpid()) + ".db");
  auto outbox = ob::Outbox::open(path.string());
  if (!outbox) fail(outbox.error());
  for (int i = 1; i <= 6; ++i) {
    ob::NewEntry n;
    n.recipient = getxapi::Recipient::by_username("grace_h");
    n.text = "Alert " + std::to_string(i) + ": build " + std::to_string(100 + i) + " passed";
    n.key = "build-" + std::to_string(100 + i);
    auto first = outbox->enqueue(n);
    auto again = outbox->enqueue(n);  // the event fired twice: still one DM
    if (!first || !again) fail(first ? again.error() : first.error());
  }
  ClientOptions options;
  options.api_key = "demo-key";
  options.base_url = base_url;
  Client client(options);
  ob::WorkerOptions worker;
  worker.accounts = {{"ada", "sandbox-token-ada", 3, false},
                     {"premium", "sandbox-token-premium", 1500, true}};
  worker.delay_min = std::chrono::milliseconds(20);
  worker.delay_max = std::chrono::milliseconds(50);
  worker.once = true;
  worker.on_event = [](ob::WorkerEvent const& e) {
    if (e.kind == ob::WorkerEvent::Kind::kSent) {
      std::cout << "    entry " << e.entry_id << " sent from " << e.account << "\n";
    }
  };
  auto report = ob::work(client, *outbox, worker);
  if (!report) fail(report.error());
  auto status = outbox->status();
  if (!status) fail(status.error());
  std::cout << "    12 enqueues (6 keys twice), " << report->sent << " DMs, "
            << report->stats.total().billed_calls << " billed calls\n";
  for (auto const& a : status->accounts) {
    std::cout << "    account " << a.name << ": " << a.sent_today << " / " << a.daily_cap
              << " today, " << ob::to_string(a.health) << "\n";
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}
#endif

#ifdef GETXAPI_DEMO_HAS_INBOX
// Support bot: a watcher hands a new DM over once and answers it exactly once; a second
// pass (or a restart) hands over nothing and sends nothing.
void support_bot_section(getxapi::sandbox::Sandbox& sandbox, Client& client,
                         std::string const& token) {
  namespace inbox = getxapi::inbox;
  step(9, "A support bot answers a new DM exactly once (getxapi::inbox::Watcher)");
  auto const state = std::filesystem::temp_directory_path() /
                     ("getxapi-demo-bot-" + std::to_string(::getpid()) + ".db");
  auto store = inbox::open_store(state.string());
  if (!store) fail(store.error());
  int answered = 0;
  auto handler = [&](inbox::InboundMessage const& m) {
    std::cout << "    <- @" << m.sender.screen_name << " (" << m.tab
              << " tab): " << clip(m.message.text, 50) << "\n";
    ++answered;
    return inbox::Decision::answer("Hi " + (m.sender.name.empty() ? "there" : m.sender.name) +
                                   ", thanks for writing! We ship worldwide.");
  };
  {
    inbox::Watcher watcher(inbox::client_source(client, token), *store, {});
    auto first = watcher.poll_once(handler);  // a new state: the inbox so far counts as seen
    if (!first) fail(first.error());
    sandbox.inbound(R"({"from": "lonely_user", "to": "ada_example",
                        "text": "Hi! Do you ship to Canada?"})");
    auto pass = watcher.poll_once(handler);
    if (!pass) fail(pass.error());
    std::cout << "    -> answered once (" << pass->list_calls << " dm/list, " << pass->send_calls
              << " dm/send)\n";
  }
  inbox::Watcher restarted(inbox::client_source(client, token), *store, {});
  auto again = restarted.poll_once(handler);
  if (!again) fail(again.error());
  std::cout << "    a restarted bot hands over " << again->delivered << " and sends "
            << again->send_calls << ": " << answered << " reply in total\n";
  store->reset();
  std::error_code ignored;
  for (auto const* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(state.string() + suffix, ignored);
  }
}
#endif

int sandbox_demo() {
  getxapi::sandbox::Sandbox sandbox;
  sandbox.start();
  std::cout << "getxapi demo: the DM workflow against a local sandbox at " << sandbox.base_url()
            << "\n(no API key, no cost; the same calls work against https://api.getxapi.com)\n";

  ClientOptions options;
  options.api_key = "demo-key";
  options.base_url = sandbox.base_url();
  // The guide's 2-5 s between sends, shortened for the demo.
  options.pacing.set_send_delay(std::chrono::milliseconds(20), std::chrono::milliseconds(50));
  options.pacing.set_daily_send_cap(getxapi::AccountTier::kEstablished);
  Client client(options);

  step(1, "Log in (POST /twitter/user_login)");
  auto login = client.login({"ada_example", "sandbox-password", "ada@example.org", ""});
  if (!login) fail(login.error());
  std::string const token = login->auth_token;
  std::cout << "    got an auth_token (" << token.size() << " characters, not shown), twid "
            << login->twid << "\n";

  step(2, "Look up the account (GET /twitter/user/info)");
  auto me = client.user_info("@ada_example");
  if (!me) fail(me.error());
  std::cout << "    " << me->name << " (@" << me->user_name << "), " << me->followers_count
            << " followers\n";

  step(3, "Walk its followers; canDm comes with each page (GET /twitter/user/followers_v2)");
  std::vector<getxapi::User> open;
  int closed = 0;
  auto followers = client.all_followers(me->user_name);
  for (auto const& user : followers) {
    if (!user) fail(user.error());
    if (user->can_dm) {
      open.push_back(*user);
    } else {
      ++closed;
    }
  }
  std::cout << "    " << open.size() + static_cast<std::size_t>(closed) << " followers in "
            << followers.pages_fetched() << " pages: " << open.size() << " accept DMs, " << closed
            << " do not (skipped, no call wasted)\n";

  constexpr std::size_t kToSend = 5;
  step(4, "Send a DM to the first " + std::to_string(kToSend) +
              " who accept them, paced (POST /twitter/dm/send)");
  std::set<std::string> contacted;
  for (std::size_t i = 0; i < open.size() && i < kToSend; ++i) {
    auto const& user = open[i];
    std::string const name = user.name.empty() ? user.user_name : user.name;
    auto sent =
        client.send_dm({token, getxapi::Recipient::by_id(user.id),
                        "Hi " + name + ", thanks for following! (sent by the getxapi demo)"});
    if (!sent) fail(sent.error());
    contacted.insert(user.id);
    std::cout << "    -> @" << user.user_name << "  message " << sent->id << "\n";
  }

  step(5, "Read the inbox (POST /twitter/dm/list)");
  getxapi::RangeOptions newest;
  newest.limit = 20;
  int shown = 0;
  for (auto const& message : client.all_dms(token, newest)) {
    if (!message) fail(message.error());
    if (shown++ < 8) {
      std::string const text = clip(message->text, 50);
      std::cout << "    "
                << (message->created_at ? getxapi::format_timestamp(*message->created_at) : "")
                << "  " << (message->sender_id == me->id ? "you" : message->sender_id) << ": "
                << text << "\n";
    }
  }

  std::cout << "    conversations in the requests tab (people who wrote first), with handles\n"
               "    from the page's users lookup, no extra call:\n";
  for (auto const& conversation : client.all_conversations(token, getxapi::InboxTab::kRequests)) {
    if (!conversation) fail(conversation.error());
    std::string who;
    for (auto const& person : conversation->others(me->id)) who += " @" + person.screen_name;
    std::cout << "    " << (conversation->unread ? "* " : "  ") << conversation->id << who << ": "
              << (conversation->last_message ? clip(conversation->last_message->text, 40) : "")
              << "\n";
  }

  step(6, "What a wrong call looks like (typed errors, nothing wasted)");
  auto closed_dm = client.send_dm({token, getxapi::Recipient::by_username("closed_dms"), "Hi!"});
  std::cout << "    DM to @closed_dms: " << getxapi::to_string(closed_dm.error().code())
            << " (http " << closed_dm.error().http_status() << ", twitter code "
            << closed_dm.error().twitter_error_code().value_or(0) << ")\n";
  auto empty = client.send_dm({token, getxapi::Recipient::by_username("grace_h"), "   "});
  std::cout << "    blank text: " << getxapi::to_string(empty.error().code()) << ", "
            << empty.error().attempts() << " requests sent\n";

#ifdef GETXAPI_DEMO_HAS_OUTREACH
  campaign_demo(sandbox.base_url(), token);
#endif
#ifdef GETXAPI_DEMO_HAS_OUTBOX
  notification_demo(sandbox.base_url());
#endif

#ifdef GETXAPI_DEMO_HAS_INBOX
  support_bot_section(sandbox, client, token);
#endif
  summary(client);
  sandbox.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--live") == 0) return live();
    if (std::strcmp(argv[i], "--help") == 0) {
      std::cout << "usage: getxapi-demo [--live]\n";
      return 0;
    }
  }
  try {
    return sandbox_demo();
  } catch (std::exception const& e) {
    std::cerr << "demo failed: " << e.what() << "\n";
    return 1;
  }
}
