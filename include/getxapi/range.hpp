/// @file
/// `Range<T>`: every item of every page, fetched lazily, in a range-for.
#pragma once

#include <getxapi/error.hpp>
#include <getxapi/result.hpp>

#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace getxapi {

/// Where a range starts and how far it goes.
struct RangeOptions {
  /// Start at this page (a cursor saved from `Range::cursor()` or a page's
  /// `next_cursor`); empty for the first page.
  std::string cursor;
  /// Stop after this many items; nullopt walks to the last page.
  std::optional<std::size_t> limit;
  /// dm/list only: messages per page, 1..100 (the server's default is 50).
  std::optional<int> page_size;
};

/// An input range over `Result<T>`: each page is fetched when the previous
/// one is used up, so memory stays flat however long the walk. A failure is
/// yielded once, as an element holding the `Error`, and ends the range. A
/// page that claims `has_more` but names a cursor already walked in this range
/// (its own, or any earlier one: A -> B -> A), lacks one or is empty ends the
/// range with kInvalidResponse instead of looping forever (billed calls). The
/// guard keeps one 8-byte hash per page walked.
///
/// @code
/// for (auto const& user : client.all_followers("ada_example")) {
///   if (!user) { std::cerr << user.error() << "\n"; break; }
///   if (user->can_dm) ...
/// }
/// @endcode
template <class T>
class Range {
 public:
  /// One page as the range needs it.
  struct Chunk {
    std::vector<T> items;
    std::string next_cursor;
    bool has_more = false;
  };
  /// Fetches the page at `cursor` (empty: the first page).
  using Fetcher = std::function<Result<Chunk>(std::string const& cursor)>;

  Range(Fetcher fetch, RangeOptions options = {})
      : state_(std::make_unique<State>(std::move(fetch), std::move(options))) {}
  /// A range that yields `error` once (e.g. an argument refused before sending).
  explicit Range(Error error) : state_(std::make_unique<State>(nullptr, RangeOptions{})) {
    state_->pending_error.emplace(std::move(error));
  }

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Result<T>;
    using difference_type = std::ptrdiff_t;
    using pointer = Result<T>*;
    using reference = Result<T>&;

    iterator() = default;
    reference operator*() const { return *range_->state_->current; }
    pointer operator->() const { return &*range_->state_->current; }
    iterator& operator++() {
      range_->advance();
      if (range_->state_->finished) range_ = nullptr;
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(iterator const& a, iterator const& b) { return a.range_ == b.range_; }
    friend bool operator!=(iterator const& a, iterator const& b) { return !(a == b); }

   private:
    friend class Range;
    explicit iterator(Range* range) : range_(range) {}
    Range* range_ = nullptr;
  };

  /// Fetches the first page on first use. A range is walked once.
  iterator begin() {
    if (!state_->started) {
      state_->started = true;
      advance();
    }
    return state_->finished ? iterator() : iterator(this);
  }
  iterator end() { return iterator(); }

  /// The cursor that fetched the page the current item came from: pass it as
  /// `RangeOptions::cursor` to resume from the start of that page later.
  std::string const& cursor() const noexcept { return state_->page_cursor; }
  /// The cursor of the page after the one in hand; empty when it is the last.
  std::string const& next_cursor() const noexcept { return state_->next_cursor; }
  /// Items yielded so far (errors not counted).
  std::size_t items_yielded() const noexcept { return state_->yielded; }
  /// Pages fetched so far.
  std::size_t pages_fetched() const noexcept { return state_->pages; }

 private:
  struct State {
    State(Fetcher f, RangeOptions o) : fetch(std::move(f)), options(std::move(o)) {
      next_cursor = options.cursor;
    }
    Fetcher fetch;
    RangeOptions options;
    std::vector<T> items;
    std::size_t index = 0;
    bool has_more = true;
    bool started = false;
    bool finished = false;
    bool fetched_any = false;
    std::optional<Error> pending_error;  // yielded once the page in hand is used up
    std::optional<Result<T>> current;
    std::string page_cursor;
    std::string next_cursor;
    std::size_t yielded = 0;
    std::size_t pages = 0;
    std::unordered_set<std::size_t> seen;  // hashes of the cursors walked
  };

  void finish() {
    state_->finished = true;
    state_->current.reset();
  }

  void yield_error(Error error) {
    state_->current.emplace(std::move(error));
    state_->has_more = false;
    state_->items.clear();
    state_->index = 0;
    state_->fetch = nullptr;
  }

  void advance() {
    State& s = *state_;
    if (s.current && !s.current->ok()) return finish();  // an error ends the range
    if (s.options.limit && s.yielded >= *s.options.limit) return finish();
    while (s.index >= s.items.size()) {
      if (s.pending_error) {
        auto error = std::move(*s.pending_error);
        s.pending_error.reset();
        return yield_error(std::move(error));
      }
      if (!s.fetch || (s.fetched_any && !s.has_more)) return finish();
      std::string const requested = s.next_cursor;
      s.seen.insert(std::hash<std::string_view>{}(requested));
      auto page = s.fetch(requested);
      ++s.pages;
      if (!page) return yield_error(std::move(page).error());
      s.fetched_any = true;
      s.items = std::move(page->items);
      s.index = 0;
      s.page_cursor = requested;
      s.has_more = page->has_more;
      s.next_cursor = s.has_more ? std::move(page->next_cursor) : std::string();
      if (s.has_more) check_next_page(requested);
    }
    s.current.emplace(std::move(s.items[s.index++]));
    ++s.yielded;
  }

  static bool sendable_cursor(std::string const& cursor) {
    if (cursor.size() > 4096) return false;
    for (char c : cursor) {
      auto const u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) return false;
    }
    return true;
  }

  // Sets the error that ends the range after this page when its claim of
  // more pages cannot be followed without walking in circles.
  void check_next_page(std::string const& requested) {
    State& s = *state_;
    char const* problem = nullptr;
    if (s.items.empty()) {
      problem = "page claims has_more but is empty";
    } else if (s.next_cursor.empty()) {
      problem = "page claims has_more but has no next_cursor";
    } else if (!sendable_cursor(s.next_cursor)) {
      // The server's fault, not the caller's: kInvalidResponse, never the
      // kInvalidArgument the next request would be refused with.
      problem = "page names a next_cursor with control characters or over 4096 bytes";
    } else if (s.next_cursor == requested) {
      problem = "page repeats the cursor it was requested with";
    } else if (s.seen.count(std::hash<std::string_view>{}(s.next_cursor)) != 0) {
      problem = "page names a cursor already walked (a cursor cycle: the server's cursors loop)";
    }
    if (problem == nullptr) return;
    s.pending_error = Error(ErrorCode::kInvalidResponse, std::string(problem) + "; stopped after " +
                                                             std::to_string(s.pages) +
                                                             (s.pages == 1 ? " page" : " pages"));
    s.has_more = false;
  }

  std::unique_ptr<State> state_;
};

}  // namespace getxapi
