#include "validate.hpp"

#include "redact.hpp"

#include <algorithm>
#include <cctype>

namespace getxapi::internal {
namespace {

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

bool has_control_or_space(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto const u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

// Unicode White_Space, plus the zero-width characters that render as nothing.
bool is_blank_code_point(char32_t cp) {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0x180E:
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// Decodes one UTF-8 sequence at `i`; false if invalid.
bool decode_utf8(std::string_view s, std::size_t& i, char32_t& cp) {
  auto const b0 = static_cast<unsigned char>(s[i]);
  int len;
  char32_t min;
  if (b0 < 0x80) {
    cp = b0;
    ++i;
    return true;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (i + static_cast<std::size_t>(len) > s.size()) return false;
  for (int k = 1; k < len; ++k) {
    auto const b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  i += static_cast<std::size_t>(len);
  return true;
}

// What a refused value looked like, safe to echo: short, printable ASCII.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 32)) {
    auto const u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  if (s.size() > 32) out += "...";
  return out + "\"";
}

}  // namespace

std::optional<std::size_t> utf8_code_points(std::string_view text) {
  std::size_t count = 0;
  char32_t cp;
  for (std::size_t i = 0; i < text.size(); ++count) {
    if (!decode_utf8(text, i, cp)) return std::nullopt;
  }
  return count;
}

Check check_api_key(std::string_view api_key) {
  if (api_key.empty())
    return invalid("api_key is empty: set ClientOptions::api_key (GETXAPI_API_KEY)");
  if (has_control_or_space(api_key))
    return invalid("api_key contains spaces or control characters");
  return std::nullopt;
}

Check check_base_url(std::string_view base_url) {
  auto starts = [&](std::string_view p) {
    if (base_url.size() <= p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(base_url[i])) != p[i]) return false;
    }
    return true;
  };
  if (!starts("http://") && !starts("https://")) {
    return invalid("base_url must start with http:// or https://, got " + quote(base_url));
  }
  if (has_control_or_space(base_url) || base_url.find_first_of("?#") != std::string_view::npos) {
    return invalid("base_url must be a plain http(s) URL without spaces, query or fragment");
  }
  return std::nullopt;
}

Check check_user_name(std::string_view user_name, std::string& out, std::string_view what) {
  std::string_view name = user_name;
  if (!name.empty() && name.front() == '@') name.remove_prefix(1);
  bool const ok =
      !name.empty() && name.size() <= 15 && std::all_of(name.begin(), name.end(), [](char c) {
        auto const u = static_cast<unsigned char>(c);
        return u < 0x80 && (std::isalnum(u) || c == '_');
      });
  if (!ok) {
    return invalid(std::string(what) +
                   " must be 1-15 letters, digits or '_' (optionally after '@'), got " +
                   quote(user_name));
  }
  out.assign(name);
  return std::nullopt;
}

Check check_auth_token(std::string_view auth_token) {
  if (auth_token.empty()) return invalid("auth_token is empty");
  if (auth_token.size() > 4096 || has_control_or_space(auth_token)) {
    return invalid("auth_token is malformed (spaces, control characters or over 4096 bytes)");
  }
  return std::nullopt;
}

Check check_text(std::string_view text) {
  if (text.empty()) return invalid("text is empty");
  std::size_t count = 0;
  bool blank = true;
  char32_t cp;
  for (std::size_t i = 0; i < text.size(); ++count) {
    if (!decode_utf8(text, i, cp)) {
      return invalid("text is not valid UTF-8 (bad byte at offset " + std::to_string(i) + ")");
    }
    blank = blank && is_blank_code_point(cp);
  }
  if (blank) return invalid("text is only whitespace");
  if (count > kMaxTextCodePoints) {
    return invalid("text is " + std::to_string(count) + " characters; the limit is " +
                   std::to_string(kMaxTextCodePoints));
  }
  return std::nullopt;
}

Check check_recipient(Recipient const& recipient, std::string& normalized) {
  if (recipient.is_id()) {
    auto const& id = recipient.value();
    bool const digits =
        !id.empty() && id.size() <= 20 &&
        std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) return invalid("recipient id must be 1-20 digits, got " + quote(id));
    normalized = id;
    return std::nullopt;
  }
  return check_user_name(recipient.value(), normalized, "recipient username");
}

Check check_count(std::optional<int> count) {
  if (count && (*count < kMinListCount || *count > kMaxListCount)) {
    return invalid("count must be between 1 and 100, got " + std::to_string(*count));
  }
  return std::nullopt;
}

Check check_cursor(std::string_view cursor) {
  if (cursor.size() > 4096) return invalid("cursor is longer than 4096 bytes");
  bool const control = std::any_of(cursor.begin(), cursor.end(), [](char c) {
    auto const u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
  if (control) return invalid("cursor contains control characters");
  return std::nullopt;
}

Check check_conversation_id(std::string_view conversation_id) {
  if (conversation_id.empty()) return invalid("conversation_id is empty");
  if (conversation_id.size() > 512 || has_control_or_space(conversation_id)) {
    return invalid("conversation_id is malformed (spaces, control characters or over 512 bytes)");
  }
  return std::nullopt;
}

Check check_tab(InboxTab tab) {
  if (!is_valid(tab)) {
    return invalid("tab must be InboxTab::kAll, kRequests or kHidden, got " +
                   std::to_string(static_cast<int>(tab)));
  }
  return std::nullopt;
}

Check check_session_tokens(std::string_view ct0, std::string_view twid) {
  if (ct0.empty() != twid.empty()) {
    return invalid(std::string("ct0 and twid go together: ") +
                   (ct0.empty() ? "twid is set but ct0 is empty" : "ct0 is set but twid is empty"));
  }
  if (ct0.size() > 4096 || has_control_or_space(ct0)) {
    return invalid("ct0 is malformed (spaces, control characters or over 4096 bytes)");
  }
  if (twid.size() > 256 || has_control_or_space(twid)) {
    return invalid("twid is malformed (spaces, control characters or over 256 bytes)");
  }
  return std::nullopt;
}

namespace {

// The length of `proxy`'s scheme and "://" when it is one of the four
// GetXAPI documents (any case); 0 otherwise.
std::size_t proxy_scheme_length(std::string_view proxy) {
  for (std::string_view scheme : {"http://", "https://", "socks5://", "socks4://"}) {
    if (proxy.size() > scheme.size() &&
        std::equal(scheme.begin(), scheme.end(), proxy.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      return scheme.size();
    }
  }
  return 0;
}

}  // namespace

Check check_proxy(std::string_view proxy) {
  if (proxy.empty()) return std::nullopt;
  auto const scheme = proxy_scheme_length(proxy);
  if (scheme == 0) {
    return invalid("proxy must be an http://, https://, socks5:// or socks4:// URL");
  }
  if (proxy.size() > 2048 || has_control_or_space(proxy)) {
    return invalid("proxy is malformed (spaces, control characters or over 2048 bytes)");
  }
  std::string_view rest = proxy.substr(scheme);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  auto const at = rest.rfind('@');
  std::string_view const host = at == std::string_view::npos ? rest : rest.substr(at + 1);
  if (host.empty() || host.front() == ':') return invalid("proxy URL has no host");
  return std::nullopt;
}

Check check_list_dms(ListDmsRequest const& request) {
  if (auto e = check_auth_token(request.auth_token)) return e;
  if (auto e = check_cursor(request.cursor)) return e;
  if (auto e = check_count(request.count)) return e;
  if (auto e = check_tab(request.tab)) return e;
  if (auto e = check_session_tokens(request.ct0, request.twid)) return e;
  return check_proxy(request.proxy);
}

Check check_conversation(ConversationRequest const& request) {
  if (auto e = check_auth_token(request.auth_token)) return e;
  if (auto e = check_conversation_id(request.conversation_id)) return e;
  if (auto e = check_cursor(request.cursor)) return e;
  if (auto e = check_count(request.count)) return e;
  return check_proxy(request.proxy);
}

std::string_view proxy_credentials(std::string_view proxy) noexcept {
  auto const scheme = proxy.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view authority = proxy.substr(scheme + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  auto const at = authority.rfind('@');
  return at == std::string_view::npos ? std::string_view() : authority.substr(0, at);
}

std::string mask_proxy(std::string_view proxy) {
  auto const credentials = proxy_credentials(proxy);
  if (credentials.empty()) return std::string(proxy);
  auto const start = static_cast<std::size_t>(credentials.data() - proxy.data());
  std::string out(proxy.substr(0, start));
  out += kMask;
  out += proxy.substr(start + credentials.size());
  return out;
}

Check check_login(LoginRequest const& request, LoginRequest& out) {
  if (auto e = check_user_name(request.username, out.username, "username")) return e;
  if (request.password.empty()) return invalid("password is empty");
  if (request.password.size() > 1024) return invalid("password is longer than 1024 bytes");
  if (!request.email.empty()) {
    auto const at = request.email.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= request.email.size() ||
        has_control_or_space(request.email)) {
      return invalid("email does not look like an email address");
    }
  }
  out.email = request.email;
  out.password = request.password;
  out.totp_secret.clear();
  for (char c : request.totp_secret) {
    if (c == ' ' || c == '-') continue;  // authenticator apps show it grouped
    auto const u = static_cast<unsigned char>(std::toupper(static_cast<unsigned char>(c)));
    bool const base32 = (u >= 'A' && u <= 'Z') || (u >= '2' && u <= '7') || u == '=';
    if (!base32) return invalid("totp_secret must be base32 (letters A-Z and digits 2-7)");
    out.totp_secret += static_cast<char>(u);
  }
  return std::nullopt;
}

}  // namespace getxapi::internal
