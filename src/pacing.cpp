#include <getxapi/pacing.hpp>

namespace getxapi {

int daily_send_cap(AccountTier tier) noexcept {
  switch (tier) {
    case AccountTier::kNew:
      return 500;
    case AccountTier::kEstablished:
      return 1000;
    case AccountTier::kPremium:
      return 1500;
  }
  return 500;
}

}  // namespace getxapi
