// The floor every benchmark compares the SDK's decode with: what a careful
// hand-written client does with a user/info body (nlohmann, copy the fields).
#pragma once

#include <getxapi/conversation.hpp>
#include <getxapi/message.hpp>
#include <getxapi/user.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace getxapi::bench {

/// Copies the fields the SDK decodes out of the `data` object `d`;
/// `created_at` receives the raw createdAt text (the SDK parses it).
inline User decode_user_by_hand(nlohmann::json const& d, std::string& created_at) {
  User user;
  user.id = d.value("id", "");
  user.user_name = d.value("userName", "");
  user.name = d.value("name", "");
  user.description = d.value("description", "");
  user.location = d.value("location", "");
  user.url = d.value("url", "");
  user.is_protected = d.value("protected", false);
  user.is_verified = d.value("isVerified", false);
  user.is_blue_verified = d.value("isBlueVerified", false);
  user.followers_count = d.value("followers", 0);
  user.following_count = d.value("following", 0);
  user.can_dm = d.value("canDm", false);
  created_at = d.value("createdAt", "");
  return user;
}

/// The conversations of a dm/list page `doc`, the fields the SDK decodes
/// copied out and each object moved into `raw` (as the SDK does), with the
/// timestamps left as text: the floor for decoding a conversation page.
inline std::vector<Conversation> decode_conversations_by_hand(nlohmann::json& doc,
                                                              std::vector<std::string>& times) {
  std::vector<Conversation> out;
  auto& list = doc.at("conversations");
  out.reserve(list.size());
  for (auto& c : list) {
    Conversation conversation;
    conversation.id = c.value("conversation_id", "");
    conversation.type = c.value("type", "");
    conversation.unread = c.value("unread", false);
    times.push_back(c.value("sort_timestamp", ""));
    for (auto const& p : c.at("participants")) {
      DmUser user;
      user.id = p.value("id", "");
      user.screen_name = p.value("screen_name", "");
      user.name = p.value("name", "");
      conversation.participants.push_back(std::move(user));
    }
    if (auto it = c.find("last_message"); it != c.end() && it->is_object()) {
      Message m;
      m.id = it->value("id", "");
      m.conversation_id = it->value("conversationId", "");
      m.sender_id = it->value("senderId", "");
      m.recipient_id = it->value("recipientId", "");
      m.text = it->value("text", "");
      times.push_back(it->value("createdAt", ""));
      conversation.last_message = std::move(m);
    }
    conversation.raw = std::move(c);
    out.push_back(std::move(conversation));
  }
  return out;
}

}  // namespace getxapi::bench
