// operator<< for the public value types. Secrets are always masked; message
// texts are summarised, not printed (they can be private).
#include <getxapi/dm.hpp>
#include <getxapi/login.hpp>
#include <getxapi/message.hpp>
#include <getxapi/user.hpp>

#include "redact.hpp"

#include <ostream>

namespace getxapi {
namespace {

char const* mask_if_set(std::string const& secret) {
  return secret.empty() ? "\"\"" : internal::kMask;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, User const& user) {
  return os << "User{id=" << user.id << ", user_name=@" << user.user_name << ", name=\""
            << user.name << "\", followers=" << user.followers_count
            << ", can_dm=" << (user.can_dm ? "true" : "false") << "}";
}

std::ostream& operator<<(std::ostream& os, UserPage const& page) {
  return os << "UserPage{items=" << page.items.size()
            << ", has_more=" << (page.has_more ? "true" : "false") << ", next_cursor=\""
            << page.next_cursor << "\"}";
}

std::ostream& operator<<(std::ostream& os, Message const& message) {
  os << "Message{id=" << message.id << ", sender_id=" << message.sender_id
     << ", recipient_id=" << message.recipient_id;
  if (message.created_at) os << ", created_at=" << format_timestamp(*message.created_at);
  os << ", text=<" << message.text.size() << " bytes>";
  if (message.recovered) os << ", recovered";
  return os << "}";
}

std::ostream& operator<<(std::ostream& os, MessagePage const& page) {
  return os << "MessagePage{items=" << page.items.size()
            << ", has_more=" << (page.has_more ? "true" : "false") << ", next_cursor=\""
            << page.next_cursor << "\"}";
}

std::ostream& operator<<(std::ostream& os, LoginRequest const& request) {
  return os << "LoginRequest{username=" << request.username
            << ", password=" << mask_if_set(request.password) << ", email=" << request.email
            << ", totp_secret=" << mask_if_set(request.totp_secret) << "}";
}

std::ostream& operator<<(std::ostream& os, LoginResult const& result) {
  return os << "LoginResult{auth_token=" << mask_if_set(result.auth_token)
            << ", ct0=" << mask_if_set(result.ct0) << ", twid=" << result.twid << "}";
}

std::ostream& operator<<(std::ostream& os, Recipient const& recipient) {
  return os << (recipient.is_id() ? "id:" : "@") << recipient.value();
}

std::ostream& operator<<(std::ostream& os, SendDmRequest const& request) {
  return os << "SendDmRequest{auth_token=" << mask_if_set(request.auth_token)
            << ", recipient=" << request.recipient << ", text=<" << request.text.size()
            << " bytes>}";
}

std::ostream& operator<<(std::ostream& os, ListDmsRequest const& request) {
  os << "ListDmsRequest{auth_token=" << mask_if_set(request.auth_token) << ", cursor=\""
     << request.cursor << "\"";
  if (request.count) os << ", count=" << *request.count;
  return os << "}";
}

}  // namespace getxapi
