#include <getxapi/transport.hpp>

#include <algorithm>
#include <cctype>

namespace getxapi {

std::string_view find_header(HttpHeaders const& headers, std::string_view name) {
  for (auto const& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return {};
}

}  // namespace getxapi
