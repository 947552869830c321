// Response decoding against the fixtures and against every documented way a
// body can be wrong.
#include "decode.hpp"

#include "unit_support.hpp"

#include <gtest/gtest.h>

namespace getxapi::unit {
namespace {

using internal::decode_conversation_page;
using internal::decode_error_body;
using internal::decode_login;
using internal::decode_message_page;
using internal::decode_send_dm;
using internal::decode_user_info;
using internal::decode_user_page;
using nlohmann::json;

template <class T>
void expect_invalid_response(Result<T> const& result) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidResponse) << result.error();
  EXPECT_FALSE(result.error().message().empty());
}

TEST(DecodeUserInfo, Fixture) {
  auto user = decode_user_info(fixture("user_info.json"));
  ASSERT_TRUE(user.ok()) << user.error();
  EXPECT_EQ(user->id, "1700000000000000001");
  EXPECT_EQ(user->user_name, "ada_example");
  EXPECT_EQ(user->name, "Ada Example");
  EXPECT_EQ(user->location, "Lisbon");
  EXPECT_EQ(user->url, "https://example.org/");
  EXPECT_EQ(user->description, "Writes compilers for fun.");
  EXPECT_FALSE(user->is_protected);
  EXPECT_FALSE(user->is_verified);
  EXPECT_TRUE(user->is_blue_verified);
  EXPECT_EQ(user->followers_count, 1542);
  EXPECT_EQ(user->following_count, 311);
  ASSERT_TRUE(user->created_at.has_value());
  EXPECT_EQ(*user->created_at, utc(2019, 3, 14, 9, 26, 53));
  EXPECT_EQ(user->profile_picture, "https://pbs.twimg.com/profile_images/0/ada_400x400.jpg");
  EXPECT_EQ(user->cover_picture, "");  // null on the wire
  EXPECT_TRUE(user->can_dm);
  // Fields the SDK does not model stay reachable.
  EXPECT_EQ(user->raw.at("favouritesCount"), 9120);
  EXPECT_EQ(user->raw.at("statusesCount"), 2210);
  EXPECT_TRUE(user->raw.at("pinnedTweetIds").is_array());
  EXPECT_TRUE(user->raw.at("verifiedType").is_null());
}

TEST(DecodeUserInfo, BareUserObjectIsAccepted) {
  auto user = decode_user_info(R"({"id":"42","userName":"x"})");
  ASSERT_TRUE(user.ok()) << user.error();
  EXPECT_EQ(user->id, "42");
  EXPECT_EQ(user->user_name, "x");
}

TEST(DecodeUserInfo, MissingOptionalFieldsAreFine) {
  auto user = decode_user_info(R"({"status":"success","data":{"id":"42"}})");
  ASSERT_TRUE(user.ok()) << user.error();
  EXPECT_EQ(user->id, "42");
  EXPECT_EQ(user->user_name, "");
  EXPECT_FALSE(user->can_dm);
  EXPECT_EQ(user->followers_count, 0);
  EXPECT_FALSE(user->created_at.has_value());
}

TEST(DecodeUserInfo, NullOptionalFieldsAreFine) {
  auto user = decode_user_info(
      R"({"data":{"id":"42","name":null,"followers":null,"canDm":null,"createdAt":null}})");
  ASSERT_TRUE(user.ok()) << user.error();
  EXPECT_EQ(user->name, "");
  EXPECT_FALSE(user->created_at);
}

TEST(DecodeUserInfo, NewUnknownFieldsAreKept) {
  auto user = decode_user_info(
      R"({"data":{"id":"42","brandNewField":{"nested":[1,2]},"anotherOne":"x"},"extra":1})");
  ASSERT_TRUE(user.ok()) << user.error();
  EXPECT_EQ(user->raw.at("brandNewField").at("nested").at(1), 2);
  EXPECT_EQ(user->raw.at("anotherOne"), "x");
}

TEST(DecodeUserInfo, IdMustBePresentNonEmptyString) {
  expect_invalid_response(decode_user_info(R"({"data":{"userName":"x"}})"));
  expect_invalid_response(decode_user_info(R"({"data":{"id":null}})"));
  expect_invalid_response(decode_user_info(R"({"data":{"id":""}})"));
  expect_invalid_response(decode_user_info(R"({"data":{"id":42}})"));
  expect_invalid_response(decode_user_info(R"({"data":{"id":true}})"));
  expect_invalid_response(decode_user_info(R"({"data":{"id":["1"]}})"));
  expect_invalid_response(decode_user_info(R"({"status":"error","data":null})"));
}

