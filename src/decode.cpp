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

// Where a field sits in the document, formatted only when an error names it:
// building "conversations[12].last_message." for every object of a page would
// cost an allocation each on the success path.
struct Path {
  static constexpr std::size_t kNoIndex = static_cast<std::size_t>(-1);
  Path const* parent = nullptr;
  std::string_view key;
  std::size_t index = kNoIndex;

  // "parent.key[index]." ("" for the root).
  std::string format() const {
    std::string out = parent ? parent->format() : std::string();
    if (key.empty()) return out;
    out += key;
    if (index != kNoIndex) out += "[" + std::to_string(index) + "]";
    return out += '.';
  }
};

// Field readers: absent or null leaves `out` alone; a wrong type is an error
// naming the field.
class Reader {
 public:
  Reader(Json const& object, std::string_view what, std::string_view prefix)
      : object_(object), what_(what), prefix_(prefix) {}
  Reader(Json const& object, std::string_view what, Path const& path)
      : object_(object), what_(what), path_(&path) {}

  std::optional<Error> const& error() const { return error_; }

  // string_view keys: std::less<> then compares without a strlen per node.
  Json const* find(std::string_view key) {
    if (key.data() == picked_key_.data() && key.size() == picked_key_.size()) {
      picked_key_ = {};
      return picked_;
    }
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }
  // The first of two spellings present (camelCase as documented, snake_case
  // as seen in the field): a second lookup only when the first is absent.
  // The field found is remembered for the read that follows (`r.string(r.pick(
  // a, b), out)`), so a message's fields cost one lookup each, not two.
  std::string_view pick(std::string_view key, std::string_view alternative) {
    Json const* v = find(key);
    std::string_view picked = key;
    if (v == nullptr) {
      if (Json const* a = find(alternative)) {
        v = a;
        picked = alternative;
      }
    }
    picked_key_ = picked;
    picked_ = v;
    return picked;
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
  void integer(std::string_view key, int& out) {
    std::int64_t wide = out;
    integer(key, wide);
    if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
      fail(key, "an integer in range");
    } else {
      out = static_cast<int>(wide);
    }
  }
  void timestamp(std::string_view key, std::optional<Timestamp>& out) {
    Json const* v = find(key);
    if (v == nullptr) return;
    if (!v->is_string()) return fail(key, "a string");
    // Parsed in place: a copy of every createdAt would be an allocation each.
    // A format we do not know yet is not worth failing a page over: the raw
    // value stays in `raw`.
    auto const& text = v->get_ref<std::string const&>();
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
  // Epoch milliseconds, as a string of digits or a number (`sort_timestamp`).
  void epoch_ms(std::string_view key, std::optional<Timestamp>& out) {
    Json const* v = find(key);
    if (v == nullptr) return;
    std::int64_t ms = -1;
    if (v->is_string()) {
      auto const& s = v->get_ref<std::string const&>();
      // 15 digits is past the year 30000: beyond that it is not a time X sends.
      if (!s.empty() && s.size() <= 15 && s.find_first_not_of("0123456789") == std::string::npos) {
        ms = std::stoll(s);
      }
    } else if (v->is_number()) {
      integer(key, ms);
    } else {
      return fail(key, "a string of epoch milliseconds");
    }
    // Past 2262 system_clock overflows (see parse_timestamp): unknown, not wrong.
    if (ms >= 0 && ms < 9'000'000'000'000) {
      out =
          Timestamp(std::chrono::duration_cast<Timestamp::duration>(std::chrono::milliseconds(ms)));
    }
  }

  void fail(std::string_view key, char const* expected, char const* verb = nullptr) {
    if (error_) return;
    std::string field = (path_ ? path_->format() : std::string(prefix_)).append(key);
    error_ = bad(what_, "field '" + field + "' " +
                            (verb ? std::string(verb) : "should be " + std::string(expected)));
  }

 private:
  Json const& object_;
  std::string_view what_;
  std::string_view prefix_;
  Path const* path_ = nullptr;
  std::string_view picked_key_;
  Json const* picked_ = nullptr;
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

// The object at `path`, for an error that names it: "'messages[3]'".
std::string quoted(Path const& path) {
  std::string text = path.format();
  if (!text.empty()) text.pop_back();  // the trailing '.'
  return "'" + text + "'";
}

enum class Elements { kObjectsOnly, kSkipOthers };

// `key` as an array of objects, each handed to `each(element, path)`: absent
// or null is an empty array, anything else an error. An element that is not
// an object is an error, or with kSkipOthers left to `raw` (what a message
// carries beside its text should not cost the whole page).
template <class Each>
std::optional<Error> for_each_object(Reader& r, Json& object, std::string_view key,
                                     std::string_view what, Path const& path, Each each,
                                     Elements elements = Elements::kObjectsOnly) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_array()) {
    r.fail(key, "an array");
    return r.error();
  }
  std::size_t index = 0;
  for (auto& element : *it) {
    Path const at{&path, key, index++};
    if (!element.is_object()) {
      if (elements == Elements::kSkipOthers) continue;
      return bad(what, quoted(at) + " is not an object");
    }
    if (auto e = each(element, at)) return e;
  }
  return std::nullopt;
}

