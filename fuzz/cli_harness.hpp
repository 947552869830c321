// The CLI fuzz target's work: argv from the input bytes split on NUL, run
// in-process through run_cli with no API key and a base URL on a closed
// loopback port, so nothing slow or external can happen. Checks: exit status
// is 0, 1 or 2, and nothing secret-looking given on stdin is echoed.
#pragma once

#include "cli.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace getxapi::fuzz {

inline constexpr char kCliStdinSecret[] = "cli-fuzz-password-91be";

inline void cli(std::uint8_t const* data, std::size_t size) {
  std::vector<std::string> args{"getxapi"};
  std::string current;
  for (std::size_t i = 0; i < size && args.size() < 64; ++i) {
    if (data[i] == 0) {
      args.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(static_cast<char>(data[i]));
    }
  }
  if (!current.empty() && args.size() < 64) args.push_back(std::move(current));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::istringstream in(std::string(kCliStdinSecret) + "\n");
  std::ostringstream out;
  std::ostringstream err;
  cli::RunOptions options;
  options.env["GETXAPI_BASE_URL"] = "http://127.0.0.1:9";
  int const status =
      cli::run_cli(static_cast<int>(args.size()), argv.data(), in, out, err, options);
  if (status < 0 || status > 2) {
    std::fprintf(stderr, "fuzz invariant violated: exit status %d\n", status);
    std::abort();
  }
  // Echoing argv is fine, so only an input without the secret counts.
  std::string_view const input(reinterpret_cast<char const*>(data), size);
  if (input.find(kCliStdinSecret) == std::string_view::npos &&
      (out.str().find(kCliStdinSecret) != std::string::npos ||
       err.str().find(kCliStdinSecret) != std::string::npos)) {
    std::fprintf(stderr, "fuzz invariant violated: stdin secret echoed\n");
    std::abort();
  }
}

}  // namespace getxapi::fuzz