TEST(DecodeUserInfo, WrongTypesAreInvalidResponse) {
  for (char const* body : {
           R"({"data":{"id":"1","userName":5}})",
           R"({"data":{"id":"1","name":{}}})",
           R"({"data":{"id":"1","followers":"1542"}})",
           R"({"data":{"id":"1","followers":1.5}})",
           R"({"data":{"id":"1","following":true}})",
           R"({"data":{"id":"1","canDm":"true"}})",
           R"({"data":{"id":"1","canDm":1}})",
           R"({"data":{"id":"1","protected":"no"}})",
           R"({"data":{"id":"1","isVerified":0}})",
           R"({"data":{"id":"1","isBlueVerified":[]}})",
           R"({"data":{"id":"1","createdAt":12345}})",
           R"({"data":{"id":"1","followers":18446744073709551615}})",
       }) {
    SCOPED_TRACE(body);
    expect_invalid_response(decode_user_info(body));
  }
}

TEST(DecodeUserInfo, WholeNumberFloatCountsAreAccepted) {
  auto user = decode_user_info(R"({"data":{"id":"1","followers":1542.0}})");
  ASSERT_TRUE(user.ok()) << user.error();
  EXPECT_EQ(user->followers_count, 1542);
}

TEST(DecodeUserInfo, UnparseableCreatedAtIsToleratedAndKeptRaw) {
  auto user = decode_user_info(R"({"data":{"id":"1","createdAt":"yesterday"}})");
  ASSERT_TRUE(user.ok()) << user.error();
  EXPECT_FALSE(user->created_at);
  EXPECT_EQ(user->raw.at("createdAt"), "yesterday");
}

TEST(DecodeBodies, NotJsonEmptyArrayOrScalarIsInvalidResponse) {
  for (char const* body : {"", "   ", "not json", "<html>502 Bad Gateway</html>", "[]",
                           "[{\"id\":\"1\"}]", "null", "42", "\"id\"", "{\"data\":", "{} {}"}) {
    SCOPED_TRACE(body);
    expect_invalid_response(decode_user_info(body));
    expect_invalid_response(decode_user_page(body, "followers"));
    expect_invalid_response(decode_send_dm(body));
    expect_invalid_response(decode_message_page(body));
    expect_invalid_response(decode_login(body));
  }
}

TEST(DecodeBodies, DeeplyNestedJsonIsRefusedNotCrashed) {
  std::string deep = "{\"data\":" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  expect_invalid_response(decode_user_info(deep));
  expect_invalid_response(decode_message_page(deep));
}

TEST(DecodeBodies, InvalidUtf8InsideJsonIsInvalidResponse) {
  expect_invalid_response(decode_user_info("{\"data\":{\"id\":\"1\",\"name\":\"\xC0\x80\"}}"));
}

TEST(DecodeUserPage, FollowersFixture) {
  auto page = decode_user_page(fixture("followers_page.json"), "followers");
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->user_name, "ada_example");
  EXPECT_TRUE(page->has_more);
  EXPECT_EQ(page->next_cursor, "DAABCgABGpage2");
  ASSERT_EQ(page->items.size(), 2u);
  auto const& grace = page->items[0];
  EXPECT_EQ(grace.id, "1700000000000000002");
  EXPECT_EQ(grace.user_name, "grace_h");
  EXPECT_EQ(grace.name, "Grace H");
  EXPECT_EQ(grace.followers_count, 820);
  EXPECT_EQ(grace.following_count, 90);
  EXPECT_TRUE(grace.can_dm);
  EXPECT_EQ(grace.cover_picture, "");
  ASSERT_TRUE(grace.created_at);
  EXPECT_EQ(*grace.created_at, utc(2025, 12, 2, 4, 25, 9));  // Twitter style
  EXPECT_EQ(grace.raw.at("tweets"), 4100);
  EXPECT_EQ(grace.raw.at("type"), "user");
  auto const& closed = page->items[1];
  EXPECT_EQ(closed.id, "1700000000000000003");
  EXPECT_FALSE(closed.can_dm);
  EXPECT_EQ(closed.location, "Nowhere");
  ASSERT_TRUE(closed.created_at);
  EXPECT_EQ(*closed.created_at, utc(2020, 1, 6, 18, 40, 40));
  // Page-level fields stay reachable; the items array is not duplicated.
  EXPECT_EQ(page->raw.at("user_count"), 2);
  EXPECT_FALSE(page->raw.contains("followers"));
}

