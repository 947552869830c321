// A tiny X behind a FakeTransport for the outbox's unit tests: dm/send delivers into
// inboxes that dm/list serves, user/info answers from a table, and a test scripts
// per-token or per-recipient failures. No sockets, no sleeping.
#pragma once

#include "fake_clock.hpp"
#include "fake_transport.hpp"

#include <getxapi/getxapi.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace getxapi::outbox::testing {

using getxapi::testing::FakeClock;
using getxapi::testing::FakeSleeper;
using getxapi::testing::FakeTransport;
using getxapi::testing::json_response;
using nlohmann::json;

struct Delivered {
  std::string id, token, sender_id, recipient_id, text;
  Timestamp at;
};

class FakeX {
 public:
  /// What dm/send answers for a request; nullopt: deliver normally.
  using SendHook = std::function<std::optional<Result<HttpResponse>>(
      std::string const& token, std::string const& recipient_id, std::string const& text)>;

  explicit FakeX(std::shared_ptr<FakeClock> clock) : clock_(std::move(clock)) {
    transport_ = std::make_shared<FakeTransport>();
    transport_->set_handler([this](HttpRequest const& r) { return handle(r); });
  }

  std::shared_ptr<FakeTransport> transport() const { return transport_; }

  void add_account(std::string const& token, std::string const& user_id) {
    users_of_token_[token] = user_id;
  }
  void add_user(std::string const& handle, std::string const& id, bool can_dm) {
    handles_[handle] = {id, can_dm};
  }
  void on_send(SendHook hook) {
    std::lock_guard<std::mutex> lock(mu_);
    send_hook_ = std::move(hook);
  }
  /// dm/list answers this status (e.g. 500) while set.
  void fail_list(int status) { list_status_ = status; }

  std::vector<Delivered> delivered() const {
    std::lock_guard<std::mutex> lock(mu_);
    return delivered_;
  }
  int sends() const { return count("/twitter/dm/send"); }
  int lists() const { return count("/twitter/dm/list"); }
  int infos() const { return count("/twitter/user/info"); }

  /// Delivers as dm/send would (for "delivered, then the answer was lost").
  Delivered deliver(std::string const& token, std::string const& recipient,
                    std::string const& text) {
    std::lock_guard<std::mutex> lock(mu_);
    return deliver_locked(token, recipient, text);
  }

 private:
  int count(std::string const& path) const {
    int n = 0;
    for (auto const& r : transport_->requests()) n += r.url.find(path) != std::string::npos;
    return n;
  }

  Delivered deliver_locked(std::string const& token, std::string const& recipient,
                           std::string const& text) {
    Delivered d{std::to_string(3000000000000000000LL + static_cast<long long>(delivered_.size())),
                token,
                users_of_token_[token],
                recipient,
                text,
                clock_->system_now()};
    delivered_.push_back(d);
    return d;
  }

  static Result<HttpResponse> error(int status, std::string message, std::optional<int> code = {}) {
    json body{{"error", std::move(message)}};
    if (code) body["twitter_error_code"] = *code;
    return json_response(status, body.dump());
  }

  Result<HttpResponse> handle(HttpRequest const& r) {
    if (r.url.find("/twitter/user/info") != std::string::npos) return user_info(r);
    json body = json::parse(r.body, nullptr, false);
    std::string const token = body.value("auth_token", "");
    std::lock_guard<std::mutex> lock(mu_);
    if (!users_of_token_.count(token)) {
      return error(401, "Invalid auth_token - could not extract userId");
    }
    if (r.url.find("/twitter/dm/send") != std::string::npos) {
      std::string const to = body.value("recipient_id", "");
      std::string const text = body.value("text", "");
      if (send_hook_) {
        if (auto scripted = send_hook_(token, to, text)) return *scripted;
      }
      auto d = deliver_locked(token, to, text);
      return json_response(200, json{{"status", "success"},
                                     {"data",
                                      {{"id", d.id},
                                       {"createdAt", format_timestamp(d.at)},
                                       {"senderId", d.sender_id},
                                       {"recipientId", d.recipient_id},
                                       {"text", d.text}}}}
                                    .dump());
    }
    if (list_status_ != 0) return error(list_status_, "Internal server error");
    json messages = json::array();
    std::string const me = users_of_token_[token];
    for (auto it = delivered_.rbegin(); it != delivered_.rend(); ++it) {
      if (it->sender_id != me) continue;
      messages.push_back({{"id", it->id},
                          {"createdAt", format_timestamp(it->at)},
                          {"senderId", it->sender_id},
                          {"recipientId", it->recipient_id},
                          {"text", it->text},
                          {"media", nullptr}});
    }
    return json_response(200, json{{"userId", me},
                                   {"message_count", messages.size()},
                                   {"has_more", false},
                                   {"next_cursor", nullptr},
                                   {"messages", messages}}
                                  .dump());
  }

  Result<HttpResponse> user_info(HttpRequest const& r) {
    auto const at = r.url.find("userName=");
    std::string const handle = at == std::string::npos ? "" : r.url.substr(at + 9);
    auto it = handles_.find(handle);
    if (it == handles_.end()) return error(404, "Could not find user @" + handle);
    return json_response(200, json{{"status", "success"},
                                   {"data",
                                    {{"id", it->second.first},
                                     {"userName", handle},
                                     {"name", handle},
                                     {"canDm", it->second.second}}}}
                                  .dump());
  }

  std::shared_ptr<FakeClock> clock_;
  std::shared_ptr<FakeTransport> transport_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> users_of_token_;
  std::map<std::string, std::pair<std::string, bool>> handles_;
  SendHook send_hook_;
  int list_status_ = 0;
  std::vector<Delivered> delivered_;
};

}  // namespace getxapi::outbox::testing
