#include "world.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace getxapi::sandbox {
namespace {

// ---- time -------------------------------------------------------------------------------

// Howard Hinnant's civil-date algorithms: portable, no timegm()/gmtime_r() dependency.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  std::int64_t const era = (y >= 0 ? y : y - 399) / 400;
  auto const yoe = static_cast<unsigned>(y - era * 400);
  unsigned const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month, day, hour, minute, second, weekday;  // weekday 0 = Sunday
};

Civil civil_from_seconds(std::int64_t t) {
  std::int64_t days = t / 86400;
  std::int64_t secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  std::int64_t const z = days + 719468;
  std::int64_t const era = (z >= 0 ? z : z - 146096) / 146097;
  auto const doe = static_cast<unsigned>(z - era * 146097);
  unsigned const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned const mp = (5 * doy + 2) / 153;
  Civil c{};
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<std::int64_t>(yoe) + era * 400 + (c.month <= 2);
  c.hour = static_cast<unsigned>(secs / 3600);
  c.minute = static_cast<unsigned>(secs / 60 % 60);
  c.second = static_cast<unsigned>(secs % 60);
  c.weekday = static_cast<unsigned>(((days % 7 + 7) % 7 + 4) % 7);
  return c;
}

constexpr std::array<char const*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<char const*, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

// ---- deterministic randomness ----------------------------------------------------------

// splitmix64: std::uniform_int_distribution differs between standard libraries, and the
// default world must be byte-identical everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {  // inclusive
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
  }
  bool percent(unsigned p) { return below(100) < p; }
  template <class T>
  T const& pick(std::vector<T> const& v) {
    return v[below(v.size())];
  }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  std::uint64_t state_;
};

struct NamePart {
  char const* display;
  char const* handle;
};

std::vector<NamePart> const kFirstNames = {
    {"Ada", "ada"},         {"Grace", "grace"},   {"Alan", "alan"},     {"Linus", "linus"},
    {"Margaret", "maggie"}, {"Ken", "ken"},       {"Dennis", "dennis"}, {"Barbara", "barb"},
    {"Radia", "radia"},     {"Frances", "fran"},  {"José", "jose"},     {"Zoë", "zoe"},
    {"Björn", "bjorn"},     {"Łukasz", "lukasz"}, {"Renée", "renee"},   {"Søren", "soren"},
    {"Chloé", "chloe"},     {"Mei", "mei"},       {"Aarav", "aarav"},   {"Fatima", "fatima"},
    {"Olu", "olu"},         {"Kenji", "kenji"},   {"Ingrid", "ingrid"}, {"Mateo", "mateo"},
    {"Amara", "amara"},     {"Priya", "priya"},   {"Yusuf", "yusuf"},   {"Elena", "elena"},
    {"Tomás", "tomas"},     {"Hana", "hana"},     {"Noah", "noah"},     {"Liam", "liam"},
    {"Sofia", "sofia"},     {"Aiko", "aiko"},     {"Dmitri", "dmitri"}, {"Siobhán", "siobhan"},
    {"François", "franc"},  {"Ana", "ana"},       {"Kwame", "kwame"},   {"Nia", "nia"},
    {"Omar", "omar"},       {"Leila", "leila"},   {"Raj", "raj"},       {"Chen", "chen"},
    {"Jürgen", "jurgen"},   {"Åsa", "asa"},       {"Yuki", "yuki"},     {"Zanele", "zanele"},
    {"Marta", "marta"},     {"Diego", "diego"},   {"Ines", "ines"},     {"Pavel", "pavel"}};

