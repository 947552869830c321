// Injected faults: their admin JSON, validation and the reply they produce.
#ifndef GETXAPI_SANDBOX_FAULTS_HPP_
#define GETXAPI_SANDBOX_FAULTS_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "internal.hpp"

namespace getxapi::sandbox::detail {

struct Fault {
  std::uint64_t id = 0;
  std::string path;
  std::optional<int> status;
  std::optional<json> body;
  std::optional<int> retry_after;
  int delay_ms = 0;
  bool malformed = false;
  bool drop = false;
  bool after_delivery = false;
  std::optional<std::int64_t> remaining;  // nullopt: until cleared (probability faults)
  std::optional<double> probability;
  std::uint64_t applied = 0;

  bool changes_response() const { return status || malformed || drop; }
  json to_json() const;
};

// Throws Rejection (400 "Invalid fault: ...") on anything the docs do not allow.
Fault parse_fault(json const& j);
// A POST /_sandbox/faults body: one fault, a JSON array, or {"faults": [...]}.
std::vector<Fault> parse_faults(json const& body);
Reply fault_reply(Fault const& f);

}  // namespace getxapi::sandbox::detail

#endif  // GETXAPI_SANDBOX_FAULTS_HPP_
