// getxapi outbox add | work | status | list: notifications delivered exactly once over a pool of
// accounts (the getxapi::outbox component).
#pragma once

#include <CLI/CLI.hpp>

namespace getxapi::cli {

class Context;

/// Adds `outbox` and its subcommands `add`, `work`, `status` and `list` to `root`.
void register_outbox(CLI::App& root, Context& ctx);

}  // namespace getxapi::cli
