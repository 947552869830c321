/// @file
/// `InboxWalker`: the one way the SDK walks a DM inbox (dm/list, newest
/// first) when it looks for something: the duplicate check before a re-send,
/// outreach reconciliation and reply scans, the inbox watcher.
///
/// One set of rules for every walk:
/// - a page bound (`max_pages`), for walks that have a natural one;
/// - a time window: messages dated before `since - skew` are not yielded, and
///   the walk ends after the first page that holds one (the inbox is newest
///   first, so everything after it is older still);
/// - a clock-skew margin (`skew`) between this machine and X;
/// - undated messages kept or skipped (`undated`);
/// - a loop guard: a page that claims more but names a cursor already seen in
///   this walk (A -> B -> A), no cursor, or no messages ends the walk with
///   kInvalidResponse, never a billed loop.
#pragma once

#include <getxapi/client.hpp>
#include <getxapi/connection.hpp>
#include <getxapi/dm.hpp>
#include <getxapi/error.hpp>
#include <getxapi/export.hpp>
#include <getxapi/message.hpp>
#include <getxapi/result.hpp>
#include <getxapi/timestamp.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

namespace getxapi {

/// What to do with a message that has no (parseable) `createdAt`.
enum class UndatedMessages {
  kKeep,  ///< Yield it: it may be the one looked for (reconcile, replies).
  kSkip,  ///< Skip it: only dated proof counts (the duplicate check).
};

/// The rules of one walk. Defaults: unbounded, no window, 120 s skew, keep undated.
struct InboxWalkOptions {
  /// Fetch at most this many pages; nullopt: no bound (the loop guard still holds).
  std::optional<std::size_t> max_pages;
  /// Only messages dated at or after `*since - skew`; nullopt: every message.
  std::optional<Timestamp> since;
  /// How far before `since` a message may be dated and still count, for clock
  /// skew between this machine and X.
  std::chrono::seconds skew{120};
  UndatedMessages undated = UndatedMessages::kKeep;
  /// dm/list page size, 1..100; nullopt: the server's default (50).
  std::optional<int> page_size;
  /// Start at this page (a saved `next_cursor`); empty: the newest page.
  std::string cursor;
};

/// Walks one account's inbox page by page. Not thread-safe; cheap to create.
///
/// @code
/// InboxWalkOptions rules;
/// rules.since = marked_at;
/// InboxWalker walker(client, auth_token, rules);
/// auto failed = walker.for_each([&](Message& m) { return !is_the_one(m); });
/// if (failed) ...  // a typed Error: could not tell
/// @endcode
class GETXAPI_EXPORT InboxWalker {
 public:
  /// Walks through `client`'s connection (kept alive by the walker).
  InboxWalker(Client const& client, std::string auth_token, InboxWalkOptions options = {});
  /// Walks through `connection`, which must outlive the walker.
  InboxWalker(Connection& connection, std::string auth_token, InboxWalkOptions options = {});

  /// The next message in the window, newest first; an empty optional when the
  /// walk is over; an error (also kept in `error()`) when a page could not be
  /// fetched or the loop guard tripped (the items of the page in hand are
  /// yielded first). Once over, the same answer is returned again.
  Result<std::optional<Message>> next();

  /// Calls `visit` with each message until it returns false or the walk ends.
  /// The error of a failed walk, if any.
  std::optional<Error> for_each(std::function<bool(Message&)> const& visit);

  /// The failure that ended the walk, if one did.
  std::optional<Error> const& error() const noexcept { return error_; }
  /// Pages fetched so far.
  std::size_t pages() const noexcept { return pages_; }
  /// `userId` of the last page fetched: whose inbox this is (may be empty).
  std::string const& inbox_user_id() const noexcept { return user_id_; }
  /// The cursor of the page after the last one fetched; empty when none.
  std::string const& next_cursor() const noexcept { return next_cursor_; }
  /// True when the walk stopped because it reached messages older than the window.
  bool reached_window_start() const noexcept { return reached_start_; }

 private:
  bool fetch_page();
  bool in_window(Message const& message);

  std::shared_ptr<Connection> owner_;
  Connection* connection_;
  std::string auth_token_;
  InboxWalkOptions options_;
  std::optional<Timestamp> window_start_;
  std::vector<Message> items_;
  std::size_t index_ = 0;
  std::size_t pages_ = 0;
  bool done_ = false;
  bool reached_start_ = false;
  std::string user_id_;
  std::string next_cursor_;
  std::unordered_set<std::string> seen_cursors_;
  std::optional<Error> error_;
};

}  // namespace getxapi
