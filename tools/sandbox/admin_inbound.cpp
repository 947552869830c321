// The outside world writing to an account: /_sandbox/inbound (one message), /_sandbox/edit
// and /_sandbox/inbound_stream (N messages from M users over T seconds of the sandbox clock).
#include <algorithm>
#include <set>

#include "impl.hpp"

namespace getxapi::sandbox {

using detail::json_reply;
using detail::reject;

namespace {

constexpr std::int64_t kMaxStreamMessages = 100000;
constexpr std::int64_t kMaxStreamSeconds = std::int64_t{30} * 86400;

void allow_keys(detail::json const& body, std::set<std::string> const& keys) {
  if (!body.is_object()) reject(400, "Expected a JSON object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (keys.count(it.key()) == 0) reject(400, "Unknown field \"" + it.key() + "\"");
  }
}

std::optional<std::string> message_text(detail::json const& body, bool required) {
  auto it = body.find("text");
  if (it == body.end() || it->is_null()) {
    if (required) reject(400, "Missing required field: text");
    return std::nullopt;  // a message the service could not decrypt
  }
  if (!it->is_string() || detail::trim(it->get<std::string>()).empty()) {
    reject(400, "Field text must be a non-empty string");
  }
  std::string text = it->get<std::string>();
  if (detail::utf8_length(text) > detail::kMaxDmLength) {
    reject(400,
           "Field text is longer than " + std::to_string(detail::kMaxDmLength) + " characters");
  }
  return text;
}

std::optional<MediaRecord> media_field(detail::json const& body) {
  auto it = body.find("media");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) reject(400, "Field media must be {\"type\": ..., \"url\": ...}");
  MediaRecord media;
  media.type = detail::required_field(*it, "type");
  media.url = detail::required_field(*it, "url");
  if (media.type != "photo" && media.type != "video" && media.type != "gif") {
    reject(400, "Field media.type must be photo, video or gif");
  }
  return media;
}

std::vector<LinkRecord> links_field(detail::json const& body) {
  std::vector<LinkRecord> links;
  auto it = body.find("links");
  if (it == body.end() || it->is_null()) return links;
  if (!it->is_array()) reject(400, "Field links must be an array");
  for (auto const& l : *it) {
    if (l.is_string()) {
      links.push_back({l.get<std::string>(), l.get<std::string>()});
    } else if (l.is_object()) {
      std::string const url = detail::required_field(l, "url");
      links.push_back({url, detail::string_field(l, "expanded_url").value_or(url)});
    } else {
      reject(400, "Field links holds URL strings or {url, expanded_url} objects");
    }
  }
  return links;
}

std::string const& user_id_field(detail::State const& s, detail::json const& body,
                                 char const* name) {
  std::string const ref = detail::required_field(body, name);
  UserRecord const* u = s.find_user(ref);
  if (u == nullptr) reject(404, std::string("Unknown user in ") + name + ": " + ref);
  return u->id;
}

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::vector<std::string> const kStreamTexts = {
    "Hi! I have a question about my order",  "Hello, my account is locked, can you help?",
    "Is the discount still available?",      "Thanks for the quick answer last time!",
    "The app crashes when I upload a photo", "Do you ship to Portugal?",
    "Can I change my delivery address?",     "Olá! Vocês têm suporte em português?",
    "Where can I download my invoice?",      "I was charged twice 😕"};

