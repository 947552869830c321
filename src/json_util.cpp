#include "json_util.hpp"

#include <array>

namespace getxapi::internal {
namespace {

using Json = nlohmann::json;

// What each piece of a nlohmann DOM costs on the heap. Objects are std::map
// (one tree node per member), arrays std::vector (a slot per element: up to
// half of them spare after doubling, and while it doubles the old buffer is
// still there, hence three), and a string value is a heap-allocated
// std::string. Charged before the base parser allocates, so a document past
// its budget is refused before the memory is spent.
constexpr std::size_t kObjectCost = heap_chunk(sizeof(Json::object_t));
constexpr std::size_t kArrayCost = heap_chunk(sizeof(Json::array_t));
constexpr std::size_t kMemberCost =
    heap_chunk(4 * sizeof(void*) + sizeof(Json::object_t::value_type));
constexpr std::size_t kSlotCost = 3 * sizeof(Json);
constexpr std::size_t kStringCost = heap_chunk(sizeof(Json::string_t));

// The plain DOM parser plus a duplicate-key check, a depth cap and a memory
// budget. An object that read more keys than it kept had a duplicate. A parse
// callback could tell too, but nlohmann's callback parser copies every key
// into a JSON value and calls through std::function per event, which made
// parsing a user/info body ~25% dearer (bench/, docs/performance.md). This
// keeps one counter per open object and one reused key buffer instead.
class GuardedParser : public nlohmann::detail::json_sax_dom_parser<Json> {
  using Base = nlohmann::detail::json_sax_dom_parser<Json>;

 public:
  GuardedParser(Json& root, std::size_t budget)
      : Base(root, /*allow_exceptions=*/false), root_(root), budget_(budget) {}

  JsonFailure failure() const { return failure_; }
  std::size_t bytes() const { return bytes_; }

  bool null() { return value(0) && Base::null(); }
  bool boolean(bool v) { return value(0) && Base::boolean(v); }
  bool number_integer(Json::number_integer_t v) { return value(0) && Base::number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return value(0) && Base::number_unsigned(v); }
  bool number_float(Json::number_float_t v, Json::string_t const& text) {
    return value(0) && Base::number_float(v, text);
  }
  bool string(Json::string_t& v) {
    return value(kStringCost + string_heap(v.size())) && Base::string(v);
  }

  bool start_object(std::size_t size) {
    if (!open(kObjectCost) || !Base::start_object(size)) return false;
    open_[depth_] = just_opened();
    is_array_[depth_] = false;
    keys_read_[depth_] = 0;
    ++depth_;
    return true;
  }
  bool key(Json::string_t& name) {
    if (!charge(kMemberCost + string_heap(name.size()))) return false;
    ++keys_read_[depth_ - 1];
    last_key_ = name;
    return Base::key(name);
  }
  bool end_object() {
    --depth_;
    if (keys_read_[depth_] != open_[depth_]->size()) return fail(JsonFailure::kDuplicateKey);
    return Base::end_object();
  }
  bool start_array(std::size_t size) {
    if (!open(kArrayCost) || !Base::start_array(size)) return false;
    open_[depth_] = just_opened();
    is_array_[depth_] = true;
    ++depth_;
    return true;
  }
  bool end_array() {
    --depth_;
    return Base::end_array();
  }

 private:
  bool fail(JsonFailure why) {
    failure_ = why;
    return false;
  }
  bool charge(std::size_t bytes) {
    bytes_ += bytes;
    return bytes_ <= budget_ || fail(JsonFailure::kTooLarge);
  }
  // A new value: its own heap, plus its slot when it goes into an array (an
  // object member's node was charged with its key).
  bool value(std::size_t bytes) {
    return charge(depth_ > 0 && is_array_[depth_ - 1] ? bytes + kSlotCost : bytes);
  }
  bool open(std::size_t bytes) {
    return depth_ < kMaxJsonDepth ? value(bytes) : fail(JsonFailure::kTooDeep);
  }
  // The container the base parser has just added: the root, the last element
  // of the enclosing array, or the enclosing object's member at the last key.
  Json* just_opened() {
    if (depth_ == 0) return &root_;
    Json& parent = *open_[depth_ - 1];
    if (is_array_[depth_ - 1]) return &parent.back();
    return &parent.find(last_key_).value();
  }

  Json& root_;
  std::size_t const budget_;
  std::size_t bytes_ = 0;
  JsonFailure failure_ = JsonFailure::kNone;
  // Fixed size (depth is capped): no allocation per parse.
  std::array<Json*, kMaxJsonDepth> open_{};
  std::array<std::size_t, kMaxJsonDepth> keys_read_{};
  std::array<bool, kMaxJsonDepth> is_array_{};
  std::size_t depth_ = 0;
  std::string last_key_;
};

}  // namespace

nlohmann::json parse_json(std::string_view body, std::size_t budget, JsonParseInfo* info) {
  // Duplicate keys are refused: parsers disagree on which value wins, so such
  // a body could mean one thing to us and another to a proxy or a log reader.
  Json doc;
  GuardedParser parser(doc, budget);
  bool const ok = Json::sax_parse(body.begin(), body.end(), &parser);
  if (info != nullptr) {
    info->bytes = parser.bytes();
    info->failure =
        ok ? JsonFailure::kNone
           : (parser.failure() == JsonFailure::kNone ? JsonFailure::kSyntax : parser.failure());
  }
  if (!ok) {
    release_json(doc);
    return Json(Json::value_t::discarded);
  }
  return doc;
}

void release_json(nlohmann::json& doc) noexcept {
  if (doc.is_array()) {
    auto& items = doc.get_ref<Json::array_t&>();
    while (!items.empty()) {
      release_json(items.back());
      items.pop_back();
    }
  } else if (doc.is_object()) {
    auto& members = doc.get_ref<Json::object_t&>();
    for (auto it = members.begin(); it != members.end(); it = members.erase(it)) {
      release_json(it->second);
    }
  }
}

nlohmann::json parse_json(std::string_view body, JsonParseInfo* info) {
  return parse_json(body, parse_memory_budget(body.size()), info);
}

}  // namespace getxapi::internal
