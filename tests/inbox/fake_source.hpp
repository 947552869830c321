// An in-memory inbox behind the watcher's InboxSource seam: conversations in
// tabs, newest-first pages, sends that land in the thread, billed like GetXAPI,
// and faults a test can arm.
#pragma once

#include <getxapi/inbox.hpp>

#include "fake_clock.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace getxapi::inbox::testing {

class FakeSource : public InboxSource {
 public:
  static constexpr char kOwner[] = "100";

  explicit FakeSource(std::shared_ptr<getxapi::testing::FakeClock> clock)
      : clock_(std::move(clock)) {}

  // --- the outside world -------------------------------------------------
  /// `user` writes to the account; a new conversation lands in `tab`.
  std::string inbound(std::string const& user, std::string const& text,
                      std::string const& tab = "requests") {
    auto& c = conversation_with(user, tab);
    return add(c, user, kOwner, text);
  }
  /// A person answers from the account (not through the watcher).
  std::string human_reply(std::string const& user, std::string const& text) {
    auto& c = conversation_with(user, "all");
    c.tab = "all";
    return add(c, kOwner, user, text);
  }
  void edit(std::string const& message_id, std::string const& text) {
    for (auto& [id, c] : conversations_) {
      for (auto& m : c.messages) {
        if (m.message.id == message_id) {
          m.message.text = text;
          ++m.edit_count;
        }
      }
    }
  }
  /// Replies the account sent to `user` (through send()).
  std::vector<std::string> sent_to(std::string const& user) const {
    std::vector<std::string> out;
    auto it = conversations_.find(conversation_id(user));
    if (it == conversations_.end()) return out;
    for (auto const& m : it->second.messages) {
      if (m.message.sender_id == kOwner && m.via_send) out.push_back(m.message.text);
    }
    return out;
  }

  // --- faults and knobs ----------------------------------------------------
  int page_size = 50;
  /// dm/list lists conversation summaries only, no messages: threads must be read.
  bool sparse_lists = false;
  /// The next N list/thread calls fail with a 503.
  int fail_reads = 0;
  /// The next send: delivered (or not) and then answered with a dropped connection.
  enum class SendFault { kNone, kDeliveredThenDrop, kDropBeforeDelivery, kCannotDm };
  SendFault send_fault = SendFault::kNone;

  /// dm/list pages name cursors in a cycle: "" -> 20 -> 40 -> 20 ...
  bool cycle_cursors = false;

  int list_calls = 0, thread_calls = 0, send_calls = 0;

  // --- InboxSource ---------------------------------------------------------
  Result<SourcePage> list(std::string const& tab, std::string const& cursor) override {
    ++list_calls;
    if (fail_reads > 0) return fail_read();
    std::vector<Stored const*> all;
    for (auto const& [id, c] : conversations_) {
      if (c.tab != tab) continue;
      if (sparse_lists) {
        if (!c.messages.empty()) all.push_back(&c.messages.back());
      } else {
        for (auto const& m : c.messages) all.push_back(&m);
      }
    }
    spent_ += 2000;
    auto page = page_of(std::move(all), cursor, true);
    if (sparse_lists && page) page->messages.clear();  // summaries only
    return page;
  }

  Result<SourcePage> thread(std::string const& conversation_id,
                            std::string const& cursor) override {
    ++thread_calls;
    if (fail_reads > 0) return fail_read();
    auto it = conversations_.find(conversation_id);
    if (it == conversations_.end()) return Error(ErrorCode::kNotFound, "no such conversation");
    std::vector<Stored const*> all;
    for (auto const& m : it->second.messages) all.push_back(&m);
    spent_ += 1000;
    return page_of(std::move(all), cursor, false);
  }