// The senders of a stream: explicit handles/ids, or M users picked (seeded) among those the
// account follows ("followed", their messages land in `all`), does not follow ("strangers",
// `requests`) or alternately both ("mixed", the default).
std::vector<std::string> stream_senders(detail::State const& s, detail::json const& body,
                                        std::string const& to_id, std::size_t n_messages) {
  std::vector<std::string> senders;
  auto users = body.find("users");
  if (users != body.end() && users->is_array()) {
    for (auto const& u : *users) {
      UserRecord const* found = u.is_string() ? s.find_user(u.get<std::string>()) : nullptr;
      if (found == nullptr || found->id == to_id)
        reject(400, "Field users: unknown user " + u.dump());
      senders.push_back(found->id);
    }
    if (senders.empty()) reject(400, "Field users must not be empty");
    return senders;
  }
  auto const m = detail::int_field(body, "users", 1, kMaxStreamMessages)
                     .value_or(static_cast<std::int64_t>(std::min<std::size_t>(n_messages, 10)));
  std::string const mix = detail::string_field(body, "from").value_or("mixed");
  if (mix != "mixed" && mix != "followed" && mix != "strangers") {
    reject(400, "Field from must be mixed, followed or strangers");
  }
  std::uint64_t rng =
      static_cast<std::uint64_t>(detail::int_field(body, "seed", 0, INT64_MAX).value_or(1));
  std::vector<std::string> followed, strangers;
  for (auto const& u : s.users) {
    // Only users without a conversation yet, so the tab each lands in is known.
    if (u.id == to_id || s.find_conversation(conversation_id_of(u.id, to_id)) != nullptr) continue;
    (s.follows(to_id, u.id) ? followed : strangers).push_back(u.id);
  }
  for (auto* pool : {&followed, &strangers}) {
    for (std::size_t i = pool->size(); i > 1; --i)
      std::swap((*pool)[i - 1], (*pool)[splitmix(rng) % i]);
  }
  std::size_t next_followed = 0, next_stranger = 0;
  for (std::int64_t k = 0; k < m; ++k) {
    bool const want_followed = mix == "followed" || (mix == "mixed" && k % 2 == 0);
    auto& pool = want_followed ? followed : strangers;
    auto& next = want_followed ? next_followed : next_stranger;
    if (next >= pool.size()) reject(400, "Not enough " + mix + " users for field users");
    senders.push_back(pool[next++]);
  }
  return senders;
}

}  // namespace

detail::json Sandbox::Impl::inbound(json const& body) {
  allow_keys(body, {"from", "to", "text", "media", "links", "reply_to_message_id", "hidden"});
  auto text = message_text(body, false);
  auto media = media_field(body);
  auto links = links_field(body);
  auto const reply_to = detail::string_field(body, "reply_to_message_id");
  bool const hidden = detail::bool_field(body, "hidden").value_or(false);
  auto lock = lock_state();
  std::string const from = user_id_field(state, body, "from");
  std::string const to = user_id_field(state, body, "to");
  if (from == to) reject(400, "Fields from and to name the same user");
  MessageRecord m;
  if (reply_to) {
    if (!detail::is_digits(*reply_to) || reply_to->size() > 19 ||
        state.message_by_id.count(std::stoull(*reply_to)) == 0) {
      reject(404, "Unknown message in reply_to_message_id: " + *reply_to);
    }
    m.reply_to = std::stoull(*reply_to);
  }
  m.id = state.next_message_id++;
  m.created_at_ms = now_ms();
  m.sender_id = from;
  m.recipient_id = to;
  m.text = std::move(text);
  m.media = std::move(media);
  m.links = std::move(links);
  std::string const cid = conversation_id_of(from, to);
  if (hidden && state.find_conversation(cid) == nullptr) state.views[to][cid].hidden = true;
  std::size_t const i = state.add_message(std::move(m));
  auto const& c = *state.find_conversation(cid);
  return {{"message", detail::message_json(state, state.messages[i])},
          {"conversation_id", cid},
          {"tab", detail::tab_name(state.tab_of(to, c))}};
}

detail::json Sandbox::Impl::edit(json const& body) {
  allow_keys(body, {"message_id", "id", "text"});
  auto id = detail::string_field(body, "message_id");
  if (!id) id = detail::string_field(body, "id");
  if (!id) reject(400, "Missing required field: message_id");
  std::string const text = *message_text(body, true);
  auto lock = lock_state();
  auto it = detail::is_digits(*id) && id->size() <= 19 ? state.message_by_id.find(std::stoull(*id))
                                                       : state.message_by_id.end();
  if (it == state.message_by_id.end()) reject(404, "Unknown message " + *id);
  auto& m = state.messages[it->second];
  m.text = text;
  ++m.edit_count;
  return {{"message", detail::message_json(state, m)}};
}

