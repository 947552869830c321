// Send one DM, safely: a failure that may have delivered it is checked in
// the inbox before anything is sent again.
//   GETXAPI_API_KEY=... GETXAPI_AUTH_TOKEN=... ./send_dm grace_h "Hello!"
#include <getxapi/getxapi.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: send_dm USERNAME TEXT\n";
    return 2;
  }
  char const* key = std::getenv("GETXAPI_API_KEY");
  char const* token = std::getenv("GETXAPI_AUTH_TOKEN");
  char const* base_url = std::getenv("GETXAPI_BASE_URL");

  getxapi::ClientOptions options;
  options.api_key = key ? key : "";
  if (base_url) options.base_url = base_url;
  getxapi::Client client(options);

  auto sent =
      client.send_dm({token ? token : "", getxapi::Recipient::by_username(argv[1]), argv[2]});
  if (!sent) {
    auto const& error = sent.error();
    switch (error.code()) {
      case getxapi::ErrorCode::kCannotDm:
        std::cerr << "@" << argv[1] << " does not accept DMs\n";
        break;
      case getxapi::ErrorCode::kDailyLimitReached:
        std::cerr << "daily DM limit reached; try again tomorrow\n";
        break;
      case getxapi::ErrorCode::kAuthTokenInvalid:
        std::cerr << "the auth_token expired: log in again\n";
        break;
      default:
        std::cerr << "error: " << error << "\n";
    }
    return 1;
  }
  std::cout << "sent message " << sent->id << (sent->recovered ? " (recovered)" : "") << "\n";
  return 0;
}
