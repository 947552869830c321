// A started in-process sandbox plus a plain httplib client, for the sandbox's own tests.
#ifndef GETXAPI_TESTS_SANDBOX_HARNESS_HPP_
#define GETXAPI_TESTS_SANDBOX_HARNESS_HPP_

#include <cstdint>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "sandbox.hpp"

namespace getxapi::sandbox::testing {

using json = nlohmann::json;

struct Reply {
  int status = 0;  // 0: no HTTP response at all (connection error)
  json body;       // discarded value if the body was not JSON
  std::string raw;
  httplib::Headers headers;
  httplib::Error error = httplib::Error::Success;
};

inline json load_fixture(std::string const& name) {
  std::ifstream in(std::string(GETXAPI_FIXTURES_DIR) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

inline std::regex const kIsoMicro(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");
inline std::regex const kIsoMillis(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
inline std::regex const kTwitterDate(
    R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d \d\d:\d\d:\d\d \+0000 \d{4})");

// Every key of `expected` is present in `actual` with the same JSON type (null matches any).
inline void expect_same_shape(json const& expected, json const& actual, std::string const& where) {
  ASSERT_TRUE(actual.is_object()) << where << ": " << actual.dump();
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    ASSERT_TRUE(actual.contains(it.key())) << where << ": missing " << it.key();
    auto const& a = actual[it.key()];
    if (it->is_null() || a.is_null()) continue;
    EXPECT_EQ(it->type_name(), std::string(a.type_name())) << where << "." << it.key();
  }
}

inline std::uint64_t id_of(json const& message) {
  return std::stoull(message["id"].get<std::string>());
}

class SandboxTest : public ::testing::Test {
 protected:
  // Tests that need other options call restart() first.
  void SetUp() override { restart({}); }

  void restart(SandboxOptions options) {
    client_.reset();
    sandbox_.reset();
    sandbox_ = std::make_unique<Sandbox>(std::move(options));
    sandbox_->start();
    client_ = make_client();
  }

  std::unique_ptr<httplib::Client> make_client() const {
    auto c = std::make_unique<httplib::Client>(sandbox_->base_url());
    c->set_connection_timeout(2);
    c->set_read_timeout(5);
    c->set_write_timeout(5);
    c->set_keep_alive(true);
    // Without it the client's header and body writes meet delayed ACKs: ~40 ms per POST.
    c->set_tcp_nodelay(true);
    return c;
  }

  void TearDown() override {
    // The client first: its open keep-alive connection would otherwise linger in the server.
    client_.reset();
    sandbox_.reset();
  }

  static Reply convert(httplib::Result const& r) {
    Reply out;
    out.error = r.error();
    if (!r) return out;
    out.status = r->status;
    out.raw = r->body;
    out.headers = r->headers;
    out.body = json::parse(r->body, nullptr, false);
    return out;
  }

  httplib::Headers auth(std::string const& key = "test-api-key") const {
    return {{"Authorization", "Bearer " + key}};
  }

  Reply get(std::string const& path, httplib::Params const& params = {},
            httplib::Headers const& headers = {{"Authorization", "Bearer test-api-key"}}) {
    return convert(client_->Get(path.c_str(), params, headers));
  }

  Reply post(std::string const& path, json const& body,
             httplib::Headers const& headers = {{"Authorization", "Bearer test-api-key"}}) {
    return convert(client_->Post(path.c_str(), headers, body.dump(), "application/json"));
  }

  Reply post_raw(std::string const& path, std::string const& body, std::string const& content_type,
                 httplib::Headers const& headers = {{"Authorization", "Bearer test-api-key"}}) {
    return convert(client_->Post(path.c_str(), headers, body, content_type.c_str()));
  }

  Reply admin_get(std::string const& path) { return convert(client_->Get(path.c_str())); }
  Reply admin_post(std::string const& path, json const& body) {
    return convert(client_->Post(path.c_str(), body.dump(), "application/json"));
  }
  Reply admin_delete(std::string const& path) { return convert(client_->Delete(path.c_str())); }

  Reply send_dm(std::string const& token, std::string const& to_user, std::string const& text) {
    return post("/twitter/dm/send",
                {{"auth_token", token}, {"recipient_username", to_user}, {"text", text}});
  }

  std::unique_ptr<Sandbox> sandbox_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace getxapi::sandbox::testing

#endif  // GETXAPI_TESTS_SANDBOX_HARNESS_HPP_
