// The world data file (docs/sandbox.md "World data file format"): writing and reading it.
#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "internal.hpp"
#include "world.hpp"

namespace getxapi::sandbox {
namespace {

using detail::is_digits;
using detail::lower;

// ---- JSON helpers ------------------------------------------------------------------------

[[noreturn]] void fail(std::string const& where, std::string const& what) {
  throw std::runtime_error("world data: " + where + ": " + what);
}

std::string get_string(nlohmann::json const& j, char const* key, std::string const& where,
                       bool required, std::string fallback = {}) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) fail(where, std::string("missing \"") + key + "\"");
    return fallback;
  }
  if (!it->is_string()) fail(where, std::string("\"") + key + "\" must be a string");
  return it->get<std::string>();
}

std::optional<std::string> get_optional_string(nlohmann::json const& j, char const* key,
                                               std::string const& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) fail(where, std::string("\"") + key + "\" must be a string or null");
  return it->get<std::string>();
}

bool get_bool(nlohmann::json const& j, char const* key, std::string const& where, bool fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(where, std::string("\"") + key + "\" must be a boolean");
  return it->get<bool>();
}

std::int64_t get_int(nlohmann::json const& j, char const* key, std::string const& where,
                     std::int64_t fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) fail(where, std::string("\"") + key + "\" must be an integer");
  return it->get<std::int64_t>();
}

