#include <getxapi/escape.hpp>

#include <cstdint>

namespace getxapi {
namespace {

void hex(std::string& out, unsigned char byte) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += "\\x";
  out += kDigits[byte >> 4];
  out += kDigits[byte & 0xf];
}

// Length of the valid UTF-8 sequence at `text[i]` (2..4), or 0.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  auto const b0 = static_cast<unsigned char>(text[i]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    n = 2;
    cp = b0 & 0x1f;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    n = 3;
    cp = b0 & 0x0f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    n = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    auto const b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  bool const overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  bool const surrogate = cp >= 0xd800 && cp <= 0xdfff;
  if (overlong || surrogate || cp > 0x10ffff) return 0;
  return n;
}

}  // namespace

std::string escape_control(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto const c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      ++i;
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\r') {
      out += "\\r";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (std::size_t const n = c >= 0x80 ? utf8_length(text, i) : 0; n != 0) {
      // C1 controls (U+0080..U+009F) are C2 80..C2 9F: escaped byte by byte.
      auto const b1 = static_cast<unsigned char>(text[i + 1]);
      if (c == 0xc2 && b1 < 0xa0) {
        hex(out, c);
        hex(out, b1);
      } else {
        out.append(text.substr(i, n));
      }
      i += n;
    } else {
      hex(out, c);
      ++i;
    }
  }
  return out;
}

}  // namespace getxapi
