/// @file
/// `InboxRange<T>`: a `Range` over the inbox that also tells whose inbox it
/// is and who the people in the page in hand are, at no extra call.
#pragma once

#include <getxapi/conversation.hpp>
#include <getxapi/message.hpp>
#include <getxapi/range.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace getxapi {

/// What `Client::all_conversations` and `Client::all_conversation_messages`
/// return: a `Range<T>` (use it the same way; it converts to one) that keeps
/// the rest of the page each item came from.
///
/// @code
/// auto inbox = client.all_conversations(session, getxapi::InboxTab::kRequests);
/// for (auto const& c : inbox) {
///   if (!c) break;
///   for (auto const& who : c->others(inbox.user_id())) std::cout << "@" << who.screen_name;
/// }
/// @endcode
template <class T>
class InboxRange : public Range<T> {
 public:
  /// `page` is filled in by `fetch` as pages arrive (items moved out).
  InboxRange(typename Range<T>::Fetcher fetch, RangeOptions options,
             std::shared_ptr<MessagePage const> page)
      : Range<T>(std::move(fetch), std::move(options)), page_(std::move(page)) {}
  /// A range that yields `error` once (e.g. an argument refused before sending).
  explicit InboxRange(Error error)
      : Range<T>(std::move(error)), page_(std::make_shared<MessagePage const>()) {}

  /// The inbox owner's id (the page's `userId`): known once the first page is
  /// in, so after `begin()`. Empty before, or when the answer does not say.
  std::string const& user_id() const noexcept { return page_->user_id; }
  /// The page the current item came from, without its items (and, for
  /// conversations, without its conversations): user_id, tab, users, events.
  MessagePage const& page() const noexcept { return *page_; }
  /// Someone from the current page's `users` lookup; null when it has no entry.
  DmUser const* user(std::string_view id) const { return page_->user(id); }

 private:
  std::shared_ptr<MessagePage const> page_;
};

}  // namespace getxapi
