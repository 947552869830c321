// The sandbox world: determinism, --seed worlds, the data file format and time formats.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "sandbox.hpp"
#include "world.hpp"

namespace getxapi::sandbox::testing {
namespace {

std::string temp_path(std::string const& name) {
  return std::string(GETXAPI_BINARY_DIR) + "/sandbox-test-" + name + ".json";
}

// Field-wise, cheaper than comparing multi-megabyte JSON dumps.
bool same_world(World const& a, World const& b) {
  if (a.users.size() != b.users.size() || a.follows != b.follows ||
      a.messages.size() != b.messages.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.users.size(); ++i) {
    auto const &x = a.users[i], &y = b.users[i];
    if (x.id != y.id || x.user_name != y.user_name || x.name != y.name || x.can_dm != y.can_dm ||
        x.created_at != y.created_at || x.description != y.description) {
      return false;
    }
  }
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    if (a.messages[i].id != b.messages[i].id || a.messages[i].text != b.messages[i].text ||
        a.messages[i].created_at_ms != b.messages[i].created_at_ms) {
      return false;
    }
  }
  return true;
}

TEST(SandboxWorld, DefaultWorldIsDeterministic) {
  World const w = generate_world(kDefaultWorldSeed);
  EXPECT_TRUE(same_world(w, generate_world(kDefaultWorldSeed)));
  EXPECT_GE(w.users.size(), 2000u);
  std::size_t can_dm = 0, non_ascii = 0;
  for (auto const& u : w.users) {
    can_dm += u.can_dm ? 1 : 0;
    non_ascii += std::any_of(u.name.begin(), u.name.end(), [](char c) { return c & 0x80; }) ? 1 : 0;
  }
  double const ratio = static_cast<double>(can_dm) / static_cast<double>(w.users.size());
  EXPECT_NEAR(ratio, 0.70, 0.03);
  EXPECT_GT(non_ascii, 50u);
}

// The accounts other engineers hard-code, in every generated world.
void expect_fixed_accounts(World const& w) {
  std::map<std::string, UserRecord> users;
  for (auto const& u : w.users) users[u.user_name] = u;
  std::map<std::string, std::size_t> followers;
  for (auto const& [from, to] : w.follows) ++followers[to];
  auto check = [&](std::string const& name, std::string const& id, std::size_t n_followers) {
    ASSERT_TRUE(users.count(name)) << name;
    EXPECT_EQ(users[name].id, id);
    EXPECT_EQ(followers[id], n_followers) << name;
  };
  check("ada_example", "1700000000000000001", 150);
  check("grace_h", "1700000000000000002", 820);
  check("closed_dms", "1700000000000000003", 3);
  check("lonely_user", "1700000000000000004", 0);
  check("new_account", "1700000000000000010", 5);
  check("premium_brand", "1700000000000000020", 2000);
  EXPECT_TRUE(users["grace_h"].can_dm);
  EXPECT_FALSE(users["closed_dms"].can_dm);
  std::map<std::string, AccountRecord> accounts;
  for (auto const& a : w.accounts) accounts[a.user_name] = a;
  EXPECT_EQ(accounts["ada_example"].auth_token, "sandbox-token-ada");
  EXPECT_EQ(accounts["ada_example"].daily_cap, 1000);
  EXPECT_EQ(accounts["new_account"].auth_token, "sandbox-token-new");
  EXPECT_EQ(accounts["new_account"].daily_cap, 500);
  EXPECT_EQ(accounts["premium_brand"].auth_token, "sandbox-token-premium");
  EXPECT_EQ(accounts["premium_brand"].daily_cap, 1500);
  EXPECT_EQ(accounts["totp_user"].auth_token, "sandbox-token-totp");
  EXPECT_TRUE(accounts["totp_user"].totp_required);
  EXPECT_TRUE(accounts["locked_user"].locked);
  for (auto const& [name, a] : accounts) EXPECT_EQ(a.password, "sandbox-password") << name;
  std::map<std::string, bool> can_dm;
  for (auto const& u : w.users) can_dm[u.id] = u.can_dm;
  std::size_t premium_closed = 0;
  for (auto const& [from, to] : w.follows) {
    if (to == "1700000000000000020" && !can_dm[from]) ++premium_closed;
  }
  EXPECT_EQ(premium_closed, 600u);
  // 120 history messages in `all`, 5 in `requests`, 2 in `hidden`.
  EXPECT_EQ(w.messages.size(), 127u);
  EXPECT_EQ(w.hidden.size(), 2u);
}

TEST(SandboxWorld, SeededWorldsDifferButKeepTheFixedAccounts) {
  World const base = generate_world(kDefaultWorldSeed);
  World const other = generate_world(7);
  expect_fixed_accounts(base);
  expect_fixed_accounts(other);
  EXPECT_FALSE(same_world(base, other));
  EXPECT_TRUE(same_world(other, generate_world(7)));
}

TEST(SandboxWorld, DataFileRoundTrips) {
  Sandbox original;
  std::string const path = temp_path("roundtrip");
  {
    std::ofstream out(path);
    out << original.dump_world();
  }
  SandboxOptions options;
  options.data_file = path;
  Sandbox loaded(options);
  EXPECT_EQ(loaded.dump_world(), original.dump_world());
  std::remove(path.c_str());
}

class ExampleWorldTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxOptions options;
    options.data_file = std::string(GETXAPI_SOURCE_DIR) + "/tools/sandbox/data/example-world.json";
    restart(options);
  }
};

