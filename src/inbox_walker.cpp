#include <getxapi/escape.hpp>
#include <getxapi/inbox_walker.hpp>

#include <utility>

namespace getxapi {
namespace {

// A cursor as it may appear in an error message: escaped and cut short.
std::string printable_cursor(std::string const& cursor) {
  constexpr std::size_t kMax = 64;
  std::string out = escape_control(cursor.size() > kMax ? cursor.substr(0, kMax) : cursor);
  if (cursor.size() > kMax) out += "...";
  return out;
}

Error invalid(std::string message) {
  Error error(ErrorCode::kInvalidResponse, std::move(message));
  error.set_endpoint("/twitter/dm/list");
  return error;
}

}  // namespace

InboxWalker::InboxWalker(Client const& client, std::string auth_token, InboxWalkOptions options)
    : InboxWalker(*client.connection(), std::move(auth_token), std::move(options)) {
  owner_ = client.connection();
}

InboxWalker::InboxWalker(Connection& connection, std::string auth_token, InboxWalkOptions options)
    : connection_(&connection), auth_token_(std::move(auth_token)), options_(std::move(options)) {
  if (options_.since) window_start_ = *options_.since - options_.skew;
  next_cursor_ = options_.cursor;
}

bool InboxWalker::in_window(Message const& message) {
  if (!message.created_at) return options_.undated == UndatedMessages::kKeep;
  if (window_start_ && *message.created_at < *window_start_) {
    // Newest first: the pages after this one hold older messages still.
    reached_start_ = true;
    return false;
  }
  return true;
}

// Fetches the page at next_cursor_. False: the walk is over (or failed).
bool InboxWalker::fetch_page() {
  if (done_) return false;
  if (options_.max_pages && pages_ >= *options_.max_pages) {
    done_ = true;
    return false;
  }
  std::string const requested = next_cursor_;
  seen_cursors_.insert(requested);
  auto page = connection_->list_dms(ListDmsRequest{auth_token_, requested, options_.page_size});
  ++pages_;
  if (!page) {
    error_ = std::move(page).error();
    done_ = true;
    return false;
  }
  items_ = std::move(page->items);
  index_ = 0;
  user_id_ = std::move(page->user_id);
  next_cursor_ = page->has_more ? std::move(page->next_cursor) : std::string();
  if (!page->has_more) {
    done_ = true;
  } else if (next_cursor_.empty()) {
    error_ = invalid("dm/list page claims has_more but has no next_cursor");
  } else if (seen_cursors_.count(next_cursor_) != 0) {
    error_ = invalid("dm/list cursor \"" + printable_cursor(next_cursor_) +
                     "\" was already walked (the server's cursors loop); the walk was stopped "
                     "after " +
                     std::to_string(pages_) + " pages");
  } else if (items_.empty()) {
    error_ = invalid("dm/list page claims has_more but is empty");
  }
  if (error_) done_ = true;
  return true;
}

Result<std::optional<Message>> InboxWalker::next() {
  for (;;) {
    while (index_ < items_.size()) {
      Message& message = items_[index_++];
      if (in_window(message)) return std::optional<Message>(std::move(message));
    }
    items_.clear();
    index_ = 0;
    if (reached_start_) done_ = true;
    // The items of a page are yielded before the loop guard's error.
    if (done_) {
      if (error_) return *error_;
      return std::optional<Message>();
    }
    fetch_page();
  }
}

std::optional<Error> InboxWalker::for_each(std::function<bool(Message&)> const& visit) {
  for (;;) {
    auto message = next();
    if (!message) return std::move(message).error();
    if (!*message || !visit(**message)) return std::nullopt;
  }
}

}  // namespace getxapi
