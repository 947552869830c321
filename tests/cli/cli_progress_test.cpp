// Progress lines of long runs when stderr is not a terminal (cron, journald): a whole line
// every GETXAPI_PROGRESS_SECONDS, with rate and ETA, driven by a fake clock.
#include "cli_sandbox_fixture.hpp"
#include "progress.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>

namespace getxapi::cli::testing {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

// A steady clock that moves `step` every time it is read.
SteadyNow stepping_clock(std::chrono::milliseconds step) {
  auto t = std::make_shared<std::chrono::steady_clock::time_point>();
  return [t, step] {
    *t += step;
    return *t;
  };
}

class CliProgressTest : public CliE2eTest {};

TEST_F(CliProgressTest, AWalkPrintsProgressLinesWhenStderrIsNotATerminal) {
  auto o = options({{"GETXAPI_PROGRESS_SECONDS", "5"}});
  o.stderr_is_tty = false;
  o.now = stepping_clock(2s);
  auto r = run_in_process({"followers", "ada_example", "--all"}, o);
  ASSERT_EQ(r.status, 0) << r.err;
  auto const err = lines(r.err);
  ASSERT_FALSE(err.empty()) << "no progress line";
  for (auto const& line : err) {
    EXPECT_THAT(line, AllOf(::testing::StartsWith("progress: followers of @ada_example: "),
                            HasSubstr(" fetched, "), ContainsRegex("[0-9.]+ users/s")));
  }
  EXPECT_THAT(r.err, Not(HasSubstr("\r")));  // whole lines, no terminal tricks
  EXPECT_THAT(r.out, Not(HasSubstr("progress")));

  // With --limit, the ETA to it.
  auto limited = run_in_process({"followers", "ada_example", "--all", "--limit", "140"}, o);
  ASSERT_EQ(limited.status, 0) << limited.err;
  EXPECT_THAT(limited.err, HasSubstr(", ETA "));

  // 0 turns them off; the default interval (10 s of a real clock) prints none in a fast test.
  auto off = options({{"GETXAPI_PROGRESS_SECONDS", "0"}});
  off.now = stepping_clock(2s);
  EXPECT_EQ(run_in_process({"followers", "ada_example", "--all"}, off).err, "");
  EXPECT_EQ(run({"followers", "ada_example", "--all"}).err, "");
}

TEST_F(CliProgressTest, DmListAllPrintsProgressToo) {
  auto o = options({{"GETXAPI_PROGRESS_SECONDS", "1"}});
  o.now = stepping_clock(1s);
  auto r = run_in_process({"dm", "list", "--all", "--count", "5"}, o);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, ContainsRegex("progress: inbox: [0-9]+ messages \\([0-9]+ pages?\\), "));
}

TEST(CliProgressMeterTest, RateAndEtaFromTheInjectedClock) {
  std::ostringstream out;
  std::ostringstream err;
  std::istringstream in;
  Context ctx(out, err, in, {});
  auto t = std::make_shared<std::chrono::steady_clock::time_point>();
  ctx.now = [t] { return *t; };
  ctx.progress_interval = 10s;
  ProgressMeter meter(ctx, "outreach spring", "sends");
  *t += 20s;
  EXPECT_EQ(meter.line(50, 250, ""), "outreach spring: 50 sends, 2.5 sends/s, ETA 1m20s");
  EXPECT_EQ(meter.line(50, std::nullopt, "50 sent, 3 skipped"),
            "outreach spring: 50 sent, 3 skipped, 2.5 sends/s");
  EXPECT_EQ(meter.line(0, 10, ""), "outreach spring: 0 sends");
  EXPECT_EQ(format_duration(3725s), "1h02m");
  EXPECT_EQ(format_duration(9s), "9s");

  // The first update only starts the interval; a line per interval after that.
  meter.update(1);
  EXPECT_EQ(err.str(), "");
  *t += 5s;
  meter.update(2);
  EXPECT_EQ(err.str(), "");
  *t += 5s;
  meter.update(3);
  EXPECT_THAT(err.str(), ::testing::StartsWith("progress: outreach spring: 3 sends, "));
  EXPECT_EQ(lines(err.str()).size(), 1u);
  meter.update(4);  // same instant: no second line
  EXPECT_EQ(lines(err.str()).size(), 1u);
}

}  // namespace
}  // namespace getxapi::cli::testing
