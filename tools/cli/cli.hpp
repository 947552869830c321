// The whole `getxapi` command line as a function, so tests and fuzzers drive it in-process.
#pragma once

#include "context.hpp"

#include <iosfwd>

namespace getxapi::cli {

/// How the command line sees its surroundings, for tests; `run_cli` without it reads the
/// process environment and asks the OS whether stdin/stderr are terminals.
struct RunOptions {
  Environment env;
  bool stderr_is_tty = false;
  bool stdin_is_tty = false;
  /// The clock of progress lines (empty: std::chrono::steady_clock).
  SteadyNow now;
};

/// Parses `argv`, runs the selected command and returns the exit status (0, 1 or 2).
/// No global state, never calls exit(), never throws.
int run_cli(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err);
int run_cli(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err,
            RunOptions const& options);

}  // namespace getxapi::cli
