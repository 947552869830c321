// Response decoding per GetXAPI's documented shapes. Unknown fields are kept
// (`raw`), missing optional fields are fine, wrong types and a missing id are
// kInvalidResponse.
#pragma once

#include <getxapi/conversation.hpp>
#include <getxapi/login.hpp>
#include <getxapi/message.hpp>
#include <getxapi/result.hpp>
#include <getxapi/user.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace getxapi::internal {

/// Decodes one user object (moved into `User::raw`).
Result<User> decode_user(nlohmann::json&& object);
/// Decodes one message object (moved into `Message::raw`).
Result<Message> decode_message(nlohmann::json&& object);

/// user/info: `{status, msg, data: User}` (a bare user object is accepted too).
Result<User> decode_user_info(std::string_view body);
/// followers_v2 / following_v2; `items_key` is "followers" or "following".
Result<UserPage> decode_user_page(std::string_view body, std::string_view items_key);
/// dm/send: `{status, msg, data: Message}`.
Result<Message> decode_send_dm(std::string_view body);
/// dm/list, the current answer (conversations, events, users) or the older
/// one (messages only). `requested_tab` is the page's tab when it does not say.
Result<MessagePage> decode_message_page(std::string_view body,
                                        InboxTab requested_tab = InboxTab::kAll);
/// dm/conversation: one thread's page (messages without a conversation id get
/// the page's).
Result<MessagePage> decode_conversation_page(std::string_view body);
/// user_login: tokens at top level or under `data`.
Result<LoginResult> decode_login(std::string_view body);

/// The documented error body; every field optional.
struct ErrorBody {
  std::string message;
  std::optional<int> twitter_error_code;
  std::optional<std::string> challenge;
  std::optional<std::chrono::seconds> retry_after;
};
/// Never fails: a body that is not the documented shape gives an empty ErrorBody.
/// Without a `twitter_error_code`, the code of an X error embedded in the
/// message (`"HTTP 404: {\"errors\":[{\"code\":279,...}]}"`) is used.
ErrorBody decode_error_body(std::string_view body);

}  // namespace getxapi::internal
