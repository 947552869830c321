// The deterministic generator of the default (and --seed) world.
#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "internal.hpp"
#include "world.hpp"

namespace getxapi::sandbox {
namespace {

using detail::lower;

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

std::int64_t secs(char const* iso) { return *parse_time_ms(iso) / 1000; }

// One method per phase, called in a fixed order: every phase draws from the same RNG, so the
// order is part of what makes the default world identical everywhere.
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) { w_.seed = seed; }

  World run() {
    fixed_users();
    fixed_accounts();
    population();
    graph();
    history();
    requests();
    return std::move(w_);
  }

 private:
  std::size_t fixed_user(std::string id, std::string handle, std::string name, bool can_dm) {
    UserRecord u;
    u.id = std::move(id);
    u.user_name = std::move(handle);
    u.name = std::move(name);
    u.can_dm = can_dm;
    u.profile_picture = make_profile_picture(u.id, u.user_name);
    u.created_at = secs("2018-06-01T12:00:00Z");
    w_.users.push_back(u);
    return w_.users.size() - 1;
  }

  // Fixed accounts first: demo, CLI and outreach tests hard-code these.
  void fixed_users() {
    auto& users = w_.users;
    ada_ = fixed_user("1700000000000000001", "ada_example", "Ada Example", true);
    users[ada_].location = "Lisbon";
    users[ada_].website = "https://example.org/";
    users[ada_].description = "Writes compilers for fun.";
    users[ada_].is_blue_verified = true;
    users[ada_].created_at = secs("2019-03-14T09:26:53Z");
    users[ada_].profile_picture = "https://pbs.twimg.com/profile_images/0/ada_400x400.jpg";
    users[ada_].favourites = 9120;
    users[ada_].tweets = 2210;
    users[ada_].media = 87;
    users[ada_].listed = 31;

    grace_ = fixed_user("1700000000000000002", "grace_h", "Grace H", true);
    users[grace_].description = "COBOL and ships.";
    users[grace_].profile_picture = "https://pbs.twimg.com/profile_images/0/grace.jpg";
    users[grace_].created_at = secs("2025-12-02T04:25:09Z");
    users[grace_].tweets = 4100;
    users[grace_].listed = 12;

    closed_ = fixed_user("1700000000000000003", "closed_dms", "Closed DMs", false);
    users[closed_].location = "Nowhere";
    users[closed_].profile_picture.reset();
    users[closed_].created_at = secs("2020-01-06T18:40:40Z");

    std::size_t const lonely =
        fixed_user("1700000000000000004", "lonely_user", "Lonely User", true);
    users[lonely].description = "Nobody follows me and I follow nobody.";

    fresh_ = fixed_user("1700000000000000010", "new_account", "New Account", true);
    users[fresh_].created_at = secs("2026-01-20T08:00:00Z");
    users[fresh_].description = "Just joined 👋";

    premium_ = fixed_user("1700000000000000020", "premium_brand", "Premium Brand ✨", true);
    users[premium_].is_blue_verified = true;
    users[premium_].is_verified = true;
    users[premium_].verified_type = "Business";
    users[premium_].website = "https://brand.example.com/";
    users[premium_].description = "Official account of Premium Brand. DMs open.";
    users[premium_].location = "San Francisco, CA";
    users[premium_].tweets = 15230;
    users[premium_].listed = 410;

    totp_ = fixed_user("1700000000000000030", "totp_user", "Two Factor Tess", true);
    users[totp_].description = "Security first. 2FA everywhere.";
    locked_ = fixed_user("1700000000000000040", "locked_user", "Locked Larry", true);
  }

