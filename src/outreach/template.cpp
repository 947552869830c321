#include <getxapi/outreach/template.hpp>

#include <cstdint>

namespace getxapi::outreach {
namespace {

std::string_view trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "message template: " + std::move(message));
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    auto const c = static_cast<unsigned char>(text[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > text.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto const cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += len;
  }
  return true;
}

Result<MessageTemplate> MessageTemplate::parse(std::string text) {
  if (!is_valid_utf8(text)) return invalid("not valid UTF-8");
  if (trim(text).empty()) return invalid("the message is empty");
  MessageTemplate t;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) t.pieces_.push_back({Piece::Kind::kText, std::move(literal)});
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char const c = text[i];
    if (c == '{') {
      if (i + 1 < text.size() && text[i + 1] == '{') {
        literal += '{';
        ++i;
        continue;
      }
      auto const close = text.find('}', i + 1);
      if (close == std::string::npos) {
        return invalid("unmatched '{' at byte " + std::to_string(i) + " (write {{ for a brace)");
      }
      std::string const field = text.substr(i + 1, close - i - 1);
      flush();
      if (field == "name") {
        t.pieces_.push_back({Piece::Kind::kName, {}});
        t.uses_name_ = true;
      } else if (field == "userName") {
        t.pieces_.push_back({Piece::Kind::kUserName, {}});
        t.uses_user_name_ = true;
      } else {
        return invalid("unknown placeholder {" + field +
                       "}: only {name} and {userName} are supported");
      }
      i = close;
    } else if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      return invalid("unmatched '}' at byte " + std::to_string(i) + " (write }} for a brace)");
    } else {
      literal += c;
    }
  }
  flush();
  t.text_ = std::move(text);
  return t;
}

std::string MessageTemplate::render(TemplateFields const& fields) const {
  std::string_view const handle = trim(fields.user_name);
  std::string_view name = trim(fields.name);
  if (name.empty()) name = handle;
  if (name.empty()) name = kFallbackName;
  std::string_view const user_name = handle.empty() ? kFallbackName : handle;
  std::string out;
  for (auto const& piece : pieces_) {
    switch (piece.kind) {
      case Piece::Kind::kText:
        out += piece.text;
        break;
      case Piece::Kind::kName:
        out += name;
        break;
      case Piece::Kind::kUserName:
        out += user_name;
        break;
    }
  }
  return out;
}

}  // namespace getxapi::outreach
