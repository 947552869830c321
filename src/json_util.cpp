#include "json_util.hpp"

#include <array>

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

namespace {

using Json = nlohmann::json;

// The plain DOM parser plus a duplicate-key check. An object that read more
// keys than it kept had a duplicate. A parse callback could tell too, but
// nlohmann's callback parser copies every key into a JSON value and calls
// through std::function per event, which made parsing a user/info body ~25%
// dearer (bench/, docs/performance.md). This keeps one counter per open
// object and one reused key buffer instead.
class DuplicateKeyRejectingParser : public nlohmann::detail::json_sax_dom_parser<Json> {
  using Base = nlohmann::detail::json_sax_dom_parser<Json>;

 public:
  explicit DuplicateKeyRejectingParser(Json& root)
      : Base(root, /*allow_exceptions=*/false), root_(root) {}

  bool start_object(std::size_t size) {
    if (depth_ >= kMaxJsonDepth || !Base::start_object(size)) return false;
    open_[depth_] = just_opened();
    keys_read_[depth_] = 0;
    ++depth_;
    return true;
  }
  bool key(std::string& name) {
    ++keys_read_[depth_ - 1];
    last_key_ = name;
    return Base::key(name);
  }
  bool end_object() {
    --depth_;
    if (keys_read_[depth_] != open_[depth_]->size()) return false;  // a duplicate key
    return Base::end_object();
  }
  bool start_array(std::size_t size) {
    if (depth_ >= kMaxJsonDepth || !Base::start_array(size)) return false;
    open_[depth_++] = just_opened();
    return true;
  }
  bool end_array() {
    --depth_;
    return Base::end_array();
  }

 private:
  // The container the base parser has just added: the root, the last element
  // of the enclosing array, or the enclosing object's member at the last key.
  Json* just_opened() {
    if (depth_ == 0) return &root_;
    Json& parent = *open_[depth_ - 1];
    if (parent.is_array()) return &parent.back();
    return &parent.find(last_key_).value();
  }

  Json& root_;
  // Fixed size (depth is capped): no allocation per parse.
  std::array<Json*, kMaxJsonDepth> open_{};
  std::array<std::size_t, kMaxJsonDepth> keys_read_{};
  std::size_t depth_ = 0;
  std::string last_key_;
};

}  // namespace

nlohmann::json parse_json(std::string_view body) {
  // Depth is capped while parsing (kMaxJsonDepth), so no document deeper than
  // that is ever built: no separate pass over the body is needed.
  // Duplicate keys are refused: parsers disagree on which value wins, so such
  // a body could mean one thing to us and another to a proxy or a log reader.
  Json doc;
  DuplicateKeyRejectingParser parser(doc);
  if (!Json::sax_parse(body.begin(), body.end(), &parser)) return Json(Json::value_t::discarded);
  return doc;
}

}  // namespace getxapi::internal
