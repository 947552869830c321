// dm/send, dm/list (tabs, conversations, events, users) and dm/conversation.
#include <algorithm>
#include <set>
#include <unordered_map>

#include "impl.hpp"

namespace getxapi::sandbox {

using detail::Conversation;
using detail::json_reply;
using detail::reject;
using detail::Tab;

namespace {

constexpr std::size_t kDefaultDmPage = 50;

std::size_t page_count(detail::json const& body) {
  auto const n = detail::int_field(body, "count", 1, 100);
  return n ? static_cast<std::size_t>(*n) : kDefaultDmPage;
}

Tab tab_field(detail::json const& body) {
  auto it = body.find("tab");
  if (it == body.end() || it->is_null()) return Tab::kAll;
  std::optional<Tab> tab =
      it->is_string() ? detail::parse_tab(it->get<std::string>()) : std::nullopt;
  if (!tab) reject(400, "Invalid tab: expected all, requests or hidden");
  return *tab;
}

char cursor_kind(Tab tab) {
  switch (tab) {
    case Tab::kRequests:
      return 'R';
    case Tab::kHidden:
      return 'H';
    case Tab::kAll:
      break;
  }
  return 'M';
}

// Position one past the newest entry older than the cursor's message id, in ascending-id
// `indexes`; the end without a cursor.
std::size_t page_start(detail::State const& s, std::vector<std::size_t> const& indexes,
                       std::optional<std::string> const& cursor, char kind,
                       std::string const& owner) {
  if (!cursor) return indexes.size();
  auto before = detail::read_cursor(*cursor, kind, owner);
  if (!before || *before >= s.next_message_id) reject(400, "Invalid cursor");
  return static_cast<std::size_t>(
      std::lower_bound(indexes.begin(), indexes.end(), *before,
                       [&](std::size_t i, std::uint64_t id) { return s.messages[i].id < id; }) -
      indexes.begin());
}

detail::json users_json(detail::State const& s, std::set<std::string> const& ids) {
  detail::json users = detail::json::object();
  for (auto const& id : ids) {
    if (auto const* u = s.find_user_by_id(id)) users[id] = detail::dm_user_json(*u);
  }
  return users;
}

std::string not_found_conversation() {
  detail::json const inner = {
      {"errors", {{{"code", 279}, {"message", "Conversation not found or you have no access."}}}}};
  return "HTTP 404: " + inner.dump();
}

bool valid_proxy(std::string const& url) {
  for (char const* scheme : {"http://", "https://", "socks5://", "socks4://"}) {
    std::string const s = scheme;
    if (detail::starts_with(detail::lower(url), s) && url.size() > s.size() &&
        url.find_first_of(" \t\r\n") == std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string twid_user(std::string twid) {
  for (char const* prefix : {"u=", "u%3D", "u%3d"}) {
    if (detail::starts_with(twid, prefix)) return twid.substr(std::string(prefix).size());
  }
  return twid;
}

}  // namespace

void Sandbox::Impl::check_session_shape(json const& body) {
  auto const ct0 = detail::string_field(body, "ct0");
  auto const twid = detail::string_field(body, "twid");
  if (ct0.has_value() != twid.has_value()) reject(400, "Fields ct0 and twid go together");
  auto const proxy = detail::string_field(body, "proxy");
  if (proxy && !valid_proxy(*proxy)) {
    reject(400, "Invalid proxy: expected an http://, https://, socks5:// or socks4:// URL");
  }
}

void Sandbox::Impl::check_session_match(json const& body, std::size_t account) const {
  auto const ct0 = detail::string_field(body, "ct0");
  if (!ct0) return;
  auto const twid = twid_user(*detail::string_field(body, "twid"));
  if (*ct0 != state.accounts[account].ct0 ||
      twid != state.users[user_index_of_account(account)].id) {
    // Stale session values get past GetXAPI and fail on X's side.
    json const inner = {
        {"errors",
         {{{"code", 353},
           {"message", "This request requires a matching csrf cookie and header."}}}}};
    reject(403, "HTTP 403: " + inner.dump(), {{"twitter_error_code", 353}});
  }
}

bool Sandbox::Impl::take_list_call(std::string const& token, Reply& limited) {
  std::int64_t const now = now_ms();
  std::int64_t const window_ms = options.dm_list_window.count() * 1000;
  auto& calls = state.list_calls[token];
  while (!calls.empty() && calls.front() <= now - window_ms) calls.pop_front();
  if (static_cast<int>(calls.size()) >= options.dm_list_limit) {
    std::int64_t const wait_ms = calls.front() + window_ms - now;
    std::int64_t const seconds = std::max<std::int64_t>(1, (wait_ms + 999) / 1000);
    limited = detail::error_reply(429, "Please try again shortly.", {{"retry_after", seconds}});
    limited.headers.emplace_back("Retry-After", std::to_string(seconds));
    return false;
  }
  calls.push_back(now);
  return true;
}

detail::Reply Sandbox::Impl::dm_send(Request const& req) {
  json const body = parse_json_body(req);
  std::string const token = detail::required_field(body, "auth_token");
  auto const recipient_id = detail::string_field(body, "recipient_id");
  auto const recipient_name = detail::string_field(body, "recipient_username");
  auto const text_it = body.find("text");
  if (text_it != body.end() && !text_it->is_null() && !text_it->is_string()) {
    reject(400, "Field text must be a string");
  }
  if (text_it == body.end() || text_it->is_null()) reject(400, "Missing required field: text");
  std::string const text = text_it->get<std::string>();
  if (detail::trim(text).empty()) reject(400, "Field text must not be empty");
  if (detail::utf8_length(text) > detail::kMaxDmLength) {
    reject(400,
           "Field text is longer than " + std::to_string(detail::kMaxDmLength) + " characters");
  }
  if (recipient_id.has_value() == recipient_name.has_value()) {
    reject(400, "Missing required field: recipient_id or recipient_username");
  }
  if (recipient_id && !detail::is_digits(*recipient_id)) {
    reject(400, "Field recipient_id must be a numeric user id");
  }
  check_session_shape(body);

  auto lock = lock_state();
  std::size_t const account = account_for_token(token);
  auto const& sender = state.users[user_index_of_account(account)];
  UserRecord const* recipient = recipient_id ? state.find_user_by_id(*recipient_id)
                                             : state.find_user_by_name(*recipient_name);
  if (recipient == nullptr) {
    reject(404, recipient_id ? "Could not find user with id " + *recipient_id
                             : "Could not find user @" + *recipient_name);
  }
  if (!recipient->can_dm && recipient->id != sender.id) {
    reject(403, "Cannot send messages to this user", {{"twitter_error_code", 349}});
  }
  std::int64_t const now = now_ms();
  std::int64_t const day =
      now >= 0 ? now / detail::kDayMs : (now - detail::kDayMs + 1) / detail::kDayMs;
  auto& [counted_day, sent] = state.daily[sender.id];
  if (counted_day != day) {
    counted_day = day;
    sent = 0;
  }
  if (sent >= state.accounts[account].daily_cap) {
    reject(429, "You've hit your daily message request limit.", {{"twitter_error_code", 502}});
  }
  ++sent;
  MessageRecord m;
  m.id = state.next_message_id++;
  m.created_at_ms = now;
  m.sender_id = sender.id;
  m.recipient_id = recipient->id;
  m.text = text;
  std::size_t const i = state.add_message(std::move(m));
  state.delivered.push_back(i);
  return json_reply(200, {{"status", "success"},
                          {"msg", "DM sent successfully"},
                          {"data", detail::sent_message_json(state, state.messages[i])}});
}

detail::Reply Sandbox::Impl::dm_list(Request const& req) {
  json const body = parse_json_body(req);
  std::string const token = detail::required_field(body, "auth_token");
  auto const cursor = detail::string_field(body, "cursor");
  std::size_t const count = page_count(body);
  Tab const tab = tab_field(body);
  check_session_shape(body);

  auto lock = lock_state();
  std::size_t const account = account_for_token(token);
  std::string const owner = state.users[user_index_of_account(account)].id;
  check_session_match(body, account);
  Reply limited;
  if (!take_list_call(token, limited)) return limited;

  // The owner's messages in conversations of this tab, ascending id.
  std::vector<std::size_t> in_tab;
  std::unordered_map<std::string, bool> tab_of;
  for (std::size_t i : state.inbox[owner]) {
    auto const& m = state.messages[i];
    std::string const cid = conversation_id_of(m.sender_id, m.recipient_id);
    auto [it, fresh] = tab_of.emplace(cid, false);
    if (fresh) it->second = state.tab_of(owner, *state.find_conversation(cid)) == tab;
    if (it->second) in_tab.push_back(i);
  }
  std::size_t const start = page_start(state, in_tab, cursor, cursor_kind(tab), owner);
  std::size_t const take = std::min(count, start);
  json messages = json::array(), conversations = json::array(), events = json::array();
  std::set<std::string> user_ids = {owner};
  for (std::size_t k = 0; k < take; ++k) {
    std::size_t const i = in_tab[start - 1 - k];
    auto const& m = state.messages[i];
    messages.push_back(detail::message_json(state, m));
    user_ids.insert(m.sender_id);
    user_ids.insert(m.recipient_id);
    // A conversation is listed once, on the page holding its newest message.
    Conversation const& c =
        *state.find_conversation(conversation_id_of(m.sender_id, m.recipient_id));
    if (c.messages.back() != i) continue;
    conversations.push_back(detail::conversation_json(state, owner, c));
    for (auto const& e : c.events) events.push_back(detail::event_json(e));
  }
  bool const has_more = start > take;
  json next = nullptr;
  if (has_more) {
    next = detail::make_cursor(cursor_kind(tab), owner, state.messages[in_tab[start - take]].id);
  }
  return json_reply(200, {{"userId", owner},
                          {"tab", detail::tab_name(tab)},
                          {"conversation_count", conversations.size()},
                          {"message_count", messages.size()},
                          {"has_more", has_more},
                          {"next_cursor", next},
                          {"conversations", std::move(conversations)},
                          {"messages", std::move(messages)},
                          {"events", std::move(events)},
                          {"users", users_json(state, user_ids)}});
}

detail::Reply Sandbox::Impl::dm_conversation(Request const& req) {
  json const body = parse_json_body(req);
  std::string const token = detail::required_field(body, "auth_token");
  std::string const cid = detail::required_field(body, "conversation_id");
  auto const cursor = detail::string_field(body, "cursor");
  std::size_t const count = page_count(body);
  check_session_shape(body);

  auto lock = lock_state();
  std::size_t const account = account_for_token(token);
  std::string const owner = state.users[user_index_of_account(account)].id;
  check_session_match(body, account);
  Conversation const* c = state.find_conversation(cid);
  if (c == nullptr || (c->first != owner && c->second != owner)) {
    reject(404, not_found_conversation());
  }
  std::string const cursor_owner = owner + "/" + cid;
  std::size_t const start = page_start(state, c->messages, cursor, 'C', cursor_owner);
  std::size_t const take = std::min(count, start);
  json messages = json::array();
  for (std::size_t k = 0; k < take; ++k) {
    messages.push_back(detail::message_json(state, state.messages[c->messages[start - 1 - k]]));
  }
  bool const has_more = start > take;
  // Each event on the page whose time span covers it, so a walk sees it once.
  std::int64_t const newer_than_page =
      start < c->messages.size() ? state.messages[c->messages[start]].created_at_ms : INT64_MAX;
  std::int64_t const page_oldest =
      has_more ? state.messages[c->messages[start - take]].created_at_ms : INT64_MIN;
  json events = json::array();
  for (auto const& e : c->events) {
    if (e.at_ms >= page_oldest && e.at_ms < newer_than_page)
      events.push_back(detail::event_json(e));
  }
  json next = nullptr;
  if (has_more) {
    next = detail::make_cursor('C', cursor_owner, state.messages[c->messages[start - take]].id);
  }
  state.mark_read(owner, *c);
  return json_reply(200, {{"userId", owner},
                          {"conversation_id", cid},
                          {"message_count", messages.size()},
                          {"has_more", has_more},
                          {"next_cursor", next},
                          {"messages", std::move(messages)},
                          {"events", std::move(events)},
                          {"users", users_json(state, {c->first, c->second})}});
}

}  // namespace getxapi::sandbox
