// getxapi-sandbox: serves the GetXAPI DM wire contract from an in-memory world.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <pthread.h>

#include <CLI/CLI.hpp>

#include "sandbox.hpp"

int main(int argc, char** argv) {
  CLI::App app{"getxapi-sandbox: a stateful local GetXAPI emulator with fault injection"};
  getxapi::sandbox::SandboxOptions options;
  std::uint64_t seed = 0;
  std::string dump_file;
  app.add_option("--host", options.host, "Address to bind")->capture_default_str();
  app.add_option("--port", options.port, "Port to bind, 0 for an ephemeral one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  // Not CLI::ExistingFile: a missing or unreadable file is a start-up failure (exit 1, as
  // docs/sandbox.md says), not a usage error.
  auto* data = app.add_option("--data", options.data_file, "World data file (JSON)");
  auto* seed_opt = app.add_option("--seed", seed, "Generate a random world from this seed");
  data->excludes(seed_opt);
  app.add_option("--api-key", options.api_key,
                 "Accept only this API key (default: any non-empty Bearer key)");
  app.add_flag("--log-requests", options.log_requests,
               "Print one masked line per request on stderr");
  app.add_option("--dump-world", dump_file,
                 "Write the world data file to FILE ('-' for stdout) and exit");
  app.set_version_flag("--version", std::string("getxapi-sandbox ") + GETXAPI_SANDBOX_VERSION,
                       "Print the version and exit");
  app.footer(
      "Serves the GetXAPI wire contract on http://HOST:PORT from an in-memory world; the\n"
      "first stdout line is 'listening on http://HOST:PORT'. Admin API under /_sandbox/.\n"
      "Exit status: 0 on SIGINT/SIGTERM, 1 on a start-up failure (port in use, unreadable\n"
      "data file), 2 on a usage error. Documentation: docs/sandbox.md.");
  try {
    app.parse(argc, argv);
  } catch (CLI::ParseError const& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*seed_opt) options.seed = seed;

  // Block the signals before any server thread exists so that they inherit the mask and
  // only sigwait() below sees SIGINT/SIGTERM: shutdown then runs on a normal thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    getxapi::sandbox::Sandbox sandbox(options);
    if (!dump_file.empty()) {
      std::string const text = sandbox.dump_world() + "\n";
      if (dump_file == "-") {
        std::cout << text << std::flush;
      } else {
        std::ofstream out(dump_file, std::ios::binary);
        out << text;
        if (!out.flush()) {
          std::cerr << "getxapi-sandbox: error: cannot write " << dump_file << "\n";
          return 1;
        }
      }
      return 0;
    }
    int const port = sandbox.start();
    std::string host = options.host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    std::cout << "listening on http://" << host << ":" << port << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    std::cerr << "getxapi-sandbox: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
              << ", shutting down\n";
    sandbox.stop();
  } catch (std::exception const& e) {
    std::cerr << "getxapi-sandbox: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
