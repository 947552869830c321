// The live state: loading a world, the conversation model (tabs, unread, request accepted)
// and the wire JSON of users, messages, conversations and events.
#include "state.hpp"

#include <algorithm>

namespace getxapi::sandbox::detail {
namespace {

json nullable(std::optional<std::string> const& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

std::optional<Tab> parse_tab(std::string const& name) {
  if (name == "all") return Tab::kAll;
  if (name == "requests") return Tab::kRequests;
  if (name == "hidden") return Tab::kHidden;
  return std::nullopt;
}

char const* tab_name(Tab tab) {
  switch (tab) {
    case Tab::kRequests:
      return "requests";
    case Tab::kHidden:
      return "hidden";
    case Tab::kAll:
      break;
  }
  return "all";
}

void State::load(World const& w) {
  *this = State{};
  users = w.users;
  for (std::size_t i = 0; i < users.size(); ++i) {
    by_id.emplace(users[i].id, i);
    by_name.emplace(lower(users[i].user_name), i);
  }
  followers.assign(users.size(), {});
  following.assign(users.size(), {});
  for (auto it = w.follows.rbegin(); it != w.follows.rend(); ++it) {
    std::size_t const from = by_id.at(it->first), to = by_id.at(it->second);
    followers[to].push_back(from);
    following[from].push_back(to);
  }
  accounts = w.accounts;
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    account_by_token.emplace(accounts[i].auth_token, i);
    account_by_name.emplace(lower(accounts[i].user_name), i);
  }
  messages.reserve(w.messages.size());
  for (auto const& m : w.messages) add_message(m);
  if (!messages.empty()) next_message_id = std::max(next_message_id, messages.back().id + 1);
  for (auto const& h : w.hidden) views[h.owner_id][h.conversation_id].hidden = true;
}

UserRecord const* State::find_user_by_name(std::string const& name) const {
  auto it = by_name.find(lower(starts_with(name, "@") ? name.substr(1) : name));
  return it == by_name.end() ? nullptr : &users[it->second];
}

UserRecord const* State::find_user_by_id(std::string const& id) const {
  auto it = by_id.find(id);
  return it == by_id.end() ? nullptr : &users[it->second];
}

UserRecord const* State::find_user(std::string const& ref) const {
  if (auto const* u = find_user_by_id(ref)) return u;
  if (auto const* u = find_user_by_name(ref)) return u;
  auto it = account_by_token.find(ref);
  if (it == account_by_token.end()) return nullptr;
  return find_user_by_name(accounts[it->second].user_name);
}

bool State::follows(std::string const& from_id, std::string const& to_id) const {
  auto from = by_id.find(from_id);
  auto to = by_id.find(to_id);
  if (from == by_id.end() || to == by_id.end()) return false;
  auto const& list = following[from->second];
  return std::find(list.begin(), list.end(), to->second) != list.end();
}

std::size_t State::add_message(MessageRecord m) {
  std::string const cid = conversation_id_of(m.sender_id, m.recipient_id);
  Conversation& c = conversations[cid];
  if (c.id.empty()) {
    c.id = cid;
    c.first = id_less(m.recipient_id, m.sender_id) ? m.recipient_id : m.sender_id;
    c.second = c.first == m.sender_id ? m.recipient_id : m.sender_id;
  }
  ConversationView& sender_side = views[m.sender_id][cid];
  views[m.recipient_id][cid];  // the recipient's side exists from the first message on
  // Until the sender writes, a conversation someone else opened is a request for them
  // (unless they follow that someone): this message accepts it.
  bool const accepts = !sender_side.sent && !c.messages.empty() && m.sender_id != m.recipient_id &&
                       !follows(m.sender_id, m.recipient_id);
  sender_side.sent = true;
  sender_side.read_up_to = m.id;
  if (accepts) {
    c.events.push_back(
        {next_event_id++, "message_request_accepted", cid, m.created_at_ms, m.sender_id});
  }
  messages.push_back(std::move(m));
  std::size_t const i = messages.size() - 1;
  auto const& stored = messages[i];
  message_by_id[stored.id] = i;
  inbox[stored.sender_id].push_back(i);
  if (stored.recipient_id != stored.sender_id) inbox[stored.recipient_id].push_back(i);
  c.messages.push_back(i);
  return i;
}

Conversation const* State::find_conversation(std::string const& id) const {
  auto it = conversations.find(id);
  return it == conversations.end() ? nullptr : &it->second;
}

ConversationView const& State::view(std::string const& owner,
                                    std::string const& conversation) const {
  static ConversationView const kNone;
  auto u = views.find(owner);
  if (u == views.end()) return kNone;
  auto v = u->second.find(conversation);
  return v == u->second.end() ? kNone : v->second;
}

std::string const& State::other_participant(Conversation const& c, std::string const& owner) const {
  return c.first == owner ? c.second : c.first;
}

Tab State::tab_of(std::string const& owner, Conversation const& c) const {
  ConversationView const& v = view(owner, c.id);
  if (v.sent || follows(owner, other_participant(c, owner))) return Tab::kAll;
  return v.hidden ? Tab::kHidden : Tab::kRequests;
}

bool State::unread(std::string const& owner, Conversation const& c) const {
  std::uint64_t const read = view(owner, c.id).read_up_to;
  for (auto it = c.messages.rbegin(); it != c.messages.rend(); ++it) {
    auto const& m = messages[*it];
    if (m.sender_id != owner) return m.id > read;
  }
  return false;
}

void State::mark_read(std::string const& owner, Conversation const& c) {
  if (c.messages.empty()) return;
  auto& v = views[owner][c.id];
  v.read_up_to = std::max(v.read_up_to, messages[c.messages.back()].id);
}

void State::deliver_due(std::int64_t now_ms) {
  while (!pending.empty() && pending.front().due_ms <= now_ms) {
    PendingInbound p = std::move(pending.front());
    pending.pop_front();
    MessageRecord m;
    m.id = next_message_id++;
    m.created_at_ms = p.due_ms;
    m.sender_id = p.from_id;
    m.recipient_id = p.to_id;
    m.text = p.text;
    add_message(std::move(m));
    for (auto& s : streams) {
      if (s.id == p.stream) ++s.delivered;
    }
  }
}

// ---- wire JSON ---------------------------------------------------------------------------

json user_info_json(State const& s, std::size_t i) {
  auto const& u = s.users[i];
  return {{"type", "user"},
          {"id", u.id},
          {"name", u.name},
          {"userName", u.user_name},
          {"location", u.location},
          {"url", u.website},
          {"description", u.description},
          {"protected", u.is_protected},
          {"isVerified", u.is_verified},
          {"isBlueVerified", u.is_blue_verified},
          {"verifiedType", nullable(u.verified_type)},
          {"followers", s.followers[i].size()},
          {"following", s.following[i].size()},
          {"favouritesCount", u.favourites},
          {"statusesCount", u.tweets},
          {"mediaCount", u.media},
          {"createdAt", format_iso_micro(u.created_at)},
          {"coverPicture", nullable(u.cover_picture)},
          {"profilePicture", nullable(u.profile_picture)},
          {"canDm", u.can_dm},
          {"pinnedTweetIds", json::array()}};
}

json page_user_json(State const& s, std::size_t i) {
  auto const& u = s.users[i];
  return {{"type", "user"},
          {"id", u.id},
          {"userName", u.user_name},
          {"name", u.name},
          {"url", "https://x.com/" + u.user_name},
          {"protected", u.is_protected},
          {"isVerified", u.is_verified},
          {"isBlueVerified", u.is_blue_verified},
          {"profilePicture", nullable(u.profile_picture)},
          {"coverPicture", nullable(u.cover_picture)},
          {"description", u.description},
          {"location", u.location},
          {"followers", s.followers[i].size()},
          {"following", s.following[i].size()},
          {"tweets", u.tweets},
          {"listed", u.listed},
          {"createdAt", format_twitter(u.created_at)},
          {"canDm", u.can_dm}};
}

json dm_user_json(UserRecord const& u) {
  return {{"id", u.id},
          {"screen_name", u.user_name},
          {"name", u.name},
          {"profile_image_url", nullable(u.profile_picture)},
          {"verified", u.is_verified},
          {"is_blue_verified", u.is_blue_verified},
          {"protected", u.is_protected}};
}

json sent_message_json(State const& s, MessageRecord const& m) {
  json j = {{"id", std::to_string(m.id)},
            {"conversationId", conversation_id_of(m.sender_id, m.recipient_id)},
            {"createdAt", format_iso_ms(m.created_at_ms)},
            {"senderId", m.sender_id},
            {"recipientId", m.recipient_id},
            {"text", m.text.value_or("")}};
  if (auto const* r = s.find_user_by_id(m.recipient_id)) j["recipient_username"] = r->user_name;
  return j;
}

json message_json(State const& s, MessageRecord const& m) {
  json j = {{"id", std::to_string(m.id)},
            {"conversationId", conversation_id_of(m.sender_id, m.recipient_id)},
            {"createdAt", format_iso_ms(m.created_at_ms)},
            {"senderId", m.sender_id},
            {"recipientId", m.recipient_id}};
  if (m.text) j["text"] = *m.text;
  if (auto const* r = s.find_user_by_id(m.recipient_id)) j["recipient_username"] = r->user_name;
  j["media"] = m.media ? json{{"type", m.media->type}, {"url", m.media->url}} : json(nullptr);
  j["shared_tweet"] = nullptr;
  j["card"] = nullptr;
  json links = json::array();
  for (auto const& l : m.links) links.push_back({{"url", l.url}, {"expanded_url", l.expanded_url}});
  j["links"] = std::move(links);
  json reactions = json::array();
  for (auto const& r : m.reactions) {
    reactions.push_back({{"emoji", r.emoji}, {"senderId", r.sender_id}});
  }
  j["reactions"] = std::move(reactions);
  j["reply_to_message_id"] = m.reply_to ? json(std::to_string(*m.reply_to)) : json(nullptr);
  j["edit_count"] = m.edit_count;
  return j;
}

json conversation_json(State const& s, std::string const& owner, Conversation const& c) {
  json participants = json::array();
  for (auto const* id : {&owner, &s.other_participant(c, owner)}) {
    if (auto const* u = s.find_user_by_id(*id)) {
      participants.push_back({{"id", u->id}, {"screen_name", u->user_name}, {"name", u->name}});
    }
  }
  auto const& last = s.messages[c.messages.back()];
  return {{"conversation_id", c.id},
          {"type", "ONE_TO_ONE"},
          {"unread", s.unread(owner, c)},
          {"sort_timestamp", std::to_string(last.created_at_ms)},
          {"participants", std::move(participants)},
          {"last_message", message_json(s, last)}};
}

json event_json(EventRecord const& e) {
  return {{"id", std::to_string(e.id)},
          {"type", e.type},
          {"conversation_id", e.conversation_id},
          {"createdAt", format_iso_ms(e.at_ms)},
          {"userId", e.user_id}};
}

}  // namespace getxapi::sandbox::detail
