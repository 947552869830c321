// The floor every benchmark compares the SDK's decode with: what a careful
// hand-written client does with a user/info body (nlohmann, copy the fields).
#pragma once

#include <getxapi/user.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace getxapi::bench {

/// Copies the fields the SDK decodes out of the `data` object `d`;
/// `created_at` receives the raw createdAt text (the SDK parses it).
inline User decode_user_by_hand(nlohmann::json const& d, std::string& created_at) {
  User user;
  user.id = d.value("id", "");
  user.user_name = d.value("userName", "");
  user.name = d.value("name", "");
  user.description = d.value("description", "");
  user.location = d.value("location", "");
  user.url = d.value("url", "");
  user.is_protected = d.value("protected", false);
  user.is_verified = d.value("isVerified", false);
  user.is_blue_verified = d.value("isBlueVerified", false);
  user.followers_count = d.value("followers", 0);
  user.following_count = d.value("following", 0);
  user.can_dm = d.value("canDm", false);
  created_at = d.value("createdAt", "");
  return user;
}

}  // namespace getxapi::bench