TEST(DecodeUserPage, FollowingUsesItsOwnKey) {
  std::string body = fixture("followers_page.json");
  auto as_following = json::parse(body);
  as_following["following"] = as_following["followers"];
  as_following.erase("followers");
  auto page = decode_user_page(as_following.dump(), "following");
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->items.size(), 2u);
  // The followers key is not read for a following page.
  auto wrong = decode_user_page(body, "following");
  ASSERT_TRUE(wrong.ok()) << wrong.error();
  EXPECT_TRUE(wrong->items.empty());
}

TEST(DecodeUserPage, LastPageAndMissingFields) {
  auto last = decode_user_page(
      R"({"userName":"a","has_more":false,"next_cursor":null,"followers":[]})", "followers");
  ASSERT_TRUE(last.ok()) << last.error();
  EXPECT_FALSE(last->has_more);
  EXPECT_EQ(last->next_cursor, "");
  EXPECT_TRUE(last->items.empty());

  auto bare = decode_user_page("{}", "followers");
  ASSERT_TRUE(bare.ok()) << bare.error();
  EXPECT_FALSE(bare->has_more);
  EXPECT_TRUE(bare->items.empty());

  // has_more missing: a cursor means there is more.
  auto implied = decode_user_page(R"({"next_cursor":"c2","followers":[]})", "followers");
  ASSERT_TRUE(implied.ok());
  EXPECT_TRUE(implied->has_more);
  EXPECT_EQ(implied->next_cursor, "c2");

  // has_more false wins over a stray cursor: next_cursor is empty on the last page.
  auto stray =
      decode_user_page(R"({"has_more":false,"next_cursor":"c2","followers":[]})", "followers");
  ASSERT_TRUE(stray.ok());
  EXPECT_FALSE(stray->has_more);
  EXPECT_EQ(stray->next_cursor, "");
}

TEST(DecodeUserPage, WrongShapesAreInvalidResponse) {
  for (char const* body : {
           R"({"followers":{}})",
           R"({"followers":"none"})",
           R"({"followers":[{"userName":"no_id"}]})",
           R"({"followers":[{"id":"1"},{"id":2}]})",
           R"({"followers":[{"id":"1"}, 5]})",
           R"({"followers":[], "has_more":"yes"})",
           R"({"followers":[], "next_cursor":7})",
           R"({"followers":[], "userName":[]})",
       }) {
    SCOPED_TRACE(body);
    expect_invalid_response(decode_user_page(body, "followers"));
  }
}

TEST(DecodeUserPage, ErrorNamesTheBadElement) {
  auto page = decode_user_page(R"({"followers":[{"id":"1"},{"id":"2","canDm":"x"}]})", "followers");
  ASSERT_FALSE(page.ok());
  EXPECT_NE(page.error().message().find("followers[1].canDm"), std::string::npos)
      << page.error().message();
}

TEST(DecodeMessagePage, Fixture) {
  auto page = decode_message_page(fixture("dm_list_page.json"));
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->user_id, "1700000000000000001");
  EXPECT_TRUE(page->has_more);
  EXPECT_EQ(page->next_cursor, "DAABCgABGinbox2");
  ASSERT_EQ(page->items.size(), 2u);
  auto const& m = page->items[1];
  EXPECT_EQ(m.id, "2000000000000000101");
  EXPECT_EQ(m.sender_id, "1700000000000000001");
  EXPECT_EQ(m.recipient_id, "1700000000000000002");
  EXPECT_EQ(m.text, "Hi Grace, thanks for the follow!");
  ASSERT_TRUE(m.created_at);
  EXPECT_EQ(*m.created_at, utc(2026, 3, 2, 10, 11, 12, 345));
  EXPECT_FALSE(m.media);
  EXPECT_FALSE(m.recovered);
  ASSERT_TRUE(page->items[0].created_at);
  EXPECT_EQ(*page->items[0].created_at, utc(2026, 3, 2, 10, 15, 0, 1));
  EXPECT_EQ(page->raw.at("message_count"), 2);
  EXPECT_FALSE(page->raw.contains("messages"));
}

