#include "sandbox.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#ifdef __linux__
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

#include "world.hpp"

namespace getxapi::sandbox {
namespace {

using json = nlohmann::json;

constexpr std::size_t kPageSize = 70;
constexpr std::size_t kMaxLoggedRequests = 10000;
constexpr std::size_t kMaxLoggedRawBody = 4096;
constexpr std::size_t kMaxDmLength = 10000;
constexpr std::int64_t kDayMs = 86400 * 1000LL;
constexpr char kInvalidApiKey[] = "Invalid or missing API key";
constexpr char kInvalidAuthToken[] = "Invalid auth_token - could not extract userId";
// Cursors carry a keyed checksum so that hand-made or stale-kind cursors are refused like the
// real service refuses them, rather than silently treated as offsets.
constexpr char kCursorKey[] = "getxapi-sandbox-cursor-v1";

// ---- small helpers -----------------------------------------------------------------------

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool starts_with(std::string const& s, std::string const& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool is_digits(std::string const& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string trim(std::string const& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::uint64_t fnv1a(std::string const& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url_encode(std::string const& in) {
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kB64[(buf >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kB64[(buf << (6 - bits)) & 0x3f];
  return out;
}

std::optional<std::string> b64url_decode(std::string const& in) {
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    char const* p = std::strchr(kB64, c);
    if (c == '\0' || p == nullptr) return std::nullopt;
    buf = (buf << 6) | static_cast<std::uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  return out;
}

bool valid_base32(std::string const& raw) {
  std::string s;
  for (char c : raw) {
    if (c != ' ' && c != '-') s += c;
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
  });
}

// Key names whose values never leave the sandbox in logs or in /_sandbox/requests.
bool is_secret_key(std::string const& key) {
  static std::vector<std::string> const kSecrets = {
      "auth_token", "password", "totp_secret", "ct0",   "authorization",
      "api_key",    "apikey",   "x-api-key",   "token", "access_token"};
  std::string const k = lower(key);
  return std::find(kSecrets.begin(), kSecrets.end(), k) != kSecrets.end();
}

void mask_json(json& j) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (is_secret_key(it.key())) {
        if (!it.value().is_null()) it.value() = "***";
      } else {
        mask_json(it.value());
      }
    }
  } else if (j.is_array()) {
    for (auto& e : j) mask_json(e);
  }
}

// Bodies that are not JSON (form posts, broken JSON) still get their secrets blanked.
std::string mask_text(std::string text) {
  static std::regex const kJsonish(
      R"re(("(?:auth_token|password|totp_secret|ct0|api_key|token)"\s*:\s*)"(?:[^"\\]|\\.)*")re",
      std::regex::icase);
  static std::regex const kForm(
      R"re(((?:^|[&?\s])(?:auth_token|password|totp_secret|ct0|api_key|token)=)[^&\s]*)re",
      std::regex::icase);
  text = std::regex_replace(text, kJsonish, "$1\"***\"");
  text = std::regex_replace(text, kForm, "$1***");
  if (text.size() > kMaxLoggedRawBody) text = text.substr(0, kMaxLoggedRawBody) + "...";
  return text;
}

std::string default_error_for(int status) {
  switch (status) {
    case 400:
      return "Bad request";
    case 401:
      return kInvalidApiKey;
    case 403:
      return "Forbidden";
    case 404:
      return "Not found";
    case 408:
      return "Request timeout";
    case 410:
      return "User has been suspended";
    case 422:
      return "Login did not complete";
    case 423:
      return "Account locked, unlock it, then retry.";
    case 429:
      return "Please try again shortly.";
    case 500:
      return "Internal server error";
    case 502:
      return "Bad gateway";
    case 503:
      return "Service temporarily unavailable. Try again shortly.";
    case 504:
      return "Gateway timeout";
    default:
      return "Sandbox fault (status " + std::to_string(status) + ")";
  }
}

// ---- replies -----------------------------------------------------------------------------

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  bool drop = false;
};

Reply json_reply(int status, json const& body) {
  Reply r;
  r.status = status;
  r.body = body.dump();
  return r;
}

Reply error_reply(int status, std::string const& message, json extra = json::object()) {
  json body = {{"error", message}};
  for (auto it = extra.begin(); it != extra.end(); ++it) body[it.key()] = it.value();
  return json_reply(status, body);
}

// Signals a 4xx from deep inside a handler without threading Reply through every helper.
struct Rejection {
  Reply reply;
};

[[noreturn]] void reject(int status, std::string const& message, json extra = json::object()) {
  throw Rejection{error_reply(status, message, std::move(extra))};
}

// ---- faults ------------------------------------------------------------------------------

struct Fault {
  std::uint64_t id = 0;
  std::string path;
  std::optional<int> status;
  std::optional<json> body;
  std::optional<int> retry_after;
  int delay_ms = 0;
  bool malformed = false;
  bool drop = false;
  bool after_delivery = false;
  std::optional<std::int64_t> remaining;  // nullopt: until cleared (probability faults)
  std::optional<double> probability;
  std::uint64_t applied = 0;

  bool changes_response() const { return status || malformed || drop; }

  json to_json() const {
    json j = {{"id", id},
              {"path", path},
              {"delay_ms", delay_ms},
              {"malformed", malformed},
              {"drop", drop},
              {"after_delivery", after_delivery},
              {"applied", applied}};
    j["status"] = status ? json(*status) : json(nullptr);
    j["body"] = body ? *body : json(nullptr);
    j["retry_after"] = retry_after ? json(*retry_after) : json(nullptr);
    j["remaining"] = remaining ? json(*remaining) : json(nullptr);
    j["probability"] = probability ? json(*probability) : json(nullptr);
    return j;
  }
};

Fault parse_fault(json const& j) {
  auto bad = [](std::string const& m) { reject(400, "Invalid fault: " + m); };
  if (!j.is_object()) bad("each fault must be a JSON object");
  static std::vector<std::string> const kKeys = {
      "path",      "status", "body",  "retry_after",    "delay_ms",
      "malformed", "drop",   "count", "after_delivery", "probability"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(kKeys.begin(), kKeys.end(), it.key()) == kKeys.end()) {
      bad("unknown key \"" + it.key() + "\"");
    }
  }
  Fault f;
  auto path = j.find("path");
  if (path == j.end() || !path->is_string()) bad("\"path\" (string) is required");
  f.path = path->get<std::string>();
  if (f.path != "*" && !starts_with(f.path, "/")) bad("\"path\" must start with / or be *");
  if (starts_with(f.path, "/_sandbox")) bad("admin paths cannot be faulted");
  auto get_bool = [&](char const* k) {
    auto it = j.find(k);
    if (it == j.end() || it->is_null()) return false;
    if (!it->is_boolean()) bad(std::string("\"") + k + "\" must be a boolean");
    return it->get<bool>();
  };
  auto get_int = [&](char const* k, std::int64_t lo, std::int64_t hi) -> std::optional<int> {
    auto it = j.find(k);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer() || it->get<std::int64_t>() < lo || it->get<std::int64_t>() > hi) {
      bad(std::string("\"") + k + "\" must be an integer in [" + std::to_string(lo) + ", " +
          std::to_string(hi) + "]");
    }
    return static_cast<int>(it->get<std::int64_t>());
  };
  f.status = get_int("status", 100, 599);
  f.retry_after = get_int("retry_after", 0, std::int64_t{86400} * 7);
  f.delay_ms = get_int("delay_ms", 0, 120000).value_or(0);
  f.malformed = get_bool("malformed");
  f.drop = get_bool("drop");
  f.after_delivery = get_bool("after_delivery");
  if (auto it = j.find("body"); it != j.end() && !it->is_null()) {
    if (!it->is_object() && !it->is_string()) bad("\"body\" must be an object or a string");
    f.body = *it;
  }
  auto count = get_int("count", 1, 1000000000);
  if (auto it = j.find("probability"); it != j.end() && !it->is_null()) {
    if (!it->is_number() || it->get<double>() <= 0.0 || it->get<double>() > 1.0) {
      bad("\"probability\" must be a number in (0, 1]");
    }
    f.probability = it->get<double>();
  }
  if (count) {
    f.remaining = *count;
  } else if (!f.probability) {
    f.remaining = 1;
  }
  if (f.malformed && f.drop) bad("\"malformed\" and \"drop\" exclude each other");
  if ((f.body || f.retry_after) && !f.status && !f.malformed) {
    bad("\"body\" and \"retry_after\" need a \"status\"");
  }
  if (!f.changes_response() && f.delay_ms == 0) {
    bad("a fault needs at least one of status, malformed, drop, delay_ms");
  }
  if (f.after_delivery && !f.changes_response()) {
    bad("\"after_delivery\" needs a status, malformed or drop");
  }
  return f;
}

Reply fault_reply(Fault const& f) {
  Reply r;
  if (f.drop) {
    r.status = f.status.value_or(200);
    r.drop = true;
    r.body = R"({"error":"connection dropped by sandbox fault"})";
    return r;
  }
  if (f.malformed) {
    r.status = f.status.value_or(200);
    // Looks like the start of a success body, then stops: a proxy cutting the stream.
    r.body = R"({"status":"success","msg":"success","data":{"id":"17000000)";
    return r;
  }
  r.status = *f.status;
  if (f.body && f.body->is_string()) {
    r.body = f.body->get<std::string>();
    r.content_type = starts_with(r.body, "<") ? "text/html; charset=utf-8" : "text/plain";
  } else {
    json body = f.body ? *f.body : json{{"error", default_error_for(r.status)}};
    if (f.retry_after) body["retry_after"] = *f.retry_after;
    r.body = body.dump();
  }
  if (f.retry_after) r.headers.emplace_back("Retry-After", std::to_string(*f.retry_after));
  return r;
}

// ---- connection dropping -----------------------------------------------------------------

// httplib 0.11 does not hand handlers their socket. To make "drop" mean what a client sees
// when a proxy dies (EOF before any response byte), find our accepted socket for this peer
// and shut it down; httplib then fails to write and closes it. Returns the number shut down.
int shutdown_accepted_sockets(int local_port, int peer_port) {
  int n = 0;
#ifdef __linux__
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  auto port_of = [](sockaddr_storage const& a) -> int {
    if (a.ss_family == AF_INET) {
      return ntohs(reinterpret_cast<sockaddr_in const&>(a).sin_port);
    }
    if (a.ss_family == AF_INET6) {
      return ntohs(reinterpret_cast<sockaddr_in6 const&>(a).sin6_port);
    }
    return -1;
  };
  while (dirent* e = readdir(dir)) {
    if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
    int const fd = std::atoi(e->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t len = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) continue;
    if (port_of(local) != local_port) continue;
    len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    if (peer_port >= 0 && port_of(peer) != peer_port) continue;
    if (::shutdown(fd, SHUT_RDWR) == 0) ++n;
  }
  closedir(dir);
#else
  (void)local_port;
  (void)peer_port;
#endif
  return n;
}

// httplib 0.11 listens with a backlog of 5 (compiled into Debian's .so): a burst of concurrent
// clients overflows it and waits a full SYN retransmit (~1 s). Widen it on the bound socket.
class Server : public httplib::Server {
 public:
  void widen_backlog() {
#ifdef __linux__
    auto const fd = svr_sock_.load();
    if (fd != INVALID_SOCKET) ::listen(fd, SOMAXCONN);
#endif
  }
};

// ---- world state -------------------------------------------------------------------------

struct State {
  std::vector<UserRecord> users;
  std::unordered_map<std::string, std::size_t> by_id;
  std::unordered_map<std::string, std::size_t> by_name;  // lower-cased userName
  std::vector<std::vector<std::size_t>> followers;       // newest first
  std::vector<std::vector<std::size_t>> following;       // newest first
  std::vector<AccountRecord> accounts;
  std::unordered_map<std::string, std::size_t> account_by_token;
  std::unordered_map<std::string, std::size_t> account_by_name;
  std::vector<MessageRecord> messages;  // ascending id
  // Inboxes exist for every user, created on first use, holding indexes into `messages`.
  std::unordered_map<std::string, std::vector<std::size_t>> inbox;
  std::vector<std::size_t> delivered;  // sent through dm/send since the last reset
  std::uint64_t next_message_id = 2000000000000000001ULL;
  std::unordered_map<std::string, std::pair<std::int64_t, int>> daily;   // sender: (day, sent)
  std::unordered_map<std::string, std::deque<std::int64_t>> list_calls;  // token: call times

