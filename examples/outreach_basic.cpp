// The DM guide's outreach loop with the plain client: fetch followers
// (followers_v2 carries canDm, so no per-user lookups), DM only those who
// accept DMs with a pause between sends, then read the replies.
//   GETXAPI_API_KEY=... GETXAPI_AUTH_TOKEN=... ./outreach_basic ACCOUNT [MAX_SENDS]
// For campaigns that must survive crashes, use getxapi::outreach instead.
#include <getxapi/getxapi.hpp>

#include <cstdlib>
#include <iostream>
#include <set>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: outreach_basic ACCOUNT [MAX_SENDS]\n";
    return 2;
  }
  char const* key = std::getenv("GETXAPI_API_KEY");
  char const* token_env = std::getenv("GETXAPI_AUTH_TOKEN");
  char const* base_url = std::getenv("GETXAPI_BASE_URL");
  std::string const token = token_env ? token_env : "";
  int const max_sends = argc > 2 ? std::stoi(argv[2]) : 5;

  getxapi::ClientOptions options;
  options.api_key = key ? key : "";
  if (base_url) options.base_url = base_url;
  // 2-5 s between sends, as the guide advises; a sandbox run can shorten it.
  auto const pause = std::chrono::milliseconds(std::getenv("OUTREACH_FAST") ? 10 : 2000);
  options.pacing.set_send_delay(pause, pause * 5 / 2);
  options.pacing.set_daily_send_cap(getxapi::AccountTier::kEstablished);
  getxapi::Client client(options);

  int sent = 0, skipped = 0;
  std::set<std::string> contacted;
  for (auto const& follower : client.all_followers(argv[1])) {
    if (!follower) {
      std::cerr << "error: " << follower.error() << "\n";
      return 1;
    }
    if (!follower->can_dm) {
      ++skipped;  // no wasted dm/send call
      continue;
    }
    if (sent == max_sends) break;
    std::string const name = follower->name.empty() ? follower->user_name : follower->name;
    auto message = client.send_dm({token, getxapi::Recipient::by_id(follower->id),
                                   "Hi " + name + ", thanks for the follow!"});
    if (!message) {
      std::cerr << "@" << follower->user_name << ": " << message.error() << "\n";
      if (message.error().code() == getxapi::ErrorCode::kDailyLimitReached) break;
      continue;
    }
    contacted.insert(follower->id);
    ++sent;
    std::cout << "sent to @" << follower->user_name << "\n";
  }

  int replies = 0;
  getxapi::RangeOptions newest;
  newest.limit = 200;
  for (auto const& message : client.all_dms(token, newest)) {
    if (message && contacted.count(message->sender_id)) ++replies;
  }
  std::cout << sent << " sent, " << skipped << " skipped (DMs closed), " << replies << " replies\n";
  std::cout << client.stats();
  return 0;
}
