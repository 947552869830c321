// One libFuzzer entry point; CMake builds it once per target with
// GETXAPI_FUZZ_FUNCTION naming the harness function (see harness.hpp).
#include "harness.hpp"
#ifdef GETXAPI_FUZZ_CLI
#include "cli_harness.hpp"
#endif

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  getxapi::fuzz::GETXAPI_FUZZ_FUNCTION(data, size);
  return 0;
}
