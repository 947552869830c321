/// @file
/// X users, as user/info, followers_v2 and following_v2 return them.
#pragma once

#include <getxapi/export.hpp>
#include <getxapi/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace getxapi {

/// An X user. Field names are the wire's camelCase in snake_case
/// (`userName` is `user_name`, `followers` is `followers_count`).
struct User {
  std::string id;         ///< Numeric id as a string; always present.
  std::string user_name;  ///< Handle without the '@'.
  std::string name;       ///< Display name.
  std::string description;
  std::string location;
  std::string url;
  bool is_protected = false;  ///< Wire `protected`.
  bool is_verified = false;
  bool is_blue_verified = false;
  std::int64_t followers_count = 0;  ///< Wire `followers`.
  std::int64_t following_count = 0;  ///< Wire `following`.
  /// Wire `createdAt`, in either format; nullopt when absent or unparseable.
  std::optional<Timestamp> created_at;
  std::string profile_picture;
  std::string cover_picture;
  bool can_dm = false;  ///< Whether the user accepts DMs (wire `canDm`).
  /// The user object exactly as received: every field, known or new.
  nlohmann::json raw;
};

/// One page of followers or following.
struct UserPage {
  std::vector<User> items;
  /// Cursor for the next page; empty on the last page.
  std::string next_cursor;
  bool has_more = false;
  /// The cursor this page was requested with (empty for the first page), so a
  /// caller can stop and come back to the same page later.
  std::string cursor;
  /// Wire `userName`: whose followers / following these are.
  std::string user_name;
  /// The whole response object as received, minus the items array.
  nlohmann::json raw;
};

/// `User{id=..., user_name=@..., can_dm=true}`.
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, User const& user);
GETXAPI_EXPORT std::ostream& operator<<(std::ostream& os, UserPage const& page);

}  // namespace getxapi
