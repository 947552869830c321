// getxapi dm watch: every new inbound message, oldest first, once (the getxapi::inbox component).
#pragma once

#include <CLI/CLI.hpp>

namespace getxapi::cli {

class Context;

/// Adds `watch` to the `dm` command.
void register_watch(CLI::App& dm, Context& ctx);

}  // namespace getxapi::cli
