/// @file
/// Who a campaign writes to: the followers of an account, or a recipients file.
#pragma once

#include <getxapi/outreach/export.hpp>
#include <getxapi/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace getxapi::outreach {

/// Where the audience comes from. Built once per campaign and kept in the journal.
struct GETXAPI_OUTREACH_EXPORT Audience {
  enum class Kind {
    /// Every follower of `source` (followers_v2 pages), with canDm read from
    /// the same pages: one billed call per ~70 followers, no user/info calls.
    kFollowers,
    /// The lines of the file at `source`: usernames or numeric ids.
    kFile,
  };
  Kind kind = Kind::kFollowers;
  std::string source;

  static Audience followers_of(std::string user_name);
  static Audience from_file(std::string path);

  /// "followers:NAME" or "file:PATH", as stored in the journal.
  std::string describe() const;
};

/// One line of a recipients file.
struct FileRecipient {
  std::string id;         ///< Set for a line of digits.
  std::string user_name;  ///< Set for a handle (a leading '@' is dropped).
};

/// Parses a recipients file: one recipient per line; blank lines and lines
/// starting with '#' are ignored; surrounding spaces and a UTF-8 BOM are
/// dropped. A line of digits only is a user id; anything else is a handle
/// (write `@123` for a handle made of digits). A repeated recipient is kept
/// once. kInvalidArgument names the first bad line.
GETXAPI_OUTREACH_EXPORT Result<std::vector<FileRecipient>> parse_recipients(std::string_view text);

/// Reads and parses the file at `path` (kInvalidArgument if it cannot be read).
GETXAPI_OUTREACH_EXPORT Result<std::vector<FileRecipient>> read_recipients_file(
    std::string const& path);

}  // namespace getxapi::outreach