std::vector<NamePart> const kLastNames = {
    {"Lovelace", "lovelace"}, {"Hopper", "hopper"},   {"Turing", "turing"},
    {"Torvalds", "torvalds"}, {"Hamilton", "ham"},    {"Thompson", "thompson"},
    {"Ritchie", "ritchie"},   {"Liskov", "liskov"},   {"Perlman", "perlman"},
    {"Allen", "allen"},       {"García", "garcia"},   {"Müller", "muller"},
    {"Øberg", "oberg"},       {"Kowalski", "kowal"},  {"Dubois", "dubois"},
    {"Nakamura", "nakamura"}, {"Okafor", "okafor"},   {"Silva", "silva"},
    {"Ivanova", "ivanova"},   {"Patel", "patel"},     {"Kim", "kim"},
    {"Nguyen", "nguyen"},     {"O'Brien", "obrien"},  {"Schmidt", "schmidt"},
    {"Rossi", "rossi"},       {"Haddad", "haddad"},   {"Mensah", "mensah"},
    {"Andersson", "anders"},  {"Cohen", "cohen"},     {"Yılmaz", "yilmaz"},
    {"Fernández", "fernan"},  {"Lindqvist", "lindq"}, {"Wójcik", "wojcik"},
    {"Costa", "costa"},       {"Tanaka", "tanaka"},   {"Novák", "novak"},
    {"Murphy", "murphy"},     {"Hernández", "hdez"},  {"Bianchi", "bianchi"},
    {"Sato", "sato"}};

// Whole names in non-Latin scripts, with the ASCII handle their owners would pick.
std::vector<NamePart> const kNonLatinNames = {
    {"李伟", "liwei"},          {"Алексей Смирнов", "alexey_s"},   {"محمد علي", "m_ali"},
    {"田中 太郎", "tanaka_t"},  {"Σοφία Παπαδοπούλου", "sofia_p"}, {"김민준", "minjun"},
    {"Nguyễn Văn An", "vanan"}, {"Ольга Петрова", "olga_p"},       {"שרה לוי", "sarah_levi"},
    {"王芳", "wangfang"}};

std::vector<std::string> const kNameFlair = {" 🚀", " | builder", " (she/her)", " 🌱",
                                             " ✨", " — dev",     " (he/him)",  " 🇧🇷"};

std::vector<std::string> const kDescriptions = {
    "",
    "",
    "",
    "Building things on the internet.",
    "Founder @ a tiny startup. Previously somewhere bigger.",
    "Coffee, code, and long walks. Opinions my own.",
    "Compilers, databases and distributed systems nerd.",
    "Product designer. I like making hard things simple.",
    "Indie hacker shipping in public 🚢",
    "Growth @ SaaS. DMs open for partnerships.",
    "Photographer 📷 | Traveller ✈️",
    "Writing about AI, startups and the future of work.",
    "Desenvolvedora, mãe e maratonista.",
    "Ingénieur logiciel à Paris. J'aime le café.",
    "Softwareentwickler aus München. Rust und Kaffee.",
    "エンジニア。週末はカメラ。",
    "Open source maintainer. Sponsor my work ❤️",
    "PhD student in robotics 🤖",
    "Marketing for developer tools. Ask me about DevRel.",
    "Investor in early-stage B2B software.",
    "Runner, reader, recovering manager.",
    "I tweet about C++, performance and build systems.",
    "Nurse by day, game dev by night.",
    "Helping creators grow their audience.",
    "Data scientist. Python, SQL, and too many dashboards."};

std::vector<std::string> const kLocations = {"",
                                             "",
                                             "",
                                             "Lisbon",
                                             "São Paulo",
                                             "Zürich",
                                             "東京",
                                             "Berlin",
                                             "Lagos",
                                             "New York, NY",
                                             "Bengaluru",
                                             "Kraków",
                                             "Montréal",
                                             "Earth",
                                             "Remote",
                                             "Nairobi",
                                             "Seoul",
                                             "Mexico City",
                                             "Paris, France",
                                             "Reykjavík",
                                             "London",
                                             "San Francisco, CA",
                                             "Austin, TX",
                                             "Toronto",
                                             "Sydney",
                                             "Istanbul",
                                             "Cape Town"};

std::vector<std::string> const kMessageTexts = {
    "Hey! Thanks for the follow 🙌",
    "Loved your last thread, do you have the slides somewhere?",
    "Sure, here you go: https://example.com/slides",
    "Are you around next week for a quick call?",
    "Tuesday works for me. 10am UTC?",
    "Perfect, talk then!",
    "Quick question about your library: does it support C++17?",
    "Yes, C++17 and up.",
    "Merci beaucoup ! 🙏",
    "Can you send me the invoice again?",
    "Done, check your email.",
    "Congrats on the launch 🎉",
    "Thank you! It was a long road.",
    "Would you be open to a podcast interview?",
    "Absolutely, send me the details.",
    "Ha, that meme was perfect 😂",
    "Did the fix work on your side?",
    "Works now, thanks a lot.",
    "Let me know if you need anything else.",
    "Obrigado pelo feedback!"};

