// The defaults of `Connection`: each call fails, so a subclass (a mock, a
// decorator) overrides only what it serves.
#include <getxapi/connection.hpp>

#include <string>

namespace getxapi {
namespace {

Error unimplemented(char const* call) {
  return Error(ErrorCode::kUnknown, std::string(call) + " is not implemented by this Connection");
}

}  // namespace

Result<LoginResult> Connection::login(LoginRequest const&) { return unimplemented("login"); }
Result<User> Connection::user_info(std::string_view) { return unimplemented("user_info"); }
Result<UserPage> Connection::followers(std::string_view, std::string_view) {
  return unimplemented("followers");
}
Result<UserPage> Connection::following(std::string_view, std::string_view) {
  return unimplemented("following");
}
Result<Message> Connection::send_dm(SendDmRequest const&) { return unimplemented("send_dm"); }
Result<MessagePage> Connection::list_dms(ListDmsRequest const&) {
  return unimplemented("list_dms");
}
Result<MessagePage> Connection::conversation(ConversationRequest const&) {
  return unimplemented("conversation");
}
Stats Connection::stats() const { return {}; }
void Connection::seed_daily_sends(std::string_view, int) {}
int Connection::daily_sends(std::string_view) const { return 0; }
std::shared_ptr<Clock> Connection::clock() const { return system_clock(); }
PacingOptions Connection::pacing() const {
  PacingOptions off;
  off.enabled = false;
  return off;
}

}  // namespace getxapi