  void fixed_accounts() {
    w_.accounts = {
        {"ada_example", "sandbox-password", "sandbox-token-ada", "", "ada@example.org",
         "established", 1000, false, false},
        {"grace_h", "sandbox-password", "sandbox-token-grace", "", "grace@example.org",
         "established", 1000, false, false},
        {"new_account", "sandbox-password", "sandbox-token-new", "", "new@example.org", "new", 500,
         false, false},
        {"premium_brand", "sandbox-password", "sandbox-token-premium", "", "brand@example.com",
         "premium", 1500, false, false},
        {"totp_user", "sandbox-password", "sandbox-token-totp", "", "totp@example.org",
         "established", 1000, true, false},
        {"locked_user", "sandbox-password", "sandbox-token-locked", "", "locked@example.org",
         "established", 1000, false, true},
    };
    for (auto& a : w_.accounts) {
      char buf[33];
      std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng_.next()),
                    static_cast<unsigned long long>(rng_.next()));
      a.ct0 = buf;
    }
  }

  std::string handle_base(UserRecord& u) {
    if (rng_.percent(6)) {
      auto const& n = rng_.pick(kNonLatinNames);
      u.name = n.display;
      return n.handle;
    }
    auto const& f = rng_.pick(kFirstNames);
    auto const& l = rng_.pick(kLastNames);
    u.name = std::string(f.display) + " " + l.display;
    if (rng_.percent(12)) u.name += rng_.pick(kNameFlair);
    switch (rng_.below(4)) {
      case 0:
        return std::string(f.handle) + "_" + l.handle;
      case 1:
        return std::string(f.handle) + l.handle;
      case 2:
        return std::string(f.handle) + std::to_string(rng_.between(1, 99));
      default:
        return std::string("the") + l.handle;
    }
  }

  UserRecord generated_user(std::size_t i, bool can_dm, std::unordered_set<std::string>& taken) {
    UserRecord u;
    u.id = std::to_string(1400000000000000000ULL + i * 100000000000000ULL +
                          rng_.below(10000000000000ULL));
    std::string base = handle_base(u);
    if (base.size() > 11) base.resize(11);
    std::string handle = base;
    while (taken.count(lower(handle)) != 0) handle = base + std::to_string(rng_.between(1, 9999));
    taken.insert(lower(handle));
    u.user_name = handle;
    u.description = rng_.pick(kDescriptions);
    u.location = rng_.pick(kLocations);
    if (rng_.percent(30)) u.website = "https://" + handle + ".example.com/";
    u.is_protected = rng_.percent(4);
    u.is_blue_verified = rng_.percent(15);
    u.is_verified = rng_.percent(2);
    if (u.is_verified) u.verified_type = rng_.percent(50) ? "Business" : "Government";
    u.can_dm = can_dm;
    if (rng_.percent(92)) u.profile_picture = make_profile_picture(u.id, handle);
    if (rng_.percent(45)) {
      u.cover_picture = "https://pbs.twimg.com/profile_banners/" + u.id + "/" +
                        std::to_string(rng_.between(1500000000, 1760000000));
    }
    u.created_at = rng_.between(secs("2007-03-01T00:00:00Z"), secs("2025-11-01T00:00:00Z"));
    u.tweets = static_cast<std::int64_t>(rng_.below(60) * rng_.below(300));
    u.listed = u.tweets / 300 + static_cast<std::int64_t>(rng_.below(5));
    u.favourites = static_cast<std::int64_t>(rng_.below(100) * rng_.below(200));
    u.media = u.tweets / 20;
    return u;
  }

  void population() {
    constexpr std::size_t kGenerated = 2500;
    constexpr std::size_t kCannotDm = kGenerated * 3 / 10;
    std::size_t const first_generated = w_.users.size();
    std::vector<char> can_dm(kGenerated, 1);
    for (std::size_t i = 0; i < kCannotDm; ++i) can_dm[i] = 0;
    rng_.shuffle(can_dm);
    std::unordered_set<std::string> taken;
    for (auto const& u : w_.users) taken.insert(lower(u.user_name));
    for (std::size_t i = 0; i < kGenerated; ++i) {
      w_.users.push_back(generated_user(i, can_dm[i] != 0, taken));
    }
    for (std::size_t i = first_generated; i < w_.users.size(); ++i) {
      (w_.users[i].can_dm ? true_pool_ : false_pool_).push_back(i);
      all_pool_.push_back(i);
    }
  }

  bool follow(std::size_t from, std::size_t to) {
    if (from == to) return false;
    if (!edges_.insert(static_cast<std::uint64_t>(from) << 32 | to).second) return false;
    w_.follows.emplace_back(w_.users[from].id, w_.users[to].id);
    return true;
  }
  bool follows(std::size_t from, std::size_t to) const {
    return edges_.count(static_cast<std::uint64_t>(from) << 32 | to) != 0;
  }

  // Exactly `n_true` DM-able and `n_false` closed followers, in random follow order.
  void followers_from_pools(std::size_t target, std::size_t n_true, std::size_t n_false) {
    std::vector<std::size_t> t = true_pool_, f = false_pool_, chosen;
    rng_.shuffle(t);
    rng_.shuffle(f);
    chosen.insert(chosen.end(), t.begin(), t.begin() + static_cast<std::ptrdiff_t>(n_true));
    chosen.insert(chosen.end(), f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n_false));
    rng_.shuffle(chosen);
    for (auto c : chosen) follow(c, target);
  }
  void random_followers(std::size_t target, std::size_t n) {
    std::vector<std::size_t> a = all_pool_;
    rng_.shuffle(a);
    for (std::size_t i = 0; i < n; ++i) follow(a[i], target);
  }
  void random_following(std::size_t source, std::size_t n) {
    std::vector<std::size_t> a = all_pool_;
    rng_.shuffle(a);
    for (std::size_t i = 0; i < n; ++i) follow(source, a[i]);
  }

  void graph() {
    // Background graph among generated users, skewed towards a few popular accounts.
    std::vector<std::size_t> popular(all_pool_.begin(), all_pool_.begin() + 60);
    for (auto i : all_pool_) {
      auto const k = rng_.below(4) + rng_.below(4) * rng_.below(4);
      for (std::uint64_t j = 0; j < k; ++j) {
        follow(i, rng_.percent(50) ? rng_.pick(popular) : rng_.pick(all_pool_));
      }
    }
    followers_from_pools(premium_, 1400, 600);
    random_following(premium_, 10);
    random_followers(grace_, 819);
    random_following(grace_, 89);
    random_followers(closed_, 3);
    followers_from_pools(fresh_, 4, 1);
    random_following(fresh_, 20);
    random_followers(totp_, 12);
    random_following(totp_, 15);
    random_followers(locked_, 3);
    random_following(locked_, 2);
    // Ada's two newest followers are the ones fixtures/followers_page.json shows first.
    followers_from_pools(ada_, 104, 44);
    random_following(ada_, 39);
    follow(ada_, grace_);
    follow(closed_, ada_);
    follow(grace_, ada_);
  }

  MessageRecord next_message(std::size_t from, std::size_t to, std::int64_t max_gap_s) {
    MessageRecord m;
    m.id = next_id_++;
    clock_ms_ += static_cast<std::int64_t>(rng_.between(60, max_gap_s)) * 1000 +
                 static_cast<std::int64_t>(rng_.below(1000));
    m.created_at_ms = clock_ms_;
    m.sender_id = w_.users[from].id;
    m.recipient_id = w_.users[to].id;
    return m;
  }

  // Ada's inbox history: five conversations in both directions, all in her `all` tab.
  void history() {
    std::vector<std::size_t> t = true_pool_;
    rng_.shuffle(t);
    partners_ = {grace_};
    partners_.insert(partners_.end(), t.begin(), t.begin() + 4);
    std::vector<std::size_t> remaining = {40, 20, 20, 20, 20};
    clock_ms_ = secs("2026-02-02T09:00:00Z") * 1000;
    bool grace_opened = false;
    for (std::size_t n = 0; n < 120; ++n) {
      std::size_t conv = rng_.below(partners_.size());
      while (remaining[conv] == 0) conv = (conv + 1) % partners_.size();
      --remaining[conv];
      bool const opener = conv == 0 && !grace_opened;
      std::size_t const other = partners_[conv];
      // Draw order (kept from the first generator): time, direction, text.
      MessageRecord m = next_message(ada_, other, 6 * 3600);
      if (!opener && !rng_.percent(55)) std::swap(m.sender_id, m.recipient_id);
      m.text = opener ? "Hi Grace, thanks for the follow!" : rng_.pick(kMessageTexts);
      if (opener) grace_opened = true;
      w_.messages.push_back(std::move(m));
    }
    // A reaction and an edit, as the app shows them (no media: `all` stays text-only).
    w_.messages[1].reactions.push_back({"👍", w_.messages[1].recipient_id});
    w_.messages[2].edit_count = 1;
    w_.messages[2].reply_to = w_.messages[1].id;
  }

  // Users Ada does not follow and has not talked to: who writes her message requests.
  std::vector<std::size_t> strangers(std::size_t n) const {
    std::vector<std::size_t> out;
    for (std::size_t i : true_pool_) {
      if (out.size() == n) break;
      bool const partner = std::find(partners_.begin(), partners_.end(), i) != partners_.end();
      if (!follows(ada_, i) && !partner) out.push_back(i);
    }
    return out;
  }

  MessageRecord& request(std::size_t from, std::optional<std::string> text) {
    MessageRecord m = next_message(from, ada_, 3 * 3600);
    m.text = std::move(text);
    w_.messages.push_back(std::move(m));
    return w_.messages.back();
  }

  // Ada's `requests` (strangers writing first: a follow-up replying to the first message,
  // one message the service could not decrypt, a photo, a link) and `hidden` (spam) tabs.
  void requests() {
    auto const s = strangers(5);
    std::uint64_t const first =
        request(s[0], "Hi! I bought your course last week but I can't log in. Can you help?").id;
    request(s[0], "My order number is #48213.").reply_to = first;
    request(s[1], std::nullopt);
    request(s[1], "Here is a screenshot of the error").media =
        MediaRecord{"photo", "https://pbs.twimg.com/dm_photo/0/error_screenshot.jpg"};
    request(s[2], "Would you review our tool? https://t.co/r3v13w")
        .links.push_back({"https://t.co/r3v13w", "https://tool.example.com/review"});
    request(s[3], "Earn $5,000 a week from home!!! DM me now 💸");
    request(s[4], "Crypto giveaway 🎁 claim yours: https://t.co/fr33c01n")
        .links.push_back({"https://t.co/fr33c01n", "https://giveaway.example.net/claim"});
    for (std::size_t i : {s[3], s[4]}) {
      w_.hidden.push_back(
          {w_.users[ada_].id, conversation_id_of(w_.users[i].id, w_.users[ada_].id)});
    }
  }

  Rng rng_;
  World w_;
  std::size_t ada_ = 0, grace_ = 0, closed_ = 0, fresh_ = 0, premium_ = 0, totp_ = 0, locked_ = 0;
  std::vector<std::size_t> true_pool_, false_pool_, all_pool_, partners_;
  std::unordered_set<std::uint64_t> edges_;
  std::int64_t clock_ms_ = 0;
  std::uint64_t next_id_ = 2000000000000000001ULL;
};

}  // namespace

World generate_world(std::uint64_t seed) { return Generator(seed).run(); }

}  // namespace getxapi::sandbox
