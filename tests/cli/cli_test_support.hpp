// Running the CLI in-process and asking the sandbox what it received.
#pragma once

#include "cli.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace getxapi::cli::testing {

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
  std::string all() const { return out + err; }
};

inline CliRun run_in_process(std::vector<std::string> args, RunOptions const& options,
                             std::string const& stdin_text = "") {
  args.insert(args.begin(), "getxapi");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::istringstream in(stdin_text);
  std::ostringstream out;
  std::ostringstream err;
  CliRun run;
  run.status = run_cli(static_cast<int>(args.size()), argv.data(), in, out, err, options);
  run.out = out.str();
  run.err = err.str();
  return run;
}

inline std::vector<std::string> lines(std::string const& text) {
  std::vector<std::string> result;
  std::istringstream is(text);
  for (std::string line; std::getline(is, line);) result.push_back(line);
  return result;
}

inline std::vector<nlohmann::json> json_lines(std::string const& text) {
  std::vector<nlohmann::json> result;
  for (auto const& line : lines(text)) result.push_back(nlohmann::json::parse(line));
  return result;
}

/// GET on the sandbox's admin API.
inline nlohmann::json admin_get(std::string const& base_url, std::string const& path) {
  httplib::Client client(base_url);
  auto res = client.Get(path.c_str());
  if (!res || res->status != 200) return nullptr;
  return nlohmann::json::parse(res->body);
}

inline bool admin_post(std::string const& base_url, std::string const& path,
                       nlohmann::json const& body) {
  httplib::Client client(base_url);
  auto res = client.Post(path.c_str(), body.dump(), "application/json");
  return res && res->status / 100 == 2;
}

}  // namespace getxapi::cli::testing
