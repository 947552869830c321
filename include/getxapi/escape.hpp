/// @file
/// Making server-supplied text safe to print on a terminal or in a log line.
#pragma once

#include <getxapi/export.hpp>

#include <string>
#include <string_view>

namespace getxapi {

/// `text` with every control character spelled out, so a hostile server
/// cannot clear a screen, move the cursor or forge a second log line through
/// an error message, a cursor or a name: `\n`, `\r`, `\t`, and `\xHH` for
/// the other C0 controls (ESC is `\x1b`), DEL and the C1 controls
/// (U+0080..U+009F, as UTF-8). Bytes that are not valid UTF-8 become `\xHH`
/// too. Everything else (printable ASCII, valid UTF-8) is kept as is.
/// Idempotent (a backslash is not doubled), so text the library already
/// escaped (log lines, server text in `Error::message()`) may be escaped again
/// safely before printing.
GETXAPI_EXPORT std::string escape_control(std::string_view text);

}  // namespace getxapi
