// Followers pages of a given size for the memory figures (bench_codec,
// bench_e2e memory) and the memory regression test
// (tests/unit/decode_memory_test.cpp): one real-shaped, two hostile.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace getxapi::bench {

/// What the memory figures measure: a page just under the 8 MiB cap.
inline constexpr std::size_t kBigPageBytes = 7'500'000;

/// Which kind of page.
enum class PageShape {
  kRealShaped,     ///< `prototype` (a fixture's user) repeated, ids made distinct
  kOneFieldUsers,  ///< `{"id":"..."}` repeated: 29 bytes a user
  kEmptyObjects,   ///< real-shaped users, each with 100 `{}` in an unknown field
};

/// A compact followers_v2 body of at least `bytes` bytes, users in
/// "followers". `prototype` is one user object (kRealShaped, kEmptyObjects).
inline std::string followers_page(PageShape shape, std::size_t bytes,
                                  nlohmann::json const& prototype = {}) {
  std::string body =
      R"({"userName":"ada_example","has_more":true,"next_cursor":"c2","followers":[)";
  body.reserve(bytes + 4096);
  std::string empties;
  if (shape == PageShape::kEmptyObjects) {
    for (int k = 0; k < 100; ++k) empties += k == 0 ? "{}" : ",{}";
  }
  for (long i = 0; body.size() < bytes; ++i) {
    if (i != 0) body += ',';
    std::string const id = std::to_string(1700000000000000000L + i);
    if (shape == PageShape::kOneFieldUsers) {
      body += R"({"id":")" + id + "\"}";
      continue;
    }
    nlohmann::json user = prototype;
    user["id"] = id;
    user["userName"] = "user_" + std::to_string(i);
    if (shape == PageShape::kEmptyObjects) user["extra"] = nullptr;
    std::string text = user.dump();
    if (shape == PageShape::kEmptyObjects) {
      text.replace(text.find("\"extra\":null"), 12, "\"extra\":[" + empties + "]");
    }
    body += text;
  }
  body += "]}";
  return body;
}

}  // namespace getxapi::bench
