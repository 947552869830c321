#include <getxapi/inbox/message.hpp>

#include <ostream>

namespace getxapi::inbox {
namespace {

std::string string_field(nlohmann::json const& j, char const* camel, char const* snake) {
  for (char const* key : {camel, snake}) {
    if (key == nullptr) continue;
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) return it->get<std::string>();
  }
  return {};
}

}  // namespace

nlohmann::json InboundMessage::to_json() const {
  nlohmann::json j = message.raw.is_object() ? message.raw : nlohmann::json::object();
  // The typed fields win: they are what the watcher acted on.
  j["id"] = message.id;
  j["senderId"] = message.sender_id;
  j["recipientId"] = message.recipient_id;
  j["text"] = message.text;
  if (message.created_at) {
    j["createdAt"] = format_timestamp(*message.created_at);
  } else if (!j.contains("createdAt")) {
    j["createdAt"] = nullptr;
  }
  j["conversation_id"] = conversation_id;
  j["edit_count"] = edit_count;
  j["tab"] = tab;
  j["edited"] = is_edit;
  j["sender"] = {{"id", sender.id}, {"screen_name", sender.screen_name}, {"name", sender.name}};
  return j;
}

InboundMessage InboundMessage::from_json(nlohmann::json const& j) {
  InboundMessage m;
  m.message.id = string_field(j, "id", nullptr);
  m.message.sender_id = string_field(j, "senderId", "sender_id");
  m.message.recipient_id = string_field(j, "recipientId", "recipient_id");
  m.message.text = string_field(j, "text", nullptr);
  auto created = string_field(j, "createdAt", "created_at");
  if (!created.empty()) m.message.created_at = parse_timestamp(created);
  m.conversation_id = string_field(j, "conversation_id", "conversationId");
  m.tab = string_field(j, "tab", nullptr);
  m.edit_count = j.value("edit_count", 0);
  m.is_edit = j.value("edited", false);
  if (auto it = j.find("sender"); it != j.end() && it->is_object()) {
    m.sender.id = string_field(*it, "id", nullptr);
    m.sender.screen_name = string_field(*it, "screen_name", nullptr);
    m.sender.name = string_field(*it, "name", nullptr);
  }
  nlohmann::json raw = j;
  for (char const* key : {"tab", "edited", "sender"}) raw.erase(key);
  m.message.raw = std::move(raw);
  m.message.conversation_id = m.conversation_id;
  m.message.edit_count = m.edit_count;
  m.message.reply_to_message_id = string_field(j, "reply_to_message_id", nullptr);
  return m;
}

std::ostream& operator<<(std::ostream& os, InboundMessage const& m) {
  return os << "InboundMessage{id=" << m.message.id << ", conversation=" << m.conversation_id
            << ", tab=" << m.tab << ", sender=" << m.sender.id
            << ", text_length=" << m.message.text.size() << (m.is_edit ? ", edit" : "") << "}";
}

}  // namespace getxapi::inbox
