// Help for people: the command list for bare `getxapi` and `getxapi help [COMMAND]`, global
// options in every command's help, --help-all over every command, and "did you mean" for
// unknown commands. Also the walk over the command tree that completion scripts use.
#pragma once

#include "context.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace getxapi::cli {

/// Sets the formatter that adds the global options to every command's help. Call it on the
/// root before adding commands: CLI11 copies the formatter into each new subcommand.
void install_help_formatter(CLI::App& root);

/// Adds `help [COMMAND...]`.
void register_help(CLI::App& root, Context& ctx);

/// The help of every command (each with its options), root first.
std::string full_help(CLI::App const& root);

/// `root`'s help, or the help of the command at `path` (e.g. {"dm", "send"}); nullopt (and
/// the usage message in `problem`) when `path` names no command.
std::optional<std::string> help_for(CLI::App const& root, std::vector<std::string> const& path,
                                    std::string& problem);

/// What the arguments ask before CLI11 parses them.
struct Precheck {
  enum class Kind { kParse, kRootHelp, kHelpAll, kUsageError } kind = Kind::kParse;
  std::string message;  ///< for kUsageError
  bool json = false;    ///< --json was given (for the form of a usage error)
};
/// Finds the command the arguments name: an unknown one ("unknown command 'usr'; did you
/// mean 'user'?"), a command group without its subcommand, no command at all (the command
/// list), or --help-all.
Precheck precheck(CLI::App const& root, std::vector<std::string> const& args);

/// The closest of `candidates` to `word` by edit distance, when close enough to be a typo.
std::optional<std::string> nearest(std::string const& word,
                                   std::vector<std::string> const& candidates);

/// Named subcommands of `app` (option groups are nameless subcommands: skipped).
std::vector<CLI::App const*> commands_of(CLI::App const& app);
/// Every non-positional option of `app`, those in its option groups included.
std::vector<CLI::Option const*> options_of(CLI::App const& app);
/// Whether `opt` takes a value (`--limit N`), unlike a flag (`--all`).
inline bool takes_value(CLI::Option const* opt) { return opt->get_expected_max() > 0; }
/// The root's options shared by every command (help, --help-all and --version excluded).
std::vector<CLI::Option const*> global_options(CLI::App const& root);

}  // namespace getxapi::cli
