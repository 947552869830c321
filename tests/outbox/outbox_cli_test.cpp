// `getxapi outbox ...` in-process (run_cli) against the in-process sandbox: usage errors
// exit 2 before anything is stored or sent, text from stdin, NDJSON lists with reasons,
// --once exit codes, and the default account from GETXAPI_AUTH_TOKEN.
#include "../outreach/sandbox_fixture.hpp"
#include "cli.hpp"

#include <getxapi/outbox.hpp>

#include <gtest/gtest.h>

#include <sstream>

namespace getxapi::outbox::testing {
namespace {

using getxapi::outreach::testing::SandboxFixture;
using getxapi::outreach::testing::ScratchDir;
using nlohmann::json;

struct CliRun {
  int code = 0;
  std::string out, err;
};

class OutboxCliTest : public ::testing::Test {
 protected:
  CliRun cli(std::vector<std::string> args, std::string in = {}, cli::Environment extra = {}) {
    cli::RunOptions o;
    o.env = {{"GETXAPI_API_KEY", "k"},
             {"GETXAPI_BASE_URL", sb_.url()},
             {"GETXAPI_AUTH_TOKEN", "sandbox-token-ada"}};
    for (auto& [k, v] : extra) o.env[k] = v;
    args.insert(args.begin(), "getxapi");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::istringstream input(in);
    std::ostringstream out, err;
    int const code = cli::run_cli(static_cast<int>(argv.size()), argv.data(), input, out, err, o);
    return {code, out.str(), err.str()};
  }
  ScratchDir dir_{"outbox-cli"};
  std::string const store_ = dir_.file("outbox.db");
  SandboxFixture sb_;
};

TEST_F(OutboxCliTest, UsageErrorsExit2AndStoreNothing) {
  for (auto const& args : std::vector<std::vector<std::string>>{
           {"outbox", "add", "--outbox", store_, "hi"},  // no recipient
           {"outbox", "add", "--outbox", store_, "--to", "a", "--to-id", "1", "hi"},
           {"outbox", "add", "--outbox", store_, "--to", "grace_h", "--expires", "soon", "hi"},
           {"outbox", "add", "--outbox", store_, "--to", "grace_h", "--not-before", "+5x", "hi"},
           {"outbox", "add", "--outbox", store_, "--to-id", "12x", "hi"},
           {"outbox", "add", "--outbox", store_, "--to", "grace_h", "   "},
           {"outbox", "list", "--outbox", store_, "--state", "lost"},
           {"outbox", "work", "--outbox", store_, "--delay", "5-2", "--once"},
           {"outbox", "work", "--outbox", store_, "--account", "a=sandbox-token-ada", "--once"},
           {"outbox", "work", "--outbox", store_, "--account", "a=UNSET_VAR_FOR_TEST", "--once"},
       }) {
    auto r = cli(args);
    EXPECT_EQ(r.code, 2) << args[1] << ' ' << r.err;
    EXPECT_NE(r.err.find("error: kInvalidArgument"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("sandbox-token-ada"), std::string::npos);
  }
  EXPECT_EQ(sb_.requests_to("/twitter/dm/send"), 0);
  auto o = Outbox::open(store_);
  if (o) {
    EXPECT_EQ(o->status()->counts.total(), 0);
  }
}

TEST_F(OutboxCliTest, AddFromStdinWorkOnceStatusAndList) {
  auto added = cli({"outbox", "add", "--outbox", store_, "--to", "grace_h", "--key", "k1", "-"},
                   "Deploy finished ✅\n\n");
  ASSERT_EQ(added.code, 0) << added.err;
  auto again = cli({"outbox", "add", "--outbox", store_, "--to", "grace_h", "--key", "k1", "x"});
  ASSERT_EQ(again.code, 0);
  EXPECT_EQ(again.out, added.out);
  EXPECT_NE(again.err.find("already"), std::string::npos);
  ASSERT_EQ(cli({"outbox", "add", "--outbox", store_, "--to", "closed_dms", "closed"}).code, 0);
  ASSERT_EQ(cli({"outbox", "add", "--outbox", store_, "--to-id", sandbox::fixed::kGraceId,
                 "--expires", "2020-01-01T00:00:00Z", "late"})
                .code,
            0);  // queued, and expired (never sent) by the first worker
  ASSERT_EQ(cli({"outbox", "add", "--outbox", store_, "--to-id", sandbox::fixed::kGraceId,
                 "--not-before", "+1d", "tomorrow"})
                .code,
            0);

  auto w = cli({"outbox", "work", "--outbox", store_, "--delay", "0", "--once"});
  EXPECT_EQ(w.code, 0) << w.err;
  EXPECT_NE(w.out.find("sent 1"), std::string::npos) << w.out;
  auto msgs = sb_.get(std::string("/_sandbox/messages?sender_id=") + sandbox::fixed::kAdaId);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0]["text"], "Deploy finished ✅");

  auto failed = cli({"--json", "outbox", "list", "--outbox", store_, "--state", "failed"});
  ASSERT_EQ(failed.code, 0);
  auto line = json::parse(failed.out.substr(0, failed.out.find('\n')));
  EXPECT_EQ(line["errorCode"], "kCannotDm");
  EXPECT_FALSE(line["reason"].get<std::string>().empty());

  auto st = cli({"--json", "outbox", "status", "--outbox", store_});
  ASSERT_EQ(st.code, 0);
  auto j = json::parse(st.out);
  EXPECT_EQ(j["sent"], 1);
  EXPECT_EQ(j["failed"], 1);
  EXPECT_EQ(j["queued"], 1);
  EXPECT_EQ(j["expired"], 1);
  ASSERT_EQ(j["accounts"].size(), 1u);
  EXPECT_EQ(j["accounts"][0]["name"], "default");
  EXPECT_EQ(j["accounts"][0]["sentToday"], 1);
  EXPECT_TRUE(j.contains("oldestDue"));
  auto text = cli({"outbox", "status", "--outbox", store_});
  EXPECT_NE(text.out.find("account default: sent today 1 / 500, ok"), std::string::npos)
      << text.out;
}

TEST_F(OutboxCliTest, WorkerThatCannotGoOnExits1) {
  ASSERT_EQ(cli({"outbox", "add", "--outbox", store_, "--to", "grace_h", "hi"}).code, 0);
  auto r = cli(
      {"outbox", "work", "--outbox", store_, "--account", "x=BAD_TOKEN", "--delay", "0", "--once"},
      {}, {{"BAD_TOKEN", "revoked-token"}});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("account x disabled"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("revoked-token"), std::string::npos) << r.err;
}

TEST_F(OutboxCliTest, PostgresUrlIsRefused) {
  auto r = cli({"outbox", "status", "--outbox", "postgresql://u:pw@h/db"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("kStoreError"), std::string::npos);
  EXPECT_EQ(r.err.find("pw@"), std::string::npos);
}

}  // namespace
}  // namespace getxapi::outbox::testing