nlohmann::json nullable(std::optional<std::string> const& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json user_json(UserRecord const& u) {
  return {{"id", u.id},
          {"userName", u.user_name},
          {"name", u.name},
          {"description", u.description},
          {"location", u.location},
          {"url", u.website},
          {"protected", u.is_protected},
          {"isVerified", u.is_verified},
          {"isBlueVerified", u.is_blue_verified},
          {"verifiedType", nullable(u.verified_type)},
          {"canDm", u.can_dm},
          {"createdAt", format_iso_micro(u.created_at)},
          {"profilePicture", nullable(u.profile_picture)},
          {"coverPicture", nullable(u.cover_picture)},
          {"tweets", u.tweets},
          {"listed", u.listed},
          {"favouritesCount", u.favourites},
          {"mediaCount", u.media}};
}

nlohmann::json account_json(AccountRecord const& a) {
  return {{"userName", a.user_name},    {"password", a.password},
          {"auth_token", a.auth_token}, {"ct0", a.ct0},
          {"email", a.email},           {"tier", a.tier},
          {"daily_cap", a.daily_cap},   {"totp_required", a.totp_required},
          {"locked", a.locked}};
}

// Optional fields are written only when set, so hand-written files stay short.
nlohmann::json message_json(MessageRecord const& m) {
  nlohmann::json j = {{"id", std::to_string(m.id)},
                      {"createdAt", format_iso_ms(m.created_at_ms)},
                      {"senderId", m.sender_id},
                      {"recipientId", m.recipient_id}};
  j["text"] = m.text ? nlohmann::json(*m.text) : nlohmann::json(nullptr);
  if (m.edit_count != 0) j["edit_count"] = m.edit_count;
  if (m.reply_to) j["reply_to_message_id"] = std::to_string(*m.reply_to);
  if (m.media) j["media"] = {{"type", m.media->type}, {"url", m.media->url}};
  if (!m.links.empty()) {
    nlohmann::json links = nlohmann::json::array();
    for (auto const& l : m.links)
      links.push_back({{"url", l.url}, {"expanded_url", l.expanded_url}});
    j["links"] = std::move(links);
  }
  if (!m.reactions.empty()) {
    nlohmann::json reactions = nlohmann::json::array();
    for (auto const& r : m.reactions)
      reactions.push_back({{"emoji", r.emoji}, {"senderId", r.sender_id}});
    j["reactions"] = std::move(reactions);
  }
  return j;
}

// Indexes of the users read so far, for the sections that refer to them.
struct UserIndex {
  std::unordered_map<std::string, std::size_t> by_id;
  std::unordered_map<std::string, std::size_t> by_name;  // lower-cased
};

nlohmann::json const* section(nlohmann::json const& j, char const* key) {
  auto it = j.find(key);
  if (it == j.end()) return nullptr;
  if (!it->is_array()) fail(key, "must be an array");
  return &*it;
}

std::string entry_name(char const* key, std::size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

UserRecord read_user(nlohmann::json const& ju, std::string const& where) {
  if (!ju.is_object()) fail(where, "must be an object");
  UserRecord u;
  u.id = get_string(ju, "id", where, true);
  if (!is_digits(u.id)) fail(where, "\"id\" must be a decimal string");
  u.user_name = get_string(ju, "userName", where, true);
  if (u.user_name.empty()) fail(where, "\"userName\" must not be empty");
  u.name = get_string(ju, "name", where, false, u.user_name);
  u.description = get_string(ju, "description", where, false);
  u.location = get_string(ju, "location", where, false);
  u.website = get_string(ju, "url", where, false);
  u.is_protected = get_bool(ju, "protected", where, false);
  u.is_verified = get_bool(ju, "isVerified", where, false);
  u.is_blue_verified = get_bool(ju, "isBlueVerified", where, false);
  u.can_dm = get_bool(ju, "canDm", where, true);
  u.verified_type = get_optional_string(ju, "verifiedType", where);
  u.profile_picture = get_optional_string(ju, "profilePicture", where);
  u.cover_picture = get_optional_string(ju, "coverPicture", where);
  std::string const created = get_string(ju, "createdAt", where, false);
  if (!created.empty()) {
    auto t = parse_time_ms(created);
    if (!t) fail(where, "\"createdAt\" is neither ISO 8601 UTC nor Twitter style");
    u.created_at = *t / 1000;
  }
  u.tweets = get_int(ju, "tweets", where, 0);
  u.listed = get_int(ju, "listed", where, 0);
  u.favourites = get_int(ju, "favouritesCount", where, 0);
  u.media = get_int(ju, "mediaCount", where, 0);
  return u;
}

void read_users(nlohmann::json const& j, World& w, UserIndex& index) {
  auto users_it = j.find("users");
  if (users_it == j.end() || !users_it->is_array()) fail("top level", "missing \"users\" array");
  for (std::size_t i = 0; i < users_it->size(); ++i) {
    std::string const where = entry_name("users", i);
    UserRecord u = read_user((*users_it)[i], where);
    if (!index.by_id.emplace(u.id, i).second) fail(where, "duplicate id " + u.id);
    if (!index.by_name.emplace(lower(u.user_name), i).second) {
      fail(where, "duplicate userName " + u.user_name);
    }
    w.users.push_back(std::move(u));
  }
}

void read_follows(nlohmann::json const& j, World& w, UserIndex const& index) {
  auto const* follows = section(j, "follows");
  if (follows == nullptr) return;
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < follows->size(); ++i) {
    auto const& e = (*follows)[i];
    std::string const where = entry_name("follows", i);
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_string()) {
      fail(where, "must be [followerId, followeeId]");
    }
    auto from = e[0].get<std::string>(), to = e[1].get<std::string>();
    if (index.by_id.count(from) == 0) fail(where, "unknown user id " + from);
    if (index.by_id.count(to) == 0) fail(where, "unknown user id " + to);
    if (from == to) fail(where, "a user cannot follow itself");
    if (!seen.insert(from + ">" + to).second) fail(where, "duplicate follow");
    w.follows.emplace_back(std::move(from), std::move(to));
  }
}

