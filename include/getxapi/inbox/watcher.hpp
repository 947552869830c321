/// @file
/// `Watcher`: every new inbound message handed over, none missed, replies sent once.
#pragma once

#include <getxapi/clock.hpp>
#include <getxapi/inbox/export.hpp>
#include <getxapi/inbox/message.hpp>
#include <getxapi/inbox/source.hpp>
#include <getxapi/inbox/store.hpp>
#include <getxapi/result.hpp>
#include <getxapi/timestamp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace getxapi::inbox {

/// Prices the budget checks before each call (micro-dollars; GetXAPI's).
struct CallPrices {
  std::int64_t list = 2'000;    ///< dm/list
  std::int64_t thread = 1'000;  ///< dm/conversation
  std::int64_t send = 2'000;    ///< dm/send
};

/// Something worth a status line.
struct WatchEvent {
  enum class Kind {
    kBaseline,  ///< A new state: what is in the inbox now counts as seen.
    kPolled,    ///< One pass done.
    kHandoff,   ///< A person answered from the account: auto-replies paused.
    kReplySent,
    kReplyAmbiguous,  ///< The send may have gone out; settled from the thread later.
    kReplyFailed,
    kReplySuppressed,
    kBudgetExhausted,  ///< No call fits in today's budget: waiting for the next UTC day.
    kError,            ///< A poll failed; retried after a pause.
  };
  Kind kind = Kind::kPolled;
  std::string conversation_id;
  std::string detail;
};

/// How a watcher watches. Defaults: tabs all + requests, 5 s while a
/// conversation is active, backing off to 300 s when idle, no budget.
struct WatchOptions {
  std::vector<std::string> tabs = {"all", "requests"};
  std::chrono::milliseconds min_interval = std::chrono::seconds(5);
  std::chrono::milliseconds max_interval = std::chrono::seconds(300);
  /// Polling stays at `min_interval` this long after the last inbound message.
  std::chrono::milliseconds active_window = std::chrono::seconds(120);
  /// Daily budget in US dollars (UTC days, every billed call counted, across
  /// restarts); never passed. nullopt: no budget.
  std::optional<double> budget_usd_per_day;
  CallPrices prices;
  /// A new state normally starts from now; `since` asks for a backfill of
  /// inbound messages created at or after it. Ignored on an existing state.
  std::optional<Timestamp> since;
  /// How long auto-replies stay paused in a conversation after a person
  /// answered there from the account; zero: never pause.
  std::chrono::milliseconds handoff = std::chrono::minutes(30);
  /// A reply whose send may have gone out stays ambiguous this long unless the
  /// thread shows it; then, still not shown, it is sent again.
  std::chrono::milliseconds settle = std::chrono::seconds(120);
  /// How far before a reply's `sending` mark its echo may be dated (clock skew).
  std::chrono::milliseconds skew = std::chrono::seconds(120);
  /// Time and waiting. Null: the real clock and `thread_sleeper()`.
  std::shared_ptr<Clock> clock;
  std::shared_ptr<Sleeper> sleeper;
  /// Checked between steps; true ends `run` after the step in flight.
  std::function<bool()> stop_requested;
  /// Status events (called on the watcher's thread).
  std::function<void(WatchEvent const&)> on_event;
};

/// What one pass did.
struct PollReport {
  bool baseline = false;
  int list_calls = 0;
  int thread_calls = 0;
  int send_calls = 0;
  int new_messages = 0;  ///< New inbound deliveries found.
  int edits = 0;
  int delivered = 0;  ///< Handed to the handler this pass.
  int acknowledged = 0;
  int replies_sent = 0;
  int handoffs = 0;
  bool budget_exhausted = false;
  std::int64_t spend_micro_usd = 0;  ///< Billed this pass.
  std::chrono::milliseconds next_interval{0};
};

/// What `run` did until it stopped.
struct RunReport {
  int polls = 0;
  int delivered = 0;
  int replies_sent = 0;
  std::int64_t spend_micro_usd = 0;
  bool interrupted = false;
};

using Handler = std::function<Decision(InboundMessage const&)>;

/// Watches one account's inbox. Not thread-safe: one thread drives it.
///
/// @code
/// auto store = getxapi::inbox::open_store("bot.db");
/// getxapi::inbox::Watcher watcher(getxapi::inbox::client_source(client, token), *store, {});
/// watcher.run([](auto const& m) { return getxapi::inbox::Decision::answer("Thanks!"); });
/// @endcode
class GETXAPI_INBOX_EXPORT Watcher {
 public:
  Watcher(std::shared_ptr<InboxSource> source, std::shared_ptr<Store> store,
          WatchOptions options = {});
  ~Watcher();
  Watcher(Watcher&&) noexcept;
  Watcher& operator=(Watcher&&) noexcept;

  /// One pass: walk the tabs back to what was seen, hand over what is new
  /// (and what is still unacknowledged), send and settle replies. Fails with
  /// kBusy when another watcher holds the store, kStoreError, or the
  /// source's error (nothing half-committed). A pass the budget cannot pay for
  /// returns a report with `budget_exhausted`.
  Result<PollReport> poll_once(Handler const& handler);
  /// Polls until `stop_requested`, pausing `next_interval()` between passes.
  /// Transient errors (network, 5xx, 429) pause and retry; others end the run.
  Result<RunReport> run(Handler const& handler);

  /// The pause before the next pass: adaptive between the intervals, and
  /// never shorter than today's remaining budget allows.
  std::chrono::milliseconds next_interval() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace getxapi::inbox
