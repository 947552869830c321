// getxapi outreach run | status | replies: durable DM campaigns (the getxapi::outreach component).
#pragma once

#include <CLI/CLI.hpp>

namespace getxapi::cli {

class Context;

/// Adds `outreach` and its subcommands `run`, `status` and `replies` to `root`.
void register_outreach(CLI::App& root, Context& ctx);

}  // namespace getxapi::cli
