#include <getxapi/inbox/watcher.hpp>

#include <getxapi/clock.hpp>

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <utility>

namespace getxapi::inbox {
namespace {

using std::chrono::milliseconds;

std::int64_t to_ms(Timestamp t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::int64_t created_ms(Message const& m) { return m.created_at ? to_ms(*m.created_at) : 0; }

// Failures no later pass would fare better with: the run ends. What stops
// any run (Error::stops_run), but the budget: it refills, so a pass ends on it
// and the next day's passes go on; and a refused argument, which every pass
// would repeat.
bool fatal(Error const& e) {
  if (e.code() == ErrorCode::kBudgetExceeded) return false;
  return e.stops_run() || e.code() == ErrorCode::kInvalidArgument;
}

Error budget_error() {
  return Error(ErrorCode::kBudgetExceeded, "today's watch budget cannot pay for the next call");
}

// Everything one walk of a tab (and the threads it had to read) has seen.
struct Walk {
  std::string tab;
  std::string owner_id;
  std::vector<ThreadSummary> conversations;
  std::set<std::string> conversation_ids;
  std::vector<SourceMessage> messages;
  std::set<std::string> message_ids;
  std::map<std::string, Sender> users;
  std::map<std::string, SeenMessage> known;
};

// What the journal says about replies, loaded once per pass to tell echoes of
// the watcher's replies from a person answering.
struct ReplyBook {
  std::vector<ReplyRecord> open;
  std::vector<ReplyRecord> sent;
  std::set<std::int64_t> claimed;
};

}  // namespace

class Watcher::Impl {
 public:
  Impl(std::shared_ptr<InboxSource> source, std::shared_ptr<Store> store, WatchOptions options)
      : source_(std::move(source)), store_(std::move(store)), o_(std::move(options)) {
    clock_ = o_.clock ? o_.clock : system_clock();
    sleeper_ = o_.sleeper ? o_.sleeper : thread_sleeper();
    if (o_.tabs.empty()) o_.tabs = {"all", "requests"};
    if (o_.min_interval <= milliseconds(0)) o_.min_interval = milliseconds(1);
    if (o_.max_interval < o_.min_interval) o_.max_interval = o_.min_interval;
    interval_ = o_.min_interval;
  }

  Result<PollReport> poll(Handler const& handler);
  Result<RunReport> run(Handler const& handler);
  milliseconds next_interval() const { return with_budget(interval_); }

 private:
  std::int64_t now_ms() const { return to_ms(clock_->system_now()); }
  bool stop() const { return o_.stop_requested && o_.stop_requested(); }
  void emit(WatchEvent::Kind kind, std::string conversation = {}, std::string detail = {}) const {
    if (o_.on_event) o_.on_event(WatchEvent{kind, std::move(conversation), std::move(detail)});
  }

  // --- cost ---------------------------------------------------------------
  bool afford(std::int64_t price) const {
    if (!o_.budget_usd_per_day) return true;
    auto const budget = static_cast<std::int64_t>(*o_.budget_usd_per_day * 1e6 + 0.5);
    return store_->spend(utc_day(clock_->system_now())) + price <= budget;
  }
  template <class F>
  auto billed(std::int64_t price, F&& call) -> decltype(call()) {
    if (!afford(price)) return budget_error();
    auto const before = source_->spent_micro_usd();
    auto result = call();
    auto const spent = source_->spent_micro_usd() - before;
    if (spent > 0) {
      store_->add_spend(utc_day(clock_->system_now()), spent, 1);
      report_.spend_micro_usd += spent;
    }
    return result;
  }
  milliseconds with_budget(milliseconds interval) const;
  void adapt_interval();

