// Argument checks run before any request is sent: every refused call is one
// our users did not pay for.
#pragma once

#include <getxapi/dm.hpp>
#include <getxapi/error.hpp>
#include <getxapi/login.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace getxapi::internal {

inline constexpr std::size_t kMaxTextCodePoints = 10'000;
inline constexpr int kMinListCount = 1;
inline constexpr int kMaxListCount = 100;

/// Counts code points; nullopt when `text` is not valid UTF-8 (overlongs,
/// surrogates and values past U+10FFFF are invalid).
std::optional<std::size_t> utf8_code_points(std::string_view text);

using Check = std::optional<Error>;

Check check_api_key(std::string_view api_key);
Check check_base_url(std::string_view base_url);
/// `^@?[A-Za-z0-9_]{1,15}$`; on success `out` is the name without '@'.
Check check_user_name(std::string_view user_name, std::string& out, std::string_view what);
Check check_auth_token(std::string_view auth_token);
Check check_text(std::string_view text);
Check check_recipient(Recipient const& recipient, std::string& normalized);
Check check_count(std::optional<int> count);
Check check_cursor(std::string_view cursor);
/// A conversation id: 1-512 bytes, no spaces or control characters.
Check check_conversation_id(std::string_view conversation_id);
/// A valid enumerator (a cast integer may be none).
Check check_tab(InboxTab tab);
/// `ct0` and `twid`: both or neither, each without spaces or control characters.
Check check_session_tokens(std::string_view ct0, std::string_view twid);
/// Empty, or an `http://`, `https://`, `socks5://` or `socks4://` URL with a
/// host. The error never repeats the value (it may hold credentials).
Check check_proxy(std::string_view proxy);
/// Everything a dm/list request carries.
Check check_list_dms(ListDmsRequest const& request);
/// Everything a dm/conversation request carries.
Check check_conversation(ConversationRequest const& request);

/// The `user:pass` of a proxy URL (empty when it has none), to scrub from text.
std::string_view proxy_credentials(std::string_view proxy) noexcept;
/// The proxy URL with its credentials replaced by "***", for printing.
std::string mask_proxy(std::string_view proxy);

/// On success `out` holds the request as it will be sent ('@' stripped,
/// spaces removed from the TOTP secret).
Check check_login(LoginRequest const& request, LoginRequest& out);

}  // namespace getxapi::internal
