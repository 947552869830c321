#include "store/error.hpp"

namespace getxapi::store::internal {

void fail(ErrorCode code, std::string message) {
  throw StoreError(Error(code, std::move(message)));
}

}  // namespace getxapi::store::internal
