#include "cli.hpp"
#include "commands.hpp"

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
    "Secrets are read only from the environment and stdin, never from arguments.\n"
    "\n"
    "Exit status: 0 success; 2 usage error, nothing was sent (bad flags, a missing key or\n"
    "token, an argument the library refuses); 1 any other failure. Failures print\n"
    "`error: <kCode>: message` on stderr, e.g. `error: kCannotDm: ...`.\n"
    "\n"
    "Try it against the sandbox:\n"
    "  getxapi-sandbox --port 8080 &\n"
    "  GETXAPI_API_KEY=any GETXAPI_BASE_URL=http://127.0.0.1:8080 getxapi user info ada_example\n"
    "\n"
    "Global options may also follow the command. Run `getxapi COMMAND --help` for a\n"
    "command's options, `getxapi --help-all` for all of them.";

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

// CLI11 wants the arguments in reverse order, without the program name.
std::vector<std::string> reversed_arguments(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) {
    if (argv != nullptr && argv[i] != nullptr) args.emplace_back(argv[i]);
  }
  return args;
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

    CLI::App app(kDescription, "getxapi");
    // Global options are accepted after the command too (`getxapi user info x --json`).
    app.fallthrough();
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Print the help of every command and exit");
    app.set_version_flag("--version", std::string("getxapi ") + getxapi::version());
    add_global_options(app, ctx.global);

    register_login(app, ctx);
    register_user(app, ctx);
    register_follows(app, ctx);
    register_dm(app, ctx);
#ifdef GETXAPI_CLI_HAS_OUTREACH
    register_outreach(app, ctx);
#endif
#ifdef GETXAPI_CLI_HAS_OUTBOX
    register_outbox(app, ctx);
#endif
    // After the commands, so they do not inherit it.
    app.footer(kFooter);

    try {
      auto args = reversed_arguments(argc, argv);
      app.parse(args);
    } catch (CLI::ParseError const& e) {
      if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
        app.exit(e, out, err);  // --help, --help-all, --version
        return kExitOk;
      }
      ctx.print_error("kInvalidArgument", e.what());
      err << "Run `getxapi --help` for usage.\n";
      return kExitUsage;
    }

    if (!ctx.scheduled()) {
      ctx.print_error("kInvalidArgument", "no command given");
      return kExitUsage;
    }
    try {
      return ctx.scheduled()();
    } catch (UsageError const& e) {
      ctx.print_error("kInvalidArgument", e.what());
      return kExitUsage;
    }
  } catch (std::exception const& e) {
    err << "error: kUnknown: " << e.what() << '\n';
    return kExitFailure;
  } catch (...) {
    err << "error: kUnknown: unexpected failure\n";
    return kExitFailure;
  }
}

}  // namespace getxapi::cli
