#include "paging.hpp"

#include "output.hpp"

#include <nlohmann/json.hpp>

#include <ostream>

namespace getxapi::cli {

void print_next_cursor(Context& ctx, std::string const& next_cursor) {
  if (next_cursor.empty()) return;
  if (ctx.global.json) {
    print_json_line(ctx.out, nlohmann::json{{"has_more", true}, {"next_cursor", next_cursor}});
    ctx.out.flush();
  } else {
    ctx.note("next cursor: " + next_cursor + "  (pass --cursor to get the next page)");
  }
}

}  // namespace getxapi::cli
