// What a paged command says about the pages it did not print.
#pragma once

#include "context.hpp"

#include <string>

namespace getxapi::cli {

/// After one page: the cursor of the next, on stderr in table mode, or as a last
/// `{"has_more":true,"next_cursor":...}` line on stdout under --json. (A walk that failed
/// midway gives its resume cursor through `Context::fail`.)
void print_next_cursor(Context& ctx, std::string const& next_cursor);

}  // namespace getxapi::cli
