#include <getxapi/outreach/replies.hpp>

#include <map>

#include "store/error.hpp"

namespace getxapi::outreach {

using store::internal::take;

Result<RepliesReport> scan_replies(Client& client, Journal& journal, std::string_view campaign,
                                   std::string const& auth_token, std::shared_ptr<Clock> clock) {
  if (!clock) clock = system_clock();
  if (auth_token.empty()) return Error(ErrorCode::kInvalidArgument, "replies need the auth_token");
  RepliesReport report;
  try {
    auto info = take(journal.campaign(campaign));
    if (!info) {
      return Error(ErrorCode::kInvalidArgument,
                   "no campaign " + std::string(campaign) + " in " + journal.path());
    }
    if (info->account_key != account_key(auth_token)) {
      return Error(ErrorCode::kInvalidArgument,
                   "campaign " + std::string(campaign) + " was sent from another account");
    }
    struct Sent {
      std::int64_t seq;
      Timestamp at;
    };
    std::map<std::string, Sent> by_user;  // recipient id -> when our DM went out
    std::optional<Timestamp> earliest;
    for (auto const& r : take(journal.recipients(campaign, RecipientState::kSent))) {
      if (r.replied_at || r.user_id.empty()) continue;
      Timestamp const at = r.sending_at.value_or(r.sent_at.value_or(info->created_at));
      by_user.emplace(r.user_id, Sent{r.seq, at});
      if (!earliest || at < *earliest) earliest = at;
    }
    if (by_user.empty()) {
      report.replied = take(journal.counts(campaign)).replied;
      return report;
    }
    Stats const baseline = client.stats();
    auto const run =
        take(journal.begin_run(campaign, "replies", CampaignPacing{}, clock->system_now()));
    auto save = [&] {
      Stats now = client.stats();
      for (std::size_t i = 0; i < kEndpointCount; ++i) {
        now.endpoints[i].billed_calls -= baseline.endpoints[i].billed_calls;
        now.endpoints[i].spend_micro_usd -= baseline.endpoints[i].spend_micro_usd;
      }
      take(journal.record_run_stats(run, now));
    };
    // Messages are newest first: stop once past the first send (minus skew).
    Timestamp const since = *earliest - std::chrono::minutes(2);
    ListDmsRequest request{auth_token, {}, 100};
    std::optional<Error> failure;
    for (;;) {
      auto page = client.list_dms(request);
      if (!page) {
        failure = std::move(page).error();
        break;
      }
      ++report.pages;
      bool older_seen = false;
      for (auto const& m : page->items) {
        if (m.created_at && *m.created_at < since) {
          older_seen = true;
          continue;
        }
        // A reply is written by the recipient to us, after our DM.
        if (!page->user_id.empty() && m.recipient_id != page->user_id) continue;
        auto it = by_user.find(m.sender_id);
        if (it == by_user.end()) continue;
        Timestamp const at = m.created_at.value_or(clock->system_now());
        if (at < it->second.at) continue;
        if (take(journal.mark_replied(campaign, it->second.seq, at))) ++report.new_replies;
        by_user.erase(it);
      }
      save();
      if (by_user.empty() || older_seen || !page->has_more || page->next_cursor.empty()) break;
      request.cursor = page->next_cursor;
    }
    save();
    take(journal.finish_run(run, failure ? "failed" : "completed", clock->system_now()));
    if (failure) return *failure;
    report.replied = take(journal.counts(campaign)).replied;
  } catch (store::internal::StoreError const& e) {
    return e.error();
  }
  return report;
}

}  // namespace getxapi::outreach
