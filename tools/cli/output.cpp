#include "output.hpp"

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <utility>

namespace getxapi::cli {

namespace {

constexpr std::size_t kNameWidth = 30;
constexpr std::size_t kTextWidth = 60;

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Length of the UTF-8 sequence starting at `i`, 1 for an invalid byte.
std::size_t sequence_length(std::string_view s, std::size_t i) {
  auto const lead = static_cast<unsigned char>(s[i]);
  std::size_t const n = lead < 0x80           ? 1
                        : (lead >> 5) == 0x6  ? 2
                        : (lead >> 4) == 0xE  ? 3
                        : (lead >> 3) == 0x1E ? 4
                                              : 1;
  if (i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k) {
    if (!is_continuation(static_cast<unsigned char>(s[i + k]))) return 1;
  }
  return n;
}

void pad(std::ostream& os, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) os << ' ';
}

}  // namespace

std::size_t display_width(std::string_view utf8) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < utf8.size(); i += sequence_length(utf8, i)) ++width;
  return width;
}

namespace {

// The escaped form of the code point of `n` bytes at `i`, or "" when it prints as itself.
std::string escaped_code_point(std::string_view s, std::size_t i, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto const byte = static_cast<unsigned char>(s[i]);
  auto hex_byte = [](unsigned char b) { return std::string("\\x") + kHex[b >> 4] + kHex[b & 0xF]; };
  if (n == 1) {
    if (byte == '\n') return "\\n";
    if (byte == '\r') return "\\r";
    if (byte == '\t') return "\\t";
    if (byte < 0x20 || byte >= 0x7F) return hex_byte(byte);  // C0, DEL, invalid UTF-8
    return "";
  }
  std::uint32_t cp = 0;
  if (n == 2) {
    cp = ((byte & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
  } else if (n == 3) {
    cp = ((byte & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
         (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
  } else {
    return "";
  }
  // C1 controls (CSI is U+009B) and the bidirectional overrides that reorder what follows.
  bool const c1 = cp >= 0x80 && cp <= 0x9F;
  bool const bidi = (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
                    cp == 0x2028 || cp == 0x2029;
  if (!c1 && !bidi) return "";
  std::string out = "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 0xF];
  return out;
}

}  // namespace

std::string escape_control(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t const n = sequence_length(text, i);
    std::string escaped = escaped_code_point(text, i, n);
    if (escaped.empty()) {
      result.append(text.substr(i, n));
    } else {
      result += escaped;
    }
    i += n;
  }
  return result;
}

std::string cell(std::string_view text, std::size_t max_width) {
  // Each code point as printed, with its width (an escape is as wide as its spelling).
  std::vector<std::pair<std::string, std::size_t>> pieces;
  std::size_t total = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t const n = sequence_length(text, i);
    std::string escaped = escaped_code_point(text, i, n);
    if (escaped.empty()) {
      pieces.emplace_back(std::string(text.substr(i, n)), 1);
    } else {
      std::size_t const width = escaped.size();
      pieces.emplace_back(std::move(escaped), width);
    }
    total += pieces.back().second;
    i += n;
  }
  std::string result;
  if (max_width == 0 || total <= max_width) {
    for (auto const& piece : pieces) result += piece.first;
    return result;
  }
  // Room for the ellipsis, which keeps the cell at max_width.
  std::size_t width = 0;
  for (auto const& [piece, piece_width] : pieces) {
    if (width + piece_width + 1 > max_width) break;
    result += piece;
    width += piece_width;
  }
  result += "\xE2\x80\xA6";
  return result;
}

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& os) const {
  std::vector<std::size_t> widths;
  for (auto const& column : columns_) widths.push_back(display_width(column.header));
  for (auto const& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  auto print_row = [&](auto const& text_of) {
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      std::string const& text = text_of(c);
      std::size_t const gap = widths[c] - display_width(text);
      bool const last = c + 1 == columns_.size();
      if (columns_[c].align == Align::kRight) pad(os, gap);
      os << text;
      if (!last) {
        if (columns_[c].align == Align::kLeft) pad(os, gap);
        os << "  ";
      }
    }
    os << '\n';
  };
  print_row([&](std::size_t c) -> std::string const& { return columns_[c].header; });
  for (auto const& row : rows_) {
    print_row([&](std::size_t c) -> std::string const& { return row[c]; });
  }
}

void print_json_line(std::ostream& os, nlohmann::json const& value) {
  os << value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

nlohmann::json wire_json(User const& user) {
  if (user.raw.is_object() && !user.raw.empty()) return user.raw;
  nlohmann::json j = {{"id", user.id},
                      {"userName", user.user_name},
                      {"name", user.name},
                      {"description", user.description},
                      {"location", user.location},
                      {"url", user.url},
                      {"protected", user.is_protected},
                      {"isVerified", user.is_verified},
                      {"isBlueVerified", user.is_blue_verified},
                      {"followers", user.followers_count},
                      {"following", user.following_count},
                      {"profilePicture", user.profile_picture},
                      {"coverPicture", user.cover_picture},
                      {"canDm", user.can_dm}};
  if (user.created_at) j["createdAt"] = format_timestamp(*user.created_at);
  return j;
}

nlohmann::json wire_json(Message const& message) {
  nlohmann::json j;
  if (message.raw.is_object() && !message.raw.empty()) {
    j = message.raw;
  } else {
    j = {{"id", message.id},
         {"senderId", message.sender_id},
         {"recipientId", message.recipient_id},
         {"text", message.text},
         {"media", message.media}};
    if (message.created_at) j["createdAt"] = format_timestamp(*message.created_at);
    if (!message.recipient_username.empty()) {
      j["recipient_username"] = message.recipient_username;
    }
  }
  return j;
}

std::string short_time(std::optional<Timestamp> const& t) {
  if (!t) return "";
  std::string text = format_timestamp(*t);  // 2026-03-02T10:11:12.345Z
  if (text.size() > 19) text = text.substr(0, 19) + "Z";
  return text;
}

Table user_table() {
  using A = Table::Align;
  return Table({{"ID", A::kLeft},
                {"USERNAME", A::kLeft},
                {"NAME", A::kLeft},
                {"FOLLOWERS", A::kRight},
                {"CAN_DM", A::kLeft}});
}

void add_user_row(Table& table, User const& user) {
  table.add_row({cell(user.id), "@" + cell(user.user_name), cell(user.name, kNameWidth),
                 std::to_string(user.followers_count), user.can_dm ? "yes" : "no"});
}

Table message_table() {
  using A = Table::Align;
  return Table({{"ID", A::kLeft},
                {"CREATED_AT", A::kLeft},
                {"FROM", A::kLeft},
                {"TO", A::kLeft},
                {"TEXT", A::kLeft}});
}

std::string People::label(std::string const& id) const {
  DmUser const* user = find ? find(id) : nullptr;
  if (user == nullptr || user->screen_name.empty()) return cell(id);
  std::string text = "@" + cell(user->screen_name);
  if (!user->name.empty()) text += " (" + cell(user->name) + ")";
  return text;
}

void add_message_row(Table& table, Message const& message, People const& people) {
  // An undecrypted message has no text: say so rather than print an empty cell.
  std::string const text = message.text.empty() ? "(no text)" : cell(message.text, kTextWidth);
  table.add_row({cell(message.id), short_time(message.created_at),
                 cell(people.label(message.sender_id), kNameWidth),
                 cell(people.label(message.recipient_id), kNameWidth), text});
}

Table conversation_table() {
  using A = Table::Align;
  return Table({{"ID", A::kLeft},
                {"TYPE", A::kLeft},
                {"UNREAD", A::kLeft},
                {"WITH", A::kLeft},
                {"LAST_AT", A::kLeft},
                {"LAST_MESSAGE", A::kLeft}});
}

void add_conversation_row(Table& table, Conversation const& conversation, People const& people) {
  std::string with;
  for (auto const& user : conversation.others(people.owner_id)) {
    if (!with.empty()) with += ", ";
    with += user.screen_name.empty() ? cell(user.id) : "@" + cell(user.screen_name);
  }
  std::string last;
  std::string at;
  if (auto const& m = conversation.last_message) {
    at = short_time(m->created_at);
    std::string const who =
        m->sender_id == people.owner_id ? std::string("you") : people.label(m->sender_id);
    last = cell(who + ": " + (m->text.empty() ? std::string("(no text)") : m->text), kTextWidth);
  }
  table.add_row({cell(conversation.id), cell(conversation.type), conversation.unread ? "*" : "",
                 cell(with, kTextWidth), at, last});
}

nlohmann::json wire_json(Conversation const& conversation) {
  nlohmann::json j = conversation.raw.is_object() ? conversation.raw : nlohmann::json::object();
  if (!j.contains("conversation_id")) j["conversation_id"] = conversation.id;
  nlohmann::json participants = nlohmann::json::array();
  for (auto const& p : conversation.participants) {
    if (p.raw.is_object() && !p.raw.empty()) {
      participants.push_back(p.raw);
    } else {
      participants.push_back({{"id", p.id}, {"screen_name", p.screen_name}, {"name", p.name}});
    }
  }
  j["participants"] = std::move(participants);
  if (conversation.last_message) j["last_message"] = wire_json(*conversation.last_message);
  return j;
}

void print_user_details(std::ostream& os, User const& user) {
  auto yes_no = [](bool b) { return std::string(b ? "yes" : "no"); };
  std::vector<std::pair<std::string, std::string>> const fields = {
      {"id", cell(user.id)},
      {"userName", "@" + cell(user.user_name)},
      {"name", cell(user.name)},
      {"description", cell(user.description)},
      {"location", cell(user.location)},
      {"url", cell(user.url)},
      {"followers", std::to_string(user.followers_count)},
      {"following", std::to_string(user.following_count)},
      {"createdAt", short_time(user.created_at)},
      {"canDm", yes_no(user.can_dm)},
      {"protected", yes_no(user.is_protected)},
      {"isVerified", yes_no(user.is_verified)},
      {"isBlueVerified", yes_no(user.is_blue_verified)},
  };
  std::size_t width = 0;
  for (auto const& [name, value] : fields) width = std::max(width, name.size());
  for (auto const& [name, value] : fields) {
    os << name << ':';
    if (!value.empty()) {
      pad(os, width - name.size() + 1);
      os << value;
    }
    os << '\n';
  }
}

}  // namespace getxapi::cli
