#include "help.hpp"

#include <algorithm>
#include <memory>
#include <ostream>
#include <sstream>
#include <utility>

namespace getxapi::cli {

namespace {

constexpr char kRule[] =
    "------------------------------------------------------------------------------\n";

// CLI11's formatter, plus a "Global options" section in every command's help (they are
// accepted after the command too, so a user reading `getxapi dm send --help` needs them).
class GlobalsFormatter : public CLI::Formatter {
 public:
  bool show_globals = true;

  std::string make_help(CLI::App const* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    if (mode == CLI::AppFormatMode::Sub) return CLI::Formatter::make_help(app, name, mode);
    std::stringstream out;
    out << make_description(app) << make_usage(app, name) << make_positionals(app)
        << make_groups(app, mode) << make_subcommands(app, CLI::AppFormatMode::Normal);
    CLI::App const* root = app;
    while (root->get_parent() != nullptr) root = root->get_parent();
    if (root != app && show_globals) {
      auto const globals = global_options(*root);
      if (!globals.empty()) out << '\n' << make_group("Global options", false, globals);
    }
    out << '\n' << make_footer(app);
    return out.str();
  }
};

std::string help_text(CLI::App const& app, std::string const& name) {
  return app.get_formatter()->make_help(&app, name, CLI::AppFormatMode::Normal);
}

CLI::App const* find_command(CLI::App const& app, std::string const& name) {
  for (auto const* sub : commands_of(app)) {
    if (sub->check_name(name)) return sub;
  }
  return nullptr;
}

std::vector<std::string> command_names(CLI::App const& app) {
  std::vector<std::string> names;
  for (auto const* sub : commands_of(app)) names.push_back(sub->get_name());
  return names;
}

std::string join(std::vector<std::string> const& words, char const* sep) {
  std::string text;
  for (auto const& w : words) text += (text.empty() ? "" : sep) + w;
  return text;
}

std::string unknown_command(CLI::App const& app, std::string const& prefix,
                            std::string const& word) {
  std::string message = "unknown command '" + prefix + word + "'";
  if (auto close = nearest(word, command_names(app))) {
    return message + "; did you mean '" + prefix + *close + "'?";
  }
  return message + " (commands: " + join(command_names(app), ", ") + "; see `getxapi help`)";
}

// Optimal string alignment distance: a swap of two neighbours ("sned") is one typo.
std::size_t edit_distance(std::string const& a, std::string const& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t const cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// An option of `app` or of a command above it (global options fall through).
CLI::Option const* find_option(CLI::App const* app, std::string const& name) {
  for (; app != nullptr; app = app->get_parent()) {
    if (auto const* opt = app->get_option_no_throw(name)) return opt;
  }
  return nullptr;
}

}  // namespace

std::vector<CLI::App const*> commands_of(CLI::App const& app) {
  return app.get_subcommands([](CLI::App const* sub) { return !sub->get_name().empty(); });
}

std::vector<CLI::Option const*> options_of(CLI::App const& app) {
  auto opts = app.get_options([](CLI::Option const* opt) { return opt->nonpositional(); });
  for (auto const* group :
       app.get_subcommands([](CLI::App const* sub) { return sub->get_name().empty(); })) {
    for (auto const* opt : options_of(*group)) {
      if (opt != group->get_help_ptr()) opts.push_back(opt);
    }
  }
  return opts;
}

std::vector<CLI::Option const*> global_options(CLI::App const& root) {
  return root.get_options([&root](CLI::Option const* opt) {
    return opt->nonpositional() && opt != root.get_help_ptr() && !opt->check_lname("help-all") &&
           !opt->check_lname("version");
  });
}

void install_help_formatter(CLI::App& root) {
  root.formatter(std::make_shared<GlobalsFormatter>());
}

std::optional<std::string> nearest(std::string const& word,
                                   std::vector<std::string> const& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (auto const& candidate : candidates) {
    std::size_t const d = edit_distance(word, candidate);
    if (!best || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  // Two typos at most, and never a suggestion that shares nothing with the word.
  if (!best || best_distance > 2 || best_distance >= word.size()) return std::nullopt;
  return best;
}

std::string full_help(CLI::App const& root) {
  auto formatter = std::dynamic_pointer_cast<GlobalsFormatter>(root.get_formatter());
  std::string text = help_text(root, root.get_name());
  // The global options are printed once, with the root; not again for every command.
  if (formatter) formatter->show_globals = false;
  std::vector<std::pair<CLI::App const*, std::string>> stack;
  auto push_children = [&stack](CLI::App const& app, std::string const& name) {
    auto subs = commands_of(app);
    for (auto it = subs.rbegin(); it != subs.rend(); ++it) {
      stack.emplace_back(*it, name + " " + (*it)->get_name());
    }
  };
  push_children(root, root.get_name());
  while (!stack.empty()) {
    auto [app, name] = stack.back();
    stack.pop_back();
    text += "\n" + std::string(kRule) + name + "\n" + std::string(kRule) + help_text(*app, name);
    push_children(*app, name);
  }
  if (formatter) formatter->show_globals = true;
  return text;
}

std::optional<std::string> help_for(CLI::App const& root, std::vector<std::string> const& path,
                                    std::string& problem) {
  CLI::App const* app = &root;
  std::string name = root.get_name();
  std::string prefix;
  for (auto const& word : path) {
    auto const* sub = find_command(*app, word);
    if (sub == nullptr) {
      problem = unknown_command(*app, prefix, word);
      return std::nullopt;
    }
    app = sub;
    name += " " + word;
    prefix += word + " ";
  }
  return help_text(*app, name);
}

Precheck precheck(CLI::App const& root, std::vector<std::string> const& args) {
  Precheck result;
  bool help_asked = false;
  for (auto const& a : args) {
    if (a == "--") break;
    if (a == "--help-all") result.kind = Precheck::Kind::kHelpAll;
    if (a == "--help" || a == "-h" || a == "--version") help_asked = true;
    if (a == "--json") result.json = true;
  }
  if (result.kind == Precheck::Kind::kHelpAll) return result;
  if (args.empty()) {
    result.kind = Precheck::Kind::kRootHelp;
    return result;
  }
  CLI::App const* app = &root;
  std::string prefix;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string const& a = args[i];
    if (a == "--") break;
    if (a.size() > 1 && a[0] == '-') {
      if (a.find('=') != std::string::npos) continue;
      auto const* opt = find_option(app, a);
      if (opt != nullptr && takes_value(opt)) ++i;  // its value
      continue;
    }
    if (commands_of(*app).empty()) break;  // a command's own arguments follow
    auto const* sub = find_command(*app, a);
    if (sub == nullptr) {
      result.kind = Precheck::Kind::kUsageError;
      result.message = unknown_command(*app, prefix, a);
      return result;
    }
    app = sub;
    prefix += a + " ";
  }
  // Only global options (`getxapi --json`): CLI11 parses them (a bad one is a usage error)
  // and run_cli prints the command list when no command was selected.
  if (help_asked || app == &root) return result;
  if (!commands_of(*app).empty() && app->get_require_subcommand_min() > 0) {
    result.kind = Precheck::Kind::kUsageError;
    std::string const name = prefix.substr(0, prefix.size() - 1);
    result.message = "'getxapi " + name + "' needs a command: " + join(command_names(*app), ", ") +
                     " (see `getxapi help " + name + "`)";
  }
  return result;
}

void register_help(CLI::App& root, Context& ctx) {
  auto path = std::make_shared<std::vector<std::string>>();
  auto* cmd = root.add_subcommand("help", "Show the command list, or one command's help");
  cmd->add_option("COMMAND", *path, "A command, e.g. `dm send`")->type_name("");
  CLI::App const* root_ptr = &root;
  cmd->callback([&ctx, path, root_ptr] {
    ctx.run([&ctx, path, root_ptr] {
      std::string problem;
      auto text = help_for(*root_ptr, *path, problem);
      if (!text) {
        ctx.print_error("kInvalidArgument", problem);
        return static_cast<int>(kExitUsage);
      }
      ctx.out << *text;
      return static_cast<int>(kExitOk);
    });
  });
}

}  // namespace getxapi::cli
