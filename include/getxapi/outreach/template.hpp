/// @file
/// `MessageTemplate`: the campaign's message, with `{name}` and `{userName}` placeholders.
#pragma once

#include <getxapi/outreach/export.hpp>
#include <getxapi/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace getxapi::outreach {

/// What a template can say about one recipient.
struct TemplateFields {
  std::string name;       ///< Display name; may be empty.
  std::string user_name;  ///< Handle without '@'; empty when only the id is known.
};

/// A message with placeholders, checked once when the campaign is created so
/// that a typo fails before anything is sent.
///
/// Syntax: `{name}` is the display name, `{userName}` the handle (no '@');
/// `{{` and `}}` are literal braces. Anything else inside braces is an error.
///
/// Fallbacks, so no recipient ever gets a message with a hole in it:
/// - `{name}`: the display name with surrounding spaces trimmed; when that is
///   empty, the handle; when that is unknown too, `fallback_name` ("there").
/// - `{userName}`: the handle; when unknown, `fallback_name`. (A campaign
///   refuses `{userName}` for a recipients file that lists bare ids, whose
///   handles are unknown, so this fallback is a last resort.)
///
/// Text is UTF-8 throughout and substituted byte for byte, so names in any
/// script render as they came from X.
class GETXAPI_OUTREACH_EXPORT MessageTemplate {
 public:
  /// Parses `text`; kInvalidArgument for an unknown placeholder, an unmatched
  /// brace, invalid UTF-8 or a message that is empty or only spaces.
  static Result<MessageTemplate> parse(std::string text);

  /// The template as written.
  std::string const& text() const noexcept { return text_; }
  bool uses_name() const noexcept { return uses_name_; }
  bool uses_user_name() const noexcept { return uses_user_name_; }

  /// The message for one recipient. Never fails.
  std::string render(TemplateFields const& fields) const;

  /// What `{name}` and `{userName}` fall back to when nothing is known.
  static constexpr std::string_view kFallbackName = "there";

 private:
  struct Piece {
    enum class Kind { kText, kName, kUserName } kind;
    std::string text;
  };
  MessageTemplate() = default;
  std::string text_;
  std::vector<Piece> pieces_;
  bool uses_name_ = false;
  bool uses_user_name_ = false;
};

/// True when `text` is well-formed UTF-8.
GETXAPI_OUTREACH_EXPORT bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace getxapi::outreach
