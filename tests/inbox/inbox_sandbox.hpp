// An in-process getxapi-sandbox for the watcher's tests: the shared admin calls
// (tests/support/sandbox_admin.hpp: the sandbox clock, per-path request counts)
// with the watcher's options.
#pragma once

#include "../support/sandbox_admin.hpp"
#include "sandbox.hpp"

#include <nlohmann/json.hpp>

namespace getxapi::inbox::testing {

using nlohmann::json;

class InboxSandbox : public getxapi::testing::SandboxAdmin {
 public:
  InboxSandbox() : SandboxAdmin(options()) {}

  static sandbox::SandboxOptions options() {
    sandbox::SandboxOptions o;
    o.threads = 16;
    o.dm_list_limit = 1'000'000;  // the watcher's own pacing is what is under test
    return o;
  }
};

}  // namespace getxapi::inbox::testing