  void load(World const& w) {
    *this = State{};
    users = w.users;
    for (std::size_t i = 0; i < users.size(); ++i) {
      by_id.emplace(users[i].id, i);
      by_name.emplace(lower(users[i].user_name), i);
    }
    followers.assign(users.size(), {});
    following.assign(users.size(), {});
    for (auto it = w.follows.rbegin(); it != w.follows.rend(); ++it) {
      std::size_t const from = by_id.at(it->first), to = by_id.at(it->second);
      followers[to].push_back(from);
      following[from].push_back(to);
    }
    accounts = w.accounts;
    for (std::size_t i = 0; i < accounts.size(); ++i) {
      account_by_token.emplace(accounts[i].auth_token, i);
      account_by_name.emplace(lower(accounts[i].user_name), i);
    }
    messages = w.messages;
    for (std::size_t i = 0; i < messages.size(); ++i) index_message(i);
    if (!messages.empty()) {
      next_message_id = std::max(next_message_id, messages.back().id + 1);
    }
  }

  void index_message(std::size_t i) {
    auto const& m = messages[i];
    inbox[m.sender_id].push_back(i);
    if (m.recipient_id != m.sender_id) inbox[m.recipient_id].push_back(i);
  }

  UserRecord const* find_user_by_name(std::string const& name) const {
    auto it = by_name.find(lower(name));
    return it == by_name.end() ? nullptr : &users[it->second];
  }
  UserRecord const* find_user_by_id(std::string const& id) const {
    auto it = by_id.find(id);
    return it == by_id.end() ? nullptr : &users[it->second];
  }
};

json user_info_json(State const& s, std::size_t i) {
  auto const& u = s.users[i];
  auto nullable = [](std::optional<std::string> const& v) { return v ? json(*v) : json(nullptr); };
  return {{"type", "user"},
          {"id", u.id},
          {"name", u.name},
          {"userName", u.user_name},
          {"location", u.location},
          {"url", u.website},
          {"description", u.description},
          {"protected", u.is_protected},
          {"isVerified", u.is_verified},
          {"isBlueVerified", u.is_blue_verified},
          {"verifiedType", nullable(u.verified_type)},
          {"followers", s.followers[i].size()},
          {"following", s.following[i].size()},
          {"favouritesCount", u.favourites},
          {"statusesCount", u.tweets},
          {"mediaCount", u.media},
          {"createdAt", format_iso_micro(u.created_at)},
          {"coverPicture", nullable(u.cover_picture)},
          {"profilePicture", nullable(u.profile_picture)},
          {"canDm", u.can_dm},
          {"pinnedTweetIds", json::array()}};
}

json page_user_json(State const& s, std::size_t i) {
  auto const& u = s.users[i];
  auto nullable = [](std::optional<std::string> const& v) { return v ? json(*v) : json(nullptr); };
  return {{"type", "user"},
          {"id", u.id},
          {"userName", u.user_name},
          {"name", u.name},
          {"url", "https://x.com/" + u.user_name},
          {"protected", u.is_protected},
          {"isVerified", u.is_verified},
          {"isBlueVerified", u.is_blue_verified},
          {"profilePicture", nullable(u.profile_picture)},
          {"coverPicture", nullable(u.cover_picture)},
          {"description", u.description},
          {"location", u.location},
          {"followers", s.followers[i].size()},
          {"following", s.following[i].size()},
          {"tweets", u.tweets},
          {"listed", u.listed},
          {"createdAt", format_twitter(u.created_at)},
          {"canDm", u.can_dm}};
}

std::string make_cursor(char kind, std::string const& owner, std::uint64_t pos) {
  std::string const payload = std::string(1, kind) + ":" + owner + ":" + std::to_string(pos);
  char mac[17];
  std::snprintf(mac, sizeof mac, "%016llx",
                static_cast<unsigned long long>(fnv1a(kCursorKey + payload)));
  return "DAAB" + b64url_encode(payload + ":" + mac);
}

std::optional<std::uint64_t> read_cursor(std::string const& cursor, char kind,
                                         std::string const& owner) {
  if (!starts_with(cursor, "DAAB")) return std::nullopt;
  auto raw = b64url_decode(cursor.substr(4));
  if (!raw) return std::nullopt;
  auto const last = raw->rfind(':');
  if (last == std::string::npos) return std::nullopt;
  std::string const payload = raw->substr(0, last);
  char mac[17];
  std::snprintf(mac, sizeof mac, "%016llx",
                static_cast<unsigned long long>(fnv1a(kCursorKey + payload)));
  if (raw->substr(last + 1) != mac) return std::nullopt;
  std::string const prefix = std::string(1, kind) + ":" + owner + ":";
  if (!starts_with(payload, prefix)) return std::nullopt;
  std::string const pos = payload.substr(prefix.size());
  if (!is_digits(pos) || pos.size() > 19) return std::nullopt;
  return std::stoull(pos);
}

json message_json(State const& s, MessageRecord const& m, bool with_media) {
  json j = {{"id", std::to_string(m.id)},
            {"createdAt", format_iso_ms(m.created_at_ms)},
            {"senderId", m.sender_id},
            {"recipientId", m.recipient_id},
            {"text", m.text}};
  if (auto const* r = s.find_user_by_id(m.recipient_id)) j["recipient_username"] = r->user_name;
  if (with_media) j["media"] = nullptr;
  return j;
}

}  // namespace