  // --- reading ------------------------------------------------------------
  std::optional<Error> baseline();
  std::optional<Error> walk_tab(std::string const& tab);
  std::optional<Error> walk_thread(std::string const& conversation_id, Walk& walk);
  std::optional<Error> absorb(SourcePage page, Walk& walk, std::string const& conversation_id);
  bool reaches_seen(SourcePage const& page, Walk const& walk) const;
  bool unchanged(ThreadSummary const& c) const;
  bool lists_unchanged(SourcePage const& page) const {
    return std::any_of(page.conversations.begin(), page.conversations.end(),
                       [&](ThreadSummary const& c) { return unchanged(c); });
  }
  bool below_floor(Message const& m) const {
    auto const t = created_ms(m);
    return t > 0 && t < info_.floor_ms;
  }
  void classify(SourceMessage const& m, Walk& walk, WalkCommit& commit);
  void own_message(SourceMessage const& m, WalkCommit& commit);
  InboundMessage inbound(SourceMessage const& m, Walk const& walk, bool edit) const;

  // --- handing over and answering ----------------------------------------
  std::optional<Error> deliver(Handler const& handler);
  Decision call(Handler const& handler, InboundMessage const& m) const;
  // True when the delivery is done (acknowledged); false when it waits.
  Result<bool> advance_reply(ReplyRecord reply);
  Result<bool> send_reply(ReplyRecord const& reply);
  Result<bool> settle_reply(ReplyRecord const& reply);

