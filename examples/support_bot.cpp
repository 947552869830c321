// A support bot: answers each new DM once, routed by keywords; stays quiet
// where a person from the team has answered (human handoff).
//   GETXAPI_API_KEY=... GETXAPI_AUTH_TOKEN=... ./support_bot STATE_FILE [--once] [--since TIME]
// Stop it with Ctrl-C: the state file keeps what was seen and answered, so the
// next start neither misses a message nor answers one twice.
#include <getxapi/getxapi.hpp>
#include <getxapi/inbox.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <string>

namespace inbox = getxapi::inbox;

namespace {

bool mentions(std::string text, char const* word) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text.find(word) != std::string::npos;
}

// Keyword routing: the first rule that matches answers.
inbox::Decision route(inbox::InboundMessage const& m) {
  std::string const name = m.sender.name.empty() ? "there" : m.sender.name;
  std::string const& text = m.message.text;
  if (m.is_edit) return inbox::Decision::ack();  // seen already; never answered twice
  if (mentions(text, "human") || mentions(text, "agent")) {
    std::cout << "needs a person: @" << m.sender.screen_name << " in " << m.conversation_id << "\n";
    return inbox::Decision::ack();  // no reply: someone from the team takes it
  }
  if (mentions(text, "price") || mentions(text, "cost")) {
    return inbox::Decision::answer("Hi " + name +
                                   ", plans start at $9/month: https://example.com/pricing");
  }
  if (mentions(text, "refund")) {
    return inbox::Decision::answer("Sorry to hear that, " + name +
                                   ". Reply with your order number and we will refund it.");
  }
  return inbox::Decision::answer("Thanks " + name +
                                 ", we got your message and will answer within a day.");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: support_bot STATE_FILE [--once] [--since TIME]\n";
    return 2;
  }
  char const* key = std::getenv("GETXAPI_API_KEY");
  char const* token = std::getenv("GETXAPI_AUTH_TOKEN");
  char const* base_url = std::getenv("GETXAPI_BASE_URL");
  bool once = false;
  inbox::WatchOptions watch;  // all + requests, 5-300 s, 30 min handoff
  for (int i = 2; i < argc; ++i) {
    std::string const arg = argv[i];
    if (arg == "--once") once = true;
    if (arg == "--since" && i + 1 < argc) watch.since = getxapi::parse_timestamp(argv[++i]);
  }

  getxapi::SignalStop signals;  // Ctrl-C / SIGTERM: finish the message in hand, then stop
  getxapi::ClientOptions options;
  options.api_key = key ? key : "";
  if (base_url) options.base_url = base_url;
  options.sleeper = getxapi::interruptible_sleeper(signals.predicate());
  getxapi::Client client(options);

  auto state = inbox::open_store(argv[1]);
  if (!state) {
    std::cerr << "error: " << state.error() << "\n";
    return 1;
  }
  watch.stop_requested = signals.predicate();
  watch.sleeper = getxapi::interruptible_sleeper(signals.predicate());
  inbox::Watcher watcher(inbox::client_source(client, token ? token : ""), *state, watch);

  int answered = 0, handed_over = 0;
  auto handler = [&](inbox::InboundMessage const& m) {
    ++handed_over;
    auto decision = route(m);
    if (m.auto_reply_paused) {
      std::cout << "a person is on " << m.conversation_id << "; not answering\n";
      return inbox::Decision::ack();
    }
    if (!decision.reply.empty()) ++answered;
    return decision;
  };
  if (once) {
    if (auto pass = watcher.poll_once(handler); !pass) {
      std::cerr << "error: " << pass.error() << "\n";
      return 1;
    }
  } else if (auto run = watcher.run(handler); !run) {
    std::cerr << "error: " << run.error() << "\n";
    return 1;
  }
  std::cout << handed_over << " messages handed over, " << answered << " answered, "
            << client.stats().total().billed_calls << " billed calls\n";
  return 0;
}