TEST(DecodeMessagePage, LastPageFixtureHasNoCursor) {
  auto page = decode_message_page(fixture("dm_list_last_page.json"));
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_FALSE(page->has_more);
  EXPECT_EQ(page->next_cursor, "");
  EXPECT_TRUE(page->items.empty());
  EXPECT_EQ(page->user_id, "1700000000000000001");
}

TEST(DecodeMessagePage, MediaAndUnknownFieldsAreKept) {
  auto page = decode_message_page(
      R"({"messages":[{"id":"9","media":{"type":"photo","url":"u"},"reactions":["+1"]}]})");
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->items.size(), 1u);
  ASSERT_TRUE(page->items[0].media);
  EXPECT_EQ(page->items[0].media->type, "photo");
  EXPECT_EQ(page->items[0].media->url, "u");
  // A reaction that is not an object is not modelled, but stays reachable.
  EXPECT_TRUE(page->items[0].reactions.empty());
  EXPECT_EQ(page->items[0].raw.at("reactions").at(0), "+1");
  EXPECT_EQ(page->items[0].text, "");
  EXPECT_FALSE(page->items[0].created_at);
}

TEST(DecodeMessagePage, WrongShapesAreInvalidResponse) {
  for (char const* body : {
           R"({"messages":{}})",
           R"({"messages":[{"text":"no id"}]})",
           R"({"messages":[{"id":""}]})",
           R"({"messages":[{"id":101}]})",
           R"({"messages":[{"id":"1","text":5}]})",
           R"({"messages":[{"id":"1","senderId":1700000000000000001}]})",
           R"({"messages":[{"id":"1","createdAt":1772445600}]})",
           R"({"messages":[], "has_more":1})",
           R"({"messages":[], "userId":17})",
           R"({"messages":[null]})",
       }) {
    SCOPED_TRACE(body);
    expect_invalid_response(decode_message_page(body));
  }
}

TEST(DecodeSendDm, Fixture) {
  auto m = decode_send_dm(fixture("dm_send.json"));
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->id, "2000000000000000101");
  EXPECT_EQ(m->recipient_username, "grace_h");
  EXPECT_EQ(m->recipient_id, "1700000000000000002");
  EXPECT_EQ(m->sender_id, "1700000000000000001");
  EXPECT_EQ(m->text, "Hi Grace, thanks for the follow!");
  ASSERT_TRUE(m->created_at);
  EXPECT_EQ(*m->created_at, utc(2026, 3, 2, 10, 11, 12, 345));
  EXPECT_FALSE(m->media);  // absent
}

TEST(DecodeSendDm, MissingOrBadIdIsInvalidResponse) {
  expect_invalid_response(decode_send_dm(R"({"status":"success","data":{"text":"hi"}})"));
  expect_invalid_response(decode_send_dm(R"({"status":"success","data":{"id":7}})"));
  expect_invalid_response(decode_send_dm(R"({"status":"success","msg":"ok"})"));
}

TEST(DecodeLogin, TopLevelFixture) {
  auto r = decode_login(fixture("login.json"));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->auth_token, "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(r->ct0, "fedcba9876543210fedcba9876543210");
  EXPECT_EQ(r->twid, "u=1700000000000000001");
}

TEST(DecodeLogin, TokensUnderData) {
  auto doc = json::parse(fixture("login.json"));
  json wrapped = {
      {"status", "success"},
      {"data", {{"auth_token", doc["auth_token"]}, {"ct0", doc["ct0"]}, {"twid", doc["twid"]}}}};
  auto r = decode_login(wrapped.dump());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->auth_token, "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(r->ct0, "fedcba9876543210fedcba9876543210");
  EXPECT_EQ(r->twid, "u=1700000000000000001");
}

TEST(DecodeLogin, NoTokenOrWrongTypeIsInvalidResponse) {
  expect_invalid_response(decode_login(R"({"status":"success"})"));
  expect_invalid_response(decode_login(R"({"auth_token":""})"));
  expect_invalid_response(decode_login(R"({"auth_token":12345})"));
  expect_invalid_response(decode_login(R"({"data":{"auth_token":null}})"));
  expect_invalid_response(decode_login(R"({"data":{"auth_token":"t","ct0":5}})"));
}

