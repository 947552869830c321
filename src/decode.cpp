#include "decode.hpp"

#include "json_util.hpp"

#include <cmath>
#include <initializer_list>
#include <limits>

namespace getxapi::internal {
namespace {

using Json = nlohmann::json;

Error bad(std::string_view what, std::string const& message) {
  return Error(ErrorCode::kInvalidResponse, std::string(what) + " response: " + message);
}

// A body whose decoded form would pass decode_memory_budget: refused rather
// than let a few MB of tiny values take hundreds of MB (docs/performance.md).
Error too_large(std::string_view what, std::size_t body_size) {
  return bad(what, "too dense to decode: " + std::to_string(body_size) +
                       " bytes would take more than " +
                       std::to_string(decode_memory_budget(body_size)) + " bytes of memory");
}

// A page's decoded items join their document in the response's memory
// budget (decode_memory_budget): the structs in the page's vector, and what
// each copies out of the document (its `raw` is the document's, moved).
class ItemBudget {
 public:
  ItemBudget(std::size_t body_size, std::size_t document_bytes)
      : body_size_(body_size), budget_(decode_memory_budget(body_size)), bytes_(document_bytes) {}

  /// The vector for `count` items of `item_size` bytes.
  bool reserve(std::size_t count, std::size_t item_size) {
    return add(heap_chunk(count * item_size));
  }
  /// Heap one item holds outside the vector, e.g. `strings(...)`.
  bool add(std::size_t bytes) {
    bytes_ += bytes;
    return bytes_ <= budget_;
  }
  Error refused(std::string_view what) const { return too_large(what, body_size_); }

  static std::size_t strings(std::initializer_list<std::string const*> copied) {
    std::size_t bytes = 0;
    for (std::string const* s : copied) bytes += string_heap(s->size());
    return bytes;
  }

 private:
  std::size_t body_size_;
  std::size_t budget_;
  std::size_t bytes_;
};

std::size_t copied_bytes(User const& u) {
  return ItemBudget::strings({&u.id, &u.user_name, &u.name, &u.description, &u.location, &u.url,
                              &u.profile_picture, &u.cover_picture});
}

// Field readers: absent or null leaves `out` alone; a wrong type is an error
// naming the field.
class Reader {
 public:
  Reader(Json const& object, std::string_view what, std::string_view prefix)
      : object_(object), what_(what), prefix_(prefix) {}

  std::optional<Error> const& error() const { return error_; }

  // string_view keys: std::less<> then compares without a strlen per node.
  Json const* find(std::string_view key) {
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  void string(std::string_view key, std::string& out) {
    if (Json const* v = find(key)) {
      if (v->is_string()) {
        out = v->get_ref<std::string const&>();
      } else {
        fail(key, "a string");
      }
    }
  }
  void boolean(std::string_view key, bool& out) {
    if (Json const* v = find(key)) {
      if (v->is_boolean()) {
        out = v->get<bool>();
      } else {
        fail(key, "a boolean");
      }
    }
  }
  void integer(std::string_view key, std::int64_t& out) {
    if (Json const* v = find(key)) {
      // is_number_integer() is true for unsigned values too: test unsigned
      // first, or 2^64-1 would wrap to -1.
      if (v->is_number_unsigned()) {
        auto const u = v->get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          fail(key, "an integer in range");
        } else {
          out = static_cast<std::int64_t>(u);
        }
      } else if (v->is_number_integer()) {
        out = v->get<std::int64_t>();
      } else if (v->is_number_float() && std::isfinite(v->get<double>()) &&
                 std::trunc(v->get<double>()) == v->get<double>() &&
                 std::fabs(v->get<double>()) < 9e15) {
        out = static_cast<std::int64_t>(v->get<double>());
      } else {
        fail(key, "an integer");
      }
    }
  }
  void timestamp(std::string_view key, std::optional<Timestamp>& out) {
    std::string text;
    string(key, text);
    // A format we do not know yet is not worth failing a page over: the raw
    // value stays in `raw`.
    if (!text.empty()) out = parse_timestamp(text);
  }
  // A required, non-empty string id.
  void id(std::string_view key, std::string& out) {
    Json const* v = find(key);
    if (v == nullptr) {
      fail(key, "present", "is missing");
    } else if (!v->is_string() || v->get_ref<std::string const&>().empty()) {
      fail(key, "a non-empty string");
    } else {
      out = v->get_ref<std::string const&>();
    }
  }

  void fail(std::string_view key, char const* expected, char const* verb = nullptr) {
    if (error_) return;
    std::string field = std::string(prefix_).append(key);
    error_ = bad(what_, "field '" + field + "' " +
                            (verb ? std::string(verb) : "should be " + std::string(expected)));
  }