// ---- the server --------------------------------------------------------------------------

struct Sandbox::Impl {
  SandboxOptions options;
  World world;

  mutable std::mutex mu;
  State state;
  std::vector<Fault> faults;
  std::uint64_t next_fault_id = 1;
  std::uint64_t fault_rng;
  std::deque<json> requests;
  std::uint64_t next_request_seq = 1;
  std::map<std::string, std::map<int, std::uint64_t>> stats;
  std::uint64_t total_requests = 0;
  std::uint64_t faults_applied = 0;
  std::atomic<std::int64_t> clock_offset_ms{0};

  std::mutex run_mu;
  std::condition_variable run_cv;
  std::unique_ptr<Server> server;
  std::thread listener;
  std::atomic<int> bound_port{0};
  bool running = false;

  explicit Impl(SandboxOptions o) : options(std::move(o)), fault_rng(options.fault_seed) {
    if (!options.data_file.empty() && options.seed) {
      throw std::runtime_error("choose either a data file or a seed, not both");
    }
    if (!options.data_file.empty()) {
      world = load_world_file(options.data_file);
    } else {
      world = generate_world(options.seed.value_or(kDefaultWorldSeed));
    }
    state.load(world);
  }

  std::int64_t now_ms() const {
    auto const real = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    return real + clock_offset_ms.load();
  }