std::string make_profile_picture(std::string const& id, std::string const& handle) {
  return "https://pbs.twimg.com/profile_images/" + id + "/" + handle + "_400x400.jpg";
}

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

bool is_digits(std::string const& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

// ---- time formats ------------------------------------------------------------------------

std::string format_iso_micro(std::int64_t t) {
  Civil const c = civil_from_seconds(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.000000Z",
                static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second);
  return buf;
}

std::string format_twitter(std::int64_t t) {
  Civil const c = civil_from_seconds(t);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s %s %02u %02u:%02u:%02u +0000 %04lld", kWeekdays[c.weekday],
                kMonths[c.month - 1], c.day, c.hour, c.minute, c.second,
                static_cast<long long>(c.year));
  return buf;
}

std::string format_iso_ms(std::int64_t ms) {
  std::int64_t secs = ms / 1000;
  std::int64_t frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  Civil const c = civil_from_seconds(secs);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03lldZ",
                static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second,
                static_cast<long long>(frac));
  return buf;
}

std::optional<std::int64_t> parse_time_ms(std::string const& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &consumed) ==
      6) {
    std::int64_t ms = 0;
    std::size_t i = static_cast<std::size_t>(consumed);
    if (i < s.size() && s[i] == '.') {
      ++i;
      int digits = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        if (digits < 3) ms = ms * 10 + (s[i] - '0');
        ++digits;
        ++i;
      }
      if (digits == 0) return std::nullopt;
      for (; digits < 3; ++digits) ms *= 10;
    }
    if (i + 1 != s.size() || s[i] != 'Z') return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
      return std::nullopt;
    }
    std::int64_t const days =
        days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    return ((days * 86400) + h * 3600 + mi * 60 + sec) * 1000 + ms;
  }
  char wd[4] = {}, mon[4] = {};
  if (std::sscanf(s.c_str(), "%3s %3s %2d %2d:%2d:%2d +0000 %4d%n", wd, mon, &d, &h, &mi, &sec, &y,
                  &consumed) == 7 &&
      static_cast<std::size_t>(consumed) == s.size()) {
    auto it = std::find_if(kMonths.begin(), kMonths.end(),
                           [&](char const* m) { return std::string(m) == mon; });
    if (it == kMonths.end()) return std::nullopt;
    auto const m = static_cast<unsigned>(it - kMonths.begin() + 1);
    std::int64_t const days = days_from_civil(y, m, static_cast<unsigned>(d));
    return ((days * 86400) + h * 3600 + mi * 60 + sec) * 1000;
  }
  return std::nullopt;
}

int default_daily_cap(std::string const& tier) {
  if (tier == "new") return 500;
  if (tier == "premium") return 1500;
  return 1000;
}

// ---- generator ---------------------------------------------------------------------------

