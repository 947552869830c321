#include "decode.hpp"

#include "json_util.hpp"

#include <cmath>
#include <limits>

namespace getxapi::internal {
namespace {

using Json = nlohmann::json;

Error bad(std::string_view what, std::string const& message) {
  return Error(ErrorCode::kInvalidResponse, std::string(what) + " response: " + message);
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

Result<Json> parse_object(std::string_view body, std::string_view what) {
  if (body.empty()) return bad(what, "empty body");
  auto doc = parse_json(body);
  if (doc.is_discarded()) {
    if (json_too_deep(body)) return bad(what, "JSON nested too deeply");
    // parse_json refuses duplicate keys that plain JSON syntax allows.
    return bad(what, Json::accept(body.begin(), body.end()) ? "duplicate key in a JSON object"
                                                            : "body is not valid JSON");
  }
  if (!doc.is_object()) return bad(what, "body is not a JSON object");
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

Result<UserPage> decode_user_page(std::string_view body, std::string_view items_key) {
  std::string const what = items_key == "followers" ? "followers_v2" : "following_v2";
  auto doc = parse_object(body, what);
  if (!doc) return std::move(doc).error();
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
    page.items.reserve(items->size());
    std::size_t index = 0;
    for (auto& element : *items) {
      auto user = decode_user_at(std::move(element), what,
                                 std::string(items_key) + "[" + std::to_string(index++) + "].");
      if (!user) return std::move(user).error();
      page.items.push_back(std::move(*user));
    }
    doc->erase(std::string(items_key));
  }
  page.raw = std::move(*doc);
  return page;
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
