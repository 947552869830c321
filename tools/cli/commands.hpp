// One function per command group: each adds its subcommands to the root app and, from
// their callbacks, schedules the work with `Context::run`.
#pragma once

#include "context.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace getxapi::cli {

void register_login(CLI::App& root, Context& ctx);
/// `auth login`, `auth status` and `auth logout`.
void register_auth(CLI::App& root, Context& ctx);
/// `completion bash|zsh|fish`.
void register_completion(CLI::App& root, Context& ctx);
void register_user(CLI::App& root, Context& ctx);
/// `followers` and `following`.
void register_follows(CLI::App& root, Context& ctx);
/// `dm send`, `dm list`, `dm conversations` and `dm thread`.
void register_dm(CLI::App& root, Context& ctx);
/// `dm conversations` and `dm thread` under `dm`.
void register_conversation_commands(CLI::App& dm, Context& ctx);
/// `--tab all|requests|hidden` (default all).
void add_tab_option(CLI::App& cmd, std::string& tab);

/// One line of stdin without its line ending (nullopt at end of input); on a terminal,
/// `prompt` is shown on stderr and echo is off while the user types.
std::optional<std::string> read_secret_line(Context& ctx, char const* prompt);

/// The password (first stdin line) and an optional TOTP secret (second line) for
/// `username`, then POST /twitter/user_login. The secrets are registered with the context.
Result<LoginResult> login_from_stdin(Context& ctx, getxapi::Client& client,
                                     std::string const& username, std::string const& email);

}  // namespace getxapi::cli