TEST(DecodeLogin, ErrorMessagesNeverContainTheTokens) {
  auto r = decode_login(R"({"auth_token":"SECRET_TOKEN_abc","ct0":["SECRET_CT0"]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().find("SECRET"), std::string::npos) << r.error().message();
}

TEST(DecodeErrorBody, EveryDocumentedField) {
  auto b = decode_error_body(
      R"({"error":"nope","twitter_error_code":349,"challenge":"locked","retry_after":2})");
  EXPECT_EQ(b.message, "nope");
  EXPECT_EQ(b.twitter_error_code, 349);
  EXPECT_EQ(b.challenge, "locked");
  ASSERT_TRUE(b.retry_after);
  EXPECT_EQ(*b.retry_after, seconds(2));
}

TEST(DecodeErrorBody, LenientForms) {
  EXPECT_EQ(decode_error_body(R"({"message":"m"})").message, "m");
  EXPECT_EQ(decode_error_body(R"({"msg":"m2"})").message, "m2");
  EXPECT_EQ(decode_error_body(R"({"twitter_error_code":"502"})").twitter_error_code, 502);
  EXPECT_EQ(decode_error_body(R"({"retry_after":"7"})").retry_after, seconds(7));
  EXPECT_EQ(decode_error_body(R"({"retry_after":1.2})").retry_after, seconds(2));  // rounded up
  EXPECT_FALSE(decode_error_body(R"({"retry_after":-3})").retry_after);
  EXPECT_FALSE(decode_error_body(R"({"retry_after":"soon"})").retry_after);
  EXPECT_FALSE(decode_error_body(R"({"twitter_error_code":"abc"})").twitter_error_code);
  EXPECT_FALSE(decode_error_body(R"({"challenge":5})").challenge);
}

TEST(DecodeErrorBody, NeverFailsOnGarbage) {
  for (char const* body : {"", "<html>", "[]", "null", "{\"error\":5}", "{\"error\":"}) {
    auto b = decode_error_body(body);
    EXPECT_EQ(b.message, "");
    EXPECT_FALSE(b.twitter_error_code);
    EXPECT_FALSE(b.challenge);
    EXPECT_FALSE(b.retry_after);
  }
}

// ---- Conversations (dm/list's current answer, dm/conversation) ----------

TEST(DecodeInbox, ListFixtureConversations) {
  auto page = decode_message_page(fixture("dm_list_inbox.json"));
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->user_id, "1700000000000000001");
  EXPECT_EQ(page->tab, InboxTab::kAll);
  EXPECT_TRUE(page->has_more);
  EXPECT_EQ(page->next_cursor, "GRwmgICAyPqv7q8bFoCAgKj8tK-vGyUAAA");
  ASSERT_EQ(page->conversations.size(), 2u);
  auto const& c = page->conversations[0];
  EXPECT_EQ(c.id, "1700000000000000001-1700000000000000002");
  EXPECT_EQ(c.type, "ONE_TO_ONE");
  EXPECT_FALSE(c.is_group());
  EXPECT_TRUE(c.unread);
  EXPECT_FALSE(page->conversations[1].unread);
  ASSERT_TRUE(c.sort_time);
  EXPECT_EQ(*c.sort_time, utc(2026, 3, 2, 10, 15, 0, 1));
  ASSERT_EQ(c.participants.size(), 2u);
  EXPECT_EQ(c.participants[1].id, "1700000000000000002");
  EXPECT_EQ(c.participants[1].screen_name, "grace_h");
  EXPECT_EQ(c.participants[1].name, "Grace H");
  auto others = c.others(page->user_id);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].screen_name, "grace_h");
  ASSERT_TRUE(c.last_message);
  EXPECT_EQ(c.last_message->id, "2000000000000000102");
  EXPECT_EQ(c.last_message->conversation_id, c.id);
  EXPECT_EQ(c.last_message->text, "Thanks! Happy to chat.");
  // Decoded parts leave the conversation's raw; the rest stays.
  EXPECT_FALSE(c.raw.contains("last_message"));
  EXPECT_FALSE(c.raw.contains("participants"));
  EXPECT_EQ(c.raw.at("sort_timestamp"), "1772446500001");
}