  json time_json() const {
    std::int64_t const now = now_ms();
    return {{"now", format_iso_ms(now)},
            {"epoch_ms", now},
            {"offset_seconds", clock_offset_ms.load() / 1000}};
  }

  void reset() {
    std::lock_guard<std::mutex> lock(mu);
    state.load(world);
    faults.clear();
    next_fault_id = 1;
    fault_rng = options.fault_seed;
    requests.clear();
    next_request_seq = 1;
    stats.clear();
    total_requests = 0;
    faults_applied = 0;
    clock_offset_ms = 0;
  }

  double next_random() {  // splitmix64 in [0, 1), under mu
    std::uint64_t z = (fault_rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) / 9007199254740992.0;
  }

  // Picks (and consumes one use of) the first fault matching this path.
  std::optional<Fault> take_fault(std::string const& path) {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (it->path != "*" && it->path != path) continue;
      if (it->probability && next_random() >= *it->probability) continue;
      ++it->applied;
      ++faults_applied;
      Fault applied = *it;
      if (it->remaining && --*it->remaining <= 0) faults.erase(it);
      return applied;
    }
    return std::nullopt;
  }

  // ---- request plumbing ----

  void check_api_key(httplib::Request const& req) const {
    std::string const header = req.get_header_value("Authorization");
    std::string key;
    if (header.size() > 7 && lower(header.substr(0, 7)) == "bearer ") key = trim(header.substr(7));
    if (key.empty()) reject(401, kInvalidApiKey);
    if (!options.api_key.empty() && key != options.api_key) reject(401, kInvalidApiKey);
  }

  static json parse_json_body(httplib::Request const& req) {
    std::string const type = lower(trim(req.get_header_value("Content-Type")));
    if (type.substr(0, type.find(';')) != "application/json") {
      reject(400, "Content-Type must be application/json");
    }
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) reject(400, "Invalid JSON body");
    if (!body.is_object()) reject(400, "Request body must be a JSON object");
    return body;
  }

  // nullopt if absent, null or empty; 400 if present with another type.
  static std::optional<std::string> string_field(json const& body, char const* name) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) reject(400, std::string("Field ") + name + " must be a string");
    std::string v = it->get<std::string>();
    if (v.empty()) return std::nullopt;
    return v;
  }

  static std::string required_field(json const& body, char const* name) {
    auto v = string_field(body, name);
    if (!v) reject(400, std::string("Missing required field: ") + name);
    return *v;
  }

  std::size_t account_for_token(std::string const& token) const {
    auto it = state.account_by_token.find(token);
    if (it == state.account_by_token.end() || state.accounts[it->second].locked) {
      reject(401, kInvalidAuthToken);
    }
    return it->second;
  }

  std::size_t user_index_of_account(std::size_t account) const {
    return state.by_name.at(lower(state.accounts[account].user_name));
  }

  // ---- endpoints ----

  Reply user_info(httplib::Request const& req) {
    std::string const name = req.get_param_value("userName");
    if (name.empty()) reject(400, "Missing required field: userName");
    std::lock_guard<std::mutex> lock(mu);
    auto it = state.by_name.find(lower(name));
    if (it == state.by_name.end()) reject(404, "Could not find user @" + name);
    return json_reply(
        200,
        {{"status", "success"}, {"msg", "success"}, {"data", user_info_json(state, it->second)}});
  }

  Reply user_page(httplib::Request const& req, bool followers) {
    std::string const name = req.get_param_value("userName");
    if (name.empty()) reject(400, "Missing required field: userName");
    std::string const cursor = req.get_param_value("cursor");
    std::lock_guard<std::mutex> lock(mu);
    auto it = state.by_name.find(lower(name));
    if (it == state.by_name.end()) reject(404, "Could not find user @" + name);
    std::size_t const owner = it->second;
    auto const& list = followers ? state.followers[owner] : state.following[owner];
    char const kind = followers ? 'F' : 'G';
    std::size_t begin = 0;
    if (!cursor.empty()) {
      auto pos = read_cursor(cursor, kind, state.users[owner].id);
      if (!pos || *pos == 0 || *pos >= list.size()) reject(400, "Invalid cursor");
      begin = static_cast<std::size_t>(*pos);
    }
    std::size_t const end = std::min(list.size(), begin + kPageSize);
    json users = json::array();
    for (std::size_t i = begin; i < end; ++i) users.push_back(page_user_json(state, list[i]));
    bool const has_more = end < list.size();
    json body = {{"userName", state.users[owner].user_name},
                 {"user_count", users.size()},
                 {"has_more", has_more},
                 {"next_cursor",
                  has_more ? json(make_cursor(kind, state.users[owner].id, end)) : json(nullptr)}};
    body[followers ? "followers" : "following"] = std::move(users);
    return json_reply(200, body);
  }

  Reply login(httplib::Request const& req) {
    json const body = parse_json_body(req);
    std::string const username = required_field(body, "username");
    std::string const password = required_field(body, "password");
    string_field(body, "email");  // optional, but must be a string
    auto const totp = string_field(body, "totp_secret");
    if (totp && !valid_base32(*totp)) reject(400, "Invalid totp_secret: expected base32");
    std::lock_guard<std::mutex> lock(mu);
    auto it = state.account_by_name.find(
        lower(starts_with(username, "@") ? username.substr(1) : username));
    if (it == state.account_by_name.end()) {
      reject(401, "Login failed: wrong username or password");
    }
    auto const& account = state.accounts[it->second];
    if (account.locked) {
      reject(423, "Account locked, unlock it, then retry.", {{"challenge", "locked"}});
    }
    if (account.password != password) reject(401, "Login failed: wrong username or password");
    if (account.totp_required && !totp) {
      reject(401, "Two-factor authentication is enabled, provide totp_secret",
             {{"challenge", "totp_required"}});
    }
    auto const& user = state.users[user_index_of_account(it->second)];
    return json_reply(200, {{"status", "success"},
                            {"msg", "login success"},
                            {"auth_token", account.auth_token},
                            {"ct0", account.ct0},
                            {"twid", "u=" + user.id}});
  }

  Reply dm_send(httplib::Request const& req) {
    json const body = parse_json_body(req);
    std::string const token = required_field(body, "auth_token");
    auto const recipient_id = string_field(body, "recipient_id");
    auto const recipient_name = string_field(body, "recipient_username");
    auto const text_it = body.find("text");
    if (text_it != body.end() && !text_it->is_null() && !text_it->is_string()) {
      reject(400, "Field text must be a string");
    }
    if (text_it == body.end() || text_it->is_null()) reject(400, "Missing required field: text");
    std::string const text = text_it->get<std::string>();
    if (trim(text).empty()) reject(400, "Field text must not be empty");
    if (text.size() > kMaxDmLength) {
      reject(400, "Field text is longer than " + std::to_string(kMaxDmLength) + " characters");
    }
    if (recipient_id.has_value() == recipient_name.has_value()) {
      reject(400, "Missing required field: recipient_id or recipient_username");
    }
    if (recipient_id && !is_digits(*recipient_id)) {
      reject(400, "Field recipient_id must be a numeric user id");
    }

    std::lock_guard<std::mutex> lock(mu);
    std::size_t const account = account_for_token(token);
    auto const& sender = state.users[user_index_of_account(account)];
    UserRecord const* recipient = recipient_id ? state.find_user_by_id(*recipient_id)
                                               : state.find_user_by_name(*recipient_name);
    if (recipient == nullptr) {
      reject(404, recipient_id ? "Could not find user with id " + *recipient_id
                               : "Could not find user @" + *recipient_name);
    }
    if (!recipient->can_dm && recipient->id != sender.id) {
      reject(403, "Cannot send messages to this user", {{"twitter_error_code", 349}});
    }
    std::int64_t const now = now_ms();
    std::int64_t const day = now >= 0 ? now / kDayMs : (now - kDayMs + 1) / kDayMs;
    auto& [counted_day, sent] = state.daily[sender.id];
    if (counted_day != day) {
      counted_day = day;
      sent = 0;
    }
    if (sent >= state.accounts[account].daily_cap) {
      reject(429, "You've hit your daily message request limit.", {{"twitter_error_code", 502}});
    }
    ++sent;
    MessageRecord m;
    m.id = state.next_message_id++;
    m.created_at_ms = now;
    m.sender_id = sender.id;
    m.recipient_id = recipient->id;
    m.text = text;
    state.messages.push_back(std::move(m));
    state.index_message(state.messages.size() - 1);
    state.delivered.push_back(state.messages.size() - 1);
    return json_reply(200, {{"status", "success"},
                            {"msg", "DM sent successfully"},
                            {"data", message_json(state, state.messages.back(), false)}});
  }

  Reply dm_list(httplib::Request const& req) {
    json const body = parse_json_body(req);
    std::string const token = required_field(body, "auth_token");
    auto const cursor = string_field(body, "cursor");
    std::size_t count = 50;
    if (auto it = body.find("count"); it != body.end() && !it->is_null()) {
      if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
          it->get<std::int64_t>() > 100) {
        reject(400, "Field count must be an integer between 1 and 100");
      }
      count = static_cast<std::size_t>(it->get<std::int64_t>());
    }

    std::lock_guard<std::mutex> lock(mu);
    std::size_t const account = account_for_token(token);
    auto const& user = state.users[user_index_of_account(account)];

    std::int64_t const now = now_ms();
    std::int64_t const window_ms = options.dm_list_window.count() * 1000;
    auto& calls = state.list_calls[token];
    while (!calls.empty() && calls.front() <= now - window_ms) calls.pop_front();
    if (static_cast<int>(calls.size()) >= options.dm_list_limit) {
      std::int64_t const wait_ms = calls.front() + window_ms - now;
      std::int64_t const seconds = std::max<std::int64_t>(1, (wait_ms + 999) / 1000);
      Reply r = error_reply(429, "Please try again shortly.", {{"retry_after", seconds}});
      r.headers.emplace_back("Retry-After", std::to_string(seconds));
      return r;
    }
    calls.push_back(now);

    auto const& inbox = state.inbox[user.id];
    // `start` is one past the newest message of this page, in ascending-id order.
    std::size_t start = inbox.size();
    if (cursor) {
      auto before = read_cursor(*cursor, 'M', user.id);
      if (!before || *before >= state.next_message_id) reject(400, "Invalid cursor");
      start = static_cast<std::size_t>(std::lower_bound(inbox.begin(), inbox.end(), *before,
                                                        [&](std::size_t i, std::uint64_t id) {
                                                          return state.messages[i].id < id;
                                                        }) -
                                       inbox.begin());
    }
    std::size_t const take = std::min(count, start);
    json messages = json::array();
    for (std::size_t k = 0; k < take; ++k) {
      messages.push_back(message_json(state, state.messages[inbox[start - 1 - k]], true));
    }
    bool const has_more = start > take;
    json next = nullptr;
    if (has_more) next = make_cursor('M', user.id, state.messages[inbox[start - take]].id);
    return json_reply(200, {{"userId", user.id},
                            {"message_count", messages.size()},
                            {"has_more", has_more},
                            {"next_cursor", next},
                            {"messages", std::move(messages)}});
  }

  Reply dispatch(httplib::Request const& req) {
    try {
      check_api_key(req);
      struct Route {
        char const* method;
        char const* path;
      };
      static Route const kRoutes[] = {
          {"GET", "/twitter/user/info"},         {"GET", "/twitter/user/followers_v2"},
          {"GET", "/twitter/user/following_v2"}, {"POST", "/twitter/user_login"},
          {"POST", "/twitter/dm/send"},          {"POST", "/twitter/dm/list"}};
      for (auto const& r : kRoutes) {
        if (req.path != r.path) continue;
        if (req.method != r.method) {
          Reply reply = error_reply(405, "Method not allowed");
          reply.headers.emplace_back("Allow", r.method);
          return reply;
        }
        if (req.path == "/twitter/user/info") return user_info(req);
        if (req.path == "/twitter/user/followers_v2") return user_page(req, true);
        if (req.path == "/twitter/user/following_v2") return user_page(req, false);
        if (req.path == "/twitter/user_login") return login(req);
        if (req.path == "/twitter/dm/send") return dm_send(req);
        return dm_list(req);
      }
      return error_reply(404, "Not found");
    } catch (Rejection& r) {
      return std::move(r.reply);
    }
  }

  json describe_request(httplib::Request const& req, Reply const& reply,
                        std::optional<std::uint64_t> fault_id, std::int64_t duration_ms) {
    json query = json::object();
    for (auto const& [k, v] : req.params) query[k] = is_secret_key(k) ? "***" : v;
    json headers = json::object();
    for (char const* h : {"Authorization", "Content-Type", "User-Agent", "Idempotency-Key"}) {
      if (req.has_header(h)) {
        headers[lower(h)] = std::string(h) == "Authorization" ? "***" : req.get_header_value(h);
      }
    }
    json body = nullptr;
    if (!req.body.empty()) {
      body = json::parse(req.body, nullptr, false);
      if (body.is_discarded()) {
        body = mask_text(req.body);
      } else {
        mask_json(body);
      }
    }
    return {{"time", format_iso_ms(now_ms())},
            {"method", req.method},
            {"path", req.path},
            {"query", std::move(query)},
            {"headers", std::move(headers)},
            {"body", std::move(body)},
            {"status", reply.drop ? 0 : reply.status},
            {"dropped", reply.drop},
            {"fault_id", fault_id ? json(*fault_id) : json(nullptr)},
            {"duration_ms", duration_ms}};
  }

  void record(json entry) {
    std::string const path = entry["path"];
    int const status = entry["status"];
    std::string line;
    {
      std::lock_guard<std::mutex> lock(mu);
      entry["seq"] = next_request_seq++;
      ++total_requests;
      ++stats[path][status];
      if (options.log_requests) {
        line = "getxapi-sandbox: " + entry["method"].get<std::string>() + " " + path;
        if (!entry["query"].empty()) line += " query=" + entry["query"].dump();
        if (!entry["body"].is_null()) {
          std::string b =
              entry["body"].is_string() ? entry["body"].get<std::string>() : entry["body"].dump();
          if (b.size() > 300) b = b.substr(0, 300) + "...";
          line += " body=" + b;
        }
        line += entry["dropped"].get<bool>() ? " -> dropped" : " -> " + std::to_string(status);
        line += " (" + std::to_string(entry["duration_ms"].get<std::int64_t>()) + " ms)";
        if (!entry["fault_id"].is_null()) line += " fault=" + entry["fault_id"].dump();
      }
      requests.push_back(std::move(entry));
      while (requests.size() > kMaxLoggedRequests) requests.pop_front();
    }
    if (!line.empty()) std::cerr << line + "\n" << std::flush;
  }

  void write(Reply const& reply, httplib::Request const& req, httplib::Response& res) {
    res.status = reply.status;
    for (auto const& [k, v] : reply.headers) res.set_header(k, v);
    if (!reply.drop) {
      res.set_content(reply.body, reply.content_type);
      return;
    }
    shutdown_accepted_sockets(bound_port.load(), req.remote_port);
    // Fallback where the socket could not be found: announce a body, send half, hang up.
    auto const body = std::make_shared<std::string>(reply.body);
    res.set_header("Connection", "close");
    res.set_content_provider(body->size(), reply.content_type,
                             [body](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                               if (offset == 0) sink.write(body->data(), body->size() / 2);
                               return false;
                             });
  }

  void handle(httplib::Request const& req, httplib::Response& res) {
    if (req.path == "/_sandbox" || starts_with(req.path, "/_sandbox/")) {
      admin(req, res);
      return;
    }
    auto const started = std::chrono::steady_clock::now();
    Reply reply;
    std::optional<Fault> fault;
    try {
      fault = take_fault(req.path);
      // Sleep without any lock so other clients keep being served meanwhile.
      if (fault && fault->delay_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
      }
      if (fault && fault->changes_response() && !fault->after_delivery) {
        reply = fault_reply(*fault);
      } else {
        reply = dispatch(req);
        if (fault && fault->after_delivery) reply = fault_reply(*fault);
      }
    } catch (std::exception const& e) {
      std::cerr << "getxapi-sandbox: internal error on " << req.path << ": " << e.what() << "\n";
      reply = error_reply(500, "Internal server error");
    }
    auto const elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count();
    record(describe_request(
        req, reply, fault ? std::optional<std::uint64_t>(fault->id) : std::nullopt, elapsed));
    write(reply, req, res);
  }

  // ---- admin API ----

  void admin(httplib::Request const& req, httplib::Response& res) {
    Reply reply;
    try {
      reply = admin_dispatch(req);
    } catch (Rejection& r) {
      reply = std::move(r.reply);
    } catch (std::exception const& e) {
      reply = error_reply(500, std::string("Internal server error: ") + e.what());
    }
    res.status = reply.status;
    for (auto const& [k, v] : reply.headers) res.set_header(k, v);
    res.set_content(reply.body, reply.content_type);
  }

  static json admin_body(httplib::Request const& req) {
    if (trim(req.body).empty()) return json::object();
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) reject(400, "Invalid JSON body");
    return body;
  }

  Reply admin_dispatch(httplib::Request const& req) {
    std::string const& p = req.path;
    std::string const& m = req.method;
    if (p == "/_sandbox/health" && m == "GET") return json_reply(200, {{"status", "ok"}});
    if (p == "/_sandbox/faults") {
      if (m == "GET") {
        std::lock_guard<std::mutex> lock(mu);
        json list = json::array();
        for (auto const& f : faults) list.push_back(f.to_json());
        return json_reply(200, {{"faults", list}});
      }
      if (m == "DELETE") {
        std::lock_guard<std::mutex> lock(mu);
        std::size_t const n = faults.size();
        faults.clear();
        return json_reply(200, {{"cleared", n}});
      }
      if (m == "POST") {
        json const body = admin_body(req);
        std::vector<Fault> parsed;
        if (body.is_object() && body.contains("faults")) {
          if (!body["faults"].is_array() || body.size() != 1) {
            reject(400, "Invalid fault: {\"faults\": [...]} takes nothing else");
          }
          for (auto const& f : body["faults"]) parsed.push_back(parse_fault(f));
        } else if (body.is_array()) {
          for (auto const& f : body) parsed.push_back(parse_fault(f));
        } else {
          parsed.push_back(parse_fault(body));
        }
        std::lock_guard<std::mutex> lock(mu);
        json ids = json::array(), list = json::array();
        for (auto& f : parsed) {
          f.id = next_fault_id++;
          ids.push_back(f.id);
          list.push_back(f.to_json());
          faults.push_back(std::move(f));
        }
        return json_reply(201, {{"ids", ids}, {"faults", list}});
      }
    }
    if (starts_with(p, "/_sandbox/faults/") && m == "DELETE") {
      std::string const id = p.substr(std::string("/_sandbox/faults/").size());
      std::lock_guard<std::mutex> lock(mu);
      auto it = std::find_if(faults.begin(), faults.end(), [&](Fault const& f) {
        return is_digits(id) && id.size() < 19 && f.id == std::stoull(id);
      });
      if (it == faults.end()) reject(404, "No active fault " + id);
      faults.erase(it);
      return json_reply(200, {{"deleted", std::stoull(id)}});
    }
    if (p == "/_sandbox/requests") {
      std::lock_guard<std::mutex> lock(mu);
      if (m == "DELETE") {
        requests.clear();
        return json_reply(200, {{"cleared", true}});
      }
      if (m == "GET") {
        std::string const filter = req.get_param_value("path");
        json list = json::array();
        for (auto const& r : requests) {
          if (filter.empty() || r["path"] == filter) list.push_back(r);
        }
        return json_reply(200, list);
      }
    }
    if (p == "/_sandbox/messages" && m == "GET") {
      std::string const sender = req.get_param_value("sender_id");
      std::string const recipient = req.get_param_value("recipient_id");
      std::lock_guard<std::mutex> lock(mu);
      json list = json::array();
      for (auto i : state.delivered) {
        auto const& msg = state.messages[i];
        if (!sender.empty() && msg.sender_id != sender) continue;
        if (!recipient.empty() && msg.recipient_id != recipient) continue;
        list.push_back(message_json(state, msg, false));
      }
      return json_reply(200, list);
    }
    if (p == "/_sandbox/stats" && m == "GET") {
      std::lock_guard<std::mutex> lock(mu);
      json paths = json::object();
      for (auto const& [path, by_status] : stats) {
        json statuses = json::object();
        std::uint64_t total = 0;
        for (auto const& [status, n] : by_status) {
          statuses[status == 0 ? "dropped" : std::to_string(status)] = n;
          total += n;
        }
        paths[path] = {{"total", total}, {"by_status", statuses}};
      }
      return json_reply(200, {{"total_requests", total_requests},
                              {"faults_applied", faults_applied},
                              {"messages_delivered", state.delivered.size()},
                              {"paths", paths}});
    }
    if (p == "/_sandbox/time") {
      if (m == "GET") return json_reply(200, time_json());
      if (m == "POST") {
        // A century either way in all: far past any test, and the clock's
        // milliseconds (and the dates printed from them) cannot overflow.
        constexpr std::int64_t kMaxOffsetSeconds = std::int64_t{100} * 366 * 86400;
        json const body = admin_body(req);
        auto it = body.is_object() ? body.find("advance_seconds") : body.end();
        bool ok = it != body.end() && it->is_number_integer() &&
                  !(it->is_number_unsigned() &&
                    it->get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxOffsetSeconds));
        std::int64_t const by = ok ? it->get<std::int64_t>() : 0;
        std::int64_t const offset = clock_offset_ms.load() / 1000;
        ok = ok && by >= -kMaxOffsetSeconds && by <= kMaxOffsetSeconds &&
             offset + by >= -kMaxOffsetSeconds && offset + by <= kMaxOffsetSeconds;
        if (!ok) {
          reject(400,
                 "Expected {\"advance_seconds\": N} with an integer N, keeping the clock "
                 "within a century of real time");
        }
        clock_offset_ms += by * 1000;
        return json_reply(200, time_json());
      }
    }
    if (p == "/_sandbox/reset" && m == "POST") {
      reset();
      return json_reply(200, {{"status", "reset"}});
    }
    if (p == "/_sandbox/world" && m == "GET") return json_reply(200, world_to_json(world));
    return error_reply(404, "Unknown admin endpoint " + m + " " + p);
  }

  // ---- lifecycle ----

  int start() {
    std::lock_guard<std::mutex> lock(run_mu);
    if (running) return bound_port;
    auto svr = std::make_unique<Server>();
    int const threads = std::max(4, options.threads);
    svr->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    svr->set_tcp_nodelay(true);
    svr->set_keep_alive_max_count(100000);
    svr->set_keep_alive_timeout(std::max(1, options.keep_alive_timeout_seconds));
    svr->set_payload_max_length(std::size_t{1024} * 1024);
    auto handler = [this](httplib::Request const& req, httplib::Response& res) {
      handle(req, res);
    };
    httplib::Server::Handler const h = handler;
    svr->Get(".*", h);
    svr->Post(".*", h);
    svr->Put(".*", h);
    svr->Patch(".*", h);
    svr->Delete(".*", h);
    int port = options.port;
    if (port == 0) {
      port = svr->bind_to_any_port(options.host);
      if (port <= 0) throw std::runtime_error("cannot bind " + options.host + " (any port)");
    } else if (!svr->bind_to_port(options.host, port)) {
      throw std::runtime_error("cannot bind " + options.host + ":" + std::to_string(port));
    }
    svr->widen_backlog();
    bound_port = port;
    server = std::move(svr);
    Server* raw = server.get();
    listener = std::thread([raw] { raw->listen_after_bind(); });
    // httplib's stop() is a no-op until the accept loop runs, so do not return before it does.
    auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!raw->is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!raw->is_running()) {
      raw->stop();
      listener.join();
      server.reset();
      throw std::runtime_error("sandbox server did not start");
    }
    running = true;
    return port;
  }

  void stop() {
    std::unique_lock<std::mutex> lock(run_mu);
    if (!running) return;
    server->stop();
    // Idle keep-alive connections would otherwise hold their worker (and this join) until
    // their keep-alive timeout expires.
    shutdown_accepted_sockets(bound_port.load(), -1);
    listener.join();
    server.reset();
    running = false;
    lock.unlock();
    run_cv.notify_all();
  }

  void wait() {
    std::unique_lock<std::mutex> lock(run_mu);
    run_cv.wait(lock, [this] { return !running; });
  }
};

Sandbox::Sandbox(SandboxOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Sandbox::~Sandbox() { stop(); }

int Sandbox::start() { return impl_->start(); }

void Sandbox::stop() { impl_->stop(); }

int Sandbox::port() const { return impl_->bound_port.load(); }

std::string Sandbox::base_url() const {
  std::string host = impl_->options.host;
  // A wildcard bind is reachable on loopback; IPv6 literals need brackets in URLs.
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port());
}

void Sandbox::wait() { impl_->wait(); }

void Sandbox::reset() { impl_->reset(); }

void Sandbox::advance_time(std::chrono::seconds by) { impl_->clock_offset_ms += by.count() * 1000; }

std::string Sandbox::dump_world() const { return world_to_json(impl_->world).dump(1); }

}  // namespace getxapi::sandbox