std::optional<Error> read_media(Reader& r, std::string_view what, Path const& path,
                                std::optional<MessageMedia>& out) {
  Json const* media = r.find("media");
  if (media == nullptr) return std::nullopt;
  Path const at{&path, "media"};
  if (!media->is_object()) return bad(what, quoted(at) + " is not an object");
  MessageMedia m;
  Reader mr(*media, what, at);
  mr.string("type", m.type);
  mr.string(mr.pick("url", mr.pick("media_url_https", "media_url")), m.url);
  if (mr.error()) return mr.error();
  out = std::move(m);
  return std::nullopt;
}

Result<Message> decode_message_at(Json&& object, std::string_view what, Path const& path) {
  if (!object.is_object()) return bad(what, quoted(path) + " is not an object");
  Message message;
  Reader r(object, what, path);
  r.id("id", message.id);
  r.timestamp(r.pick("createdAt", "created_at"), message.created_at);
  r.string(r.pick("senderId", "sender_id"), message.sender_id);
  r.string(r.pick("recipientId", "recipient_id"), message.recipient_id);
  r.string("text", message.text);  // absent when not decrypted: empty text
  r.string("recipient_username", message.recipient_username);
  r.string(r.pick("conversationId", "conversation_id"), message.conversation_id);
  r.string(r.pick("reply_to_message_id", "replyToMessageId"), message.reply_to_message_id);
  r.integer(r.pick("edit_count", "editCount"), message.edit_count);
  if (r.error()) return *r.error();
  if (auto e = read_media(r, what, path, message.media)) return *e;
  auto e = for_each_object(
      r, object, "links", what, path,
      [&](Json const& link, Path const& at) {
        MessageLink l;
        Reader lr(link, what, at);
        lr.string("url", l.url);
        lr.string("expanded_url", l.expanded_url);
        if (lr.error()) return lr.error();
        message.links.push_back(std::move(l));
        return std::optional<Error>();
      },
      Elements::kSkipOthers);
  if (e) return *e;
  e = for_each_object(
      r, object, "reactions", what, path,
      [&](Json const& reaction, Path const& at) {
        MessageReaction m;
        Reader rr(reaction, what, at);
        rr.string(rr.pick("emoji", "reaction_key"), m.emoji);
        rr.string(rr.pick("senderId", "sender_id"), m.sender_id);
        if (rr.error()) return rr.error();
        message.reactions.push_back(std::move(m));
        return std::optional<Error>();
      },
      Elements::kSkipOthers);
  if (e) return *e;
  message.raw = std::move(object);
  return message;
}

// A DmUser from a `users` value or a participant (moved into `raw`). A
// `users` value may leave its id to the key it is filed under.
Result<DmUser> decode_dm_user_at(Json&& object, std::string_view what, Path const& path,
                                 std::string_view key_id = {}) {
  if (!object.is_object()) return bad(what, quoted(path) + " is not an object");
  DmUser user;
  Reader r(object, what, path);
  if (key_id.empty() || r.find("id") != nullptr) {
    r.id("id", user.id);
  } else {
    user.id.assign(key_id);
  }
  r.string(r.pick("screen_name", "userName"), user.screen_name);
  r.string("name", user.name);
  r.string(r.pick("profile_image_url", "profile_image_url_https"), user.profile_image_url);
  r.boolean("verified", user.verified);
  r.boolean("is_blue_verified", user.is_blue_verified);
  r.boolean("protected", user.is_protected);
  if (r.error()) return *r.error();
  user.raw = std::move(object);
  return user;
}

