// A server that answers with hostile text (ESC [2J, CR, LF in error messages and cursors):
// nothing it sends reaches the terminal raw, and one error stays one line. Also the hints a
// user acts on: "the DM may have been delivered", and errors as JSON under --json.
#include "cli_test_support.hpp"
#include "raw_server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace getxapi::cli::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// JSON escapes, so the library decodes them into raw ESC / CR / LF bytes.
constexpr char kHostileText[] = R"(\u001b[2J\u001b[H\r\nsent 1 to @grace_h\u0007)";
constexpr char kHostileCursor[] = R"(C1\u001b]0;pwned\u0007\r\nfake: line)";

std::string http(int status, std::string const& body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The body too: closing with unread bytes would reset the connection under the answer.
std::string read_request(int fd) {
  std::string request = getxapi::testing::RawServer::read_request_head(fd);
  auto const at = request.find("Content-Length: ");
  auto const end = request.find("\r\n\r\n");
  if (at == std::string::npos || end == std::string::npos) return request;
  std::size_t const length = std::stoul(request.substr(at + 16));
  char buf[4096];
  while (request.size() < end + 4 + length) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) break;
    auto const n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    request.append(buf, static_cast<std::size_t>(n));
  }
  return request;
}

void answer(int fd, getxapi::testing::RawServer&) {
  std::string const head = read_request(fd);
  std::string response;
  std::string const error_body = std::string(R"({"error":")") + kHostileText + R"("})";
  if (head.find("/twitter/user/info") != std::string::npos) {
    response = http(404, error_body);
  } else if (head.find("/twitter/user/followers_v2") != std::string::npos) {
    if (head.find("cursor=") == std::string::npos) {
      response = http(200, std::string(R"({"followers":[{"id":"1","userName":"a\u001b[31mb",)") +
                               R"("name":"x\r\ny","canDm":true}],"has_more":true,"next_cursor":")" +
                               kHostileCursor + R"("})");
    } else {
      response = http(403, error_body);
    }
  } else if (head.find("/twitter/dm/send") != std::string::npos) {
    response = http(200, "{\"status\":\"success\",\"data\":");  // delivered, unreadable
  } else {
    response = http(404, error_body);
  }
  getxapi::testing::RawServer::send_all(fd, response);
}

class CliHostileServerTest : public ::testing::Test {
 protected:
  RunOptions options() const {
    RunOptions o;
    o.env = {{"GETXAPI_API_KEY", "sk-hostile-key-123456"},
             {"GETXAPI_BASE_URL", server_.base_url()},
             {"GETXAPI_AUTH_TOKEN", "hostile-token-abcdef"}};
    return o;
  }
  CliRun run(std::vector<std::string> args) const { return run_in_process(args, options()); }

  static void expect_no_raw_control_bytes(std::string const& text) {
    for (unsigned char c : text) {
      EXPECT_TRUE(c == '\n' || (c >= 0x20 && c != 0x7F))
          << "raw byte " << int(c) << " in: " << text;
    }
  }

  getxapi::testing::RawServer server_{answer};
};

TEST_F(CliHostileServerTest, AnErrorMessageCannotClearTheScreenOrForgeALine) {
  auto r = run({"user", "info", "ada_example"});
  EXPECT_EQ(r.status, 1);
  expect_no_raw_control_bytes(r.err);
  auto const err_lines = lines(r.err);
  ASSERT_EQ(err_lines.size(), 1u) << r.err;  // exactly one error line
  EXPECT_THAT(err_lines[0], StartsWith("error: kNotFound: "));
  EXPECT_THAT(err_lines[0], HasSubstr("\\x1b[2J\\x1b[H\\r\\nsent 1 to @grace_h\\x07"));
}

TEST_F(CliHostileServerTest, CursorsAndTableCellsAreEscaped) {
  auto page = run({"followers", "ada_example"});
  ASSERT_EQ(page.status, 0) << page.err;
  expect_no_raw_control_bytes(page.out);
  expect_no_raw_control_bytes(page.err);
  EXPECT_THAT(page.out, HasSubstr("@a\\x1b[31mb"));
  EXPECT_THAT(page.out, HasSubstr("x\\r\\ny"));
  ASSERT_EQ(lines(page.err).size(), 1u) << page.err;
  EXPECT_THAT(page.err, HasSubstr("next cursor: C1\\x1b]0;pwned\\x07\\r\\nfake: line"));

  // A walk that stops at the hostile cursor (the library refuses to send it): the error and
  // the resume hint, escaped.
  auto walk = run({"followers", "ada_example", "--all"});
  // The server's fault, after billed pages: 1 (exit 2 would claim nothing was sent).
  EXPECT_EQ(walk.status, 1);
  expect_no_raw_control_bytes(walk.out);
  expect_no_raw_control_bytes(walk.err);
  auto const err_lines = lines(walk.err);
  ASSERT_EQ(err_lines.size(), 2u) << walk.err;
  EXPECT_THAT(err_lines[0], StartsWith("error: k"));
  EXPECT_THAT(err_lines[1], StartsWith("resume with: --cursor C1\\x1b]0;pwned"));
}

TEST_F(CliHostileServerTest, UnderJsonAnErrorIsOneJsonObjectOnStderr) {
  auto r = run({"--json", "user", "info", "ada_example"});
  EXPECT_EQ(r.status, 1);
  expect_no_raw_control_bytes(r.err);
  auto const err_lines = lines(r.err);
  ASSERT_EQ(err_lines.size(), 1u) << r.err;
  auto const j = json::parse(err_lines[0]);
  EXPECT_EQ(j["error"]["code"], "kNotFound");
  EXPECT_EQ(j["error"]["http_status"], 404);
  // The library escapes server text in Error::message() already (a log line or
  // a terminal never gets the raw bytes); JSON carries that escaped text.
  EXPECT_THAT(j["error"]["message"].get<std::string>(), HasSubstr("\\x1b[2J"));
  EXPECT_EQ(r.out, "");

  auto walk = run({"--json", "followers", "ada_example", "--all"});
  auto const walk_err = lines(walk.err);
  ASSERT_EQ(walk_err.size(), 1u) << walk.err;
  auto const w = json::parse(walk_err[0]);
  EXPECT_TRUE(w["error"]["code"].is_string());
  EXPECT_THAT(w["error"]["resume_cursor"].get<std::string>(), StartsWith("C1\x1b]0;pwned"));

  // Usage errors too, found before anything is sent.
  auto usage = run({"--json", "usr", "info", "x"});
  EXPECT_EQ(usage.status, 2);
  auto const u = json::parse(lines(usage.err).at(0));
  EXPECT_EQ(u["error"]["code"], "kInvalidArgument");
  EXPECT_EQ(u["error"]["message"], "unknown command 'usr'; did you mean 'user'?");
}

TEST_F(CliHostileServerTest, AnUnreadableAnswerToDmSendSaysTheDmMayHaveBeenDelivered) {
  auto r = run({"dm", "send", "--to", "grace_h", "hello"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, StartsWith("error: kInvalidResponse: "));
  EXPECT_THAT(r.err, HasSubstr("the DM may have been delivered; check `getxapi dm list` before "
                               "sending again"));
  EXPECT_EQ(lines(r.err).size(), 1u);

  auto j = run({"--json", "dm", "send", "--to", "grace_h", "hello"});
  auto const e = json::parse(lines(j.err).at(0));
  EXPECT_EQ(e["error"]["code"], "kInvalidResponse");
  EXPECT_EQ(e["error"]["may_have_been_delivered"], true);
}

}  // namespace
}  // namespace getxapi::cli::testing
