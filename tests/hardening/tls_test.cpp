// TLS against a real local HTTPS server (cpp-httplib's SSLServer) with a
// throwaway CA and certificates made by the openssl tool at test time:
// verification is on by default, hostnames are checked, a configured CA file
// is honoured, and nothing below TLS 1.2 is spoken.
#include <getxapi/getxapi.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <httplib.h>
#include <openssl/ssl.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

namespace getxapi {
namespace {

namespace fs = std::filesystem;
using ::testing::AnyOf;
using ::testing::HasSubstr;

constexpr char kUserBody[] =
    R"({"status":"success","msg":"success","data":{"id":"1700000000000000001","userName":"ada_example"}})";

// A CA, and two server certificates it signs: one for 127.0.0.1 (IP SAN) and
// one for "localhost" only. Plus a self-signed one from no known CA.
class Pki {
 public:
  Pki() {
    char tmpl[] = "/tmp/getxapi-tls-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return;
    dir_ = tmpl;
    std::ofstream(path("ip.ext")) << "subjectAltName=IP:127.0.0.1\n";
    std::ofstream(path("host.ext")) << "subjectAltName=DNS:localhost\n";
    std::string const d = dir_.string();
    std::string const quiet = " >/dev/null 2>&1";
    auto req = [&](std::string const& name, std::string const& cn) {
      return "openssl req -newkey rsa:2048 -nodes -keyout " + d + "/" + name + ".key -out " + d +
             "/" + name + ".csr -subj /CN=" + cn + quiet;
    };
    auto sign = [&](std::string const& name, std::string const& ext) {
      return "openssl x509 -req -in " + d + "/" + name + ".csr -CA " + d + "/ca.pem -CAkey " + d +
             "/ca.key -CAcreateserial -days 2 -sha256 -out " + d + "/" + name + ".pem -extfile " +
             d + "/" + ext + quiet;
    };
    ok_ = run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + d + "/ca.key -out " + d +
              "/ca.pem -days 2 -sha256 -subj /CN=getxapi-test-ca" + quiet) &&
          run(req("ip", "127.0.0.1")) && run(sign("ip", "ip.ext")) &&
          run(req("host", "localhost")) && run(sign("host", "host.ext")) &&
          run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + d + "/self.key -out " + d +
              "/self.pem -days 2 -sha256 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1" +
              quiet);
  }
  ~Pki() {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  bool ok() const { return ok_; }
  std::string path(std::string const& name) const { return (dir_ / name).string(); }

 private:
  static bool run(std::string const& command) { return std::system(command.c_str()) == 0; }
  fs::path dir_;
  bool ok_ = false;
};

Pki& pki() {
  static Pki instance;
  return instance;
}

class HttpsServer {
 public:
  HttpsServer(std::string const& cert, std::string const& key,
              std::function<void(SSL_CTX*)> tune = {})
      : server_(cert.c_str(), key.c_str()) {
    if (tune) tune(server_.ssl_context());
    server_.set_tcp_nodelay(true);
    server_.Get(".*", [](httplib::Request const&, httplib::Response& res) {
      res.set_content(kUserBody, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  ~HttpsServer() {
    server_.stop();
    thread_.join();
  }
  bool valid() const { return server_.is_valid() && port_ > 0; }
  std::string url(std::string const& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(port_);
  }

 private:
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
};

Result<User> fetch(std::string const& url, std::string const& ca_file = {}) {
  ClientOptions o;
  o.api_key = "tls-test-api-key";
  o.base_url = url;
  o.timeout = std::chrono::seconds(10);
  o.retry_policy = std::make_shared<NoRetryPolicy>();
  o.curl.ca_file = ca_file;
  Client client(o);
  return client.user_info("ada_example");
}

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pki().ok()) GTEST_SKIP() << "the openssl tool could not make test certificates";
  }
};

TEST_F(Tls, ConfiguredCaFileMakesItWork) {
  HttpsServer server(pki().path("ip.pem"), pki().path("ip.key"));
  ASSERT_TRUE(server.valid());
  auto user = fetch(server.url(), pki().path("ca.pem"));
  ASSERT_TRUE(user) << user.error();
  EXPECT_EQ(user->user_name, "ada_example");
}

TEST_F(Tls, UnknownCaIsRefusedByDefault) {
  HttpsServer server(pki().path("ip.pem"), pki().path("ip.key"));
  ASSERT_TRUE(server.valid());
  auto user = fetch(server.url());  // the system's CAs only
  ASSERT_FALSE(user);
  EXPECT_EQ(user.error().code(), ErrorCode::kNetwork);
  EXPECT_EQ(user.error().http_status(), 0);
  EXPECT_THAT(user.error().message(), AnyOf(HasSubstr("certificate"), HasSubstr("SSL")));
}

TEST_F(Tls, SelfSignedCertificateIsRefusedEvenWithAnotherCaConfigured) {
  HttpsServer server(pki().path("self.pem"), pki().path("self.key"));
  ASSERT_TRUE(server.valid());
  auto user = fetch(server.url(), pki().path("ca.pem"));
  ASSERT_FALSE(user);
  EXPECT_EQ(user.error().code(), ErrorCode::kNetwork);
  EXPECT_THAT(user.error().message(), HasSubstr("certificate"));
}

TEST_F(Tls, WrongHostnameIsRefused) {
  // Signed by the trusted CA, but for "localhost" only; we connect to 127.0.0.1.
  HttpsServer server(pki().path("host.pem"), pki().path("host.key"));
  ASSERT_TRUE(server.valid());
  auto user = fetch(server.url("127.0.0.1"), pki().path("ca.pem"));
  ASSERT_FALSE(user);
  EXPECT_EQ(user.error().code(), ErrorCode::kNetwork);
  EXPECT_THAT(user.error().message(),
              AnyOf(HasSubstr("host"), HasSubstr("name"), HasSubstr("certificate")));
}

TEST_F(Tls, RightHostnameWithTheSameCertificateWorks) {
  // The control for the test above: the same certificate by its own name.
  HttpsServer server(pki().path("host.pem"), pki().path("host.key"));
  ASSERT_TRUE(server.valid());
  auto user = fetch(server.url("localhost"), pki().path("ca.pem"));
  if (!user && user.error().message().find("resolve") != std::string::npos) {
    GTEST_SKIP() << "localhost does not resolve here";
  }
  ASSERT_TRUE(user) << user.error();
}

TEST_F(Tls, TlsBelow12IsRefused) {
  HttpsServer server(pki().path("ip.pem"), pki().path("ip.key"), [](SSL_CTX* ctx) {
    // Allow the old protocols on the server side at all (OpenSSL 3 refuses
    // them at its default security level), then cap it at TLS 1.1.
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
  });
  ASSERT_TRUE(server.valid());
  auto user = fetch(server.url(), pki().path("ca.pem"));
  ASSERT_FALSE(user);
  EXPECT_EQ(user.error().code(), ErrorCode::kNetwork);
  EXPECT_FALSE(user.error().message().empty());
}

TEST_F(Tls, PlainHttpToATlsPortFailsTyped) {
  HttpsServer server(pki().path("ip.pem"), pki().path("ip.key"));
  ASSERT_TRUE(server.valid());
  std::string url = server.url();
  url.replace(0, 5, "http");
  ClientOptions o;
  o.api_key = "tls-test-api-key";
  o.base_url = url;
  o.timeout = std::chrono::seconds(2);
  o.retry_policy = std::make_shared<NoRetryPolicy>();
  Client client(o);
  auto user = client.user_info("ada_example");
  ASSERT_FALSE(user);
  EXPECT_THAT(user.error().code(),
              AnyOf(ErrorCode::kNetwork, ErrorCode::kTimeout, ErrorCode::kInvalidResponse,
                    ErrorCode::kInvalidArgument, ErrorCode::kUnknown));
}

}  // namespace
}  // namespace getxapi
