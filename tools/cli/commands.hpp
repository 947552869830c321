// One function per command group: each adds its subcommands to the root app and, from
// their callbacks, schedules the work with `Context::run`.
#pragma once

#include "context.hpp"

#include <CLI/CLI.hpp>

namespace getxapi::cli {

void register_login(CLI::App& root, Context& ctx);
void register_user(CLI::App& root, Context& ctx);
/// `followers` and `following`.
void register_follows(CLI::App& root, Context& ctx);
/// `dm send` and `dm list`.
void register_dm(CLI::App& root, Context& ctx);

}  // namespace getxapi::cli
