// Request encoding: URLs with escaped queries, and JSON bodies with exactly
// the documented keys.
#include "encode.hpp"

#include "unit_support.hpp"

#include <gtest/gtest.h>

namespace getxapi::unit {
namespace {

using internal::build_url;
using internal::encode_list_dms;
using internal::encode_login;
using internal::encode_send_dm;
using nlohmann::json;

TEST(BuildUrl, JoinsBaseAndPath) {
  EXPECT_EQ(build_url("https://api.getxapi.com", "/twitter/dm/send", {}),
            "https://api.getxapi.com/twitter/dm/send");
  EXPECT_EQ(build_url("https://api.getxapi.com///", "/twitter/dm/send", {}),
            "https://api.getxapi.com/twitter/dm/send");
  EXPECT_EQ(build_url("http://127.0.0.1:8080/prefix", "/twitter/user/info", {}),
            "http://127.0.0.1:8080/prefix/twitter/user/info");
}

TEST(BuildUrl, EscapesKeysAndValues) {
  EXPECT_EQ(build_url("https://a.b", "/p", {{"userName", "ada_example"}}),
            "https://a.b/p?userName=ada_example");
  EXPECT_EQ(build_url("https://a.b", "/p", {{"userName", "ada"}, {"cursor", "DAAB+/=&x y%"}}),
            "https://a.b/p?userName=ada&cursor=DAAB%2B%2F%3D%26x%20y%25");
  EXPECT_EQ(build_url("https://a.b", "/p", {{"cursor", "\xC3\xA9?#"}}),
            "https://a.b/p?cursor=%C3%A9%3F%23");
  EXPECT_EQ(build_url("https://a.b", "/p", {{"k", ""}}), "https://a.b/p?k=");
  EXPECT_EQ(build_url("https://a.b", "/p", {{"a b", "-._~"}}), "https://a.b/p?a%20b=-._~");
}

TEST(EncodeLogin, RequiredFieldsOnly) {
  auto body = json::parse(encode_login(LoginRequest{"ada_example", "pw", "", ""}));
  EXPECT_EQ(body, (json{{"username", "ada_example"}, {"password", "pw"}}));
}

TEST(EncodeLogin, EmailAndTotpWhenSet) {
  auto body = json::parse(encode_login(LoginRequest{"ada", "p\"w\\", "ada@x.org", "JBSWY3DP"}));
  EXPECT_EQ(body, (json{{"username", "ada"},
                        {"password", "p\"w\\"},
                        {"email", "ada@x.org"},
                        {"totp_secret", "JBSWY3DP"}}));
  auto email_only = json::parse(encode_login(LoginRequest{"ada", "pw", "ada@x.org", ""}));
  EXPECT_FALSE(email_only.contains("totp_secret"));
  EXPECT_EQ(email_only.size(), 3u);
  auto totp_only = json::parse(encode_login(LoginRequest{"ada", "pw", "", "JBSWY3DP"}));
  EXPECT_FALSE(totp_only.contains("email"));
  EXPECT_EQ(totp_only.size(), 3u);
}

TEST(EncodeSendDm, ExactlyOneRecipientKey) {
  auto by_id = json::parse(encode_send_dm("tok", Recipient::by_id("17"), "17", "hi"));
  EXPECT_EQ(by_id, (json{{"auth_token", "tok"}, {"recipient_id", "17"}, {"text", "hi"}}));
  auto by_name =
      json::parse(encode_send_dm("tok", Recipient::by_username("@grace_h"), "grace_h", "hi"));
  EXPECT_EQ(by_name,
            (json{{"auth_token", "tok"}, {"recipient_username", "grace_h"}, {"text", "hi"}}));
}

TEST(EncodeSendDm, TextIsCarriedVerbatim) {
  std::string const text = "line1\nline2 \"quoted\" \\ \xF0\x9F\x98\x80 </script>";
  auto body = json::parse(encode_send_dm("tok", Recipient::by_id("1"), "1", text));
  EXPECT_EQ(body.at("text").get<std::string>(), text);
}

TEST(EncodeListDms, OptionalFieldsOnlyWhenSet) {
  EXPECT_EQ(json::parse(encode_list_dms("tok", "", std::nullopt)), (json{{"auth_token", "tok"}}));
  EXPECT_EQ(json::parse(encode_list_dms("tok", "c2", std::nullopt)),
            (json{{"auth_token", "tok"}, {"cursor", "c2"}}));
  EXPECT_EQ(json::parse(encode_list_dms("tok", "", 20)),
            (json{{"auth_token", "tok"}, {"count", 20}}));
  auto both = json::parse(encode_list_dms("tok", "c2", 100));
  EXPECT_EQ(both, (json{{"auth_token", "tok"}, {"cursor", "c2"}, {"count", 100}}));
  EXPECT_TRUE(both.at("count").is_number_integer());
}

TEST(EncodeListDms, RequestWithTabTokensAndProxy) {
  ListDmsRequest request{"tok", "c3", 25};
  EXPECT_EQ(json::parse(encode_list_dms(request, "")),
            (json{{"auth_token", "tok"}, {"cursor", "c3"}, {"count", 25}}));
  // The default tab is left out, so older deployments see the body they know.
  request.tab = InboxTab::kRequests;
  request.ct0 = "ct0value";
  request.twid = "u=17";
  EXPECT_EQ(json::parse(encode_list_dms(request, "socks5://u:p@10.0.0.7:1080")),
            (json{{"auth_token", "tok"},
                  {"tab", "requests"},
                  {"cursor", "c3"},
                  {"count", 25},
                  {"ct0", "ct0value"},
                  {"twid", "u=17"},
                  {"proxy", "socks5://u:p@10.0.0.7:1080"}}));
  request.tab = InboxTab::kHidden;
  EXPECT_EQ(json::parse(encode_list_dms(request, "")).at("tab"), "hidden");
}

TEST(EncodeConversation, RequiredAndOptionalFields) {
  using internal::encode_conversation;
  ConversationRequest request{"tok", "1-2"};
  EXPECT_EQ(json::parse(encode_conversation(request, "")),
            (json{{"auth_token", "tok"}, {"conversation_id", "1-2"}}));
  request.cursor = "older";
  request.count = 10;
  EXPECT_EQ(json::parse(encode_conversation(request, "http://proxy:8080")),
            (json{{"auth_token", "tok"},
                  {"conversation_id", "1-2"},
                  {"cursor", "older"},
                  {"count", 10},
                  {"proxy", "http://proxy:8080"}}));
}

}  // namespace
}  // namespace getxapi::unit
