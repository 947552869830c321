// Shared scaffolding for the unit tests: a Client wired to a FakeTransport and
// virtual time, a capturing Logger, and secrets distinctive enough that a
// substring search for them in any output is meaningful.
#pragma once

#include <getxapi/getxapi.hpp>

#include <fake_clock.hpp>
#include <fake_transport.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace getxapi::unit {

using namespace getxapi::testing;  // NOLINT

/// A UTC instant, independent of the process's time zone.
inline Timestamp utc(int y, int mo, int d, int h, int mi, int s, int ms = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(ms);
}
using std::chrono::milliseconds;
using std::chrono::seconds;

inline constexpr char kApiKey[] = "gxk_live_SECRETAPIKEY_7f3a9c";
inline constexpr char kAuthToken[] = "authtok_SECRETTOKEN_0c4d2e1b";
inline constexpr char kPassword[] = "pw_SECRETPASSWORD_hunter2";
inline constexpr char kTotpSecret[] = "JBSWY3DPEHPK3PXPSECRETQ";
inline constexpr char kBaseUrl[] = "https://api.test";

struct Harness {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<FakeSleeper> sleeper = std::make_shared<FakeSleeper>(clock);
  std::shared_ptr<FixedRandom> random = std::make_shared<FixedRandom>(0.5);
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();

  ClientOptions options() const {
    ClientOptions o;
    o.api_key = kApiKey;
    o.base_url = kBaseUrl;
    o.transport = transport;
    o.clock = clock;
    o.sleeper = sleeper;
    o.random = random;
    return o;
  }
  Client client() const { return Client(options()); }

  std::vector<long long> sleeps_ms() const {
    std::vector<long long> out;
    for (auto d : sleeper->sleeps()) out.push_back(d.count());
    return out;
  }
  HttpRequest request(std::size_t i) const { return transport->requests().at(i); }
};

/// Collects every line a Logger receives.
class CapturedLog {
 public:
  Logger logger(LogLevel min_level = LogLevel::kDebug) {
    Logger l;
    l.min_level = min_level;
    l.sink = [state = state_](LogLevel, std::string_view line) {
      std::lock_guard<std::mutex> lock(state->mu);
      state->lines.emplace_back(line);
    };
    return l;
  }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->lines;
  }
  std::string all() const {
    std::string out;
    for (auto const& line : lines()) out += line + "\n";
    return out;
  }

 private:
  struct State {
    std::mutex mu;
    std::vector<std::string> lines;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

inline nlohmann::json body_json(HttpRequest const& request) {
  return nlohmann::json::parse(request.body);
}

inline std::string error_body(std::string const& message) {
  return nlohmann::json{{"error", message}}.dump();
}

/// A dm/list page body with the given messages.
inline std::string message_page(nlohmann::json messages, bool has_more = false,
                                std::string next_cursor = {},
                                std::string user_id = "1700000000000000001") {
  nlohmann::json page = {{"userId", user_id},
                         {"message_count", messages.size()},
                         {"has_more", has_more},
                         {"messages", std::move(messages)}};
  page["next_cursor"] = next_cursor.empty() ? nlohmann::json(nullptr) : nlohmann::json(next_cursor);
  return page.dump();
}

/// A followers_v2 / following_v2 page of users with the given ids.
inline std::string user_page(std::string const& key, std::vector<std::string> const& ids,
                             bool has_more, std::string const& next_cursor) {
  nlohmann::json users = nlohmann::json::array();
  for (auto const& id : ids) {
    users.push_back({{"id", id}, {"userName", "u" + id}, {"canDm", true}});
  }
  nlohmann::json page = {{"userName", "ada_example"}, {"has_more", has_more}, {key, users}};
  page["next_cursor"] = next_cursor.empty() ? nlohmann::json(nullptr) : nlohmann::json(next_cursor);
  return page.dump();
}

}  // namespace getxapi::unit
