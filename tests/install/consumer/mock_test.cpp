// A user's own unit test, built against the installed package: the code under
// test takes a getxapi::Client, the test hands it one over the installed
// gmock MockConnection, so no server and no network are involved.
#include <getxapi/getxapi.hpp>
#include <getxapi/mocks/mock_connection.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace {

// The code under test: greets every follower who accepts DMs.
int greet_followers(getxapi::Client& client, std::string const& token) {
  int sent = 0;
  for (auto const& user : client.all_followers("ada_example")) {
    if (!user) return -1;
    if (!user->can_dm) continue;
    auto dm = client.send_dm({token, getxapi::Recipient::by_id(user->id), "hello"});
    if (dm) ++sent;
  }
  return sent;
}

getxapi::UserPage page(std::vector<std::pair<std::string, bool>> users, std::string next) {
  getxapi::UserPage p;
  for (auto const& [id, can_dm] : users) {
    getxapi::User u;
    u.id = id;
    u.can_dm = can_dm;
    p.items.push_back(u);
  }
  p.has_more = !next.empty();
  p.next_cursor = std::move(next);
  return p;
}

TEST(InstalledMock, DrivesAClientWithoutAServer) {
  using ::testing::_;
  using ::testing::Return;
  auto mock = std::make_shared<getxapi_mocks::MockConnection>();
  EXPECT_CALL(*mock, followers(std::string_view("ada_example"), std::string_view("")))
      .WillOnce(
          Return(getxapi::Result<getxapi::UserPage>(page({{"1", true}, {"2", false}}, "c2"))));
  EXPECT_CALL(*mock, followers(std::string_view("ada_example"), std::string_view("c2")))
      .WillOnce(Return(getxapi::Result<getxapi::UserPage>(page({{"3", true}}, ""))));
  getxapi::Message ok;
  ok.id = "m";
  EXPECT_CALL(*mock, send_dm(_))
      .Times(2)
      .WillRepeatedly(Return(getxapi::Result<getxapi::Message>(ok)));
  getxapi::Client client(mock);
  EXPECT_EQ(greet_followers(client, "token"), 2);
}

}  // namespace