World generate_world(std::uint64_t seed) {
  Rng rng(seed);
  World w;
  w.seed = seed;
  auto secs = [](char const* iso) { return *parse_time_ms(iso) / 1000; };

  // Fixed accounts first: demo, CLI and outreach tests hard-code these.
  auto fixed_user = [&](std::string id, std::string handle, std::string name, bool can_dm) {
    UserRecord u;
    u.id = std::move(id);
    u.user_name = std::move(handle);
    u.name = std::move(name);
    u.can_dm = can_dm;
    u.profile_picture = make_profile_picture(u.id, u.user_name);
    u.created_at = secs("2018-06-01T12:00:00Z");
    w.users.push_back(u);
    return w.users.size() - 1;
  };
  std::size_t const ada = fixed_user("1700000000000000001", "ada_example", "Ada Example", true);
  w.users[ada].location = "Lisbon";
  w.users[ada].website = "https://example.org/";
  w.users[ada].description = "Writes compilers for fun.";
  w.users[ada].is_blue_verified = true;
  w.users[ada].created_at = secs("2019-03-14T09:26:53Z");
  w.users[ada].profile_picture = "https://pbs.twimg.com/profile_images/0/ada_400x400.jpg";
  w.users[ada].favourites = 9120;
  w.users[ada].tweets = 2210;
  w.users[ada].media = 87;
  w.users[ada].listed = 31;

  std::size_t const grace = fixed_user("1700000000000000002", "grace_h", "Grace H", true);
  w.users[grace].description = "COBOL and ships.";
  w.users[grace].profile_picture = "https://pbs.twimg.com/profile_images/0/grace.jpg";
  w.users[grace].created_at = secs("2025-12-02T04:25:09Z");
  w.users[grace].tweets = 4100;
  w.users[grace].listed = 12;

  std::size_t const closed = fixed_user("1700000000000000003", "closed_dms", "Closed DMs", false);
  w.users[closed].location = "Nowhere";
  w.users[closed].profile_picture.reset();
  w.users[closed].created_at = secs("2020-01-06T18:40:40Z");

  std::size_t const lonely = fixed_user("1700000000000000004", "lonely_user", "Lonely User", true);
  w.users[lonely].description = "Nobody follows me and I follow nobody.";

  std::size_t const fresh = fixed_user("1700000000000000010", "new_account", "New Account", true);
  w.users[fresh].created_at = secs("2026-01-20T08:00:00Z");
  w.users[fresh].description = "Just joined 👋";

  std::size_t const premium =
      fixed_user("1700000000000000020", "premium_brand", "Premium Brand ✨", true);
  w.users[premium].is_blue_verified = true;
  w.users[premium].is_verified = true;
  w.users[premium].verified_type = "Business";
  w.users[premium].website = "https://brand.example.com/";
  w.users[premium].description = "Official account of Premium Brand. DMs open.";
  w.users[premium].location = "San Francisco, CA";
  w.users[premium].tweets = 15230;
  w.users[premium].listed = 410;

  std::size_t const totp = fixed_user("1700000000000000030", "totp_user", "Two Factor Tess", true);
  w.users[totp].description = "Security first. 2FA everywhere.";
  std::size_t const locked = fixed_user("1700000000000000040", "locked_user", "Locked Larry", true);

  w.accounts = {
      {"ada_example", "sandbox-password", "sandbox-token-ada", "", "ada@example.org", "established",
       1000, false, false},
      {"grace_h", "sandbox-password", "sandbox-token-grace", "", "grace@example.org", "established",
       1000, false, false},
      {"new_account", "sandbox-password", "sandbox-token-new", "", "new@example.org", "new", 500,
       false, false},
      {"premium_brand", "sandbox-password", "sandbox-token-premium", "", "brand@example.com",
       "premium", 1500, false, false},
      {"totp_user", "sandbox-password", "sandbox-token-totp", "", "totp@example.org", "established",
       1000, true, false},
      {"locked_user", "sandbox-password", "sandbox-token-locked", "", "locked@example.org",
       "established", 1000, false, true},
  };
  for (auto& a : w.accounts) {
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng.next()),
                  static_cast<unsigned long long>(rng.next()));
    a.ct0 = buf;
  }

  // Generated population.
  constexpr std::size_t kGenerated = 2500;
  constexpr std::size_t kCannotDm = kGenerated * 3 / 10;
  std::size_t const first_generated = w.users.size();
  std::vector<char> can_dm(kGenerated, 1);
  for (std::size_t i = 0; i < kCannotDm; ++i) can_dm[i] = 0;
  rng.shuffle(can_dm);
  std::unordered_set<std::string> taken;
  for (auto const& u : w.users) taken.insert(lower(u.user_name));
  for (std::size_t i = 0; i < kGenerated; ++i) {
    UserRecord u;
    u.id = std::to_string(1400000000000000000ULL + i * 100000000000000ULL +
                          rng.below(10000000000000ULL));
    std::string base;
    if (rng.percent(6)) {
      auto const& n = rng.pick(kNonLatinNames);
      u.name = n.display;
      base = n.handle;
    } else {
      auto const& f = rng.pick(kFirstNames);
      auto const& l = rng.pick(kLastNames);
      u.name = std::string(f.display) + " " + l.display;
      if (rng.percent(12)) u.name += rng.pick(kNameFlair);
      switch (rng.below(4)) {
        case 0:
          base = std::string(f.handle) + "_" + l.handle;
          break;
        case 1:
          base = std::string(f.handle) + l.handle;
          break;
        case 2:
          base = std::string(f.handle) + std::to_string(rng.between(1, 99));
          break;
        default:
          base = std::string("the") + l.handle;
          break;
      }
    }
    if (base.size() > 11) base.resize(11);
    std::string handle = base;
    while (taken.count(lower(handle)) != 0) handle = base + std::to_string(rng.between(1, 9999));
    taken.insert(lower(handle));
    u.user_name = handle;
    u.description = rng.pick(kDescriptions);
    u.location = rng.pick(kLocations);
    if (rng.percent(30)) u.website = "https://" + handle + ".example.com/";
    u.is_protected = rng.percent(4);
    u.is_blue_verified = rng.percent(15);
    u.is_verified = rng.percent(2);
    if (u.is_verified) u.verified_type = rng.percent(50) ? "Business" : "Government";
    u.can_dm = can_dm[i] != 0;
    if (rng.percent(92)) u.profile_picture = make_profile_picture(u.id, handle);
    if (rng.percent(45)) {
      u.cover_picture = "https://pbs.twimg.com/profile_banners/" + u.id + "/" +
                        std::to_string(rng.between(1500000000, 1760000000));
    }
    u.created_at = rng.between(secs("2007-03-01T00:00:00Z"), secs("2025-11-01T00:00:00Z"));
    u.tweets = static_cast<std::int64_t>(rng.below(60) * rng.below(300));
    u.listed = u.tweets / 300 + static_cast<std::int64_t>(rng.below(5));
    u.favourites = static_cast<std::int64_t>(rng.below(100) * rng.below(200));
    u.media = u.tweets / 20;
    w.users.push_back(std::move(u));
  }

  std::vector<std::size_t> true_pool, false_pool, all_pool;
  for (std::size_t i = first_generated; i < w.users.size(); ++i) {
    (w.users[i].can_dm ? true_pool : false_pool).push_back(i);
    all_pool.push_back(i);
  }
  std::unordered_set<std::uint64_t> edges;
  auto follow = [&](std::size_t from, std::size_t to) {
    if (from == to) return false;
    if (!edges.insert(static_cast<std::uint64_t>(from) << 32 | to).second) return false;
    w.follows.emplace_back(w.users[from].id, w.users[to].id);
    return true;
  };
  // Exactly `n_true` DM-able and `n_false` closed followers, in random follow order.
  auto followers_from_pools = [&](std::size_t target, std::size_t n_true, std::size_t n_false) {
    std::vector<std::size_t> t = true_pool, f = false_pool, chosen;
    rng.shuffle(t);
    rng.shuffle(f);
    chosen.insert(chosen.end(), t.begin(), t.begin() + static_cast<std::ptrdiff_t>(n_true));
    chosen.insert(chosen.end(), f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n_false));
    rng.shuffle(chosen);
    for (auto c : chosen) follow(c, target);
  };
  auto random_followers = [&](std::size_t target, std::size_t n) {
    std::vector<std::size_t> a = all_pool;
    rng.shuffle(a);
    for (std::size_t i = 0; i < n; ++i) follow(a[i], target);
  };
  auto random_following = [&](std::size_t source, std::size_t n) {
    std::vector<std::size_t> a = all_pool;
    rng.shuffle(a);
    for (std::size_t i = 0; i < n; ++i) follow(source, a[i]);
  };

  // Background graph among generated users, skewed towards a few popular accounts.
  std::vector<std::size_t> popular(all_pool.begin(), all_pool.begin() + 60);
  for (auto i : all_pool) {
    auto const k = rng.below(4) + rng.below(4) * rng.below(4);
    for (std::uint64_t j = 0; j < k; ++j) {
      follow(i, rng.percent(50) ? rng.pick(popular) : rng.pick(all_pool));
    }
  }

  followers_from_pools(premium, 1400, 600);
  random_following(premium, 10);
  random_followers(grace, 819);
  random_following(grace, 89);
  random_followers(closed, 3);
  followers_from_pools(fresh, 4, 1);
  random_following(fresh, 20);
  random_followers(totp, 12);
  random_following(totp, 15);
  random_followers(locked, 3);
  random_following(locked, 2);
  // Ada's two newest followers are the ones fixtures/followers_page.json shows first.
  followers_from_pools(ada, 104, 44);
  random_following(ada, 39);
  follow(ada, grace);
  follow(closed, ada);
  follow(grace, ada);

  // Ada's inbox history: a few conversations in both directions.
  std::vector<std::size_t> partners = {grace};
  {
    std::vector<std::size_t> t = true_pool;
    rng.shuffle(t);
    partners.insert(partners.end(), t.begin(), t.begin() + 4);
  }
  std::vector<std::size_t> remaining = {40, 20, 20, 20, 20};
  std::int64_t clock_ms = secs("2026-02-02T09:00:00Z") * 1000;
  std::uint64_t next_id = 2000000000000000001ULL;
  bool grace_opened = false;
  for (std::size_t n = 0; n < 120; ++n) {
    std::size_t conv = rng.below(partners.size());
    while (remaining[conv] == 0) conv = (conv + 1) % partners.size();
    --remaining[conv];
    MessageRecord m;
    m.id = next_id++;
    clock_ms += static_cast<std::int64_t>(rng.between(60, 6 * 3600)) * 1000 +
                static_cast<std::int64_t>(rng.below(1000));
    m.created_at_ms = clock_ms;
    bool const from_ada = conv == 0 && !grace_opened ? true : rng.percent(55);
    m.sender_id = from_ada ? w.users[ada].id : w.users[partners[conv]].id;
    m.recipient_id = from_ada ? w.users[partners[conv]].id : w.users[ada].id;
    if (conv == 0 && !grace_opened) {
      m.text = "Hi Grace, thanks for the follow!";
      grace_opened = true;
    } else {
      m.text = rng.pick(kMessageTexts);
    }
    w.messages.push_back(std::move(m));
  }
  return w;
}

