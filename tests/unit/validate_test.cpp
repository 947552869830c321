// Every validation rule: checked on the internal functions directly, then
// through the Client, where a refused call must cost nothing (no request).
#include "validate.hpp"

#include "unit_support.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace getxapi::unit {
namespace {

using internal::check_api_key;
using internal::check_auth_token;
using internal::check_base_url;
using internal::check_conversation;
using internal::check_conversation_id;
using internal::check_count;
using internal::check_cursor;
using internal::check_list_dms;
using internal::check_login;
using internal::check_proxy;
using internal::check_recipient;
using internal::check_session_tokens;
using internal::check_tab;
using internal::check_text;
using internal::check_user_name;
using internal::mask_proxy;
using internal::proxy_credentials;
using internal::utf8_code_points;

std::string repeat(std::string const& unit, std::size_t n) {
  std::string out;
  out.reserve(unit.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

void expect_invalid(internal::Check const& check) {
  ASSERT_TRUE(check.has_value());
  EXPECT_EQ(check->code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(check->attempts(), 0);
  EXPECT_FALSE(check->message().empty());
}

TEST(Utf8CodePoints, CountsCodePointsNotBytes) {
  EXPECT_EQ(utf8_code_points(""), 0u);
  EXPECT_EQ(utf8_code_points("abc"), 3u);
  EXPECT_EQ(utf8_code_points("\xC3\xA9"), 1u);          // é
  EXPECT_EQ(utf8_code_points("\xE2\x82\xAC"), 1u);      // €
  EXPECT_EQ(utf8_code_points("\xF0\x9F\x98\x80"), 1u);  // 😀
  EXPECT_EQ(utf8_code_points("a\xC3\xA9\xF0\x9F\x98\x80"), 3u);
}

TEST(Utf8CodePoints, RejectsInvalidSequences) {
  EXPECT_FALSE(utf8_code_points("\xC0\x80"));              // overlong NUL
  EXPECT_FALSE(utf8_code_points("\xC1\xBF"));              // overlong 2-byte
  EXPECT_FALSE(utf8_code_points("\xE0\x80\xAF"));          // overlong 3-byte '/'
  EXPECT_FALSE(utf8_code_points("\xF0\x80\x80\xAF"));      // overlong 4-byte
  EXPECT_FALSE(utf8_code_points("\xED\xA0\x80"));          // U+D800 high surrogate
  EXPECT_FALSE(utf8_code_points("\xED\xBF\xBF"));          // U+DFFF low surrogate
  EXPECT_FALSE(utf8_code_points("\xF4\x90\x80\x80"));      // past U+10FFFF
  EXPECT_FALSE(utf8_code_points("\xC3"));                  // truncated 2-byte
  EXPECT_FALSE(utf8_code_points("\xE2\x82"));              // truncated 3-byte
  EXPECT_FALSE(utf8_code_points("\xF0\x9F\x98"));          // truncated 4-byte
  EXPECT_FALSE(utf8_code_points("\x80"));                  // lone continuation
  EXPECT_FALSE(utf8_code_points("\xC3\x28"));              // bad continuation
  EXPECT_FALSE(utf8_code_points("\xFF"));                  // never valid
  EXPECT_FALSE(utf8_code_points("\xF8\x88\x80\x80\x80"));  // 5-byte form
}

TEST(CheckApiKey, EmptyOrSpacedIsRefused) {
  expect_invalid(check_api_key(""));
  expect_invalid(check_api_key("key with space"));
  expect_invalid(check_api_key("key\n"));
  EXPECT_FALSE(check_api_key("gxk_abc123"));
}

TEST(CheckApiKey, MessageNeverEchoesTheKey) {
  auto e = check_api_key("gxk SECRET_KEY_value");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message().find("SECRET_KEY_value"), std::string::npos);
}

TEST(CheckBaseUrl, OnlyHttpAndHttps) {
  EXPECT_FALSE(check_base_url("https://api.getxapi.com"));
  EXPECT_FALSE(check_base_url("http://127.0.0.1:8080"));
  EXPECT_FALSE(check_base_url("HTTPS://API.GETXAPI.COM"));
  expect_invalid(check_base_url(""));
  expect_invalid(check_base_url("ftp://api.getxapi.com"));
  expect_invalid(check_base_url("api.getxapi.com"));
  expect_invalid(check_base_url("file:///etc/passwd"));
  expect_invalid(check_base_url("https://"));
  expect_invalid(check_base_url("https://api.getxapi.com/?x=1"));
  expect_invalid(check_base_url("https://api.getxapi.com/#frag"));
  expect_invalid(check_base_url("https://api getxapi.com"));
}

TEST(CheckUserName, AcceptsTheDocumentedPatternAndStripsAt) {
  std::string out;
  EXPECT_FALSE(check_user_name("ada_example", out, "user_name"));
  EXPECT_EQ(out, "ada_example");
  EXPECT_FALSE(check_user_name("@ada_example", out, "user_name"));
  EXPECT_EQ(out, "ada_example");
  EXPECT_FALSE(check_user_name("A", out, "user_name"));
  EXPECT_EQ(out, "A");
  EXPECT_FALSE(check_user_name("abcdefghijklmno", out, "user_name"));  // 15
  EXPECT_EQ(out, "abcdefghijklmno");
  EXPECT_FALSE(check_user_name("@_9", out, "user_name"));
  EXPECT_EQ(out, "_9");
}

TEST(CheckUserName, RefusesEverythingElse) {
  for (std::string bad : std::vector<std::string>{
           "", "@", "@@ada", "abcdefghijklmnop", "@abcdefghijklmnop", "ada example", "ada-example",
           "ada.example", "ada@example", "ada!", " ada", "ada ", "ada\n", "\xC3\xA9mile", "ada@",
           std::string("ada\0x", 5)}) {
    std::string out = "untouched";
    SCOPED_TRACE(bad);
    expect_invalid(check_user_name(bad, out, "user_name"));
    EXPECT_EQ(out, "untouched");
  }
}

TEST(CheckAuthToken, EmptyAndMalformedAreRefused) {
  expect_invalid(check_auth_token(""));
  expect_invalid(check_auth_token("tok en"));
  expect_invalid(check_auth_token("token\r\n"));
  expect_invalid(check_auth_token(std::string(4097, 'a')));
  EXPECT_FALSE(check_auth_token(std::string(4096, 'a')));
  EXPECT_FALSE(check_auth_token("0123456789abcdef"));
}

TEST(CheckAuthToken, MessageNeverEchoesTheToken) {
  auto e = check_auth_token("SECRET_TOKEN with space");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message().find("SECRET_TOKEN"), std::string::npos);
}

TEST(CheckText, EmptyAndBlankAreRefused) {
  expect_invalid(check_text(""));
  expect_invalid(check_text(" "));
  expect_invalid(check_text(" \t\r\n\v\f"));
  expect_invalid(check_text("\xC2\xA0"));                   // NO-BREAK SPACE
  expect_invalid(check_text("\xE3\x80\x80"));               // IDEOGRAPHIC SPACE
  expect_invalid(check_text("\xE2\x80\x83\xE2\x80\x89"));   // EM SPACE, THIN SPACE
  expect_invalid(check_text("\xE2\x80\xA8\xE2\x80\xA9"));   // LINE/PARAGRAPH SEPARATOR
  expect_invalid(check_text("\xE2\x80\x8B"));               // ZERO WIDTH SPACE
  expect_invalid(check_text("\xEF\xBB\xBF"));               // BOM
  expect_invalid(check_text("\xE1\x9A\x80 \xE2\x81\x9F"));  // OGHAM, MEDIUM MATH SPACE
}

TEST(CheckText, TextWithSpacesAroundIsFine) {
  EXPECT_FALSE(check_text("hi"));
  EXPECT_FALSE(check_text("  hi  "));
  EXPECT_FALSE(check_text("\xE3\x80\x80x"));
  EXPECT_FALSE(check_text("\xF0\x9F\x98\x80"));  // one emoji is not blank
}

TEST(CheckText, LimitIsTenThousandCodePointsNotBytes) {
  EXPECT_FALSE(check_text(repeat("a", 10'000)));
  expect_invalid(check_text(repeat("a", 10'001)));
  EXPECT_FALSE(check_text(repeat("\xC3\xA9", 10'000)));  // 20,000 bytes
  expect_invalid(check_text(repeat("\xC3\xA9", 10'001)));
  EXPECT_FALSE(check_text(repeat("\xE2\x82\xAC", 10'000)));      // 30,000 bytes
  EXPECT_FALSE(check_text(repeat("\xF0\x9F\x98\x80", 10'000)));  // 40,000 bytes
  expect_invalid(check_text(repeat("\xF0\x9F\x98\x80", 10'001)));
}

TEST(CheckText, InvalidUtf8IsRefused) {
  expect_invalid(check_text("hi \xC0\xAF"));          // overlong
  expect_invalid(check_text("hi \xED\xA0\x80"));      // surrogate
  expect_invalid(check_text("hi \xE2\x82"));          // truncated at end
  expect_invalid(check_text("\xF0\x9F\x98 there"));   // truncated mid-text
  expect_invalid(check_text("hi \xF4\x90\x80\x80"));  // past U+10FFFF
  expect_invalid(check_text("hi \xFE"));
}

TEST(CheckRecipient, IdsMustBeDigits) {
  std::string out;
  EXPECT_FALSE(check_recipient(Recipient::by_id("1700000000000000002"), out));
  EXPECT_EQ(out, "1700000000000000002");
  for (std::string bad : {"", "12a", "-1", "+1", " 1", "1 ", "1.0", "@123", "0x1F",
                          "123456789012345678901", "\xD9\xA1"}) {  // Arabic-Indic one
    SCOPED_TRACE(bad);
    expect_invalid(check_recipient(Recipient::by_id(bad), out));
  }
}

TEST(CheckRecipient, UserNamesFollowTheHandleRule) {
  std::string out;
  EXPECT_FALSE(check_recipient(Recipient::by_username("@grace_h"), out));
  EXPECT_EQ(out, "grace_h");
  expect_invalid(check_recipient(Recipient::by_username(""), out));
  expect_invalid(check_recipient(Recipient::by_username("grace h"), out));
  expect_invalid(check_recipient(Recipient::by_username("abcdefghijklmnop"), out));
}

TEST(CheckCount, OneToHundred) {
  EXPECT_FALSE(check_count(std::nullopt));
  EXPECT_FALSE(check_count(1));
  EXPECT_FALSE(check_count(50));
  EXPECT_FALSE(check_count(100));
  expect_invalid(check_count(0));
  expect_invalid(check_count(-1));
  expect_invalid(check_count(101));
  expect_invalid(check_count(1 << 30));
}

TEST(CheckCursor, ControlCharactersAndHugeCursorsAreRefused) {
  EXPECT_FALSE(check_cursor(""));
  EXPECT_FALSE(check_cursor("DAABCgABGpage2+/="));
  expect_invalid(check_cursor("abc\n"));
  expect_invalid(check_cursor(std::string("a\0b", 3)));
  expect_invalid(check_cursor(std::string(4097, 'c')));
}

LoginRequest good_login() { return LoginRequest{"@ada_example", kPassword, "ada@example.org", {}}; }

TEST(CheckTab, OnlyTheThreeTabs) {
  EXPECT_FALSE(check_tab(InboxTab::kAll));
  EXPECT_FALSE(check_tab(InboxTab::kRequests));
  EXPECT_FALSE(check_tab(InboxTab::kHidden));
  expect_invalid(check_tab(static_cast<InboxTab>(3)));
  expect_invalid(check_tab(static_cast<InboxTab>(-1)));
}

TEST(CheckSessionTokens, BothOrNeither) {
  EXPECT_FALSE(check_session_tokens("", ""));
  EXPECT_FALSE(check_session_tokens("ct0value", "u=17"));
  expect_invalid(check_session_tokens("ct0value", ""));
  expect_invalid(check_session_tokens("", "u=17"));
  expect_invalid(check_session_tokens("ct0 value", "u=17"));
  expect_invalid(check_session_tokens("ct0value", "u=17\n"));
  expect_invalid(check_session_tokens(repeat("a", 4097), "u=17"));
  // The refusal never repeats the secret.
  auto e = check_session_tokens("SECRETCT0VALUE", "");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message().find("SECRETCT0VALUE"), std::string::npos) << e->message();
}

TEST(CheckProxy, TheFourDocumentedSchemes) {
  for (char const* ok : {"", "http://10.0.0.7:8080", "https://proxy.example", "socks5://h:1080",
                         "SOCKS4://h", "socks5://user:pa%40ss@h:1080", "http://[::1]:3128/"}) {
    EXPECT_FALSE(check_proxy(ok)) << ok;
  }
  for (char const* bad : {"ftp://h", "socks5h://h:1080", "10.0.0.7:8080", "http://", "http:///path",
                          "socks5://user:pass@", "socks5://user:pass@:1080", "http://h :80",
                          "http://h\n", "javascript:alert(1)", "http:/h"}) {
    SCOPED_TRACE(bad);
    expect_invalid(check_proxy(bad));
  }
  expect_invalid(check_proxy("http://" + repeat("a", 2100)));
  auto e = check_proxy("ftp://user:SECRETPASS@h");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message().find("SECRETPASS"), std::string::npos) << e->message();
}

TEST(ProxyCredentials, FoundAndMasked) {
  EXPECT_EQ(proxy_credentials("socks5://user:pass@h:1080"), "user:pass");
  EXPECT_EQ(proxy_credentials("http://h:8080"), "");
  EXPECT_EQ(proxy_credentials("http://h/p@th"), "");
  EXPECT_EQ(proxy_credentials("http://a@b:c@h"), "a@b:c");
  EXPECT_EQ(mask_proxy("socks5://user:pass@h:1080"), "socks5://***@h:1080");
  EXPECT_EQ(mask_proxy("http://h:8080"), "http://h:8080");
}

TEST(CheckConversationId, NonEmptyPrintable) {
  EXPECT_FALSE(check_conversation_id("1700000000000000001-1700000000000000002"));
  EXPECT_FALSE(check_conversation_id("g1234567890"));
  expect_invalid(check_conversation_id(""));
  expect_invalid(check_conversation_id("1-2 3"));
  expect_invalid(check_conversation_id("1-2\r\n"));
  expect_invalid(check_conversation_id(repeat("1", 513)));
}

TEST(CheckRequests, ListDmsAndConversationCheckEveryField) {
  ListDmsRequest list{"tok", {}, {}};
  EXPECT_FALSE(check_list_dms(list));
  list.twid = "u=1";
  expect_invalid(check_list_dms(list));
  list.ct0 = "c";
  EXPECT_FALSE(check_list_dms(list));
  list.proxy = "gopher://h";
  expect_invalid(check_list_dms(list));
  ConversationRequest thread{"tok", "1-2"};
  EXPECT_FALSE(check_conversation(thread));
  thread.count = 0;
  expect_invalid(check_conversation(thread));
  thread.count = 5;
  thread.proxy = "nope";
  expect_invalid(check_conversation(thread));
  expect_invalid(check_conversation(ConversationRequest{"", "1-2"}));
  expect_invalid(check_conversation(ConversationRequest{"tok", ""}));
}

TEST(CheckLogin, NormalisesUserNameAndTotpSecret) {
  LoginRequest out;
  auto request = good_login();
  request.totp_secret = "jbsw y3dp-ehpk 3pxp";
  ASSERT_FALSE(check_login(request, out));
  EXPECT_EQ(out.username, "ada_example");
  EXPECT_EQ(out.password, kPassword);
  EXPECT_EQ(out.email, "ada@example.org");
  EXPECT_EQ(out.totp_secret, "JBSWY3DPEHPK3PXP");
}

TEST(CheckLogin, EmailAndTotpAreOptional) {
  LoginRequest out;
  ASSERT_FALSE(check_login(LoginRequest{"ada_example", kPassword, "", ""}, out));
  EXPECT_TRUE(out.email.empty());
  EXPECT_TRUE(out.totp_secret.empty());
}

TEST(CheckLogin, RefusesBadFieldsWithoutEchoingSecrets) {
  LoginRequest out;
  auto with = [](std::function<void(LoginRequest&)> edit) {
    auto r = good_login();
    edit(r);
    return r;
  };
  std::vector<LoginRequest> bad = {
      with([](auto& r) { r.username = ""; }),
      with([](auto& r) { r.username = "not a handle"; }),
      with([](auto& r) { r.password = ""; }),
      with([](auto& r) { r.password = std::string(1025, 'p'); }),
      with([](auto& r) { r.email = "no-at-sign"; }),
      with([](auto& r) { r.email = "@example.org"; }),
      with([](auto& r) { r.email = "ada@"; }),
      with([](auto& r) { r.totp_secret = "SECRET01"; }),  // 0 and 1 are not base32
      with([](auto& r) { r.totp_secret = "SECRET89"; }),  // nor 8, 9
      with([](auto& r) { r.totp_secret = "SECRET!!"; }),
      with([](auto& r) { r.totp_secret = "SECR\xC3\x89T"; }),
  };
  for (auto const& request : bad) {
    SCOPED_TRACE(request);
    auto e = check_login(request, out);
    expect_invalid(e);
    if (e) {
      EXPECT_EQ(e->message().find(kPassword), std::string::npos);
      if (!request.totp_secret.empty()) {
        EXPECT_EQ(e->message().find(request.totp_secret), std::string::npos);
      }
    }
  }
}

// ---- Through the Client: refused with kInvalidArgument, nothing sent. ------

class ClientValidation : public ::testing::Test {
 protected:
  template <class T>
  void expect_refused(Result<T> const& result) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument) << result.error();
    EXPECT_EQ(result.error().attempts(), 0);
    EXPECT_EQ(result.error().http_status(), 0);
    EXPECT_FALSE(result.error().request_sent());
    EXPECT_EQ(h.transport->request_count(), 0u);
  }
  SendDmRequest dm(std::string text = "hello") {
    return SendDmRequest{kAuthToken, Recipient::by_id("1700000000000000002"), std::move(text)};
  }
  Harness h;
};

TEST_F(ClientValidation, EmptyApiKeyRefusesEveryCall) {
  auto options = h.options();
  options.api_key.clear();
  Client client(options);
  expect_refused(client.user_info("ada_example"));
  expect_refused(client.followers("ada_example"));
  expect_refused(client.following("ada_example"));
  expect_refused(client.send_dm(dm()));
  expect_refused(client.list_dms(ListDmsRequest{kAuthToken, {}, {}}));
  expect_refused(client.login(good_login()));
  int yielded = 0;
  for (auto const& user : client.all_followers("ada_example")) {
    ++yielded;
    ASSERT_FALSE(user.ok());
    EXPECT_EQ(user.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(yielded, 1);
  yielded = 0;
  for (auto const& message : client.all_dms(kAuthToken)) {
    ++yielded;
    ASSERT_FALSE(message.ok());
    EXPECT_EQ(message.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(yielded, 1);
  EXPECT_EQ(h.transport->request_count(), 0u);
  auto const total = client.stats().total();
  EXPECT_EQ(total.requests, 0);
  EXPECT_EQ(total.spend_micro_usd, 0);
  EXPECT_GE(total.refused, 6);
}

TEST_F(ClientValidation, BaseUrlMustBeHttpOrHttps) {
  for (std::string url : {"ftp://api.getxapi.com", "api.getxapi.com", "", "ws://x.y"}) {
    SCOPED_TRACE(url);
    auto options = h.options();
    options.base_url = url;
    Client client(options);
    expect_refused(client.user_info("ada_example"));
    expect_refused(client.send_dm(dm()));
  }
}

TEST_F(ClientValidation, SendDmText) {
  auto client = h.client();
  expect_refused(client.send_dm(dm("")));
  expect_refused(client.send_dm(dm("   \t\n")));
  expect_refused(client.send_dm(dm("\xE3\x80\x80\xC2\xA0\xE2\x80\x8B")));
  expect_refused(client.send_dm(dm(repeat("x", 10'001))));
  expect_refused(client.send_dm(dm(repeat("\xE2\x82\xAC", 10'001))));
  expect_refused(client.send_dm(dm("bad \xC0\x80 overlong")));
  expect_refused(client.send_dm(dm("bad \xED\xB0\x80 surrogate")));
  expect_refused(client.send_dm(dm("bad truncated \xF0\x9F")));
}

TEST_F(ClientValidation, SendDmTextOfTenThousandMultiByteCodePointsIsSent) {
  h.transport->then(200, fixture("dm_send.json"));
  auto client = h.client();
  auto const text = repeat("\xF0\x9F\x98\x80", 10'000);
  auto sent = client.send_dm(dm(text));
  ASSERT_TRUE(sent.ok()) << sent.error();
  ASSERT_EQ(h.transport->request_count(), 1u);
  EXPECT_EQ(body_json(h.request(0))["text"], text);
}

TEST_F(ClientValidation, SendDmRecipientAndToken) {
  auto client = h.client();
  for (std::string bad : {"", "12a", "1 2", "-5", "123456789012345678901"}) {
    SCOPED_TRACE(bad);
    expect_refused(client.send_dm(SendDmRequest{kAuthToken, Recipient::by_id(bad), "hi"}));
  }
  for (std::string bad : {"", "@", "grace h", "grace-h", "abcdefghijklmnop", "@@grace"}) {
    SCOPED_TRACE(bad);
    expect_refused(client.send_dm(SendDmRequest{kAuthToken, Recipient::by_username(bad), "hi"}));
  }
  expect_refused(client.send_dm(SendDmRequest{"", Recipient::by_id("1"), "hi"}));
  expect_refused(client.send_dm(SendDmRequest{"tok en", Recipient::by_id("1"), "hi"}));
}

TEST_F(ClientValidation, UserNames) {
  auto client = h.client();
  for (std::string bad : {"", "@", "ada example", "abcdefghijklmnop", "ada/../x", "ada?x=1",
                          "ada&cursor=1", "\xC3\xA9mile"}) {
    SCOPED_TRACE(bad);
    expect_refused(client.user_info(bad));
    expect_refused(client.followers(bad));
    expect_refused(client.following(bad));
    auto range = client.all_following(bad);
    auto it = range.begin();
    ASSERT_NE(it, range.end());
    EXPECT_EQ(it->error().code(), ErrorCode::kInvalidArgument);
    ++it;
    EXPECT_EQ(it, range.end());
  }
  EXPECT_EQ(h.transport->request_count(), 0u);
}

TEST_F(ClientValidation, ListDms) {
  auto client = h.client();
  expect_refused(client.list_dms(ListDmsRequest{"", {}, {}}));
  expect_refused(client.list_dms(ListDmsRequest{kAuthToken, {}, 0}));
  expect_refused(client.list_dms(ListDmsRequest{kAuthToken, {}, 101}));
  expect_refused(client.list_dms(ListDmsRequest{kAuthToken, {}, -3}));
  expect_refused(client.list_dms(ListDmsRequest{kAuthToken, "bad\ncursor", {}}));
  RangeOptions options;
  options.page_size = 0;
  auto range = client.all_dms(kAuthToken, options);
  auto it = range.begin();
  ASSERT_NE(it, range.end());
  EXPECT_EQ(it->error().code(), ErrorCode::kInvalidArgument);
  auto empty_token = client.all_dms("");
  ASSERT_NE(empty_token.begin(), empty_token.end());
  EXPECT_EQ(empty_token.begin()->error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(h.transport->request_count(), 0u);
}

TEST_F(ClientValidation, LoginWithBadTotpSecret) {
  auto client = h.client();
  auto request = good_login();
  request.totp_secret = "not-base32-0189!";
  auto result = client.login(request);
  expect_refused(result);
  EXPECT_EQ(result.error().message().find("not-base32"), std::string::npos);
  request = good_login();
  request.password.clear();
  expect_refused(client.login(request));
  request = good_login();
  request.username = "bad name";
  expect_refused(client.login(request));
}

TEST_F(ClientValidation, RefusedCallsAreCountedButNotBilled) {
  auto client = h.client();
  (void)client.send_dm(dm(""));
  (void)client.user_info("");
  auto stats = client.stats();
  EXPECT_EQ(stats.at(Endpoint::kDmSend).calls, 1);
  EXPECT_EQ(stats.at(Endpoint::kDmSend).refused, 1);
  EXPECT_EQ(stats.at(Endpoint::kDmSend).errors, 1);
  EXPECT_EQ(stats.at(Endpoint::kDmSend).requests, 0);
  EXPECT_EQ(stats.at(Endpoint::kUserInfo).refused, 1);
  EXPECT_EQ(stats.total().billed_calls, 0);
  EXPECT_EQ(stats.total().spend_micro_usd, 0);
}

TEST_F(ClientValidation, BadTimeoutsAndSpendLimitAreRefused) {
  auto options = h.options();
  options.timeout = milliseconds(0);
  expect_refused(Client(options).user_info("ada_example"));
  options = h.options();
  options.spend_limit_usd = -1.0;
  expect_refused(Client(options).user_info("ada_example"));
}

}  // namespace
}  // namespace getxapi::unit
