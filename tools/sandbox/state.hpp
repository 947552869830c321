// The sandbox's live state: the world loaded into indexes, plus everything requests change
// (inboxes, conversations and their per-participant side, caps, rate limits, scheduled
// inbound messages). Guarded by Sandbox::Impl::mu.
#ifndef GETXAPI_SANDBOX_STATE_HPP_
#define GETXAPI_SANDBOX_STATE_HPP_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "internal.hpp"
#include "world.hpp"

namespace getxapi::sandbox::detail {

enum class Tab { kAll, kRequests, kHidden };
std::optional<Tab> parse_tab(std::string const& name);
char const* tab_name(Tab tab);

struct EventRecord {
  std::uint64_t id = 0;
  std::string type;  // message_request_accepted
  std::string conversation_id;
  std::int64_t at_ms = 0;
  std::string user_id;  // who caused it
};

// One conversation, shared by its participants.
struct Conversation {
  std::string id;
  std::string first, second;          // participant ids
  std::vector<std::size_t> messages;  // indexes into State::messages, ascending id
  std::vector<EventRecord> events;    // oldest first
};

// One participant's side of a conversation.
struct ConversationView {
  bool sent = false;    // wrote in it (started it or replied): it is in `all`
  bool hidden = false;  // X filed it as a low-quality request
  std::uint64_t read_up_to = 0;
};

// An inbound message scheduled by /_sandbox/inbound_stream, delivered once the sandbox clock
// reaches `due_ms` (checked whenever the state is used).
struct PendingInbound {
  std::int64_t due_ms = 0;
  std::uint64_t seq = 0;  // keeps equal due times in scheduling order
  std::uint64_t stream = 0;
  std::string from_id, to_id, text;
};

struct StreamRecord {
  std::uint64_t id = 0;
  std::string to_id;
  std::size_t total = 0;
  std::size_t delivered = 0;
  std::size_t cancelled = 0;
  std::int64_t first_ms = 0, last_ms = 0;
  std::vector<std::string> senders;
};

struct State {
  std::vector<UserRecord> users;
  std::unordered_map<std::string, std::size_t> by_id;
  std::unordered_map<std::string, std::size_t> by_name;  // lower-cased userName
  std::vector<std::vector<std::size_t>> followers;       // newest first
  std::vector<std::vector<std::size_t>> following;       // newest first
  std::vector<AccountRecord> accounts;
  std::unordered_map<std::string, std::size_t> account_by_token;
  std::unordered_map<std::string, std::size_t> account_by_name;
  std::vector<MessageRecord> messages;  // ascending id
  std::unordered_map<std::uint64_t, std::size_t> message_by_id;
  // Inboxes exist for every user, created on first use, holding indexes into `messages`.
  std::unordered_map<std::string, std::vector<std::size_t>> inbox;
  std::unordered_map<std::string, Conversation> conversations;
  std::unordered_map<std::string, std::map<std::string, ConversationView>> views;  // user, conv
  std::vector<std::size_t> delivered;  // sent through dm/send since the last reset
  std::uint64_t next_message_id = 2000000000000000001ULL;
  std::uint64_t next_event_id = 1;
  std::unordered_map<std::string, std::pair<std::int64_t, int>> daily;   // sender: (day, sent)
  std::unordered_map<std::string, std::deque<std::int64_t>> list_calls;  // token: call times
  std::deque<PendingInbound> pending;                                    // by due time
  std::uint64_t next_pending_seq = 1;
  std::vector<StreamRecord> streams;

  void load(World const& w);

  UserRecord const* find_user_by_name(std::string const& name) const;
  UserRecord const* find_user_by_id(std::string const& id) const;
  // A user named by id, userName (with or without @) or an account's auth_token.
  UserRecord const* find_user(std::string const& ref) const;
  std::size_t user_index(std::string const& id) const { return by_id.at(id); }

  bool follows(std::string const& from_id, std::string const& to_id) const;

  // Stores a new message (id and time already set), indexes it and updates both sides of its
  // conversation: a reply accepts a request (event), writing or replying reads the thread.
  std::size_t add_message(MessageRecord m);

  Conversation const* find_conversation(std::string const& id) const;
  ConversationView const& view(std::string const& owner, std::string const& conversation) const;
  std::string const& other_participant(Conversation const& c, std::string const& owner) const;
  Tab tab_of(std::string const& owner, Conversation const& c) const;
  bool unread(std::string const& owner, Conversation const& c) const;
  void mark_read(std::string const& owner, Conversation const& c);

  // Delivers scheduled inbound messages whose time has come.
  void deliver_due(std::int64_t now_ms);
};

// ---- wire JSON ----
json user_info_json(State const& s, std::size_t i);
json page_user_json(State const& s, std::size_t i);
json dm_user_json(UserRecord const& u);
// The dm/send `data` shape (also /_sandbox/messages).
json sent_message_json(State const& s, MessageRecord const& m);
// The dm/list and dm/conversation message shape.
json message_json(State const& s, MessageRecord const& m);
json conversation_json(State const& s, std::string const& owner, Conversation const& c);
json event_json(EventRecord const& e);

}  // namespace getxapi::sandbox::detail

#endif  // GETXAPI_SANDBOX_STATE_HPP_
