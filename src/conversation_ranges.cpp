// Client::all_conversations and Client::all_conversation_messages: ranges
// built on the public page calls (list_dms, conversation), so they behave the
// same whatever carries those calls.
#include <getxapi/client.hpp>

#include "validate.hpp"

#include <unordered_set>

namespace getxapi {
namespace {

// Ends a walk whose cursors come round again: a server bug that would
// otherwise bill pages forever. Range itself only catches a page that repeats
// its own cursor; this catches longer cycles, and the pages all_conversations
// skips without handing them to Range.
class CursorGuard {
 public:
  std::optional<Error> visit(std::string const& cursor, std::string_view what) {
    if (cursor.empty() || seen_.insert(cursor).second) return std::nullopt;
    return Error(ErrorCode::kInvalidResponse,
                 std::string(what) +
                     " response: cursor cycle (a next_cursor came back to a page "
                     "already read in this walk)");
  }

 private:
  std::unordered_set<std::string> seen_;
};

// Older deployments list no conversations: make them from the messages'
// conversation ids (newest message first, so the first one seen is the last).
void conversations_from_messages(MessagePage& page) {
  std::unordered_set<std::string> made;
  for (auto const& m : page.items) {
    if (m.conversation_id.empty() || !made.insert(m.conversation_id).second) continue;
    Conversation c;
    c.id = m.conversation_id;
    for (auto const* id : {&m.sender_id, &m.recipient_id}) {
      if (id->empty()) continue;
      DmUser const* known = page.user(*id);
      c.participants.push_back(known ? *known : DmUser{*id, {}, {}, {}, false, false, false, {}});
    }
    c.last_message = m;
    page.conversations.push_back(std::move(c));
  }
}

struct ConversationWalk {
  Client client;
  Session session;
  InboxTab tab;
  std::optional<int> count;
  std::shared_ptr<MessagePage> page = std::make_shared<MessagePage>();
  std::unordered_set<std::string> listed{};
  CursorGuard cursors{};

  Result<Range<Conversation>::Chunk> fetch(std::string const& first_cursor) {
    std::string cursor = first_cursor;
    for (;;) {
      if (auto cycle = cursors.visit(cursor, "dm/list")) return std::move(*cycle);
      auto request = session.list_dms(tab, cursor);
      request.count = count;
      auto got = client.list_dms(request);
      if (!got) return std::move(got).error();
      if (got->conversations.empty()) conversations_from_messages(*got);
      if (got->conversations.empty() && !got->items.empty()) {
        return Error(ErrorCode::kInvalidResponse,
                     "dm/list response: messages without conversations or conversation ids "
                     "(an older GetXAPI deployment?): use all_dms");
      }
      Range<Conversation>::Chunk chunk{{}, got->next_cursor, got->has_more};
      bool const listed_before = !got->conversations.empty();
      for (auto& c : got->conversations) {
        // dm/list pages by messages: a busy thread spans several pages.
        if (listed.insert(c.id).second) chunk.items.push_back(std::move(c));
      }
      got->conversations.clear();
      got->items.clear();
      *page = std::move(*got);
      // A page of threads already listed is skipped here, not handed on
      // empty: Range takes an empty page that claims more for a bad one
      // (and so it is, when the server sent nothing at all).
      if (!chunk.items.empty() || !listed_before || !chunk.has_more || chunk.next_cursor.empty()) {
        return chunk;
      }
      cursor = chunk.next_cursor;
    }
  }
};

struct ThreadWalk {
  Client client;
  ConversationRequest request;
  std::shared_ptr<MessagePage> page = std::make_shared<MessagePage>();
  CursorGuard cursors{};

  Result<Range<Message>::Chunk> fetch(std::string const& cursor) {
    if (auto cycle = cursors.visit(cursor, "dm/conversation")) return std::move(*cycle);
    request.cursor = cursor;
    auto got = client.conversation(request);
    if (!got) return std::move(got).error();
    Range<Message>::Chunk chunk{std::move(got->items), got->next_cursor, got->has_more};
    got->items.clear();
    *page = std::move(*got);
    return chunk;
  }
};

Session token_only(std::string_view auth_token) {
  Session session;
  session.auth_token.assign(auth_token);
  return session;
}

}  // namespace

InboxRange<Conversation> Client::all_conversations(std::string_view auth_token, InboxTab tab,
                                                   RangeOptions options) {
  return all_conversations(token_only(auth_token), tab, std::move(options));
}

InboxRange<Conversation> Client::all_conversations(Session const& session, InboxTab tab,
                                                   RangeOptions options) {
  auto first = session.list_dms(tab, options.cursor);
  first.count = options.page_size;
  if (auto e = internal::check_list_dms(first)) return InboxRange<Conversation>(std::move(*e));
  auto walk = std::make_shared<ConversationWalk>(
      ConversationWalk{*this, session, tab, options.page_size});
  walk->page->tab = tab;
  std::shared_ptr<MessagePage const> page = walk->page;
  return InboxRange<Conversation>([walk](std::string const& cursor) { return walk->fetch(cursor); },
                                  std::move(options), std::move(page));
}

InboxRange<Message> Client::all_conversation_messages(std::string_view auth_token,
                                                      std::string_view conversation_id,
                                                      RangeOptions options) {
  return all_conversation_messages(token_only(auth_token), conversation_id, std::move(options));
}

InboxRange<Message> Client::all_conversation_messages(Session const& session,
                                                      std::string_view conversation_id,
                                                      RangeOptions options) {
  auto request = session.conversation(std::string(conversation_id), options.cursor);
  request.count = options.page_size;
  if (auto e = internal::check_conversation(request)) return InboxRange<Message>(std::move(*e));
  auto walk = std::make_shared<ThreadWalk>(ThreadWalk{*this, std::move(request)});
  walk->page->conversation_id.assign(conversation_id);
  std::shared_ptr<MessagePage const> page = walk->page;
  return InboxRange<Message>([walk](std::string const& cursor) { return walk->fetch(cursor); },
                             std::move(options), std::move(page));
}

}  // namespace getxapi
