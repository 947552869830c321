// Look a user up, then list which of their followers accept DMs.
//   GETXAPI_API_KEY=... [GETXAPI_BASE_URL=http://127.0.0.1:8080] ./quickstart ada_example
#include <getxapi/getxapi.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
  char const* key = std::getenv("GETXAPI_API_KEY");
  char const* base_url = std::getenv("GETXAPI_BASE_URL");

  getxapi::ClientOptions options;
  options.api_key = key ? key : "";
  if (base_url) options.base_url = base_url;  // e.g. a local getxapi-sandbox
  getxapi::Client client(options);

  auto user = client.user_info(argc > 1 ? argv[1] : "ada_example");
  if (!user) {
    std::cerr << "error: " << user.error() << "\n";
    return 1;
  }
  std::cout << user->name << " (@" << user->user_name << "), " << user->followers_count
            << " followers, accepts DMs: " << (user->can_dm ? "yes" : "no") << "\n";

  // Every follower, page after page; stop after 100.
  getxapi::RangeOptions first_100;
  first_100.limit = 100;
  int open = 0, closed = 0;
  for (auto const& follower : client.all_followers(user->user_name, first_100)) {
    if (!follower) {
      std::cerr << "error: " << follower.error() << "\n";
      return 1;
    }
    (follower->can_dm ? open : closed)++;
  }
  std::cout << open << " of the first " << open + closed << " followers accept DMs\n";
  std::cout << client.stats();
  return 0;
}