TEST_F(ExampleWorldTest, MinimalDataFileServes) {
  auto info = get("/twitter/user/info", {{"userName", "shop_owner"}});
  ASSERT_EQ(info.status, 200) << info.raw;
  EXPECT_EQ(info.body["data"]["followers"], 3);
  EXPECT_EQ(info.body["data"]["following"], 1);
  auto page = get("/twitter/user/followers_v2", {{"userName", "shop_owner"}});
  ASSERT_EQ(page.body["followers"].size(), 3u);
  EXPECT_EQ(page.body["followers"][0]["userName"], "quiet_fan") << "newest follower first";
  EXPECT_EQ(page.body["followers"][1]["createdAt"], "Mon Jan 06 18:40:40 +0000 2020");
  auto login =
      post("/twitter/user_login", {{"username", "shop_owner"}, {"password", "sandbox-password"}});
  EXPECT_EQ(login.body["auth_token"], "example-token-shop");
  auto inbox = post("/twitter/dm/list", {{"auth_token", "example-token-shop"}});
  ASSERT_EQ(inbox.body["messages"].size(), 2u);
  EXPECT_EQ(inbox.body["messages"][0]["text"], "Yes! 3-5 days.");
  auto sent = send_dm("example-token-shop", "happy_customer", "Shipped!");
  ASSERT_EQ(sent.status, 200);
  EXPECT_GT(std::stoull(sent.body["data"]["id"].get<std::string>()), 5001u);
}

TEST(SandboxWorld, BadDataFilesAreRejectedWithTheirLocation) {
  auto expect_error = [](json const& j, std::string const& fragment) {
    try {
      world_from_json(j);
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (std::runtime_error const& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_error(json::array(), "top level");
  expect_error({{"users", {{{"userName", "x"}}}}}, "users[0]");
  expect_error({{"users", {{{"id", "1"}, {"userName", "x"}}, {{"id", "1"}, {"userName", "y"}}}}},
               "duplicate id");
  expect_error({{"users", {{{"id", "1"}, {"userName", "x"}}}},
                {"follows", json::array({json::array({"1", "2"})})}},
               "follows[0]");
  expect_error({{"users", {{{"id", "1"}, {"userName", "x"}}}},
                {"accounts", {{{"userName", "nobody"}, {"auth_token", "t"}}}}},
               "accounts[0]");
  SandboxOptions missing;
  missing.data_file = "/nonexistent/world.json";
  EXPECT_THROW(Sandbox{missing}, std::runtime_error);
}

TEST(SandboxWorld, TimeFormats) {
  EXPECT_EQ(format_iso_micro(1609544721), "2021-01-01T23:45:21.000000Z");
  EXPECT_EQ(format_twitter(1764649509), "Tue Dec 02 04:25:09 +0000 2025");
  EXPECT_EQ(format_iso_ms(1772446272345), "2026-03-02T10:11:12.345Z");
  EXPECT_EQ(parse_time_ms("2026-03-02T10:11:12.345Z"), 1772446272345);
  EXPECT_EQ(parse_time_ms("2021-01-01T23:45:21.000000Z"), 1609544721000);
  EXPECT_EQ(parse_time_ms("Tue Dec 02 04:25:09 +0000 2025"), 1764649509000);
  EXPECT_EQ(parse_time_ms("Mon Jan 06 18:40:40 +0000 2020"), 1578336040000);
  EXPECT_FALSE(parse_time_ms("yesterday"));
  EXPECT_FALSE(parse_time_ms("2021-01-01T23:45:21"));
  // Weekdays before the epoch, too.
  EXPECT_EQ(format_twitter(-86400), "Wed Dec 31 00:00:00 +0000 1969");
}

}  // namespace
}  // namespace getxapi::sandbox::testing