TEST(DecodeInbox, ListFixtureMessagesEventsUsers) {
  auto page = decode_message_page(fixture("dm_list_inbox.json"));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->items.size(), 3u);
  auto const& reply = page->items[0];
  EXPECT_EQ(reply.conversation_id, "1700000000000000001-1700000000000000002");
  EXPECT_EQ(reply.reply_to_message_id, "2000000000000000101");
  EXPECT_EQ(reply.edit_count, 0);
  EXPECT_FALSE(reply.media);
  EXPECT_TRUE(reply.links.empty());
  ASSERT_EQ(reply.reactions.size(), 1u);
  EXPECT_EQ(reply.reactions[0].emoji, "\xF0\x9F\x91\x8D");  // U+1F44D from a surrogate pair
  EXPECT_EQ(reply.reactions[0].sender_id, "1700000000000000001");
  EXPECT_TRUE(reply.raw.at("shared_tweet").is_null());

  auto const& edited = page->items[1];
  EXPECT_EQ(edited.edit_count, 1);
  EXPECT_EQ(edited.reply_to_message_id, "");  // null on the wire
  ASSERT_EQ(edited.links.size(), 1u);
  EXPECT_EQ(edited.links[0].url, "https://t.co/abc123");
  EXPECT_EQ(edited.links[0].expanded_url, "https://example.org/talk");

  auto const& photo = page->items[2];
  ASSERT_TRUE(photo.media);
  EXPECT_EQ(photo.media->type, "photo");
  EXPECT_EQ(photo.media->url, "https://pbs.twimg.com/dm_photo/0/meetup.jpg");
  EXPECT_EQ(photo.raw.at("media").at("type"), "photo");

  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].type, "message_request_accepted");
  EXPECT_EQ(page->events[0].conversation_id, "1700000000000000001-1700000000000000004");
  ASSERT_TRUE(page->events[0].created_at);
  EXPECT_EQ(*page->events[0].created_at, utc(2026, 2, 27, 9, 0, 0));

  ASSERT_EQ(page->users.size(), 3u);
  DmUser const* linus = page->user("1700000000000000004");
  ASSERT_NE(linus, nullptr);
  EXPECT_EQ(linus->screen_name, "linus_t");
  EXPECT_TRUE(linus->is_protected);
  EXPECT_EQ(linus->profile_image_url, "");  // null
  DmUser const* ada = page->user("1700000000000000001");
  ASSERT_NE(ada, nullptr);
  EXPECT_TRUE(ada->is_blue_verified);
  EXPECT_EQ(ada->profile_image_url, "https://pbs.twimg.com/profile_images/0/ada.jpg");
  EXPECT_EQ(ada->raw.at("verified"), false);
  EXPECT_EQ(page->user("42"), nullptr);

  // The page's raw keeps the counts, not the arrays decoded above.
  EXPECT_EQ(page->raw.at("conversation_count"), 2);
  EXPECT_EQ(page->raw.at("tab"), "all");
  for (char const* key : {"messages", "conversations", "events", "users"}) {
    EXPECT_FALSE(page->raw.contains(key)) << key;
  }
}

TEST(DecodeInbox, ConversationFixtureAndAMessageWithoutText) {
  auto page = decode_conversation_page(fixture("dm_conversation_page.json"));
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->user_id, "1700000000000000001");
  EXPECT_EQ(page->conversation_id, "1700000000000000001-1700000000000000002");
  EXPECT_FALSE(page->has_more);
  EXPECT_EQ(page->next_cursor, "");
  ASSERT_EQ(page->items.size(), 2u);
  auto const& undecrypted = page->items[1];
  EXPECT_EQ(undecrypted.id, "2000000000000000101");
  EXPECT_EQ(undecrypted.text, "");
  EXPECT_FALSE(undecrypted.raw.contains("text"));
  EXPECT_TRUE(page->events.empty());
  EXPECT_EQ(page->users.size(), 2u);
  EXPECT_TRUE(page->conversations.empty());
}

TEST(DecodeInbox, ThreadMessagesWithoutAConversationIdGetThePages) {
  auto page = decode_conversation_page(
      R"({"conversation_id":"5-6","messages":[{"id":"1"},{"id":"2","conversationId":"x"}]})");
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->items[0].conversation_id, "5-6");
  EXPECT_EQ(page->items[1].conversation_id, "x");
}

