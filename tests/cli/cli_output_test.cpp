// Table layout and cell sanitizing, which the e2e tests see only through the sandbox's data.
#include "output.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace getxapi::cli {
namespace {

TEST(CliOutputTest, DisplayWidthCountsCodePoints) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("Zo\xC3\xAB"), 3u);                // Zoë
  EXPECT_EQ(display_width("\xE5\xB1\xB1\xE7\x94\xB0"), 2u);  // 山田
  EXPECT_EQ(display_width("\xF0\x9F\x9A\x80!"), 2u);         // rocket + !
  EXPECT_EQ(display_width("\xFF\xFE"), 2u);                  // invalid bytes count one each
}

TEST(CliOutputTest, CellCutsByCodePointsAndNeutralisesControlCharacters) {
  EXPECT_EQ(cell("line\nbreak\ttab"), "line break tab");
  EXPECT_EQ(cell("\x1b[31mred"), " [31mred");
  EXPECT_EQ(cell("a\xC2\x9B"
                 "b"),
            "a b");  // C1 CSI
  EXPECT_EQ(cell("\xFF"
                 "ok"),
            "?ok");
  EXPECT_EQ(cell("Zo\xC3\xAB M\xC3\xBCller", 5), "Zo\xC3\xAB \xE2\x80\xA6");
  EXPECT_EQ(display_width(cell("\xE5\xB1\xB1\xE7\x94\xB0\xE5\xA4\xAA\xE9\x83\x8E", 3)), 3u);
  EXPECT_EQ(cell("short", 10), "short");
  EXPECT_EQ(cell("exactly", 7), "exactly");
}

TEST(CliOutputTest, TableAlignsNonAsciiCellsByCodePoints) {
  Table table({{"NAME", Table::Align::kLeft},
               {"FOLLOWERS", Table::Align::kRight},
               {"CAN_DM", Table::Align::kLeft}});
  table.add_row({"Zo\xC3\xAB", "5", "yes"});
  table.add_row({"Ada", "1234567", "no"});
  std::ostringstream os;
  table.print(os);
  EXPECT_EQ(os.str(),
            "NAME  FOLLOWERS  CAN_DM\n"
            "Zo\xC3\xAB           5  yes\n"
            "Ada     1234567  no\n");
}

TEST(CliOutputTest, JsonLinesSurviveInvalidUtf8) {
  std::ostringstream os;
  print_json_line(os, nlohmann::json{{"text", std::string("bad \xFF byte")}});
  EXPECT_THAT(os.str(), ::testing::StartsWith("{\"text\":\"bad "));
  EXPECT_EQ(os.str().back(), '\n');
}

TEST(CliOutputTest, WireJsonFallsBackToGetXapiNamesWithoutRaw) {
  User user;
  user.id = "1";
  user.user_name = "ada";
  user.can_dm = true;
  user.followers_count = 3;
  auto j = wire_json(user);
  EXPECT_EQ(j["userName"], "ada");
  EXPECT_EQ(j["canDm"], true);
  EXPECT_EQ(j["followers"], 3);
  Message message;
  message.id = "9";
  message.sender_id = "1";
  message.recipient_id = "2";
  auto m = wire_json(message);
  EXPECT_EQ(m["senderId"], "1");
  EXPECT_EQ(m["recipientId"], "2");
}

}  // namespace
}  // namespace getxapi::cli
