#include <getxapi/client_options.hpp>

namespace getxapi {

std::string_view to_string(WaitReason reason) noexcept {
  switch (reason) {
    case WaitReason::kBackoff:
      return "backoff";
    case WaitReason::kRetryAfter:
      return "retry-after";
    case WaitReason::kRateLimit:
      return "rate-limit";
    case WaitReason::kSendDelay:
      return "send-delay";
  }
  return "?";
}

}  // namespace getxapi