 private:
  Json const& object_;
  std::string_view what_;
  std::string_view prefix_;
  std::optional<Error> error_;
};

// `info`, when given, says how much of the body's memory budget the document
// took (the page decoders charge the structs they build to the rest).
Result<Json> parse_object(std::string_view body, std::string_view what,
                          JsonParseInfo* info = nullptr) {
  if (body.empty()) return bad(what, "empty body");
  JsonParseInfo parsed;
  auto doc = parse_json(body, &parsed);
  if (info != nullptr) *info = parsed;
  switch (parsed.failure) {
    case JsonFailure::kNone:
      break;
    case JsonFailure::kTooDeep:
      return bad(what, "JSON nested too deeply");
    // parse_json refuses duplicate keys that plain JSON syntax allows.
    case JsonFailure::kDuplicateKey:
      return bad(what, "duplicate key in a JSON object");
    case JsonFailure::kTooLarge:
      return too_large(what, body.size());
    case JsonFailure::kSyntax:
      return bad(what, "body is not valid JSON");
  }
  if (!doc.is_object()) {
    release_json(doc);
    return bad(what, "body is not a JSON object");
  }
  return doc;
}

// `data` when it is an object, else the document itself.
Json take_data(Json& doc) {
  auto it = doc.find("data");
  if (it != doc.end() && it->is_object()) return std::move(*it);
  return std::move(doc);
}

Result<User> decode_user_at(Json&& object, std::string_view what, std::string const& prefix) {
  if (!object.is_object()) return bad(what, "'" + prefix + "' is not an object");
  User user;
  Reader r(object, what, prefix);
  r.id("id", user.id);
  r.string("userName", user.user_name);
  r.string("name", user.name);
  r.string("description", user.description);
  r.string("location", user.location);
  r.string("url", user.url);
  r.boolean("protected", user.is_protected);
  r.boolean("isVerified", user.is_verified);
  r.boolean("isBlueVerified", user.is_blue_verified);
  r.integer("followers", user.followers_count);
  r.integer("following", user.following_count);
  r.timestamp("createdAt", user.created_at);
  r.string("profilePicture", user.profile_picture);
  r.string("coverPicture", user.cover_picture);
  r.boolean("canDm", user.can_dm);
  if (r.error()) return *r.error();
  user.raw = std::move(object);
  return user;
}

Result<Message> decode_message_at(Json&& object, std::string_view what, std::string const& prefix) {
  if (!object.is_object()) return bad(what, "'" + prefix + "' is not an object");
  Message message;
  Reader r(object, what, prefix);
  r.id("id", message.id);
  r.timestamp("createdAt", message.created_at);
  r.string("senderId", message.sender_id);
  r.string("recipientId", message.recipient_id);
  r.string("text", message.text);
  r.string("recipient_username", message.recipient_username);
  if (r.error()) return *r.error();
  if (auto it = object.find("media"); it != object.end()) message.media = *it;
  message.raw = std::move(object);
  return message;
}

// The fields every page has: has_more, next_cursor.
std::optional<Error> read_page_fields(Reader& r, bool& has_more, std::string& next_cursor) {
  r.string("next_cursor", next_cursor);
  bool has_more_given = r.find("has_more") != nullptr;
  r.boolean("has_more", has_more);
  if (!has_more_given) has_more = !next_cursor.empty();
  if (!has_more) next_cursor.clear();
  return r.error();
}

Json* find_array(Json& doc, std::string_view key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_array() ? &*it : nullptr;
}

}  // namespace

Result<User> decode_user(Json&& object) { return decode_user_at(std::move(object), "user", ""); }

Result<Message> decode_message(Json&& object) {
  return decode_message_at(std::move(object), "message", "");
}

Result<User> decode_user_info(std::string_view body) {
  auto doc = parse_object(body, "user/info");
  if (!doc) return std::move(doc).error();
  return decode_user_at(take_data(*doc), "user/info", "data.");
}

namespace {

// `owned`, when given, is the body's storage: released once it is parsed, so
// the body and the decoded users are never held at once.
Result<UserPage> user_page(std::string_view body, std::string_view items_key, std::string* owned) {
  std::string const what = items_key == "followers" ? "followers_v2" : "following_v2";
  std::size_t const body_size = body.size();
  JsonParseInfo parsed;
  auto doc = parse_object(body, what, &parsed);
  if (owned != nullptr) std::string().swap(*owned);
  if (!doc) return std::move(doc).error();
  // What is left of the document when decoding stops early goes without the
  // extra memory nlohmann's destructor takes (release_json).
  struct Release {
    Json& doc;
    ~Release() { release_json(doc); }
  } const release{*doc};
  UserPage page;
  Reader r(*doc, what, "");
  r.string("userName", page.user_name);
  if (auto e = read_page_fields(r, page.has_more, page.next_cursor)) return *e;
  Json* items = find_array(*doc, items_key);
  if (items == nullptr) {
    auto it = doc->find(items_key);
    if (it != doc->end() && !it->is_null()) {
      return bad(what, "field '" + std::string(items_key) + "' should be an array");
    }
  } else {
    ItemBudget budget(body_size, parsed.bytes);
    if (!budget.reserve(items->size(), sizeof(User))) return budget.refused(what);
    page.items.reserve(items->size());
    std::size_t index = 0;
    for (auto& element : *items) {
      auto user = decode_user_at(std::move(element), what,
                                 std::string(items_key) + "[" + std::to_string(index++) + "].");
      if (!user) return std::move(user).error();
      if (!budget.add(copied_bytes(*user))) return budget.refused(what);
      page.items.push_back(std::move(*user));
    }
    doc->erase(std::string(items_key));
  }
  page.raw = std::move(*doc);
  return page;
}

}  // namespace

Result<UserPage> decode_user_page(std::string_view body, std::string_view items_key) {
  return user_page(body, items_key, nullptr);
}

Result<UserPage> consume_user_page(std::string&& body, std::string_view items_key) {
  return user_page(body, items_key, &body);
}

Result<Message> decode_send_dm(std::string_view body) {
  auto doc = parse_object(body, "dm/send");
  if (!doc) return std::move(doc).error();
  return decode_message_at(take_data(*doc), "dm/send", "data.");
}

Result<MessagePage> decode_message_page(std::string_view body) {
  auto doc = parse_object(body, "dm/list");
  if (!doc) return std::move(doc).error();
  MessagePage page;
  Reader r(*doc, "dm/list", "");
  r.string("userId", page.user_id);
  if (auto e = read_page_fields(r, page.has_more, page.next_cursor)) return *e;
  Json* items = find_array(*doc, "messages");
  if (items == nullptr) {
    auto it = doc->find("messages");
    if (it != doc->end() && !it->is_null()) {
      return bad("dm/list", "field 'messages' should be an array");
    }
  } else {
    page.items.reserve(items->size());
    std::size_t index = 0;
    for (auto& element : *items) {
      auto message = decode_message_at(std::move(element), "dm/list",
                                       "messages[" + std::to_string(index++) + "].");
      if (!message) return std::move(message).error();
      page.items.push_back(std::move(*message));
    }
    doc->erase("messages");
  }
  page.raw = std::move(*doc);
  return page;
}

Result<LoginResult> decode_login(std::string_view body) {
  auto doc = parse_object(body, "user_login");
  if (!doc) return std::move(doc).error();
  // Tokens at top level win; `data` is where some deployments put them.
  Json const* source = &*doc;
  if (!doc->contains("auth_token")) {
    auto it = doc->find("data");
    if (it != doc->end() && it->is_object()) source = &*it;
  }
  LoginResult result;
  Reader r(*source, "user_login", source == &*doc ? "" : "data.");
  r.string("auth_token", result.auth_token);
  r.string("ct0", result.ct0);
  r.string("twid", result.twid);
  if (r.error()) return *r.error();
  if (result.auth_token.empty()) return bad("user_login", "no auth_token in the response");
  return result;
}

ErrorBody decode_error_body(std::string_view body) {
  ErrorBody out;
  auto doc = parse_json(body);
  if (doc.is_discarded() || !doc.is_object()) return out;
  for (char const* key : {"error", "message", "msg"}) {
    auto it = doc.find(key);
    if (it != doc.end() && it->is_string() && !it->get_ref<std::string const&>().empty()) {
      out.message = it->get<std::string>();
      break;
    }
  }
  if (auto it = doc.find("twitter_error_code"); it != doc.end()) {
    if (it->is_number_unsigned() &&
        it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
      // Out of range (and would wrap negative as int64): not a code X sends.
    } else if (it->is_number_integer() || it->is_number_unsigned()) {
      auto const v = it->get<std::int64_t>();
      if (v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max()) {
        out.twitter_error_code = static_cast<int>(v);
      }
    } else if (it->is_string()) {
      auto const& s = it->get_ref<std::string const&>();
      if (!s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos) {
        out.twitter_error_code = std::stoi(s);
      }
    }
  }
  if (auto it = doc.find("challenge"); it != doc.end() && it->is_string()) {
    out.challenge = it->get<std::string>();
  }
  if (auto it = doc.find("retry_after"); it != doc.end()) {
    double seconds = -1;
    if (it->is_number()) {
      seconds = it->get<double>();
    } else if (it->is_string()) {
      auto const& s = it->get_ref<std::string const&>();
      if (!s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos) {
        seconds = std::stod(s);
      }
    }
    if (std::isfinite(seconds) && seconds >= 0 && seconds < 1e9) {
      out.retry_after = std::chrono::seconds(static_cast<std::int64_t>(std::ceil(seconds)));
    }
  }
  return out;
}

}  // namespace getxapi::internal
