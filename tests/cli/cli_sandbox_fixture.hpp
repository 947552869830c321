// The fixture of the CLI e2e tests: run_cli in-process against one in-process sandbox.
#pragma once

#include "cli_test_support.hpp"
#include "sandbox.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace getxapi::cli::testing {

namespace fixed = getxapi::sandbox::fixed;

constexpr char kApiKey[] = "sk-cli-e2e-key-7Hq2Lm9Xz4";
constexpr char kTotpSecret[] = "JBSWY3DPEHPK3PXP";

class CliE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    getxapi::sandbox::SandboxOptions options;
    options.api_key = kApiKey;  // so a wrong or missing key is noticed
    sandbox_ = new getxapi::sandbox::Sandbox(options);
    sandbox_->start();
  }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }
  void SetUp() override { sandbox_->reset(); }

  static std::string url() { return sandbox_->base_url(); }

  RunOptions options(Environment overrides = {}) const {
    RunOptions o;
    o.env = {{"GETXAPI_API_KEY", kApiKey},
             {"GETXAPI_BASE_URL", url()},
             {"GETXAPI_AUTH_TOKEN", fixed::kAdaToken}};
    for (auto& [k, v] : overrides) o.env[k] = v;
    return o;
  }
  CliRun run(std::vector<std::string> args, Environment overrides = {},
             std::string const& stdin_text = "") const {
    return run_in_process(std::move(args), options(std::move(overrides)), stdin_text);
  }

  // Requests the sandbox received (admin calls excluded), optionally for one path.
  static nlohmann::json requests(std::string const& path = "") {
    return admin_get(url(),
                     path.empty() ? "/_sandbox/requests" : "/_sandbox/requests?path=" + path);
  }
  static void expect_nothing_sent() { EXPECT_EQ(requests().size(), 0u) << requests().dump(); }

  static inline getxapi::sandbox::Sandbox* sandbox_ = nullptr;
};

}  // namespace getxapi::cli::testing
