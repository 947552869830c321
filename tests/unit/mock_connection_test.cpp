// Client over getxapi_mocks::MockConnection: every call forwards, the ranges
// are built from the per-page calls (loop guard included), and the mock's
// defaults make NiceMock usable.
#include <getxapi/client.hpp>
#include <getxapi/mocks/mock_connection.hpp>

#include "unit_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace getxapi::unit {
namespace {

using getxapi_mocks::MockConnection;
using ::testing::_;
using ::testing::NiceMock;
using ::testing::Return;

User user(std::string id) {
  User u;
  u.id = std::move(id);
  u.user_name = "u" + u.id;
  u.can_dm = true;
  return u;
}

UserPage page(std::vector<std::string> const& ids, std::string next) {
  UserPage p;
  for (auto const& id : ids) p.items.push_back(user(id));
  p.has_more = !next.empty();
  p.next_cursor = std::move(next);
  return p;
}

TEST(MockConnection, ClientForwardsEachCall) {
  auto mock = std::make_shared<MockConnection>();
  Message sent;
  sent.id = "m1";
  EXPECT_CALL(*mock, user_info(std::string_view("ada"))).WillOnce(Return(Result<User>(user("1"))));
  EXPECT_CALL(*mock, send_dm(_)).WillOnce([](SendDmRequest const& r) -> Result<Message> {
    EXPECT_EQ(r.text, "hi");
    Message m;
    m.id = "m1";
    return m;
  });
  EXPECT_CALL(*mock, daily_sends(std::string_view("tok"))).WillOnce(Return(7));
  EXPECT_CALL(*mock, seed_daily_sends(std::string_view("tok"), 3));
  Client client(mock);
  auto u = client.user_info("ada");
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->id, "1");
  auto m = client.send_dm({"tok", Recipient::by_id("2"), "hi"});
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->id, "m1");
  client.seed_daily_sends("tok", 3);
  EXPECT_EQ(client.daily_sends("tok"), 7);
}

TEST(MockConnection, RangeWalksMockPages) {
  auto mock = std::make_shared<MockConnection>();
  EXPECT_CALL(*mock, followers(std::string_view("ada"), std::string_view("")))
      .WillOnce(Return(Result<UserPage>(page({"1", "2"}, "c1"))));
  EXPECT_CALL(*mock, followers(std::string_view("ada"), std::string_view("c1")))
      .WillOnce(Return(Result<UserPage>(page({"3"}, ""))));
  Client client(mock);
  std::vector<std::string> ids;
  for (auto const& u : client.all_followers("@ada")) {
    ASSERT_TRUE(u) << u.error();
    ids.push_back(u->id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "2", "3"}));
}

TEST(MockConnection, RangeArgumentsRefusedBeforeTheConnection) {
  auto mock = std::make_shared<MockConnection>();
  EXPECT_CALL(*mock, list_dms(_)).Times(0);
  Client client(mock);
  auto range = client.all_dms("");
  auto it = range.begin();
  ASSERT_NE(it, range.end());
  EXPECT_EQ(it->error().code(), ErrorCode::kInvalidArgument);
}

TEST(MockConnection, NiceMockDefaultsFailTypedAndClockIsSet) {
  auto mock = std::make_shared<NiceMock<MockConnection>>();
  Client client(mock);
  auto r = client.list_dms({"tok", "", std::nullopt});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnknown);
  EXPECT_NE(client.clock(), nullptr);
  EXPECT_FALSE(client.pacing().enabled);
}

TEST(MockConnection, NullConnectionRefusesEveryCall) {
  Client client(std::shared_ptr<Connection>{});
  auto r = client.user_info("ada");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(client.clock(), nullptr);
}

TEST(MockConnection, RealConnectionReportsItsClockAndPacing) {
  Harness h;
  auto options = h.options();
  options.pacing.set_send_delay(seconds(2), seconds(5));
  Client client(make_connection(options));
  EXPECT_EQ(client.clock(), h.clock);
  EXPECT_EQ(client.pacing().send_delay_max, seconds(5));
}

}  // namespace
}  // namespace getxapi::unit