// ---- JSON --------------------------------------------------------------------------------

nlohmann::json world_to_json(World const& w) {
  nlohmann::json users = nlohmann::json::array();
  for (auto const& u : w.users) {
    users.push_back({{"id", u.id},
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
                     {"mediaCount", u.media}});
  }
  nlohmann::json follows = nlohmann::json::array();
  for (auto const& [from, to] : w.follows) follows.push_back({from, to});
  nlohmann::json accounts = nlohmann::json::array();
  for (auto const& a : w.accounts) {
    accounts.push_back({{"userName", a.user_name},
                        {"password", a.password},
                        {"auth_token", a.auth_token},
                        {"ct0", a.ct0},
                        {"email", a.email},
                        {"tier", a.tier},
                        {"daily_cap", a.daily_cap},
                        {"totp_required", a.totp_required},
                        {"locked", a.locked}});
  }
  nlohmann::json messages = nlohmann::json::array();
  for (auto const& m : w.messages) {
    messages.push_back({{"id", std::to_string(m.id)},
                        {"createdAt", format_iso_ms(m.created_at_ms)},
                        {"senderId", m.sender_id},
                        {"recipientId", m.recipient_id},
                        {"text", m.text}});
  }
  return {{"format", "getxapi-sandbox-world"},
          {"version", 1},
          {"seed", w.seed},
          {"users", std::move(users)},
          {"follows", std::move(follows)},
          {"accounts", std::move(accounts)},
          {"messages", std::move(messages)}};
}

