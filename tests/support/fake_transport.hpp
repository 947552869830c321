// A scripted Transport for unit tests: answers from a queue or a handler and
// records every request it was given.
#pragma once

#include <getxapi/transport.hpp>

#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace getxapi::testing {

inline HttpResponse json_response(int status, std::string body, HttpHeaders headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.headers.emplace_back("content-type", "application/json");
  return r;
}

/// The text of tests/fixtures/<name>.
inline std::string fixture(std::string const& name) {
  std::ifstream in(std::string(GETXAPI_FIXTURES_DIR) + "/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  if (out.str().empty()) throw std::runtime_error("missing fixture " + name);
  return out.str();
}

class FakeTransport : public Transport {
 public:
  using Handler = std::function<Result<HttpResponse>(HttpRequest const&)>;

  /// Answers the next request with `response` (queued in order).
  FakeTransport& then(Result<HttpResponse> response) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(response));
    return *this;
  }
  FakeTransport& then(int status, std::string body, HttpHeaders headers = {}) {
    return then(Result<HttpResponse>(json_response(status, std::move(body), std::move(headers))));
  }
  /// Answers every request the queue does not.
  void set_handler(Handler handler) {
    std::lock_guard<std::mutex> lock(mu_);
    handler_ = std::move(handler);
  }

  Result<HttpResponse> send(HttpRequest const& request) override {
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
      if (!queue_.empty()) {
        auto r = std::move(queue_.front());
        queue_.pop_front();
        return r;
      }
      handler = handler_;
    }
    if (handler) return handler(request);
    return Error(ErrorCode::kNetwork, "FakeTransport: no response scripted");
  }

  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::size_t request_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.size();
  }
  HttpRequest last() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.back();
  }

 private:
  mutable std::mutex mu_;
  std::deque<Result<HttpResponse>> queue_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
};

}  // namespace getxapi::testing