TEST(DecodeInbox, OldListShapeStillDecodes) {
  // What older deployments answer: messages only, no tab.
  auto page = decode_message_page(fixture("dm_list_page.json"), InboxTab::kRequests);
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_TRUE(page->conversations.empty());
  EXPECT_TRUE(page->events.empty());
  EXPECT_TRUE(page->users.empty());
  EXPECT_EQ(page->tab, InboxTab::kRequests);  // the tab asked for
  EXPECT_EQ(page->items[0].conversation_id, "");
}

TEST(DecodeInbox, TabFromTheAnswerWinsAndAnUnknownOneIsTolerated) {
  EXPECT_EQ(decode_message_page(R"({"tab":"hidden"})")->tab, InboxTab::kHidden);
  EXPECT_EQ(decode_message_page(R"({"tab":"spam"})", InboxTab::kRequests)->tab,
            InboxTab::kRequests);
  expect_invalid_response(decode_message_page(R"({"tab":3})"));
}

TEST(DecodeInbox, SnakeCaseSpellingsAreAccepted) {
  auto page = decode_message_page(
      R"({"user_id":"1","messages":[{"id":"9","sender_id":"1","recipient_id":"2",
          "conversation_id":"1-2","created_at":"2026-03-02T10:11:12.345Z"}]})");
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->user_id, "1");
  auto const& m = page->items.at(0);
  EXPECT_EQ(m.sender_id, "1");
  EXPECT_EQ(m.recipient_id, "2");
  EXPECT_EQ(m.conversation_id, "1-2");
  ASSERT_TRUE(m.created_at);
  EXPECT_EQ(*m.created_at, utc(2026, 3, 2, 10, 11, 12, 345));
  // The documented camelCase wins when both are sent.
  auto both = decode_message_page(R"({"messages":[{"id":"9","senderId":"a","sender_id":"b"}]})");
  ASSERT_TRUE(both.ok()) << both.error();
  EXPECT_EQ(both->items[0].sender_id, "a");
}

TEST(DecodeInbox, UsersAsAnArrayOrKeyedWithoutIds) {
  auto keyed = decode_message_page(R"({"users":{"7":{"screen_name":"seven"}}})");
  ASSERT_TRUE(keyed.ok()) << keyed.error();
  ASSERT_NE(keyed->user("7"), nullptr);
  EXPECT_EQ(keyed->user("7")->id, "7");
  auto listed = decode_message_page(R"({"users":[{"id":"8","screen_name":"eight"}]})");
  ASSERT_TRUE(listed.ok()) << listed.error();
  ASSERT_NE(listed->user("8"), nullptr);
  EXPECT_EQ(listed->user("8")->screen_name, "eight");
}

TEST(DecodeInbox, SortTimestampAsANumberOrOutOfRange) {
  auto page = decode_message_page(
      R"({"conversations":[{"conversation_id":"a","sort_timestamp":1772446500001},
                           {"conversation_id":"b","sort_timestamp":"99999999999999999999"},
                           {"conversation_id":"c","sort_timestamp":""}]})");
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_TRUE(page->conversations[0].sort_time);
  EXPECT_EQ(*page->conversations[0].sort_time, utc(2026, 3, 2, 10, 15, 0, 1));
  EXPECT_FALSE(page->conversations[1].sort_time);
  EXPECT_FALSE(page->conversations[2].sort_time);
}

TEST(DecodeInbox, UnknownFieldsAreKept) {
  auto page = decode_message_page(
      R"({"shiny":1,"conversations":[{"conversation_id":"a","muted":true,
          "participants":[{"id":"1","badge":"gold"}]}],
          "messages":[{"id":"m","card":{"kind":"poll"}}],"events":[{"type":"t","extra":[1]}]})");
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->raw.at("shiny"), 1);
  EXPECT_EQ(page->conversations[0].raw.at("muted"), true);
  EXPECT_EQ(page->conversations[0].participants[0].raw.at("badge"), "gold");
  EXPECT_EQ(page->items[0].raw.at("card").at("kind"), "poll");
  EXPECT_EQ(page->events[0].raw.at("extra").at(0), 1);
}

