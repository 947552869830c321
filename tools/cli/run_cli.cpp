#include "cli.hpp"
#include "commands.hpp"
#include "help.hpp"

#ifdef GETXAPI_CLI_HAS_OUTREACH
#include "outreach_command.hpp"
#endif
#ifdef GETXAPI_CLI_HAS_OUTBOX
#include "outbox_command.hpp"
#endif

#include <getxapi/version.hpp>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace getxapi::cli {

namespace {

constexpr char kDescription[] =
    "getxapi: look up X users, walk followers, and send and list direct messages\n"
    "through GetXAPI (https://getxapi.com).";

constexpr char kFooter[] =
    "Environment:\n"
    "  GETXAPI_API_KEY     your GetXAPI key (required by every command)\n"
    "  GETXAPI_AUTH_TOKEN  the X session `getxapi login` prints (required by dm commands)\n"
    "  GETXAPI_BASE_URL    where GetXAPI lives, e.g. a getxapi-sandbox (--base-url wins)\n"
    "  GETXAPI_PROGRESS_SECONDS  how often long runs print a progress line when stderr\n"
    "                      is not a terminal (default 10; 0: never)\n"
    "Secrets are read only from the environment, stdin and the file `getxapi auth login`\n"
    "writes ($XDG_CONFIG_HOME/getxapi/credentials.json), never from arguments; the\n"
    "environment wins over the file.\n"
    "\n"
    "Exit status: 0 success; 2 usage error, nothing was sent (bad flags, a missing key or\n"
    "token, an argument the library refuses); 1 any other failure. Failures print\n"
    "`error: <kCode>: message` on stderr, e.g. `error: kCannotDm: ...`.\n"
    "\n"
    "Try it against the sandbox:\n"
    "  getxapi-sandbox --port 8080 &\n"
    "  GETXAPI_API_KEY=any GETXAPI_BASE_URL=http://127.0.0.1:8080 getxapi user info ada_example\n"
    "\n"
    "Global options may also follow the command. Run `getxapi help COMMAND` (or\n"
    "`getxapi COMMAND --help`) for a command's options, `getxapi --help-all` for all of them.";

// CLI::PositiveNumber would quote DBL_MAX in its error message.
CLI::Validator positive_seconds() {
  return CLI::Validator(
      [](std::string& input) -> std::string {
        std::istringstream is(input);
        double seconds = 0;
        char trailing = 0;
        if ((is >> seconds) && !(is >> trailing) && seconds > 0 && std::isfinite(seconds)) {
          return "";
        }
        return "expected a positive number of seconds, got '" + input + "'";
      },
      "POSITIVE");
}

void add_global_options(CLI::App& app, GlobalOptions& global) {
  app.add_option("--base-url", global.base_url,
                 "GetXAPI base URL (default: $GETXAPI_BASE_URL, else https://api.getxapi.com)")
      ->type_name("URL");
  app.add_flag("--json", global.json,
               "Print one JSON object per line, with GetXAPI's own field names");
  app.add_flag("-v,--verbose", global.verbose,
               "Log every request and response on stderr (secrets masked)");
  app.add_option("--timeout", global.timeout_seconds, "Seconds allowed for each HTTP request")
      ->type_name("SECONDS")
      ->check(positive_seconds())
      ->capture_default_str();
}

std::vector<std::string> arguments(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (argv != nullptr && argv[i] != nullptr) args.emplace_back(argv[i]);
  }
  return args;
}

std::string version_text() {
  return std::string("getxapi ") + getxapi::version() + " (commit " GETXAPI_CLI_GIT_COMMIT ")";
}

void build_app(CLI::App& app, Context& ctx) {
  install_help_formatter(app);
  // Global options are accepted after the command too (`getxapi user info x --json`).
  app.fallthrough();
  // None selected: the command list (see run_cli).
  app.require_subcommand(0, 1);
  app.add_flag("--help-all", "Print the help of every command and exit");
  app.set_version_flag("--version", version_text());
  add_global_options(app, ctx.global);

  register_help(app, ctx);
  register_login(app, ctx);
  register_auth(app, ctx);
  register_user(app, ctx);
  register_follows(app, ctx);
  register_dm(app, ctx);
#ifdef GETXAPI_CLI_HAS_OUTREACH
  register_outreach(app, ctx);
#endif
#ifdef GETXAPI_CLI_HAS_OUTBOX
  register_outbox(app, ctx);
#endif
  register_completion(app, ctx);
  // After the commands, so they do not inherit it.
  app.footer(kFooter);
}

int parse_and_run(CLI::App& app, Context& ctx, std::vector<std::string> const& args) {
  auto const pre = precheck(app, args);
  ctx.global.json = pre.json;  // so usage errors take the --json form too
  switch (pre.kind) {
    case Precheck::Kind::kHelpAll:
      ctx.out << full_help(app);
      return kExitOk;
    case Precheck::Kind::kRootHelp:
      ctx.out << app.help();
      return kExitOk;
    case Precheck::Kind::kUsageError:
      ctx.print_error("kInvalidArgument", pre.message);
      return kExitUsage;
    case Precheck::Kind::kParse:
      break;
  }
  try {
    // CLI11 wants the arguments in reverse order.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (CLI::ParseError const& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      app.exit(e, ctx.out, ctx.err);  // --help, --version
      return kExitOk;
    }
    ctx.print_error("kInvalidArgument", e.what());
    if (!ctx.global.json) ctx.err << "Run `getxapi help` for usage.\n";
    return kExitUsage;
  }
  if (!ctx.scheduled()) {
    ctx.out << app.help();
    return kExitOk;
  }
  try {
    return ctx.scheduled()();
  } catch (UsageError const& e) {
    ctx.print_error("kInvalidArgument", e.what());
    return kExitUsage;
  } catch (CommandError const& e) {
    return ctx.fail(e.error());
  }
}

}  // namespace

int run_cli(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err) {
  RunOptions options;
  options.env = process_environment();
  options.stderr_is_tty = &err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
  options.stdin_is_tty = &in == &std::cin && ::isatty(STDIN_FILENO) == 1;
  return run_cli(argc, argv, in, out, err, options);
}

int run_cli(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err,
            RunOptions const& options) {
  try {
    Context ctx(out, err, in, options.env);
    ctx.err_is_terminal = options.stderr_is_tty;
    ctx.in_is_terminal = options.stdin_is_tty;
    if (options.now) ctx.now = options.now;
    CLI::App app(kDescription, "getxapi");
    build_app(app, ctx);
    return parse_and_run(app, ctx, arguments(argc, argv));
  } catch (std::exception const& e) {
    err << "error: kUnknown: " << e.what() << '\n';
    return kExitFailure;
  } catch (...) {
    err << "error: kUnknown: unexpected failure\n";
    return kExitFailure;
  }
}

}  // namespace getxapi::cli
