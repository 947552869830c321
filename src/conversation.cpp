// Inbox tabs, the conversation types' helpers and printing, and Session.
// Printing never shows message texts, tokens or proxy credentials.
#include <getxapi/conversation.hpp>
#include <getxapi/dm.hpp>
#include <getxapi/message.hpp>
#include <getxapi/session.hpp>

#include "redact.hpp"
#include "validate.hpp"

#include <ostream>

namespace getxapi {

std::string_view to_string(InboxTab tab) noexcept {
  switch (tab) {
    case InboxTab::kAll:
      return "all";
    case InboxTab::kRequests:
      return "requests";
    case InboxTab::kHidden:
      return "hidden";
  }
  return "?";
}

std::optional<InboxTab> parse_inbox_tab(std::string_view text) noexcept {
  for (auto tab : {InboxTab::kAll, InboxTab::kRequests, InboxTab::kHidden}) {
    if (text == to_string(tab)) return tab;
  }
  return std::nullopt;
}

bool is_valid(InboxTab tab) noexcept { return to_string(tab) != "?"; }

std::vector<DmUser> Conversation::others(std::string_view owner_id) const {
  std::vector<DmUser> out;
  for (auto const& p : participants) {
    if (p.id != owner_id) out.push_back(p);
  }
  return out;
}

DmUser const* MessagePage::user(std::string_view id) const {
  auto it = users.find(id);
  return it == users.end() ? nullptr : &it->second;
}

Session Session::from_login(LoginResult const& login, std::string proxy) {
  return Session{login.auth_token, login.ct0, login.twid, std::move(proxy)};
}

std::string Session::user_id() const {
  std::string_view id = twid;
  for (std::string_view prefix : {"u=", "u%3D", "u%3d"}) {
    if (id.substr(0, prefix.size()) == prefix) {
      id.remove_prefix(prefix.size());
      break;
    }
  }
  bool const digits = !id.empty() && id.size() <= 20 &&
                      id.find_first_not_of("0123456789") == std::string_view::npos;
  return digits ? std::string(id) : std::string();
}

ListDmsRequest Session::list_dms(InboxTab tab, std::string cursor) const {
  ListDmsRequest request;
  request.auth_token = auth_token;
  request.cursor = std::move(cursor);
  request.tab = tab;
  request.ct0 = ct0;
  request.twid = twid;
  request.proxy = proxy;
  return request;
}

ConversationRequest Session::conversation(std::string conversation_id, std::string cursor) const {
  return ConversationRequest{auth_token, std::move(conversation_id), std::move(cursor),
                             std::nullopt, proxy};
}

namespace {

char const* mask_if_set(std::string const& secret) {
  return secret.empty() ? "\"\"" : internal::kMask;
}

void print_summary(std::ostream& os, Message const& m) {
  os << "{id=" << m.id << ", sender_id=" << m.sender_id << ", text=<" << m.text.size()
     << " bytes>}";
}

}  // namespace

std::ostream& operator<<(std::ostream& os, InboxTab tab) { return os << to_string(tab); }

std::ostream& operator<<(std::ostream& os, DmUser const& user) {
  return os << "DmUser{id=" << user.id << ", screen_name=@" << user.screen_name << ", name=\""
            << user.name << "\"}";
}

std::ostream& operator<<(std::ostream& os, Conversation const& c) {
  os << "Conversation{id=" << c.id << ", type=" << c.type
     << ", unread=" << (c.unread ? "true" : "false") << ", participants=[";
  char const* sep = "";
  for (auto const& p : c.participants) {
    os << sep << "@" << (p.screen_name.empty() ? p.id : p.screen_name);
    sep = ", ";
  }
  os << "]";
  if (c.sort_time) os << ", sort_time=" << format_timestamp(*c.sort_time);
  if (c.last_message) {
    os << ", last_message=";
    print_summary(os, *c.last_message);
  }
  return os << "}";
}

std::ostream& operator<<(std::ostream& os, DmEvent const& event) {
  os << "DmEvent{type=" << event.type << ", conversation_id=" << event.conversation_id;
  if (event.created_at) os << ", created_at=" << format_timestamp(*event.created_at);
  return os << "}";
}

std::ostream& operator<<(std::ostream& os, ConversationRequest const& request) {
  os << "ConversationRequest{auth_token=" << mask_if_set(request.auth_token)
     << ", conversation_id=" << request.conversation_id << ", cursor=\"" << request.cursor << "\"";
  if (request.count) os << ", count=" << *request.count;
  if (!request.proxy.empty()) os << ", proxy=" << internal::mask_proxy(request.proxy);
  return os << "}";
}

std::ostream& operator<<(std::ostream& os, Session const& session) {
  os << "Session{auth_token=" << mask_if_set(session.auth_token)
     << ", ct0=" << mask_if_set(session.ct0) << ", twid=" << session.twid;
  if (!session.proxy.empty()) os << ", proxy=" << internal::mask_proxy(session.proxy);
  return os << "}";
}

}  // namespace getxapi
