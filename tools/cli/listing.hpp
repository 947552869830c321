// The one way a listing command prints: one page (the first or --cursor's, then its next
// cursor) or a walk over every page (--all, with a progress line and a resume cursor on
// failure), under --limit, as a table or as NDJSON. followers, following, dm list,
// dm conversations and dm thread all print through it.
#pragma once

#include "context.hpp"
#include "output.hpp"
#include "paging.hpp"
#include "progress.hpp"

#include <getxapi/range.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace getxapi::cli {

template <typename Item>
class Listing {
 public:
  struct Spec {
    Table table;                                         ///< header of the table mode
    std::function<void(Table&, Item const&)> add_row;    ///< one table row
    std::function<nlohmann::json(Item const&)> to_json;  ///< one --json line
    std::function<bool(Item const&)> keep;               ///< filter (e.g. --can-dm); empty: all
    std::string nothing_on_page = "nothing on this page";
    std::string nothing = "nothing";
  };

  Listing(Context& ctx, Spec spec, int limit)
      : ctx_(ctx), spec_(std::move(spec)), limit_(static_cast<std::size_t>(limit)) {}

  std::size_t printed() const { return printed_; }
  bool full() const { return limit_ != 0 && printed_ >= limit_; }
  std::optional<std::uint64_t> limit() const {
    return limit_ == 0 ? std::nullopt : std::optional<std::uint64_t>(limit_);
  }

  /// One page already fetched. After a page cut short by --limit no cursor is printed: it
  /// would silently skip the rest of that page.
  int page(std::vector<Item> const& items, bool has_more, std::string const& next_cursor) {
    bool cut = false;
    for (auto const& item : items) {
      if (full()) {
        cut = true;
        break;
      }
      emit(item);
    }
    flush();
    if (!ctx_.global.json && printed_ == 0) ctx_.note(spec_.nothing_on_page);
    if (has_more && !cut) print_next_cursor(ctx_, next_cursor);
    return kExitOk;
  }

  /// Every item of `range` (until --limit). `counts` says what the progress line shows
  /// before the rate (empty: "<n> <unit>"); it is refreshed on every page and every 25 items.
  template <typename RangeT>
  int walk(RangeT& range, ProgressMeter& meter, std::function<std::string()> const& counts = {}) {
    std::size_t shown_pages = 0;
    for (auto const& item : range) {
      if (!item) {
        flush();
        return ctx_.fail(item.error(), range.next_cursor());
      }
      emit(*item);
      if (range.pages_fetched() != shown_pages || range.items_yielded() % 25 == 0) {
        shown_pages = range.pages_fetched();
        meter.update(printed_, limit(), counts ? counts() : std::string());
      }
      if (full()) break;
    }
    meter.finish();
    flush();
    if (!ctx_.global.json && printed_ == 0) ctx_.note(spec_.nothing);
    return kExitOk;
  }

  void emit(Item const& item) {
    if (spec_.keep && !spec_.keep(item)) return;
    if (ctx_.global.json) {
      print_json_line(ctx_.out, spec_.to_json(item));
    } else {
      spec_.add_row(spec_.table, item);
    }
    ++printed_;
  }

  void flush() {
    if (!ctx_.global.json && spec_.table.rows() > 0) {
      spec_.table.print(ctx_.out);
      spec_.table.clear();
    }
    ctx_.out.flush();
  }

 private:
  Context& ctx_;
  Spec spec_;
  std::size_t limit_;
  std::size_t printed_ = 0;
};

/// "3 pages" / "1 page".
inline std::string pages_text(std::size_t pages) {
  return std::to_string(pages) + (pages == 1 ? " page" : " pages");
}

}  // namespace getxapi::cli
