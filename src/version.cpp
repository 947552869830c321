#include <getxapi/version.hpp>

namespace getxapi {

char const* version() noexcept { return GETXAPI_VERSION_STRING; }

}  // namespace getxapi
