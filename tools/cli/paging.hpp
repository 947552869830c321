// What a paged command says about the pages it did not print.
#pragma once

#include "context.hpp"

#include <string>

namespace getxapi::cli {

/// After one page: the cursor of the next, on stderr in table mode, or as a last
/// `{"has_more":true,"next_cursor":...}` line on stdout under --json.
void print_next_cursor(Context& ctx, std::string const& next_cursor);

/// After a walk failed: the cursor that fetches the failed page again (the range's
/// `next_cursor()`), on stderr; nothing when it failed on the first page.
void print_resume_hint(Context& ctx, std::string const& cursor);

}  // namespace getxapi::cli
