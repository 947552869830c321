/// @file
/// `getxapi_mocks::MockConnection`: a gmock mock of `getxapi::Connection`,
/// for unit tests of code that takes a `getxapi::Client`.
///
/// Header-only; link your test with GTest::gmock. Build a client over it with
/// `getxapi::Client client(mock);`. Every call has a default action (an error
/// saying no expectation was set, kUnknown), so `NiceMock<MockConnection>`
/// works; `clock()` defaults to the system clock and `pacing()` to nothing
/// enforced.
///
/// @code
/// #include <getxapi/mocks/mock_connection.hpp>
/// using ::testing::Return;
/// auto mock = std::make_shared<getxapi_mocks::MockConnection>();
/// getxapi::Message sent;
/// sent.id = "m1";
/// EXPECT_CALL(*mock, send_dm).WillOnce(Return(getxapi::Result<getxapi::Message>(sent)));
/// getxapi::Client client(mock);
/// my_bot_greets(client, "ada");  // the code under test
/// @endcode
#pragma once

#include <getxapi/connection.hpp>

#include <gmock/gmock.h>

#include <memory>
#include <string>
#include <string_view>

namespace getxapi_mocks {

class MockConnection : public getxapi::Connection {
 public:
  MockConnection() {
    using ::testing::_;
    using ::testing::Return;
    ON_CALL(*this, login(_)).WillByDefault(Return(unset<getxapi::LoginResult>("login")));
    ON_CALL(*this, user_info(_)).WillByDefault(Return(unset<getxapi::User>("user_info")));
    ON_CALL(*this, followers(_, _)).WillByDefault(Return(unset<getxapi::UserPage>("followers")));
    ON_CALL(*this, following(_, _)).WillByDefault(Return(unset<getxapi::UserPage>("following")));
    ON_CALL(*this, send_dm(_)).WillByDefault(Return(unset<getxapi::Message>("send_dm")));
    ON_CALL(*this, list_dms(_)).WillByDefault(Return(unset<getxapi::MessagePage>("list_dms")));
    ON_CALL(*this, conversation(_))
        .WillByDefault(Return(unset<getxapi::MessagePage>("conversation")));
    ON_CALL(*this, stats()).WillByDefault(Return(getxapi::Stats{}));
    ON_CALL(*this, daily_sends(_)).WillByDefault(Return(0));
    ON_CALL(*this, clock()).WillByDefault(Return(getxapi::system_clock()));
    getxapi::PacingOptions off;
    off.enabled = false;
    ON_CALL(*this, pacing()).WillByDefault(Return(off));
  }

  MOCK_METHOD(getxapi::Result<getxapi::LoginResult>, login, (getxapi::LoginRequest const&),
              (override));
  MOCK_METHOD(getxapi::Result<getxapi::User>, user_info, (std::string_view), (override));
  MOCK_METHOD(getxapi::Result<getxapi::UserPage>, followers, (std::string_view, std::string_view),
              (override));
  MOCK_METHOD(getxapi::Result<getxapi::UserPage>, following, (std::string_view, std::string_view),
              (override));
  MOCK_METHOD(getxapi::Result<getxapi::Message>, send_dm, (getxapi::SendDmRequest const&),
              (override));
  MOCK_METHOD(getxapi::Result<getxapi::MessagePage>, list_dms, (getxapi::ListDmsRequest const&),
              (override));
  MOCK_METHOD(getxapi::Result<getxapi::MessagePage>, conversation,
              (getxapi::ConversationRequest const&), (override));
  MOCK_METHOD(getxapi::Stats, stats, (), (const, override));
  MOCK_METHOD(void, seed_daily_sends, (std::string_view, int), (override));
  MOCK_METHOD(int, daily_sends, (std::string_view), (const, override));
  MOCK_METHOD(std::shared_ptr<getxapi::Clock>, clock, (), (const, override));
  MOCK_METHOD(getxapi::PacingOptions, pacing, (), (const, override));

 private:
  template <class T>
  static getxapi::Result<T> unset(char const* call) {
    return getxapi::Error(getxapi::ErrorCode::kUnknown,
                          std::string("MockConnection: no expectation set for ") + call);
  }
};

}  // namespace getxapi_mocks
