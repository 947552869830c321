#include <getxapi/endpoint.hpp>

#include <ostream>

namespace getxapi {

std::string_view endpoint_path(Endpoint endpoint) noexcept {
  switch (endpoint) {
    case Endpoint::kLogin:
      return "/twitter/user_login";
    case Endpoint::kUserInfo:
      return "/twitter/user/info";
    case Endpoint::kFollowers:
      return "/twitter/user/followers_v2";
    case Endpoint::kFollowing:
      return "/twitter/user/following_v2";
    case Endpoint::kDmSend:
      return "/twitter/dm/send";
    case Endpoint::kDmList:
      return "/twitter/dm/list";
    case Endpoint::kDmConversation:
      return "/twitter/dm/conversation";
  }
  return "";
}

std::string_view to_string(Endpoint endpoint) noexcept {
  switch (endpoint) {
    case Endpoint::kLogin:
      return "user_login";
    case Endpoint::kUserInfo:
      return "user/info";
    case Endpoint::kFollowers:
      return "followers_v2";
    case Endpoint::kFollowing:
      return "following_v2";
    case Endpoint::kDmSend:
      return "dm/send";
    case Endpoint::kDmList:
      return "dm/list";
    case Endpoint::kDmConversation:
      return "dm/conversation";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, Endpoint endpoint) { return os << to_string(endpoint); }

}  // namespace getxapi