World world_from_json(nlohmann::json const& j) {
  if (!j.is_object()) fail("top level", "must be a JSON object");
  if (get_int(j, "version", "top level", 1) != 1) fail("top level", "unsupported \"version\"");
  World w;
  auto seed_it = j.find("seed");
  if (seed_it != j.end() && seed_it->is_number_unsigned()) w.seed = seed_it->get<std::uint64_t>();

  std::unordered_map<std::string, std::size_t> by_id;
  std::unordered_map<std::string, std::size_t> by_name;
  auto users_it = j.find("users");
  if (users_it == j.end() || !users_it->is_array()) fail("top level", "missing \"users\" array");
  for (std::size_t i = 0; i < users_it->size(); ++i) {
    auto const& ju = (*users_it)[i];
    std::string const where = "users[" + std::to_string(i) + "]";
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
    if (!by_id.emplace(u.id, i).second) fail(where, "duplicate id " + u.id);
    if (!by_name.emplace(lower(u.user_name), i).second) {
      fail(where, "duplicate userName " + u.user_name);
    }
    w.users.push_back(std::move(u));
  }

  auto follows_it = j.find("follows");
  if (follows_it != j.end()) {
    if (!follows_it->is_array()) fail("follows", "must be an array");
    std::unordered_set<std::string> seen;
    for (std::size_t i = 0; i < follows_it->size(); ++i) {
      auto const& e = (*follows_it)[i];
      std::string const where = "follows[" + std::to_string(i) + "]";
      if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_string()) {
        fail(where, "must be [followerId, followeeId]");
      }
      auto from = e[0].get<std::string>(), to = e[1].get<std::string>();
      if (by_id.count(from) == 0) fail(where, "unknown user id " + from);
      if (by_id.count(to) == 0) fail(where, "unknown user id " + to);
      if (from == to) fail(where, "a user cannot follow itself");
      if (!seen.insert(from + ">" + to).second) fail(where, "duplicate follow");
      w.follows.emplace_back(std::move(from), std::move(to));
    }
  }

  auto accounts_it = j.find("accounts");
  if (accounts_it != j.end()) {
    if (!accounts_it->is_array()) fail("accounts", "must be an array");
    std::unordered_set<std::string> tokens;
    for (std::size_t i = 0; i < accounts_it->size(); ++i) {
      auto const& ja = (*accounts_it)[i];
      std::string const where = "accounts[" + std::to_string(i) + "]";
      if (!ja.is_object()) fail(where, "must be an object");
      AccountRecord a;
      a.user_name = get_string(ja, "userName", where, true);
      auto u = by_name.find(lower(a.user_name));
      if (u == by_name.end()) fail(where, "no user named " + a.user_name);
      a.user_name = w.users[u->second].user_name;
      a.password = get_string(ja, "password", where, false, "sandbox-password");
      a.auth_token = get_string(ja, "auth_token", where, true);
      if (a.auth_token.empty() || !tokens.insert(a.auth_token).second) {
        fail(where, "\"auth_token\" must be non-empty and unique");
      }
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
      w.accounts.push_back(std::move(a));
    }
  }

  auto messages_it = j.find("messages");
  if (messages_it != j.end()) {
    if (!messages_it->is_array()) fail("messages", "must be an array");
    for (std::size_t i = 0; i < messages_it->size(); ++i) {
      auto const& jm = (*messages_it)[i];
      std::string const where = "messages[" + std::to_string(i) + "]";
      if (!jm.is_object()) fail(where, "must be an object");
      MessageRecord m;
      std::string const id = get_string(jm, "id", where, true);
      if (!is_digits(id) || id.size() > 19) fail(where, "\"id\" must be a decimal string");
      m.id = std::stoull(id);
      auto t = parse_time_ms(get_string(jm, "createdAt", where, true));
      if (!t) fail(where, "\"createdAt\" must be ISO 8601 UTC");
      m.created_at_ms = *t;
      m.sender_id = get_string(jm, "senderId", where, true);
      m.recipient_id = get_string(jm, "recipientId", where, true);
      if (by_id.count(m.sender_id) == 0) fail(where, "unknown senderId " + m.sender_id);
      if (by_id.count(m.recipient_id) == 0) fail(where, "unknown recipientId " + m.recipient_id);
      m.text = get_string(jm, "text", where, true);
      w.messages.push_back(std::move(m));
    }
    std::sort(w.messages.begin(), w.messages.end(),
              [](MessageRecord const& a, MessageRecord const& b) { return a.id < b.id; });
    for (std::size_t i = 1; i < w.messages.size(); ++i) {
      if (w.messages[i].id == w.messages[i - 1].id) {
        fail("messages", "duplicate id " + std::to_string(w.messages[i].id));
      }
    }
  }
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
