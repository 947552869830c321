// The loop guard every outreach pagination goes through (audience walk,
// reconcile, replies): a cursor seen before in the same walk, a page bound
// passed, or pages that stop bringing anything new end the walk with a typed
// error (kInvalidResponse) instead of paying for pages forever.
#pragma once

#include <getxapi/error.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace getxapi::outreach::internal {

class WalkGuard {
 public:
  /// `what` names the walk in messages; `max_pages` bounds it (pages fetched
  /// in this walk); `max_stalled` consecutive pages without anything new end it.
  WalkGuard(std::string what, std::int64_t max_pages, int max_stalled = 3)
      : what_(std::move(what)), max_pages_(max_pages), max_stalled_(max_stalled) {}

  /// Called after each page with the cursor it points to and whether it
  /// brought anything new. Returns the error that ends the walk, if any.
  std::optional<Error> next(std::string const& next_cursor, bool progressed) {
    ++pages_;
    stalled_ = progressed ? 0 : stalled_ + 1;
    if (!next_cursor.empty() && !seen_.insert(next_cursor).second) {
      return Error(ErrorCode::kInvalidResponse,
                   what_ +
                       ": the server sent a cursor already seen in this walk (a cycle); "
                       "stopped after " +
                       std::to_string(pages_) + " page(s)");
    }
    if (pages_ >= max_pages_) {
      return Error(ErrorCode::kInvalidResponse,
                   what_ + ": stopped at its bound of " + std::to_string(max_pages_) + " page(s)");
    }
    if (stalled_ >= max_stalled_) {
      return Error(ErrorCode::kInvalidResponse,
                   what_ + ": " + std::to_string(stalled_) +
                       " page(s) in a row brought nothing new; stopped");
    }
    return std::nullopt;
  }
  std::int64_t pages() const { return pages_; }

 private:
  std::string what_;
  std::int64_t max_pages_;
  int max_stalled_;
  std::int64_t pages_ = 0;
  int stalled_ = 0;
  std::set<std::string> seen_;
};

}  // namespace getxapi::outreach::internal
