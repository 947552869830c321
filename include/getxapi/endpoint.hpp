/// @file
/// The GetXAPI endpoints this SDK calls, for per-endpoint limits, prices and stats.
#pragma once

#include <getxapi/export.hpp>

#include <array>
#include <iosfwd>
#include <string_view>

namespace getxapi {

enum class Endpoint {
  kLogin,      ///< POST /twitter/user_login
  kUserInfo,   ///< GET  /twitter/user/info
  kFollowers,  ///< GET  /twitter/user/followers_v2
  kFollowing,  ///< GET  /twitter/user/following_v2
  kDmSend,     ///< POST /twitter/dm/send
  kDmList,     ///< POST /twitter/dm/list
  /// POST /twitter/dm/conversation. Last, so arrays indexed by the older
  /// endpoints keep their layout.
  kDmConversation,
};

inline constexpr std::size_t kEndpointCount = 7;
inline constexpr std::array<Endpoint, kEndpointCount> kAllEndpoints = {
    Endpoint::kLogin,  Endpoint::kUserInfo, Endpoint::kFollowers,     Endpoint::kFollowing,
    Endpoint::kDmSend, Endpoint::kDmList,   Endpoint::kDmConversation};

/// The URL path, e.g. "/twitter/dm/send".
GETXAPI_EXPORT std::string_view endpoint_path(Endpoint endpoint) noexcept;
/// A short name, e.g. "dm/send".
GETXAPI_EXPORT std::string_view to_string(Endpoint endpoint) noexcept;
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, Endpoint endpoint);

}  // namespace getxapi
