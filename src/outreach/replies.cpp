#include <getxapi/outreach/replies.hpp>

#include "store/error.hpp"

#include <getxapi/inbox_walker.hpp>

#include <map>

namespace getxapi::outreach {

using store::internal::take;

namespace {

// How far before our first send a reply may be dated, for clock skew.
constexpr std::chrono::seconds kReplySkew{120};
// Inbox pages one scan may read.
constexpr std::size_t kMaxReplyPages = 200;

struct Sent {
  std::int64_t seq;
  Timestamp at;
};

class RepliesScan {
 public:
  RepliesScan(Client& client, Journal& journal, std::string_view campaign,
              std::string const& auth_token, std::shared_ptr<Clock> clock)
      : client_(client),
        journal_(journal),
        campaign_(campaign),
        auth_token_(auth_token),
        clock_(std::move(clock)) {}

  Result<RepliesReport> run() {
    auto info = take(journal_.campaign(campaign_));
    if (!info) {
      return Error(ErrorCode::kInvalidArgument,
                   "no campaign " + campaign_ + " in " + journal_.path());
    }
    if (info->account_key != account_key(auth_token_)) {
      return Error(ErrorCode::kInvalidArgument,
                   "campaign " + campaign_ + " was sent from another account");
    }
    auto const earliest = collect(*info);
    if (by_user_.empty()) {
      report_.replied = take(journal_.counts(campaign_)).replied;
      return report_;
    }
    baseline_ = client_.stats();
    run_ = take(journal_.begin_run(campaign_, "replies", CampaignPacing{}, clock_->system_now()));
    auto failure = walk(*earliest);
    save();
    take(journal_.finish_run(run_, failure ? "failed" : "completed", clock_->system_now()));
    if (failure) return *failure;
    report_.replied = take(journal_.counts(campaign_)).replied;
    return report_;
  }

 private:
  // The sent recipients not yet known to have replied; returns the earliest send.
  std::optional<Timestamp> collect(CampaignInfo const& info) {
    std::optional<Timestamp> earliest;
    for (auto const& r : take(journal_.recipients(campaign_, RecipientState::kSent))) {
      if (r.replied_at || r.user_id.empty()) continue;
      Timestamp const at = r.sending_at.value_or(r.sent_at.value_or(info.created_at));
      by_user_.emplace(r.user_id, Sent{r.seq, at});
      if (!earliest || at < *earliest) earliest = at;
    }
    return earliest;
  }

  // The SDK's InboxWalker: newest first, back to the first send minus the skew,
  // loop-guarded and page-bounded.
  std::optional<Error> walk(Timestamp since) {
    InboxWalkOptions rules;
    rules.max_pages = kMaxReplyPages;
    rules.since = since;
    rules.skew = kReplySkew;
    rules.page_size = 100;
    InboxWalker walker(client_, auth_token_, rules);
    std::size_t saved_pages = 0;
    auto failed = walker.for_each([&](Message& m) {
      if (walker.pages() != saved_pages) {  // a new page was billed: record it
        saved_pages = walker.pages();
        save();
      }
      auto const& me = walker.inbox_user_id();
      if (me.empty() || m.recipient_id == me) consider(m);
      return !by_user_.empty();
    });
    report_.pages = static_cast<std::int64_t>(walker.pages());
    return failed;
  }

  // A reply is written by the recipient to us, after our DM.
  void consider(Message const& m) {
    auto it = by_user_.find(m.sender_id);
    if (it == by_user_.end()) return;
    Timestamp const at = m.created_at.value_or(clock_->system_now());
    if (at < it->second.at) return;
    if (take(journal_.mark_replied(campaign_, it->second.seq, at))) ++report_.new_replies;
    by_user_.erase(it);
  }

  void save() {
    Stats now = client_.stats();
    for (std::size_t i = 0; i < kEndpointCount; ++i) {
      now.endpoints[i].billed_calls -= baseline_.endpoints[i].billed_calls;
      now.endpoints[i].spend_micro_usd -= baseline_.endpoints[i].spend_micro_usd;
    }
    take(journal_.record_run_stats(run_, now));
  }

  Client& client_;
  Journal& journal_;
  std::string const campaign_;
  std::string const& auth_token_;
  std::shared_ptr<Clock> clock_;
  std::map<std::string, Sent> by_user_;  // recipient id -> when our DM went out
  Stats baseline_;
  std::int64_t run_ = 0;
  RepliesReport report_;
};

}  // namespace

Result<RepliesReport> scan_replies(Client& client, Journal& journal, std::string_view campaign,
                                   std::string const& auth_token, std::shared_ptr<Clock> clock) {
  if (auth_token.empty()) return Error(ErrorCode::kInvalidArgument, "replies need the auth_token");
  RepliesScan scan(client, journal, campaign, auth_token, clock ? clock : system_clock());
  try {
    return scan.run();
  } catch (store::internal::StoreError const& e) {
    return e.error();
  }
}

}  // namespace getxapi::outreach