TEST(DecodeInbox, WrongShapesAreInvalidResponseNamingTheField) {
  struct Case {
    char const* body;
    char const* names;
  };
  for (
      auto const& c : std::vector<Case>{
          {R"({"conversations":[{"type":"ONE_TO_ONE"}]})", "conversations[0].conversation_id"},
          {R"({"conversations":[{"conversation_id":""}]})", "conversations[0].conversation_id"},
          {R"({"conversations":{}})", "conversations"},
          {R"({"conversations":[1]})", "conversations[0]"},
          {R"({"conversations":[{"conversation_id":"a","unread":"yes"}]})",
           "conversations[0].unread"},
          {R"({"conversations":[{"conversation_id":"a","sort_timestamp":true}]})",
           "conversations[0].sort_timestamp"},
          {R"({"conversations":[{"conversation_id":"a","participants":[{"name":"x"}]}]})",
           "conversations[0].participants[0].id"},
          {R"({"conversations":[{"conversation_id":"a","last_message":{"text":"x"}}]})",
           "conversations[0].last_message.id"},
          {R"({"conversations":[{"conversation_id":"a"},{"conversation_id":"b","last_message":5}]})",
           "conversations[1].last_message"},
          {R"({"messages":[{"id":"1","edit_count":"two"}]})", "messages[0].edit_count"},
          {R"({"messages":[{"id":"1","edit_count":4294967296}]})", "messages[0].edit_count"},
          {R"({"messages":[{"id":"1","media":"photo"}]})", "messages[0].media"},
          {R"({"messages":[{"id":"1","media":{"type":1}}]})", "messages[0].media.type"},
          {R"({"messages":[{"id":"1","links":{}}]})", "messages[0].links"},
          {R"({"messages":[{"id":"1","links":[{"url":3}]}]})", "messages[0].links[0].url"},
          {R"({"messages":[{"id":"1","conversationId":12}]})", "messages[0].conversationId"},
          {R"({"messages":[{"id":"1","sender_id":12}]})", "messages[0].sender_id"},
          {R"({"users":{"7":{"id":"7","verified":"no"}}})", "users.7.verified"},
          {R"({"users":{"7":[]}})", "users.7"},
          {R"({"users":"ada"})", "users"},
          {R"({"events":[{"type":5}]})", "events[0].type"},
      }) {
    SCOPED_TRACE(c.body);
    auto page = decode_message_page(c.body);
    expect_invalid_response(page);
    if (!page) {
      EXPECT_NE(page.error().message().find(c.names), std::string::npos) << page.error();
    }
  }
}

TEST(DecodeInbox, TruncatedAndHostileBodiesNeverCrash) {
  std::string const body = fixture("dm_list_inbox.json");
  for (std::size_t cut = 0; cut < body.size(); cut += 7) {
    auto page = decode_message_page(body.substr(0, cut));
    EXPECT_FALSE(page.ok());
  }
  std::string deep = R"({"conversations":[{"conversation_id":"a","last_message":)";
  for (int i = 0; i < 200; ++i) deep += "[";
  EXPECT_FALSE(decode_message_page(deep).ok());
}

TEST(DecodeErrorBody, EmbeddedXErrorCodeIsRead) {
  auto b = decode_error_body(
      R"({"error":"HTTP 404: {\"errors\":[{\"code\":279,\"message\":\"Conversation not found\"}]}"})");
  EXPECT_EQ(b.twitter_error_code, 279);
  // The documented field wins over an embedded code.
  EXPECT_EQ(decode_error_body(
                R"({"error":"HTTP 404: {\"errors\":[{\"code\":279}]}","twitter_error_code":34})")
                .twitter_error_code,
            34);
  // Cut short, as the design's `...` suggests it can be: the scan still finds it.
  EXPECT_EQ(decode_error_body(R"({"error":"HTTP 404: {\"errors\":[{\"code\": 279, \"mess"})")
                .twitter_error_code,
            279);
  for (char const* body :
       {R"({"error":"HTTP 404: {not json"})", R"({"error":"HTTP 404: {}"})",
        R"({"error":"{\"errors\":[{\"code\":\"x\"}]}"})",
        R"({"error":"{\"errors\":[{\"code\":99999999999}]}"})",
        R"({"error":"{\"errors\":[{\"code\":"})", R"({"error":"Could not find user {name}"})"}) {
    SCOPED_TRACE(body);
    EXPECT_FALSE(decode_error_body(body).twitter_error_code);
  }
}

}  // namespace
}  // namespace getxapi::unit