  Result<Message> send(std::string const& recipient_id, std::string const& text) override {
    ++send_calls;
    auto fault = send_fault;
    send_fault = SendFault::kNone;
    if (fault == SendFault::kCannotDm) {
      return Error(ErrorCode::kCannotDm, "cannot DM").set_http_status(403).set_attempts(1);
    }
    if (fault == SendFault::kDropBeforeDelivery) return dropped();
    auto& c = conversation_with(recipient_id, "all");
    c.tab = "all";  // answering accepts the request
    auto id = add(c, kOwner, recipient_id, text);
    c.messages.back().via_send = true;
    spent_ += 2000;
    if (fault == SendFault::kDeliveredThenDrop) return dropped();
    return c.messages.back().message;
  }

  std::int64_t spent_micro_usd() const override { return spent_; }

 private:
  struct Stored {
    Message message;
    std::string conversation_id;
    int edit_count = 0;
    bool via_send = false;
  };
  struct Conv {
    std::string id;
    std::string tab;
    std::string user;
    std::vector<Stored> messages;  // oldest first
  };

  static std::string conversation_id(std::string const& user) {
    return std::string(kOwner) + "-" + user;
  }

  Conv& conversation_with(std::string const& user, std::string const& tab) {
    auto id = conversation_id(user);
    auto [it, fresh] = conversations_.try_emplace(id);
    if (fresh) it->second = Conv{id, tab, user, {}};
    return it->second;
  }

  std::string add(Conv& c, std::string const& from, std::string const& to,
                  std::string const& text) {
    clock_->advance(std::chrono::milliseconds(1));  // distinct, increasing times
    Stored s;
    s.message.id = std::to_string(next_id_++);
    s.message.sender_id = from;
    s.message.recipient_id = to;
    s.message.text = text;
    s.message.created_at = clock_->system_now();
    s.conversation_id = c.id;
    c.messages.push_back(std::move(s));
    return c.messages.back().message.id;
  }

  Result<SourcePage> page_of(std::vector<Stored const*> all, std::string const& cursor,
                             bool with_conversations) {
    std::sort(all.begin(), all.end(), [](Stored const* a, Stored const* b) {
      return std::stoll(a->message.id) > std::stoll(b->message.id);
    });
    std::size_t const from = cursor.empty() ? 0 : std::stoul(cursor);
    std::size_t const to = std::min(all.size(), from + static_cast<std::size_t>(page_size));
    SourcePage page;
    page.owner_id = kOwner;
    for (std::size_t i = from; i < to; ++i) {
      auto const& s = *all[i];
      page.messages.push_back(SourceMessage{s.message, s.conversation_id, s.edit_count});
      auto const& c = conversations_.at(s.conversation_id);
      page.users[c.user] = Sender{c.user, "user" + c.user, "User " + c.user};
      if (with_conversations &&
          std::none_of(page.conversations.begin(), page.conversations.end(),
                       [&](ThreadSummary const& t) { return t.conversation_id == c.id; })) {
        auto const& last = c.messages.back();
        page.conversations.push_back(
            ThreadSummary{c.id, "ONE_TO_ONE", last.message.sender_id != kOwner,
                          std::chrono::duration_cast<std::chrono::milliseconds>(
                              last.message.created_at->time_since_epoch())
                              .count(),
                          last.message.id, last.edit_count});
      }
    }
    page.users[kOwner] = Sender{kOwner, "support", "Support"};
    page.has_more = to < all.size();
    page.next_cursor = page.has_more ? std::to_string(to) : std::string();
    if (cycle_cursors && with_conversations && from == 40) page.next_cursor = "20";
    return page;
  }

  Result<SourcePage> fail_read() {
    --fail_reads;
    return Error(ErrorCode::kServerError, "503").set_http_status(503).set_attempts(1);
  }

  static Error dropped() {
    return Error(ErrorCode::kNetwork, "connection dropped").set_request_sent(true).set_attempts(1);
  }

  std::shared_ptr<getxapi::testing::FakeClock> clock_;
  std::map<std::string, Conv> conversations_;
  long long next_id_ = 1000;
  std::int64_t spent_ = 0;
};

}  // namespace getxapi::inbox::testing
