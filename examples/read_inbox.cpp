// Read the newest messages of the inbox, page by page.
//   GETXAPI_API_KEY=... GETXAPI_AUTH_TOKEN=... ./read_inbox [MAX]
#include <getxapi/getxapi.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  char const* key = std::getenv("GETXAPI_API_KEY");
  char const* token = std::getenv("GETXAPI_AUTH_TOKEN");
  char const* base_url = std::getenv("GETXAPI_BASE_URL");
  std::size_t const max = argc > 1 ? std::stoul(argv[1]) : 20;

  getxapi::ClientOptions options;
  options.api_key = key ? key : "";
  if (base_url) options.base_url = base_url;
  getxapi::Client client(options);

  getxapi::RangeOptions range;
  range.limit = max;
  auto inbox = client.all_dms(token ? token : "", range);
  for (auto const& message : inbox) {
    if (!message) {
      std::cerr << "error: " << message.error() << "\n";
      // The cursor of the page in hand lets a later run pick up from here.
      std::cerr << "resume from cursor: " << inbox.cursor() << "\n";
      return 1;
    }
    std::cout << (message->created_at ? getxapi::format_timestamp(*message->created_at) : "?")
              << "  " << message->sender_id << " -> " << message->recipient_id << ": "
              << message->text << "\n";
  }
  std::cout << inbox.items_yielded() << " messages, " << client.stats().total().billed_calls
            << " billed calls\n";
  return 0;
}
