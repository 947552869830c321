// The sandbox's in-memory world: users, follower graph, login accounts and inbox history,
// plus its deterministic generator and its JSON data-file format (docs/sandbox.md).
#ifndef GETXAPI_SANDBOX_WORLD_HPP_
#define GETXAPI_SANDBOX_WORLD_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace getxapi::sandbox {

// The seed of the built-in default world; changing it changes every generated user, so it is
// part of the contract other tests rely on.
inline constexpr std::uint64_t kDefaultWorldSeed = 20260302;

struct UserRecord {
  std::string id;
  std::string user_name;
  std::string name;
  std::string description;
  std::string location;
  std::string website;  // user/info "url"; pages show the profile URL instead
  bool is_protected = false;
  bool is_verified = false;
  bool is_blue_verified = false;
  bool can_dm = true;
  std::optional<std::string> verified_type;
  std::optional<std::string> profile_picture;
  std::optional<std::string> cover_picture;
  std::int64_t created_at = 0;  // unix seconds
  std::int64_t tweets = 0;
  std::int64_t listed = 0;
  std::int64_t favourites = 0;
  std::int64_t media = 0;
};

struct AccountRecord {
  std::string user_name;
  std::string password;
  std::string auth_token;
  std::string ct0;
  std::string email;
  std::string tier;  // "new", "established" or "premium"
  int daily_cap = 1000;
  bool totp_required = false;
  bool locked = false;
};

struct MediaRecord {
  std::string type;  // photo, video or gif
  std::string url;
};

struct LinkRecord {
  std::string url;  // the t.co link
  std::string expanded_url;
};

struct ReactionRecord {
  std::string emoji;
  std::string sender_id;
};

struct MessageRecord {
  std::uint64_t id = 0;
  std::int64_t created_at_ms = 0;
  std::string sender_id;
  std::string recipient_id;
  std::optional<std::string> text;  // nullopt: the service could not decrypt it
  int edit_count = 0;
  std::optional<std::uint64_t> reply_to;
  std::optional<MediaRecord> media;
  std::vector<LinkRecord> links;
  std::vector<ReactionRecord> reactions;
};

// A conversation that X filed under the owner's `hidden` tab (a low-quality request).
struct HiddenRecord {
  std::string owner_id;
  std::string conversation_id;
};

struct World {
  std::uint64_t seed = kDefaultWorldSeed;
  std::vector<UserRecord> users;
  // (follower id, followee id), oldest follow first; pages list the newest first.
  std::vector<std::pair<std::string, std::string>> follows;
  std::vector<AccountRecord> accounts;
  std::vector<MessageRecord> messages;  // ascending id
  std::vector<HiddenRecord> hidden;
};

// "<smaller id>-<larger id>", the shape X gives one-to-one conversation ids.
std::string conversation_id_of(std::string const& a, std::string const& b);

// Deterministic for a given seed on every platform (own PRNG, no std distributions).
World generate_world(std::uint64_t seed);

nlohmann::json world_to_json(World const& world);
// Throws std::runtime_error naming the offending entry.
World world_from_json(nlohmann::json const& json);
World load_world_file(std::string const& path);

int default_daily_cap(std::string const& tier);

// Time formats of the wire contract.
std::string format_iso_micro(std::int64_t unix_seconds);  // 2021-01-01T23:45:21.000000Z
std::string format_twitter(std::int64_t unix_seconds);    // Tue Dec 02 04:25:09 +0000 2025
std::string format_iso_ms(std::int64_t unix_ms);          // 2026-03-02T10:11:12.345Z
// Accepts ISO 8601 UTC (any fraction) and the Twitter style; nullopt if neither.
std::optional<std::int64_t> parse_time_ms(std::string const& text);

}  // namespace getxapi::sandbox

#endif  // GETXAPI_SANDBOX_WORLD_HPP_
