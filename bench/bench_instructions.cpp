// One contender per process, for instruction counting: run under
//   valgrind --tool=callgrind --separate-threads=yes bench_instructions sdk 2000
//   valgrind --tool=callgrind --separate-threads=yes bench_instructions floor 2000
// and compare the `summary:` of the -01 (calling) thread's output file.
// Instruction counts do not move with the machine's load, unlike timings.
#include <getxapi/getxapi.hpp>

#include <curl/curl.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "hand_decode.hpp"

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

namespace {

std::size_t append(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// The same floor as bench_e2e: one reused handle, nlohmann, the same fields.
bool floor_call(CURL* handle, std::string& body) {
  body.clear();
  if (curl_easy_perform(handle) != CURLE_OK) return false;
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("data")) return false;
  std::string created_at;
  auto const user = getxapi::bench::decode_user_by_hand(doc["data"], created_at);
  return !user.id.empty();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: bench_instructions sdk|floor CALLS\n";
    return 2;
  }
  std::string const mode = argv[1];
  int const calls = std::stoi(argv[2]);
  std::ifstream in(std::string(GETXAPI_FIXTURES_DIR) + "/user_info.json");
  std::stringstream fixture;
  fixture << in.rdbuf();
  std::string const body = fixture.str();

  httplib::Server server;
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100'000'000);
  server.Get("/twitter/user/info", [&](httplib::Request const&, httplib::Response& res) {
    res.set_content(body, "application/json");
  });
  int const port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::string const base = "http://127.0.0.1:" + std::to_string(port);

  bool ok = true;
  if (mode == "sdk") {
    getxapi::ClientOptions options;
    options.api_key = "bench-key-0001";
    options.base_url = base;
    getxapi::Client client(options);
    for (int i = 0; i < calls && ok; ++i) ok = client.user_info("ada_example").ok();
  } else {
    CURL* handle = curl_easy_init();
    curl_slist* headers = curl_slist_append(nullptr, "Authorization: Bearer bench-key-0001");
    std::string const url = base + "/twitter/user/info?userName=ada_example";
    std::string response;
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &append);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response);
    for (int i = 0; i < calls && ok; ++i) ok = floor_call(handle, response);
    curl_easy_cleanup(handle);
    curl_slist_free_all(headers);
  }
  server.stop();
  thread.join();
  std::cout << mode << ": " << calls << " calls " << (ok ? "ok" : "FAILED") << "\n";
  return ok ? 0 : 1;
}