detail::json Sandbox::Impl::inbound_stream(json const& body) {
  allow_keys(body, {"to", "messages", "users", "seconds", "from", "seed", "start_in_seconds"});
  auto const n = detail::int_field(body, "messages", 1, kMaxStreamMessages);
  if (!n) reject(400, "Missing required field: messages");
  std::int64_t const seconds = detail::int_field(body, "seconds", 0, kMaxStreamSeconds).value_or(0);
  std::int64_t const delay =
      detail::int_field(body, "start_in_seconds", 0, kMaxStreamSeconds).value_or(0);
  auto lock = lock_state();
  std::string const to = user_id_field(state, body, "to");
  auto const senders = stream_senders(state, body, to, static_cast<std::size_t>(*n));
  detail::StreamRecord stream;
  stream.id = state.streams.size() + 1;
  stream.to_id = to;
  stream.total = static_cast<std::size_t>(*n);
  stream.senders = senders;
  std::int64_t const base = now_ms() + delay * 1000;
  std::uint64_t rng = stream.id;
  for (std::int64_t k = 0; k < *n; ++k) {
    detail::PendingInbound p;
    p.due_ms = base + seconds * 1000 * (k + 1) / *n;
    p.seq = state.next_pending_seq++;
    p.stream = stream.id;
    // Every sender writes once first, then at random.
    std::size_t const who = k < static_cast<std::int64_t>(senders.size())
                                ? static_cast<std::size_t>(k)
                                : splitmix(rng) % senders.size();
    p.from_id = senders[who];
    p.to_id = to;
    p.text = kStreamTexts[static_cast<std::size_t>(k) % kStreamTexts.size()] + " (" +
             std::to_string(k + 1) + "/" + std::to_string(*n) + ")";
    if (k == 0) stream.first_ms = p.due_ms;
    stream.last_ms = p.due_ms;
    state.pending.push_back(std::move(p));
  }
  std::sort(state.pending.begin(), state.pending.end(),
            [](detail::PendingInbound const& a, detail::PendingInbound const& b) {
              return a.due_ms != b.due_ms ? a.due_ms < b.due_ms : a.seq < b.seq;
            });
  json conversations = json::array();
  for (auto const& s : senders) conversations.push_back(conversation_id_of(s, to));
  json result = {{"stream_id", stream.id},
                 {"to", to},
                 {"scheduled", stream.total},
                 {"senders", senders},
                 {"conversations", std::move(conversations)},
                 {"first_at", format_iso_ms(stream.first_ms)},
                 {"last_at", format_iso_ms(stream.last_ms)},
                 {"first_epoch_ms", stream.first_ms},
                 {"last_epoch_ms", stream.last_ms}};
  state.streams.push_back(std::move(stream));
  // Due at once (seconds 0): delivered before this call returns.
  state.deliver_due(now_ms());
  return result;
}

detail::Reply Sandbox::Impl::admin_inbound(Request const& req) {
  return json_reply(201, inbound(admin_body(req)));
}

detail::Reply Sandbox::Impl::admin_edit(Request const& req) {
  return json_reply(200, edit(admin_body(req)));
}

detail::Reply Sandbox::Impl::admin_inbound_stream(Request const& req) {
  if (req.method == "POST") return json_reply(201, inbound_stream(admin_body(req)));
  auto lock = lock_state();
  if (req.method == "DELETE") {
    std::size_t const n = state.pending.size();
    for (auto const& p : state.pending) {
      for (auto& st : state.streams) st.cancelled += st.id == p.stream ? 1 : 0;
    }
    state.pending.clear();
    return json_reply(200, {{"cancelled", n}});
  }
  json list = json::array();
  for (auto const& s : state.streams) {
    list.push_back({{"stream_id", s.id},
                    {"to", s.to_id},
                    {"scheduled", s.total},
                    {"delivered", s.delivered},
                    {"cancelled", s.cancelled},
                    {"pending", s.total - s.delivered - s.cancelled},
                    {"first_at", format_iso_ms(s.first_ms)},
                    {"last_at", format_iso_ms(s.last_ms)}});
  }
  return json_reply(200, {{"streams", std::move(list)}});
}

}  // namespace getxapi::sandbox