  std::shared_ptr<InboxSource> source_;
  std::shared_ptr<Store> store_;
  WatchOptions o_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<Sleeper> sleeper_;
  milliseconds interval_;
  std::int64_t last_inbound_ms_ = -1;
  StoreInfo info_;
  ReplyBook book_;
  PollReport report_;
};

// ---------------------------------------------------------------------------
// A pass

Result<PollReport> Watcher::Impl::poll(Handler const& handler) {
  report_ = PollReport{};
  try {
    if (!store_->try_lock()) {
      return Error(ErrorCode::kBusy, "watcher state " + store_->location() +
                                         " is in use by another watcher (for a file: or its .lock "
                                         "file cannot be created)");
    }
    info_ = store_->info();
    if (!info_.initialized && !o_.since) {
      if (auto e = baseline()) return *e;
      adapt_interval();
      emit(WatchEvent::Kind::kBaseline);
      return report_;
    }
    if (!info_.initialized) {
      info_ = StoreInfo{true, to_ms(*o_.since), {}};
      WalkCommit init;
      init.initialize = info_;
      store_->commit(init);
    }
    auto const now = now_ms();
    book_ = ReplyBook{store_->open_replies(),
                      store_->sent_replies_since(now - (o_.settle + o_.skew).count() * 10),
                      {}};
    for (auto const& tab : o_.tabs) {
      if (stop()) break;
      if (auto e = walk_tab(tab)) {
        if (e->code() != ErrorCode::kBudgetExceeded) return *e;
        report_.budget_exhausted = true;
        emit(WatchEvent::Kind::kBudgetExhausted, {}, e->message());
        break;
      }
    }
    if (auto e = deliver(handler)) return *e;
  } catch (StoreError const& e) {
    return Error(ErrorCode::kStoreError, e.what());
  }
  adapt_interval();
  report_.next_interval = next_interval();
  emit(WatchEvent::Kind::kPolled);
  return report_;
}

Result<RunReport> Watcher::Impl::run(Handler const& handler) {
  RunReport run;
  int failures = 0;
  while (!stop()) {
    auto pass = poll(handler);
    ++run.polls;
    milliseconds pause = next_interval();
    if (!pass) {
      if (fatal(pass.error())) return std::move(pass).error();
      emit(WatchEvent::Kind::kError, {}, pass.error().message());
      ++failures;
      auto backoff = o_.min_interval * (1LL << std::min(failures, 10));
      pause = with_budget(std::min<milliseconds>(backoff, o_.max_interval));
      if (auto ra = pass.error().retry_after()) pause = std::max<milliseconds>(pause, *ra);
    } else {
      failures = 0;
      run.delivered += pass->delivered;
      run.replies_sent += pass->replies_sent;
      run.spend_micro_usd += pass->spend_micro_usd;
    }
    if (stop()) break;
    sleeper_->sleep_for(pause);
  }
  run.interrupted = true;
  return run;
}

// ---------------------------------------------------------------------------
// Cost

milliseconds Watcher::Impl::with_budget(milliseconds interval) const {
  if (!o_.budget_usd_per_day) return interval;
  try {
    auto const today = clock_->system_now();
    auto const budget = static_cast<std::int64_t>(*o_.budget_usd_per_day * 1e6 + 0.5);
    auto const remaining = budget - store_->spend(utc_day(today));
    auto const per_pass = static_cast<std::int64_t>(o_.tabs.size()) * o_.prices.list;
    auto const left_today = to_ms(next_utc_midnight(today)) - to_ms(today);
    if (remaining < per_pass) return milliseconds(left_today + 1000);  // tomorrow
    // Spread what is left over the rest of the day.
    auto const spread = left_today * per_pass / std::max<std::int64_t>(remaining, 1);
    return std::max(interval, milliseconds(spread));
  } catch (StoreError const&) {
    return interval;
  }
}

void Watcher::Impl::adapt_interval() {
  auto const now = now_ms();
  if (report_.new_messages > 0) last_inbound_ms_ = now;
  bool const active = last_inbound_ms_ >= 0 && now - last_inbound_ms_ < o_.active_window.count();
  interval_ = active ? o_.min_interval : std::min(o_.max_interval, interval_ * 2);
}

// ---------------------------------------------------------------------------
// Reading the inbox

std::optional<Error> Watcher::Impl::absorb(SourcePage page, Walk& walk,
                                           std::string const& conversation_id) {
  if (!page.owner_id.empty()) {
    if (!info_.owner_id.empty() && page.owner_id != info_.owner_id) {
      return Error(ErrorCode::kInvalidArgument, "watcher state " + store_->location() +
                                                    " belongs to account " + info_.owner_id +
                                                    ", not " + page.owner_id);
    }
    walk.owner_id = page.owner_id;
  }
  for (auto& [id, user] : page.users) walk.users.emplace(id, std::move(user));
  for (auto& c : page.conversations) {
    if (walk.conversation_ids.insert(c.conversation_id).second) {
      walk.conversations.push_back(std::move(c));
    }
  }
  std::vector<std::string> ids;
  for (auto& m : page.messages) {
    if (m.conversation_id.empty()) m.conversation_id = conversation_id;
    if (!walk.message_ids.insert(m.message.id).second) continue;
    ids.push_back(m.message.id);
    walk.messages.push_back(std::move(m));
  }
  for (auto& [id, seen] : store_->seen(ids)) walk.known.emplace(id, std::move(seen));
  return std::nullopt;
}

bool Watcher::Impl::reaches_seen(SourcePage const& page, Walk const& walk) const {
  return std::any_of(page.messages.begin(), page.messages.end(), [&](SourceMessage const& m) {
    return walk.known.count(m.message.id) != 0 || below_floor(m.message);
  });
}

bool Watcher::Impl::unchanged(ThreadSummary const& c) const {
  auto rec = store_->conversation(c.conversation_id);
  return rec && rec->sort_ms == c.sort_ms && rec->last_message_id == c.last_message_id &&
         rec->last_edit_count == c.last_edit_count;
}

std::optional<Error> Watcher::Impl::baseline() {
  Walk walk;
  std::int64_t floor = 0;
  for (auto const& tab : o_.tabs) {
    auto page = billed(o_.prices.list, [&] { return source_->list(tab, {}); });
    ++report_.list_calls;
    if (!page) return std::move(page).error();
    for (auto const& c : page->conversations) floor = std::max(floor, c.sort_ms);
    for (auto const& m : page->messages) floor = std::max(floor, created_ms(m.message));
    walk.tab = tab;
    if (auto e = absorb(std::move(*page), walk, {})) return e;
  }
  WalkCommit commit;
  commit.initialize = StoreInfo{true, floor, walk.owner_id};
  for (auto const& m : walk.messages) {
    commit.seen.push_back(SeenMessage{m.message.id, m.conversation_id,
                                      m.message.sender_id == walk.owner_id, m.edit_count,
                                      created_ms(m.message)});
  }
  for (auto const& c : walk.conversations) {
    commit.conversations.push_back(ConversationRecord{c.conversation_id, "", c.sort_ms,
                                                      c.last_message_id, c.last_edit_count, 0});
  }
  store_->commit(commit);
  report_.baseline = true;
  return std::nullopt;
}

std::optional<Error> Watcher::Impl::walk_tab(std::string const& tab) {
  Walk walk;
  walk.tab = tab;
  std::string cursor;
  std::set<std::string> cursors{cursor};
  for (int pages = 0;; ++pages) {
    auto page = billed(o_.prices.list, [&] { return source_->list(tab, cursor); });
    if (!page) return std::move(page).error();
    ++report_.list_calls;
    bool const more = page->has_more && !page->next_cursor.empty();
    std::string next = page->next_cursor;
    SourcePage probe;
    probe.messages = page->messages;
    probe.conversations = page->conversations;
    if (auto e = absorb(std::move(*page), walk, {})) return e;
    // dm/list is newest first: once a page holds something already seen (or
    // older than the state's floor), or a conversation that has not changed,
    // everything older was seen before.
    bool const boundary = reaches_seen(probe, walk) || lists_unchanged(probe);
    if (boundary || !more || pages >= 10'000) break;
    // A cursor already walked (A -> B -> A) would be a billed loop.
    if (!cursors.insert(next).second) {
      return Error(ErrorCode::kInvalidResponse, "dm/list names a cursor it already gave");
    }
    cursor = std::move(next);
  }
  // A conversation listed without its newest message on the pages: read its thread.
  for (auto const& c : walk.conversations) {
    if (c.last_message_id.empty() || walk.message_ids.count(c.last_message_id) != 0) continue;
    if (unchanged(c) || !store_->seen({c.last_message_id}).empty()) continue;
    if (auto e = walk_thread(c.conversation_id, walk)) return e;
  }
  WalkCommit commit;
  if (info_.owner_id.empty() && !walk.owner_id.empty()) {
    info_.owner_id = walk.owner_id;
    commit.initialize = info_;
  }
  for (auto const& m : walk.messages) classify(m, walk, commit);
  for (auto const& c : walk.conversations) {
    commit.conversations.push_back(ConversationRecord{c.conversation_id, tab, c.sort_ms,
                                                      c.last_message_id, c.last_edit_count, 0});
  }
  store_->commit(commit);
  return std::nullopt;
}

std::optional<Error> Watcher::Impl::walk_thread(std::string const& conversation_id, Walk& walk) {
  std::string cursor;
  std::set<std::string> cursors{cursor};
  for (int pages = 0; pages < 10'000; ++pages) {
    auto page = billed(o_.prices.thread, [&] { return source_->thread(conversation_id, cursor); });
    if (!page) return std::move(page).error();
    ++report_.thread_calls;
    page->conversations.clear();  // a thread page speaks for one conversation only
    bool const more = page->has_more && !page->next_cursor.empty();
    std::string next = page->next_cursor;
    SourcePage probe;
    probe.messages = page->messages;
    if (auto e = absorb(std::move(*page), walk, conversation_id)) return e;
    if (reaches_seen(probe, walk) || !more) break;
    if (!cursors.insert(next).second) {
      return Error(ErrorCode::kInvalidResponse, "dm/conversation names a cursor it already gave");
    }
    cursor = std::move(next);
  }
  return std::nullopt;
}

InboundMessage Watcher::Impl::inbound(SourceMessage const& m, Walk const& walk, bool edit) const {
  InboundMessage in;
  in.message = m.message;
  in.conversation_id = m.conversation_id;
  in.tab = walk.tab;
  in.edit_count = m.edit_count;
  in.is_edit = edit;
  auto it = walk.users.find(m.message.sender_id);
  in.sender = it != walk.users.end() ? it->second : Sender{m.message.sender_id, {}, {}};
  if (in.sender.id.empty()) in.sender.id = m.message.sender_id;
  return in;
}

void Watcher::Impl::classify(SourceMessage const& m, Walk& walk, WalkCommit& commit) {
  std::string const owner = walk.owner_id.empty() ? info_.owner_id : walk.owner_id;
  bool const own = !owner.empty() && m.message.sender_id == owner;
  SeenMessage seen{m.message.id, m.conversation_id, own, m.edit_count, created_ms(m.message)};
  auto known = walk.known.find(m.message.id);
  if (known != walk.known.end()) {
    if (m.edit_count <= known->second.edit_count) return;
    known->second.edit_count = m.edit_count;
    commit.seen.push_back(seen);
    if (!own) {
      commit.deliveries.push_back(inbound(m, walk, true));
      ++report_.edits;
    }
    return;
  }
  walk.known.emplace(m.message.id, seen);
  commit.seen.push_back(seen);
  if (below_floor(m.message)) return;
  if (own) return own_message(m, commit);
  commit.deliveries.push_back(inbound(m, walk, false));
  ++report_.new_messages;
}

void Watcher::Impl::own_message(SourceMessage const& m, WalkCommit& commit) {
  auto const t = created_ms(m.message);
  for (auto const& r : book_.sent) {
    if (r.message_id == m.message.id) return;  // the echo of a reply we sent
  }
  for (auto const& r : book_.open) {
    if (r.state != ReplyState::kSending || book_.claimed.count(r.id) != 0) continue;
    if (r.conversation_id != m.conversation_id || r.text != m.message.text) continue;
    if (t != 0 && t < r.sending_at_ms - o_.skew.count()) continue;
    book_.claimed.insert(r.id);
    commit.replies_seen.emplace_back(r.id, m.message.id);  // sent before a crash
    return;
  }
  for (auto const& r : book_.sent) {
    // Ours under another id (the send's answer and the inbox may disagree).
    if (r.conversation_id == m.conversation_id && r.text == m.message.text &&
        (t == 0 || t >= r.sending_at_ms - o_.skew.count())) {
      return;
    }
  }
  if (o_.handoff.count() <= 0) return;
  auto const until = (t != 0 ? t : now_ms()) + o_.handoff.count();
  commit.handoffs.emplace_back(m.conversation_id, until);
  ++report_.handoffs;
  emit(WatchEvent::Kind::kHandoff, m.conversation_id);
}

// ---------------------------------------------------------------------------
// Handing over and answering

Decision Watcher::Impl::call(Handler const& handler, InboundMessage const& m) const {
  try {
    return handler(m);
  } catch (std::exception const&) {
    return Decision::retry();  // a throwing handler did not handle it
  } catch (...) {
    return Decision::retry();
  }
}

std::optional<Error> Watcher::Impl::deliver(Handler const& handler) {
  std::set<std::string> waiting;  // conversations with an earlier message not done
  for (auto& d : store_->pending()) {
    if (stop()) break;
    auto& m = d.message;
    if (waiting.count(m.conversation_id) != 0) continue;
    auto reply = store_->reply_for(m.sequence);
    if (!reply) {
      auto conversation = store_->conversation(m.conversation_id);
      m.auto_reply_paused = conversation && conversation->handoff_until_ms > now_ms();
      ++report_.delivered;
      Decision decision = call(handler, m);
      if (!decision.acknowledge) {
        store_->count_attempt(m.sequence);
        waiting.insert(m.conversation_id);
        continue;
      }
      if (decision.reply.empty() || m.is_edit) {
        store_->acknowledge(m.sequence, now_ms());
        ++report_.acknowledged;
        continue;
      }
      ReplyRecord r;
      r.delivery_seq = m.sequence;
      r.conversation_id = m.conversation_id;
      r.recipient_id = m.message.sender_id;
      r.text = std::move(decision.reply);
      r.state = m.auto_reply_paused ? ReplyState::kSuppressed : ReplyState::kQueued;
      r.done_at_ms = r.state == ReplyState::kSuppressed ? now_ms() : 0;
      store_->add_reply(r);
      if (r.state == ReplyState::kSuppressed) {
        ++report_.acknowledged;
        emit(WatchEvent::Kind::kReplySuppressed, m.conversation_id);
        continue;
      }
      reply = store_->reply_for(m.sequence);
    }
    auto done = advance_reply(*reply);
    if (!done) return std::move(done).error();
    if (*done) {
      ++report_.acknowledged;
    } else {
      waiting.insert(m.conversation_id);
    }
  }
  return std::nullopt;
}

Result<bool> Watcher::Impl::advance_reply(ReplyRecord reply) {
  switch (reply.state) {
    case ReplyState::kQueued:
      return send_reply(reply);
    case ReplyState::kSending:
      return settle_reply(reply);
    case ReplyState::kSent:
    case ReplyState::kFailed:
    case ReplyState::kSuppressed:
      store_->acknowledge(reply.delivery_seq, now_ms());
      return true;
  }
  return false;
}

Result<bool> Watcher::Impl::send_reply(ReplyRecord const& reply) {
  if (!afford(o_.prices.send)) {
    report_.budget_exhausted = true;
    return false;
  }
  store_->mark_sending(reply.id, now_ms());  // journal before send
  auto sent = billed(0, [&] { return source_->send(reply.recipient_id, reply.text); });
  ++report_.send_calls;
  if (sent) {
    store_->mark_sent(reply.id, sent->id, now_ms());
    ++report_.replies_sent;
    emit(WatchEvent::Kind::kReplySent, reply.conversation_id, sent->id);
    return true;
  }
  auto const& e = sent.error();
  if (e.may_have_taken_effect()) {
    emit(WatchEvent::Kind::kReplyAmbiguous, reply.conversation_id, e.message());
    return false;
  }
  if (e.is_recipient_refusal()) {
    store_->mark_failed(reply.id, std::string(to_string(e.code())) + ": " + e.message(), now_ms());
    emit(WatchEvent::Kind::kReplyFailed, reply.conversation_id, e.message());
    return true;
  }
  store_->requeue(reply.id);  // certainly not delivered: sent on a later pass
  if (fatal(e)) return e;
  emit(WatchEvent::Kind::kError, reply.conversation_id, e.message());
  return false;
}

Result<bool> Watcher::Impl::settle_reply(ReplyRecord const& reply) {
  if (now_ms() - reply.sending_at_ms < o_.settle.count()) {
    emit(WatchEvent::Kind::kReplyAmbiguous, reply.conversation_id, "waiting for the thread");
    return false;
  }
  // Settle time passed and no walk saw the echo: ask the thread itself.
  std::set<std::string> taken;
  for (auto const& r : store_->sent_replies_since(reply.sending_at_ms - o_.skew.count())) {
    taken.insert(r.message_id);
  }
  std::string cursor;
  for (int pages = 0; pages < 100; ++pages) {
    auto page =
        billed(o_.prices.thread, [&] { return source_->thread(reply.conversation_id, cursor); });
    if (!page) {
      if (page.error().code() == ErrorCode::kBudgetExceeded) return false;
      return fatal(page.error()) ? Result<bool>(std::move(page).error()) : Result<bool>(false);
    }
    ++report_.thread_calls;
    bool older = false;
    for (auto const& m : page->messages) {
      auto const t = created_ms(m.message);
      if (t != 0 && t < reply.sending_at_ms - o_.skew.count()) {
        older = true;
        continue;
      }
      bool const ours = page->owner_id.empty() || m.message.sender_id == page->owner_id;
      if (ours && m.message.text == reply.text && taken.count(m.message.id) == 0) {
        store_->mark_sent(reply.id, m.message.id, now_ms());
        ++report_.replies_sent;
        emit(WatchEvent::Kind::kReplySent, reply.conversation_id, m.message.id);
        return true;
      }
    }
    if (older || !page->has_more || page->next_cursor.empty() || page->next_cursor == cursor) {
      break;
    }
    cursor = page->next_cursor;
  }
  store_->requeue(reply.id);  // not delivered after all: send it now
  auto queued = reply;
  queued.state = ReplyState::kQueued;
  return send_reply(queued);
}

// ---------------------------------------------------------------------------

Watcher::Watcher(std::shared_ptr<InboxSource> source, std::shared_ptr<Store> store,
                 WatchOptions options)
    : impl_(std::make_unique<Impl>(std::move(source), std::move(store), std::move(options))) {}
Watcher::~Watcher() = default;
Watcher::Watcher(Watcher&&) noexcept = default;
Watcher& Watcher::operator=(Watcher&&) noexcept = default;

Result<PollReport> Watcher::poll_once(Handler const& handler) { return impl_->poll(handler); }
Result<RunReport> Watcher::run(Handler const& handler) { return impl_->run(handler); }
std::chrono::milliseconds Watcher::next_interval() const { return impl_->next_interval(); }

}  // namespace getxapi::inbox
