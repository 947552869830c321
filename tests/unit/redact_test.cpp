// Secret masking: JSON fields by name, exact secrets anywhere in text.
#include "redact.hpp"

#include <gtest/gtest.h>

namespace getxapi::internal {
namespace {

using nlohmann::json;

TEST(IsSecretKey, KnownKeysAnyCase) {
  for (char const* key : {"auth_token", "password", "totp_secret", "ct0", "api_key",
                          "Authorization", "AUTH_TOKEN", "access_token", "apikey", "secret"}) {
    EXPECT_TRUE(is_secret_key(key)) << key;
  }
  for (char const* key : {"text", "id", "userName", "twid", "cursor", "next_cursor", "error"}) {
    EXPECT_FALSE(is_secret_key(key)) << key;
  }
}

TEST(MaskSecretFields, MasksNestedValuesOfAnyType) {
  json doc = {{"auth_token", "tok"},
              {"text", "hello"},
              {"data", {{"ct0", "c"}, {"password", 12345}, {"twid", "u=1"}}},
              {"list", json::array({{{"totp_secret", "JBSW"}}, {{"api_key", {{"x", 1}}}}})},
              {"nothing", {{"auth_token", nullptr}}}};
  mask_secret_fields(doc);
  EXPECT_EQ(doc["auth_token"], kMask);
  EXPECT_EQ(doc["text"], "hello");
  EXPECT_EQ(doc["data"]["ct0"], kMask);
  EXPECT_EQ(doc["data"]["password"], kMask);
  EXPECT_EQ(doc["data"]["twid"], "u=1");
  EXPECT_EQ(doc["list"][0]["totp_secret"], kMask);
  EXPECT_EQ(doc["list"][1]["api_key"], kMask);
  EXPECT_TRUE(doc["nothing"]["auth_token"].is_null());
}

TEST(MaskSecretFields, DeepNestingDoesNotOverflow) {
  json doc = json::object();
  json* node = &doc;
  for (int i = 0; i < 50'000; ++i) node = &((*node)["n"] = json::object());
  (*node)["auth_token"] = "tok";
  mask_secret_fields(doc);
  EXPECT_EQ((*node)["auth_token"], kMask);
  // Let the deep document go without recursing destructors blowing the stack.
  doc = nullptr;
}

TEST(Redactor, ScrubsEveryOccurrenceOfEverySecret) {
  Redactor r;
  r.add("SECRET_ONE");
  r.add("tok_SECRET_TWO");
  EXPECT_EQ(r.scrub("a SECRET_ONE b SECRET_ONESECRET_ONE c tok_SECRET_TWO"),
            "a *** b ****** c ***");
  EXPECT_EQ(r.scrub("nothing here"), "nothing here");
}

TEST(Redactor, IgnoresSecretsTooShortToTellApart) {
  Redactor r;
  r.add("");
  r.add("abc");
  EXPECT_EQ(r.scrub("abc abc"), "abc abc");
}

TEST(Redactor, SecretThatContainsTheMaskTerminates) {
  Redactor r;
  r.add("a***");
  r.add("****");
  auto out = r.scrub("a*** and ****");
  EXPECT_EQ(out.find("a***"), std::string::npos);
}

TEST(RedactorBody, JsonFieldsMaskedAndSecretsScrubbed) {
  Redactor r;
  r.add("tok_SECRET_TWO");
  auto out = r.body(R"({"auth_token":"anything","text":"echo tok_SECRET_TWO","count":5})");
  EXPECT_EQ(out.find("anything"), std::string::npos);
  EXPECT_EQ(out.find("tok_SECRET_TWO"), std::string::npos);
  EXPECT_NE(out.find("\"count\":5"), std::string::npos);
}

TEST(RedactorBody, NonJsonIsScrubbedAndFlattenedToOneLine) {
  Redactor r;
  r.add("tok_SECRET_TWO");
  auto out = r.body("<html>\nbad token tok_SECRET_TWO\r\n</html>");
  EXPECT_EQ(out.find("tok_SECRET_TWO"), std::string::npos);
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
}

TEST(RedactorBody, LongBodiesAreCut) {
  Redactor r;
  auto out = r.body(std::string(10'000, 'x'), 100);
  EXPECT_LT(out.size(), 140u);
  EXPECT_NE(out.find("10000 bytes"), std::string::npos);
}

TEST(RedactorBody, SecretWithJsonSpecialCharactersIsScrubbedFromEchoes) {
  // Passwords may contain quotes and backslashes; when a server echoes one
  // inside a JSON string, the re-serialised body escapes it.
  std::string const password = "pa\"ss\\word_SECRET";
  Redactor r;
  r.add(password);
  json echoed = {{"error", "wrong password " + password}};
  auto out = r.body(echoed.dump());
  EXPECT_EQ(out.find("ss\\\\word_SECRET"), std::string::npos) << out;
  EXPECT_EQ(out.find("word_SECRET"), std::string::npos) << out;
}

}  // namespace
}  // namespace getxapi::internal
