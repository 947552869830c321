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

TEST(CliOutputTest, CellCutsByCodePointsAndEscapesControlCharacters) {
  EXPECT_EQ(cell("line\nbreak\ttab"), "line\\nbreak\\ttab");
  EXPECT_EQ(cell("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(cell("a\xC2\x9B"
                 "b"),
            "a\\u009bb");  // C1 CSI
  EXPECT_EQ(cell("\xFF"
                 "ok"),
            "\\xffok");
  EXPECT_EQ(cell("Zo\xC3\xAB M\xC3\xBCller", 5), "Zo\xC3\xAB \xE2\x80\xA6");
  EXPECT_EQ(display_width(cell("\xE5\xB1\xB1\xE7\x94\xB0\xE5\xA4\xAA\xE9\x83\x8E", 3)), 3u);
  EXPECT_EQ(cell("short", 10), "short");
  EXPECT_EQ(cell("exactly", 7), "exactly");
  // An escape is never cut in half: it goes whole or not at all.
  EXPECT_EQ(cell("ab\x1b"
                 "cdef",
                 5),
            "ab\xE2\x80\xA6");
  EXPECT_EQ(display_width(cell("ab\x1b"
                               "cdef",
                               8)),
            8u);
}

TEST(CliOutputTest, EscapeControlKeepsServerTextOnOneHarmlessLine) {
  std::string const hostile = "bad\x1b[2J\x1b[H\r\nsent 1 to @grace_h\x07\x7f";
  std::string const escaped = escape_control(hostile);
  EXPECT_EQ(escaped, "bad\\x1b[2J\\x1b[H\\r\\nsent 1 to @grace_h\\x07\\x7f");
  for (unsigned char c : escaped) EXPECT_TRUE(c >= 0x20 && c < 0x7F) << int(c);
  // Bidirectional overrides and C1 controls, and invalid UTF-8.
  EXPECT_EQ(escape_control("a\xE2\x80\xAE"
                           "b\xC2\x85"
                           "c\xC0"),
            "a\\u202eb\\u0085c\\xc0");
  // Ordinary text, accents and emoji untouched.
  EXPECT_EQ(escape_control("Zo\xC3\xAB \xF0\x9F\x9A\x80 ok"), "Zo\xC3\xAB \xF0\x9F\x9A\x80 ok");
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