Result<Conversation> decode_conversation_at(Json&& object, std::string_view what,
                                            Path const& path) {
  if (!object.is_object()) return bad(what, quoted(path) + " is not an object");
  Conversation c;
  Reader r(object, what, path);
  r.id(r.pick("conversation_id", "conversationId"), c.id);
  r.string("type", c.type);
  r.boolean("unread", c.unread);
  r.epoch_ms(r.pick("sort_timestamp", "sortTimestamp"), c.sort_time);
  if (r.error()) return *r.error();
  auto e =
      for_each_object(r, object, "participants", what, path, [&](Json& element, Path const& at) {
        auto user = decode_dm_user_at(std::move(element), what, at);
        if (!user) return std::optional<Error>(std::move(user).error());
        c.participants.push_back(std::move(*user));
        return std::optional<Error>();
      });
  if (e) return *e;
  if (auto it = object.find("last_message"); it != object.end()) {
    if (!it->is_null()) {
      auto message = decode_message_at(std::move(*it), what, Path{&path, "last_message"});
      if (!message) return std::move(message).error();
      c.last_message = std::move(*message);
    }
    object.erase(it);
  }
  object.erase("participants");
  c.raw = std::move(object);
  return c;
}

Result<DmEvent> decode_event_at(Json&& object, std::string_view what, Path const& path) {
  DmEvent event;
  Reader r(object, what, path);
  r.string("type", event.type);
  r.string(r.pick("conversation_id", "conversationId"), event.conversation_id);
  r.timestamp(r.pick("createdAt", "created_at"), event.created_at);
  if (r.error()) return *r.error();
  event.raw = std::move(object);
  return event;
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

// `users`: documented as an object keyed by id; an array of users is accepted too.
std::optional<Error> read_users(Reader& r, Json& doc, std::string_view what, Path const& root,
                                MessagePage& page) {
  auto it = doc.find("users");
  if (it == doc.end()) return std::nullopt;
  if (it->is_array()) {
    auto e = for_each_object(r, doc, "users", what, root, [&](Json& element, Path const& at) {
      auto user = decode_dm_user_at(std::move(element), what, at);
      if (!user) return std::optional<Error>(std::move(user).error());
      std::string id = user->id;
      page.users.insert_or_assign(std::move(id), std::move(*user));
      return std::optional<Error>();
    });
    if (e) return e;
  } else if (it->is_object()) {
    for (auto& [key, value] : it->items()) {
      Path const at{&root, "users"};
      Path const entry{&at, key};
      auto user = decode_dm_user_at(std::move(value), what, entry, key);
      if (!user) return std::move(user).error();
      page.users.emplace(key, std::move(*user));
    }
  } else if (!it->is_null()) {
    r.fail("users", "an object");
    return r.error();
  }
  doc.erase(it);
  return std::nullopt;
}

// dm/list and dm/conversation: the same page, the latter about one thread.
Result<MessagePage> decode_dm_page(std::string_view body, std::string_view what,
                                   InboxTab requested_tab) {
  auto doc = parse_object(body, what);
  if (!doc) return std::move(doc).error();
  MessagePage page;
  page.tab = requested_tab;
  Path const root;
  Reader r(*doc, what, root);
  r.string(r.pick("userId", "user_id"), page.user_id);
  r.string(r.pick("conversation_id", "conversationId"), page.conversation_id);
  std::string tab;
  r.string("tab", tab);
  // A tab this SDK does not know yet is not worth failing the page over.
  if (auto parsed = parse_inbox_tab(tab)) page.tab = *parsed;
  if (auto e = read_page_fields(r, page.has_more, page.next_cursor)) return *e;

  if (Json* items = find_array(*doc, "messages")) page.items.reserve(items->size());
  auto e = for_each_object(r, *doc, "messages", what, root, [&](Json& element, Path const& at) {
    auto message = decode_message_at(std::move(element), what, at);
    if (!message) return std::optional<Error>(std::move(message).error());
    // A thread's messages may leave out the thread they are in.
    if (message->conversation_id.empty()) {
      message->conversation_id = page.conversation_id;
    }
    page.items.push_back(std::move(*message));
    return std::optional<Error>();
  });
  if (e) return *e;
  if (Json* items = find_array(*doc, "conversations")) page.conversations.reserve(items->size());
  e = for_each_object(r, *doc, "conversations", what, root, [&](Json& element, Path const& at) {
    auto c = decode_conversation_at(std::move(element), what, at);
    if (!c) return std::optional<Error>(std::move(c).error());
    page.conversations.push_back(std::move(*c));
    return std::optional<Error>();
  });
  if (e) return *e;
  e = for_each_object(r, *doc, "events", what, root, [&](Json& element, Path const& at) {
    auto event = decode_event_at(std::move(element), what, at);
    if (!event) return std::optional<Error>(std::move(event).error());
    page.events.push_back(std::move(*event));
    return std::optional<Error>();
  });
  if (e) return *e;
  if (auto users_error = read_users(r, *doc, what, root, page)) return *users_error;
  for (char const* key : {"messages", "conversations", "events"}) doc->erase(key);
  page.raw = std::move(*doc);
  return page;
}

}  // namespace