AccountRecord read_account(nlohmann::json const& ja, std::string const& where, World const& w,
                           UserIndex const& index) {
  if (!ja.is_object()) fail(where, "must be an object");
  AccountRecord a;
  a.user_name = get_string(ja, "userName", where, true);
  auto u = index.by_name.find(lower(a.user_name));
  if (u == index.by_name.end()) fail(where, "no user named " + a.user_name);
  a.user_name = w.users[u->second].user_name;
  a.password = get_string(ja, "password", where, false, "sandbox-password");
  a.auth_token = get_string(ja, "auth_token", where, true);
  a.ct0 = get_string(ja, "ct0", where, false, "0123456789abcdef0123456789abcdef");
  a.email = get_string(ja, "email", where, false);
  a.tier = get_string(ja, "tier", where, false, "established");
  if (a.tier != "new" && a.tier != "established" && a.tier != "premium") {
    fail(where, "\"tier\" must be new, established or premium");
  }
  a.daily_cap = static_cast<int>(get_int(ja, "daily_cap", where, default_daily_cap(a.tier)));
  if (a.daily_cap < 0) fail(where, "\"daily_cap\" must not be negative");
  a.totp_required = get_bool(ja, "totp_required", where, false);
  a.locked = get_bool(ja, "locked", where, false);
  return a;
}

void read_accounts(nlohmann::json const& j, World& w, UserIndex const& index) {
  auto const* accounts = section(j, "accounts");
  if (accounts == nullptr) return;
  std::unordered_set<std::string> tokens;
  for (std::size_t i = 0; i < accounts->size(); ++i) {
    std::string const where = entry_name("accounts", i);
    AccountRecord a = read_account((*accounts)[i], where, w, index);
    if (a.auth_token.empty() || !tokens.insert(a.auth_token).second) {
      fail(where, "\"auth_token\" must be non-empty and unique");
    }
    w.accounts.push_back(std::move(a));
  }
}

std::uint64_t read_message_id(std::string const& id, std::string const& where, char const* key) {
  if (!is_digits(id) || id.size() > 19)
    fail(where, std::string("\"") + key + "\" must be a decimal string");
  return std::stoull(id);
}

void read_message_extras(nlohmann::json const& jm, std::string const& where, MessageRecord& m) {
  m.edit_count = static_cast<int>(get_int(jm, "edit_count", where, 0));
  if (m.edit_count < 0) fail(where, "\"edit_count\" must not be negative");
  if (auto r = get_optional_string(jm, "reply_to_message_id", where)) {
    m.reply_to = read_message_id(*r, where, "reply_to_message_id");
  }
  if (auto it = jm.find("media"); it != jm.end() && !it->is_null()) {
    if (!it->is_object()) fail(where, "\"media\" must be an object or null");
    m.media =
        MediaRecord{get_string(*it, "type", where, true), get_string(*it, "url", where, true)};
  }
  if (auto it = jm.find("links"); it != jm.end() && !it->is_null()) {
    if (!it->is_array()) fail(where, "\"links\" must be an array");
    for (auto const& l : *it) {
      std::string const url = get_string(l, "url", where, true);
      m.links.push_back({url, get_string(l, "expanded_url", where, false, url)});
    }
  }
  if (auto it = jm.find("reactions"); it != jm.end() && !it->is_null()) {
    if (!it->is_array()) fail(where, "\"reactions\" must be an array");
    for (auto const& r : *it) {
      m.reactions.push_back(
          {get_string(r, "emoji", where, true), get_string(r, "senderId", where, true)});
    }
  }
}

MessageRecord read_message(nlohmann::json const& jm, std::string const& where,
                           UserIndex const& index) {
  if (!jm.is_object()) fail(where, "must be an object");
  MessageRecord m;
  m.id = read_message_id(get_string(jm, "id", where, true), where, "id");
  auto t = parse_time_ms(get_string(jm, "createdAt", where, true));
  if (!t) fail(where, "\"createdAt\" must be ISO 8601 UTC");
  m.created_at_ms = *t;
  m.sender_id = get_string(jm, "senderId", where, true);
  m.recipient_id = get_string(jm, "recipientId", where, true);
  if (index.by_id.count(m.sender_id) == 0) fail(where, "unknown senderId " + m.sender_id);
  if (index.by_id.count(m.recipient_id) == 0) fail(where, "unknown recipientId " + m.recipient_id);
  // Present and null, or absent: a message the service could not decrypt.
  m.text = get_optional_string(jm, "text", where);
  read_message_extras(jm, where, m);
  return m;
}

