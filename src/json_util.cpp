#include "json_util.hpp"

#include <vector>

namespace getxapi::internal {

bool json_too_deep(std::string_view body, std::size_t limit) noexcept {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    char const c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

nlohmann::json parse_json(std::string_view body) {
  using Json = nlohmann::json;
  if (json_too_deep(body)) return Json(Json::value_t::discarded);
  // Duplicate keys are refused: parsers disagree on which value wins, so such
  // a body could mean one thing to us and another to a proxy or a log reader.
  // An object that read more keys than it kept had a duplicate.
  std::vector<std::size_t> keys_read;
  bool duplicate = false;
  auto on_event = [&](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        keys_read.push_back(0);
        break;
      case Json::parse_event_t::key:
        if (!keys_read.empty()) ++keys_read.back();
        break;
      case Json::parse_event_t::object_end:
        if (!keys_read.empty()) {
          if (keys_read.back() != parsed.size()) duplicate = true;
          keys_read.pop_back();
        }
        break;
      default:
        break;
    }
    return true;
  };
  auto doc = Json::parse(body.begin(), body.end(), on_event, /*allow_exceptions=*/false);
  if (duplicate) return Json(Json::value_t::discarded);
  return doc;
}

}  // namespace getxapi::internal