Result<User> decode_user(Json&& object) { return decode_user_at(std::move(object), "user", ""); }

Result<Message> decode_message(Json&& object) {
  return decode_message_at(std::move(object), "message", Path{});
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
  return decode_message_at(take_data(*doc), "dm/send", Path{nullptr, "data"});
}

Result<MessagePage> decode_message_page(std::string_view body, InboxTab requested_tab) {
  return decode_dm_page(body, "dm/list", requested_tab);
}

Result<MessagePage> decode_conversation_page(std::string_view body) {
  return decode_dm_page(body, "dm/conversation", InboxTab::kAll);
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

namespace {

// A twitter code as a number or a string of digits; nullopt outside int.
std::optional<int> as_error_code(Json const& value) {
  if (value.is_number_unsigned()) {
    auto const v = value.get<std::uint64_t>();
    if (v <= static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
      return static_cast<int>(v);
  } else if (value.is_number_integer()) {
    auto const v = value.get<std::int64_t>();
    if (v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max()) {
      return static_cast<int>(v);
    }
  } else if (value.is_string()) {
    auto const& s = value.get_ref<std::string const&>();
    if (!s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos) {
      return std::stoi(s);
    }
  }
  return std::nullopt;
}

// X's own error inside GetXAPI's message, as some 404s carry it:
// `HTTP 404: {"errors":[{"code":279,"message":"..."}]}`. The inner JSON may
// be cut short, so a plain scan for the first `"code":<digits>` backs up the parse.
std::optional<int> embedded_error_code(std::string_view message) {
  auto const open = message.find('{');
  auto const close = message.rfind('}');
  if (open == std::string_view::npos || message.size() > 8192) return std::nullopt;
  if (close != std::string_view::npos && close > open) {
    auto inner = parse_json(message.substr(open, close - open + 1));
    if (inner.is_object()) {
      auto errors = inner.find("errors");
      if (errors != inner.end() && errors->is_array() && !errors->empty() &&
          errors->front().is_object()) {
        auto code = errors->front().find("code");
        if (code != errors->front().end()) return as_error_code(*code);
      }
    }
  }
  auto const errors = message.find("\"errors\"", open);
  auto pos = errors == std::string_view::npos ? errors : message.find("\"code\"", errors);
  if (pos == std::string_view::npos) return std::nullopt;
  pos = message.find_first_not_of(" \t:", pos + 6);
  if (pos == std::string_view::npos) return std::nullopt;
  auto const end = message.find_first_not_of("0123456789", pos);
  auto const digits = message.substr(pos, end == std::string_view::npos ? end : end - pos);
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  return std::stoi(std::string(digits));
}

}  // namespace

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
    out.twitter_error_code = as_error_code(*it);
  }
  if (!out.twitter_error_code) out.twitter_error_code = embedded_error_code(out.message);
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
