// The watcher's InboxSource over a real Client: dm/list per tab,
// dm/conversation per thread, dm/send for replies.
#include <getxapi/conversation.hpp>
#include <getxapi/inbox/source.hpp>

#include <chrono>

namespace getxapi::inbox {
namespace {

std::int64_t epoch_ms(std::optional<Timestamp> const& t) {
  return t ? std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count()
           : 0;
}

SourcePage to_source_page(MessagePage page) {
  SourcePage out;
  out.owner_id = std::move(page.user_id);
  out.next_cursor = std::move(page.next_cursor);
  out.has_more = page.has_more;
  for (auto& [id, user] : page.users) {
    out.users.emplace(id, Sender{user.id, user.screen_name, user.name});
  }
  for (auto& c : page.conversations) {
    ThreadSummary t;
    t.conversation_id = c.id;
    t.type = c.type;
    t.unread = c.unread;
    t.sort_ms = epoch_ms(c.sort_time);
    if (c.last_message) {
      t.last_message_id = c.last_message->id;
      t.last_edit_count = c.last_message->edit_count;
      if (t.sort_ms == 0) t.sort_ms = epoch_ms(c.last_message->created_at);
    }
    for (auto const& p : c.participants) {
      // Participants name people the `users` lookup may leave out.
      out.users.emplace(p.id, Sender{p.id, p.screen_name, p.name});
    }
    out.conversations.push_back(std::move(t));
  }
  for (auto& m : page.items) {
    SourceMessage s;
    s.conversation_id = m.conversation_id.empty() ? page.conversation_id : m.conversation_id;
    s.edit_count = m.edit_count;
    s.message = std::move(m);
    out.messages.push_back(std::move(s));
  }
  return out;
}

class ClientSource final : public InboxSource {
 public:
  ClientSource(Client client, std::string auth_token, ClientSourceOptions options)
      : client_(std::move(client)), token_(std::move(auth_token)), options_(options) {}

  Result<SourcePage> list(std::string const& tab, std::string const& cursor) override {
    auto parsed = parse_inbox_tab(tab);
    if (!parsed) return Error(ErrorCode::kInvalidArgument, "unknown inbox tab: " + tab);
    ListDmsRequest request;
    request.auth_token = token_;
    request.cursor = cursor;
    request.count = options_.page_size;
    request.tab = *parsed;
    auto page = client_.list_dms(request);
    if (!page) return std::move(page).error();
    return to_source_page(std::move(*page));
  }

  Result<SourcePage> thread(std::string const& conversation_id,
                            std::string const& cursor) override {
    ConversationRequest request;
    request.auth_token = token_;
    request.conversation_id = conversation_id;
    request.cursor = cursor;
    request.count = options_.page_size;
    auto page = client_.conversation(request);
    if (!page) return std::move(page).error();
    return to_source_page(std::move(*page));
  }

  Result<Message> send(std::string const& recipient_id, std::string const& text) override {
    return client_.send_dm(SendDmRequest{token_, Recipient::by_id(recipient_id), text});
  }

  std::int64_t spent_micro_usd() const override { return client_.stats().total().spend_micro_usd; }

 private:
  mutable Client client_;
  std::string token_;
  ClientSourceOptions options_;
};

}  // namespace

std::shared_ptr<InboxSource> client_source(Client client, std::string auth_token,
                                           ClientSourceOptions options) {
  return std::make_shared<ClientSource>(std::move(client), std::move(auth_token), options);
}

}  // namespace getxapi::inbox
