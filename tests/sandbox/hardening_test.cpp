// Regression tests for the sandbox's own hostile-input fixes: text length in code points,
// secrets masked in any request text, deep nesting, a taken port, a bodyless reset.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness.hpp"

namespace getxapi::sandbox::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string repeat(std::string const& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// One HTTP/1.1 exchange written byte for byte, as curl would send it.
std::string raw_http(int port, std::string const& request) {
  int const fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect");
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

TEST_F(SandboxTest, TextLengthCountsCodePointsNotBytes) {
  // 6,000 "é" are 12,000 UTF-8 bytes but 6,000 characters.
  auto six_thousand = send_dm(fixed::kAdaToken, "grace_h", repeat("\xc3\xa9", 6000));
  EXPECT_EQ(six_thousand.status, 200) << six_thousand.raw.substr(0, 200);
  EXPECT_EQ(send_dm(fixed::kAdaToken, "grace_h", repeat("\xc3\xa9", 10000)).status, 200);
  // 4-byte code points (emoji) count once each too.
  EXPECT_EQ(send_dm(fixed::kAdaToken, "grace_h", repeat("\xf0\x9f\x9a\x80", 10000)).status, 200);
  auto too_long = send_dm(fixed::kAdaToken, "grace_h", repeat("\xc3\xa9", 10001));
  EXPECT_EQ(too_long.status, 400);
  EXPECT_THAT(too_long.body["error"].get<std::string>(), HasSubstr("10000 characters"));
  EXPECT_EQ(send_dm(fixed::kAdaToken, "grace_h", repeat("a", 10001)).status, 400);
  // /_sandbox/inbound applies the same limit.
  EXPECT_EQ(
      admin_post("/_sandbox/inbound",
                 {{"from", "grace_h"}, {"to", "ada_example"}, {"text", repeat("\xc3\xa9", 6000)}})
          .status,
      201);
}

TEST_F(SandboxTest, RequestLogMasksSecretsInTruncatedAndBrokenBodies) {
  std::vector<std::string> const bodies = {
      // Cut off inside the secret value: no closing quote.
      R"({"username":"ada_example","password":"hunter2-secret-1)",
      // Cut off right after the key's colon and a space.
      R"({"auth_token": "hunter2-secret-2)",
      // Duplicate keys, trailing garbage, a non-string secret.
      R"({"ct0":"hunter2-secret-3","ct0":"hunter2-secret-4",,,)",
      R"({"totp_secret":123456789,"Api_Key":"hunter2-secret-5" ]])",
      // A JSON body inside a JSON string.
      R"({"payload":"{\"password\":\"hunter2-secret-6\"}")",
      // Form-encoded.
      "username=ada&password=hunter2-secret-7&token=hunter2-secret-8",
  };
  for (auto const& b : bodies) {
    EXPECT_EQ(post_raw("/twitter/user_login", b, "application/json").status, 400) << b;
  }
  // A broken JSON body with the secret past the 4 KiB cut.
  std::string const long_body =
      R"({"text":")" + repeat("x", 5000) + R"(","password":"hunter2-secret-9)";
  post_raw("/twitter/dm/send", long_body, "application/json");
  auto log = admin_get("/_sandbox/requests");
  ASSERT_EQ(log.status, 200);
  EXPECT_THAT(log.raw, Not(HasSubstr("hunter2-secret")));
  EXPECT_THAT(log.raw, HasSubstr("ada_example")) << "only the secrets are masked";
  EXPECT_THAT(log.raw, HasSubstr("***"));
}

TEST_F(SandboxTest, DeeplyNestedBodiesAreRefusedNotACrash) {
  // 800 KB of "[" (unbalanced) and 800 KB of balanced "[[...]]": parsing, masking, copying or
  // printing either by recursion would overflow the stack.
  std::string const open_only = repeat("[", 800 * 1024);
  std::string const balanced = repeat("[", 400 * 1024) + repeat("]", 400 * 1024);
  std::string const object = repeat("{\"a\":", 100 * 1024) + "1" + repeat("}", 100 * 1024);
  for (auto const* body : {&open_only, &balanced, &object}) {
    EXPECT_EQ(post_raw("/twitter/dm/send", *body, "application/json").status, 400);
    EXPECT_EQ(post_raw("/_sandbox/faults", *body, "application/json").status, 400);
    EXPECT_EQ(post_raw("/_sandbox/inbound", *body, "application/json").status, 400);
  }
  EXPECT_EQ(admin_get("/_sandbox/health").status, 200);
  auto log = admin_get("/_sandbox/requests?path=/twitter/dm/send");
  ASSERT_EQ(log.status, 200);
  ASSERT_EQ(log.body.size(), 3u);
  EXPECT_TRUE(log.body[1]["body"].is_string()) << "kept as cut text";
  EXPECT_LE(log.body[1]["body"].get<std::string>().size(), 4100u);
  // Ordinary nesting still works.
  EXPECT_EQ(
      admin_post("/_sandbox/faults",
                 {{"faults", {{{"path", "/x"}, {"status", 500}, {"body", {{"a", {{"b", {1}}}}}}}}}})
          .status,
      201);
}

TEST_F(SandboxTest, ABodylessResetIsAccepted) {
  send_dm(fixed::kAdaToken, "grace_h", "before reset");
  int const port = sandbox_->port();
  // What `curl -X POST http://.../_sandbox/reset` sends: no Content-Type, no body, no length.
  std::string const answer =
      raw_http(port,
               "POST /_sandbox/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/8.5.0\r\n"
               "Accept: */*\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200")) << answer;
  EXPECT_EQ(admin_get("/_sandbox/messages").body, json::array());
  // With an explicit zero length, and through httplib without a content type.
  std::string const zero =
      raw_http(port,
               "POST /_sandbox/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
               "Connection: close\r\n\r\n");
  EXPECT_THAT(zero, StartsWith("HTTP/1.1 200")) << zero;
  auto r = client_->Post("/_sandbox/reset");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(SandboxTest, ASecondSandboxCannotTakeABoundPort) {
  SandboxOptions options;
  options.port = sandbox_->port();
  Sandbox second(options);
  EXPECT_THROW(second.start(), std::runtime_error);
  // The first one still owns every connection.
  for (int i = 0; i < 20; ++i) {
    auto c = make_client();
    auto r = c->Get("/_sandbox/health");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
}

}  // namespace
}  // namespace getxapi::sandbox::testing