void read_messages(nlohmann::json const& j, World& w, UserIndex const& index) {
  auto const* messages = section(j, "messages");
  if (messages == nullptr) return;
  for (std::size_t i = 0; i < messages->size(); ++i) {
    w.messages.push_back(read_message((*messages)[i], entry_name("messages", i), index));
  }
  std::sort(w.messages.begin(), w.messages.end(),
            [](MessageRecord const& a, MessageRecord const& b) { return a.id < b.id; });
  for (std::size_t i = 1; i < w.messages.size(); ++i) {
    if (w.messages[i].id == w.messages[i - 1].id) {
      fail("messages", "duplicate id " + std::to_string(w.messages[i].id));
    }
  }
}

void read_hidden(nlohmann::json const& j, World& w, UserIndex const& index) {
  auto const* hidden = section(j, "hidden");
  if (hidden == nullptr) return;
  for (std::size_t i = 0; i < hidden->size(); ++i) {
    std::string const where = entry_name("hidden", i);
    auto const& e = (*hidden)[i];
    if (!e.is_object()) fail(where, "must be an object");
    HiddenRecord h{get_string(e, "userId", where, true),
                   get_string(e, "conversation_id", where, true)};
    if (index.by_id.count(h.owner_id) == 0) fail(where, "unknown userId " + h.owner_id);
    w.hidden.push_back(std::move(h));
  }
}

}  // namespace

std::string conversation_id_of(std::string const& a, std::string const& b) {
  return detail::id_less(b, a) ? b + "-" + a : a + "-" + b;
}

int default_daily_cap(std::string const& tier) {
  if (tier == "new") return 500;
  if (tier == "premium") return 1500;
  return 1000;
}

nlohmann::json world_to_json(World const& w) {
  nlohmann::json users = nlohmann::json::array();
  for (auto const& u : w.users) users.push_back(user_json(u));
  nlohmann::json follows = nlohmann::json::array();
  for (auto const& [from, to] : w.follows) follows.push_back({from, to});
  nlohmann::json accounts = nlohmann::json::array();
  for (auto const& a : w.accounts) accounts.push_back(account_json(a));
  nlohmann::json messages = nlohmann::json::array();
  for (auto const& m : w.messages) messages.push_back(message_json(m));
  nlohmann::json hidden = nlohmann::json::array();
  for (auto const& h : w.hidden) {
    hidden.push_back({{"userId", h.owner_id}, {"conversation_id", h.conversation_id}});
  }
  return {{"format", "getxapi-sandbox-world"},
          {"version", 1},
          {"seed", w.seed},
          {"users", std::move(users)},
          {"follows", std::move(follows)},
          {"accounts", std::move(accounts)},
          {"messages", std::move(messages)},
          {"hidden", std::move(hidden)}};
}

World world_from_json(nlohmann::json const& j) {
  if (!j.is_object()) fail("top level", "must be a JSON object");
  if (get_int(j, "version", "top level", 1) != 1) fail("top level", "unsupported \"version\"");
  World w;
  auto seed_it = j.find("seed");
  if (seed_it != j.end() && seed_it->is_number_unsigned()) w.seed = seed_it->get<std::uint64_t>();
  UserIndex index;
  read_users(j, w, index);
  read_follows(j, w, index);
  read_accounts(j, w, index);
  read_messages(j, w, index);
  read_hidden(j, w, index);
  return w;
}

World load_world_file(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open world data file " + path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (nlohmann::json::exception const& e) {
    throw std::runtime_error("world data file " + path + " is not valid JSON: " + e.what());
  }
  return world_from_json(j);
}

}  // namespace getxapi::sandbox
