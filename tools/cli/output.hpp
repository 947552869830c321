// How results are printed: aligned tables for people, one JSON object per line for programs.
#pragma once

#include <getxapi/conversation.hpp>
#include <getxapi/message.hpp>
#include <getxapi/user.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace getxapi::cli {

/// Code points in `utf8` (the width a terminal gives most scripts; invalid bytes count one each).
std::size_t display_width(std::string_view utf8);

/// `text` made safe for a terminal or a log line: control characters are shown as escapes
/// (`\x1b`, `\r`, `\n`, `\t`; C1 controls and bidirectional overrides as `\u009b`,
/// `\u202e`; invalid UTF-8 bytes as `\xff`), so a server-supplied string can neither clear
/// the screen nor forge a second line. Every server-supplied string the CLI writes goes
/// through it (or through `cell`, which uses it).
std::string escape_control(std::string_view text);

/// `text` made safe for one table cell (as `escape_control`) and cut to `max_width` columns
/// (code points; an escape counts as wide as it is written), ending in "…" when cut.
/// 0 keeps the whole text.
std::string cell(std::string_view text, std::size_t max_width = 0);

/// Left-aligned columns separated by two spaces; right-aligned ones are for numbers.
class Table {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string header;
    Align align = Align::kLeft;
  };

  explicit Table(std::vector<Column> columns);
  /// Cells are printed as given: pass them through `cell()` first.
  void add_row(std::vector<std::string> cells);
  std::size_t rows() const { return rows_.size(); }
  void clear() { rows_.clear(); }
  void print(std::ostream& os) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

/// One line of JSON; invalid UTF-8 in server data is replaced rather than thrown on.
void print_json_line(std::ostream& os, nlohmann::json const& value);

/// The wire object of a user / message (its `raw`), or one rebuilt from the typed fields
/// with GetXAPI's names when `raw` is empty.
nlohmann::json wire_json(User const& user);
nlohmann::json wire_json(Message const& message);

/// `2026-03-02T10:11:12Z`, or "" when unknown.
std::string short_time(std::optional<Timestamp> const& t);

/// ID, USERNAME, NAME, FOLLOWERS, CAN_DM.
Table user_table();
void add_user_row(Table& table, User const& user);
/// Who a DM page names: the inbox owner and the `users` lookup, so tables show
/// `@handle (Name)` instead of bare ids. An empty lookup shows ids.
struct People {
  std::string owner_id;
  std::function<DmUser const*(std::string_view id)> find;
  /// `@grace_h (Grace H)` when the lookup knows `id`, else `id`; escaped, not cut.
  std::string label(std::string const& id) const;
};

/// ID, CREATED_AT, FROM, TO, TEXT (cut).
Table message_table();
void add_message_row(Table& table, Message const& message, People const& people = {});
/// ID, TYPE, UNREAD (`*`), WITH (the other participants' @handles), LAST_AT, LAST_MESSAGE.
Table conversation_table();
void add_conversation_row(Table& table, Conversation const& conversation, People const& people);
/// GetXAPI's conversation object: `raw` with `participants` and `last_message` put back.
nlohmann::json wire_json(Conversation const& conversation);
/// Every field of one user, one `field: value` per line.
void print_user_details(std::ostream& os, User const& user);

}  // namespace getxapi::cli
