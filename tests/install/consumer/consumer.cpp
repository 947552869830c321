// Uses only the documented public API. Prints what it found, one fact a line,
// so the install test can compare it with what the server holds.
#include <getxapi/getxapi.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: consumer BASE_URL\n";
    return 2;
  }
  getxapi::ClientOptions options;
  options.api_key = "consumer-test-key";
  options.base_url = argv[1];
  getxapi::Client client(options);

  std::cout << "version " << getxapi::version() << "\n";
  auto user = client.user_info("@ada_example");
  if (!user) {
    std::cerr << "user_info: " << user.error() << "\n";
    return 1;
  }
  std::cout << "user " << user->id << " " << user->user_name << " can_dm=" << user->can_dm << "\n";

  auto missing = client.user_info("no_such_user_x");
  std::cout << "missing " << (missing ? "found" : getxapi::to_string(missing.error().code()))
            << "\n";

  auto refused = client.send_dm({"token", getxapi::Recipient::by_id("12ab"), "hi"});
  std::cout << "refused " << getxapi::to_string(refused.error().code()) << " attempts "
            << refused.error().attempts() << "\n";

  auto page = client.followers("ada_example");
  if (!page) {
    std::cerr << "followers: " << page.error() << "\n";
    return 1;
  }
  std::cout << "followers_page " << page->items.size() << " has_more=" << page->has_more << "\n";
  std::cout << "billed " << client.stats().total().billed_calls << "\n";
  return 0;
}
