// Response decoding against the fixtures and against every documented way a
// body can be wrong.
#include "decode.hpp"

#include "unit_support.hpp"

#include <gtest/gtest.h>

namespace getxapi::unit {
namespace {

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
  EXPECT_TRUE(m.media.is_null());
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
  EXPECT_EQ(page->items[0].media.at("type"), "photo");
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
  EXPECT_TRUE(m->media.is_null());  // absent
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

}  // namespace
}  // namespace getxapi::unit
