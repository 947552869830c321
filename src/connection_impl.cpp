// The real `Connection`: validation, pacing, spend limit, retries,
// duplicate-safe sending and masked logging over a `Transport`.
#include <getxapi/connection.hpp>
#include <getxapi/curl_transport.hpp>

#include "decode.hpp"
#include "encode.hpp"
#include "error_mapping.hpp"
#include "pacer.hpp"
#include "redact.hpp"
#include "validate.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <sstream>

namespace getxapi {
namespace internal {
namespace {

using internal::Redactor;
using std::chrono::milliseconds;

milliseconds since(std::chrono::steady_clock::time_point start, Clock const& clock) {
  return std::chrono::duration_cast<milliseconds>(clock.steady_now() - start);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

class ConnectionImpl : public Connection, public std::enable_shared_from_this<ConnectionImpl> {
 public:
  explicit ConnectionImpl(ClientOptions o)
      : options(std::move(o)),
        clock_(options.clock ? options.clock : system_clock()),
        sleeper(options.sleeper ? options.sleeper : thread_sleeper()),
        random(options.random ? options.random : default_random()),
        retry(options.retry_policy ? options.retry_policy
                                   : std::make_shared<LimitedRetryPolicy const>()),
        backoff(options.backoff_policy ? options.backoff_policy
                                       : std::make_shared<ExponentialBackoffPolicy const>()),
        pacer(options.pacing, clock_, random) {
    if (auto e = internal::check_api_key(options.api_key)) {
      config_error = std::move(e);
    } else if (auto e2 = internal::check_base_url(options.base_url)) {
      config_error = std::move(e2);
    } else if (options.timeout.count() <= 0 || options.connect_timeout.count() <= 0) {
      config_error = Error(ErrorCode::kInvalidArgument, "timeouts must be positive");
    } else if (options.spend_limit_usd &&
               !(std::isfinite(*options.spend_limit_usd) && *options.spend_limit_usd >= 0)) {
      config_error = Error(ErrorCode::kInvalidArgument, "spend_limit_usd must be >= 0");
    }
    if (options.spend_limit_usd && !config_error) {
      spend_limit_micro = std::llround(*options.spend_limit_usd * 1e6);
    }
    base_url = options.base_url;
    while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
    auth_header = "Bearer " + options.api_key;
    transport = options.transport;
    if (!transport && !config_error) transport = std::make_shared<CurlTransport>(options.curl);
  }

  // One logical call: a request, how to pace it, what to scrub from text.
  struct Call {
    Endpoint endpoint;
    HttpRequest request;
    std::string account;  // auth_token, for pacing and the daily cap
    Redactor redactor;
    bool non_idempotent = false;
  };

  Call make_call(Endpoint endpoint, std::string method, std::string url, std::string body = {}) {
    Call call{endpoint, {}, {}, {}, false};
    call.request.method = std::move(method);
    call.request.url = std::move(url);
    call.request.body = std::move(body);
    call.request.connect_timeout = options.connect_timeout;
    call.request.timeout = options.timeout;
    // Only what GetXAPI needs: it always answers JSON, so no Accept. libcurl
    // formats every header byte through its printf engine on every request
    // (bench/, docs/performance.md).
    call.request.headers.reserve(2);
    call.request.headers.emplace_back("Authorization", auth_header);
    if (call.request.method == "POST") {
      call.request.headers.emplace_back("Content-Type", "application/json");
    }
    call.redactor.add(options.api_key);
    return call;
  }

  // Counts a call refused before anything was sent.
  Error refuse(Endpoint endpoint, Error error) {
    error.set_endpoint(std::string(endpoint_path(endpoint)));
    std::lock_guard<std::mutex> lock(stats_mu);
    auto& s = stats_.endpoints[static_cast<std::size_t>(endpoint)];
    ++s.calls;
    ++s.errors;
    ++s.refused;
    return error;
  }

  template <class T>
  using ResendHook = std::function<std::optional<Result<T>>(Error const&)>;

  template <class T, class Decode>
  Result<T> execute(Call& call, Decode decode, ResendHook<T> const& before_resend = {}) {
    auto const index = static_cast<std::size_t>(call.endpoint);
    {
      std::lock_guard<std::mutex> lock(stats_mu);
      ++stats_.endpoints[index].calls;
    }
    // Cloned at the first failure: most calls succeed at once and need no
    // per-call policy state (two allocations saved on the hot path).
    std::unique_ptr<RetryPolicy> policy;
    std::unique_ptr<BackoffPolicy> backoff_policy;
    auto const start = clock_->steady_now();
    int attempts = 0;
    auto fail = [&](Error error) -> Result<T> {
      error.set_attempts(attempts);
      if (error.endpoint().empty()) error.set_endpoint(std::string(endpoint_path(call.endpoint)));
      error.set_message(call.redactor.scrub(error.message()));
      std::lock_guard<std::mutex> lock(stats_mu);
      ++stats_.endpoints[index].errors;
      if (attempts == 0) ++stats_.endpoints[index].refused;
      return error;
    };

    for (;;) {
      auto slot = pacer.reserve(call.endpoint, call.account);
      if (!slot) return fail(std::move(slot).error());
      if (slot->delay.count() > 0 &&
          !wait(call.endpoint, slot->reason, slot->delay, attempts, std::nullopt)) {
        if (call.endpoint == Endpoint::kDmSend) pacer.cancel_send(call.account);
        Error error(ErrorCode::kRateLimited, "wait for the local rate limit was cancelled");
        error.set_retry_after(std::chrono::ceil<std::chrono::seconds>(slot->delay));
        return fail(std::move(error));
      }
      if (auto refused = reserve_budget(call.endpoint)) {
        if (call.endpoint == Endpoint::kDmSend) pacer.cancel_send(call.account);
        return fail(std::move(*refused));
      }
      ++attempts;
      log_request(call, attempts);
      // The exchange is timed only for the log: a clock read is not free.
      bool const timed = static_cast<bool>(options.logger);
      auto const sent_at = timed ? clock_->steady_now() : start;
      auto response = transport->send(call.request);
      auto const took = timed ? since(sent_at, *clock_) : milliseconds(0);
      bool const billed = response && response->status >= 200 && response->status < 300;
      settle_budget(call.endpoint, billed, attempts > 1);
      log_response(call, response, took);

      Error error;
      if (billed) {
        auto decoded = decode(std::string_view(response->body));
        if (decoded) return decoded;
        error = std::move(decoded).error();
        error.set_http_status(response->status).set_request_sent(true);
      } else if (response) {
        error = internal::map_http_error(call.endpoint, *response, clock_->system_now());
      } else {
        error = std::move(response).error();
      }
      error.set_attempts(attempts);
      bool const maybe_delivered = error.code() == ErrorCode::kServerError ||
                                   (error.request_sent() && (error.code() == ErrorCode::kNetwork ||
                                                             error.code() == ErrorCode::kTimeout));
      if (call.endpoint == Endpoint::kDmSend && !maybe_delivered && !billed) {
        pacer.cancel_send(call.account);
      }

      auto const elapsed = since(start, *clock_);
      if (!policy) {
        policy = retry->clone();
        backoff_policy = backoff->clone();
      }
      if (!policy->is_retryable(error) || !policy->on_failure(error, elapsed)) {
        return fail(std::move(error));
      }
      // A non-idempotent request that may have landed is only repeated when
      // the caller's hook can check first.
      if (call.non_idempotent && maybe_delivered && !before_resend) return fail(std::move(error));

      milliseconds delay;
      WaitReason reason;
      auto const left = policy->time_left(elapsed);
      if (error.retry_after()) {
        delay = std::chrono::duration_cast<milliseconds>(*error.retry_after());
        reason = WaitReason::kRetryAfter;
        // Asked for longer than we may wait: say so now rather than sleep.
        if (delay > policy->max_single_wait() || delay > left) return fail(std::move(error));
      } else {
        delay = std::min({backoff_policy->next_delay(*random), policy->max_single_wait(), left});
        reason = WaitReason::kBackoff;
        if (left.count() <= 0) return fail(std::move(error));
      }
      if (delay.count() > 0 && !wait(call.endpoint, reason, delay, attempts, error)) {
        return fail(std::move(error));
      }
      if (before_resend) {
        if (auto settled = before_resend(error)) {
          if (!*settled) {
            Error e = settled->error();
            e.set_attempts(attempts);
            return fail(std::move(e));
          }
          return std::move(*settled);
        }
      }
    }
  }

  bool wait(Endpoint endpoint, WaitReason reason, milliseconds delay, int attempts,
            std::optional<Error> const& error) {
    if (options.on_wait) {
      WaitEvent event{endpoint, reason, delay, attempts, error};
      if (!options.on_wait(event)) return false;
    }
    if (options.logger.enabled(LogLevel::kWarning)) {
      std::ostringstream line;
      line << to_string(endpoint) << ": waiting " << delay.count() << " ms (" << to_string(reason)
           << ")";
      if (error) line << " after " << to_string(error->code()) << " http " << error->http_status();
      options.logger.sink(LogLevel::kWarning, line.str());
    }
    {
      std::lock_guard<std::mutex> lock(stats_mu);
      auto& s = stats_.endpoints[static_cast<std::size_t>(endpoint)];
      ++s.waits;
      s.wait_ms += delay.count();
    }
    sleeper->sleep_for(delay);
    return true;
  }

  std::optional<Error> reserve_budget(Endpoint endpoint) {
    std::lock_guard<std::mutex> lock(stats_mu);
    auto const price = options.prices.price(endpoint);
    if (spend_limit_micro) {
      auto const committed = stats_.total().spend_micro_usd + reserved_spend;
      if (committed + price > *spend_limit_micro) {
        char text[160];
        std::snprintf(text, sizeof text,
                      "spend limit of $%.4f would be passed: $%.4f spent, this call costs $%.4f",
                      static_cast<double>(*spend_limit_micro) / 1e6,
                      static_cast<double>(committed) / 1e6, static_cast<double>(price) / 1e6);
        return Error(ErrorCode::kBudgetExceeded, text);
      }
    }
    reserved_spend += price;
    return std::nullopt;
  }

  void settle_budget(Endpoint endpoint, bool billed, bool retry) {
    std::lock_guard<std::mutex> lock(stats_mu);
    auto const price = options.prices.price(endpoint);
    reserved_spend -= price;
    auto& s = stats_.endpoints[static_cast<std::size_t>(endpoint)];
    ++s.requests;
    if (retry) ++s.retries;
    if (billed) {
      ++s.billed_calls;
      s.spend_micro_usd += price;
    }
  }

  void log_request(Call const& call, int attempt) {
    if (!options.logger.enabled(LogLevel::kDebug)) return;
    std::string line = "> " + call.request.method + " " + call.redactor.scrub(call.request.url);
    line += " (attempt " + std::to_string(attempt) + ")";
    for (auto const& [name, value] : call.request.headers) {
      line += " | " + name + ": " + (iequals(name, "authorization") ? "Bearer ***" : value);
    }
    if (!call.request.body.empty()) line += " | body: " + call.redactor.body(call.request.body);
    options.logger.sink(LogLevel::kDebug, line);
  }

  void log_response(Call const& call, Result<HttpResponse> const& response, milliseconds took) {
    if (!options.logger) return;
    if (!response) {
      if (options.logger.enabled(LogLevel::kInfo)) {
        options.logger.sink(LogLevel::kInfo,
                            std::string(to_string(call.endpoint)) + " failed after " +
                                std::to_string(took.count()) +
                                " ms: " + call.redactor.scrub(response.error().message()));
      }
      return;
    }
    if (options.logger.enabled(LogLevel::kDebug)) {
      options.logger.sink(LogLevel::kDebug, "< " + std::to_string(response->status) + " in " +
                                                std::to_string(took.count()) + " ms | body: " +
                                                call.redactor.body(response->body));
    } else if (options.logger.enabled(LogLevel::kInfo)) {
      options.logger.sink(LogLevel::kInfo, std::string(to_string(call.endpoint)) + " -> " +
                                               std::to_string(response->status) + " in " +
                                               std::to_string(took.count()) + " ms");
    }
  }

  // ---- Calls -------------------------------------------------------------

  Result<UserPage> user_page(Endpoint endpoint, std::string_view user_name,
                             std::string_view cursor) {
    std::string name;
    if (config_error) return refuse(endpoint, *config_error);
    if (auto e = internal::check_user_name(user_name, name, "user_name"))
      return refuse(endpoint, *e);
    if (auto e = internal::check_cursor(cursor)) return refuse(endpoint, *e);
    std::vector<std::pair<std::string_view, std::string_view>> query = {{"userName", name}};
    if (!cursor.empty()) query.emplace_back("cursor", cursor);
    auto call =
        make_call(endpoint, "GET", internal::build_url(base_url, endpoint_path(endpoint), query));
    std::string_view const key = endpoint == Endpoint::kFollowers ? "followers" : "following";
    auto page = execute<UserPage>(
        call, [key](std::string_view body) { return internal::decode_user_page(body, key); });
    if (page) page->cursor.assign(cursor);
    return page;
  }

  // ---- Conversations: dm/list with tabs, session tokens and proxy; dm/conversation

  // The proxy an inbox read carries: the request's, else the client's default.
  std::string const& proxy_for(std::string const& requested) const {
    return requested.empty() ? options.default_proxy : requested;
  }

  // An inbox read's secrets, scrubbed from every line and error it causes:
  // the token, ct0, and a proxy's `user:pass` (and the password alone).
  static void add_inbox_secrets(Call& call, std::string const& auth_token, std::string_view ct0,
                                std::string_view proxy) {
    call.account = auth_token;
    call.redactor.add(auth_token);
    call.redactor.add(ct0);
    auto const credentials = internal::proxy_credentials(proxy);
    call.redactor.add(credentials);
    auto const colon = credentials.find(':');
    if (colon != std::string_view::npos) call.redactor.add(credentials.substr(colon + 1));
  }

  Result<MessagePage> list_dms(ListDmsRequest const& request) override {
    constexpr auto kEndpoint = Endpoint::kDmList;
    if (config_error) return refuse(kEndpoint, *config_error);
    auto const& proxy = proxy_for(request.proxy);
    if (auto e = internal::check_list_dms(request)) return refuse(kEndpoint, *e);
    if (auto e = internal::check_proxy(proxy)) return refuse(kEndpoint, *e);
    auto call =
        make_call(kEndpoint, "POST", internal::build_url(base_url, endpoint_path(kEndpoint), {}),
                  internal::encode_list_dms(request, proxy));
    add_inbox_secrets(call, request.auth_token, request.ct0, proxy);
    auto const tab = request.tab;
    auto page = execute<MessagePage>(
        call, [tab](std::string_view body) { return internal::decode_message_page(body, tab); });
    if (page) page->cursor = request.cursor;
    return page;
  }

  Result<MessagePage> conversation(ConversationRequest const& request) override {
    constexpr auto kEndpoint = Endpoint::kDmConversation;
    if (config_error) return refuse(kEndpoint, *config_error);
    auto const& proxy = proxy_for(request.proxy);
    if (auto e = internal::check_conversation(request)) return refuse(kEndpoint, *e);
    if (auto e = internal::check_proxy(proxy)) return refuse(kEndpoint, *e);
    auto call =
        make_call(kEndpoint, "POST", internal::build_url(base_url, endpoint_path(kEndpoint), {}),
                  internal::encode_conversation(request, proxy));
    add_inbox_secrets(call, request.auth_token, {}, proxy);
    auto page = execute<MessagePage>(call, &internal::decode_conversation_page);
    if (!page) return page;
    page->cursor = request.cursor;
    if (page->conversation_id.empty()) {
      // The answer did not say: it is the thread asked for.
      page->conversation_id = request.conversation_id;
      for (auto& m : page->items) {
        if (m.conversation_id.empty()) m.conversation_id = request.conversation_id;
      }
    }
    return page;
  }

  // Looks for `text` sent to `recipient` since `since` in the sender's newest
  // inbox pages. nullopt: not there. An error: could not tell.
  Result<std::optional<Message>> find_delivered(SendDmRequest const& request,
                                                std::string const& normalized, Timestamp since) {
    constexpr int kMaxPages = 3;
    ListDmsRequest list{request.auth_token, {}, std::nullopt};
    std::optional<std::string> resolved_id;
    if (request.recipient.is_id()) resolved_id = normalized;
    for (int page_no = 0; page_no < kMaxPages; ++page_no) {
      auto page = list_dms(list);
      if (!page) return std::move(page).error();
      bool older_seen = false;
      for (auto& message : page->items) {
        if (!message.created_at || *message.created_at < since) {
          older_seen = older_seen || message.created_at.has_value();
          continue;
        }
        if (message.text != request.text) continue;
        if (!page->user_id.empty() && message.sender_id != page->user_id) continue;
        bool match = false;
        if (!request.recipient.is_id() && !message.recipient_username.empty()) {
          match = iequals(message.recipient_username, normalized);
        } else {
          if (!resolved_id) {
            auto user = user_info(normalized);
            if (!user) return std::move(user).error();
            resolved_id = user->id;
          }
          match = message.recipient_id == *resolved_id;
        }
        if (match) return std::optional<Message>(std::move(message));
      }
      if (!page->has_more || older_seen) break;
      list.cursor = page->next_cursor;
    }
    return std::optional<Message>();
  }

  Result<Message> send_dm(SendDmRequest const& request) override {
    constexpr auto kEndpoint = Endpoint::kDmSend;
    if (config_error) return refuse(kEndpoint, *config_error);
    std::string normalized;
    if (auto e = internal::check_auth_token(request.auth_token)) return refuse(kEndpoint, *e);
    if (auto e = internal::check_recipient(request.recipient, normalized)) {
      return refuse(kEndpoint, *e);
    }
    if (auto e = internal::check_text(request.text)) return refuse(kEndpoint, *e);
    auto call = make_call(
        kEndpoint, "POST", internal::build_url(base_url, "/twitter/dm/send", {}),
        internal::encode_send_dm(request.auth_token, request.recipient, normalized, request.text));
    call.account = request.auth_token;
    call.redactor.add(request.auth_token);
    call.non_idempotent = true;
    call.request.idempotent = false;
    Timestamp const first_attempt = clock_->system_now() - options.duplicate_check_skew;

    ResendHook<Message> hook;
    if (options.duplicate_safe_send) {
      hook = [&](Error const& error) -> std::optional<Result<Message>> {
        bool const maybe_delivered =
            error.code() == ErrorCode::kServerError ||
            (error.request_sent() &&
             (error.code() == ErrorCode::kNetwork || error.code() == ErrorCode::kTimeout));
        if (!maybe_delivered) return std::nullopt;
        auto found = find_delivered(request, normalized, first_attempt);
        if (!found) {
          Error unknown = error;
          unknown
              .set_message(error.message() +
                           "; the DM may have been delivered and the inbox check failed (" +
                           std::string(to_string(found.error().code())) +
                           "), so it was not sent again")
              .set_request_sent(true);
          return Result<Message>(std::move(unknown));
        }
        if (!*found && error.code() == ErrorCode::kTimeout) {
          // No answer came, so the server may still be working on the first
          // attempt and deliver it after this check: sending again could
          // deliver it twice. (A 5xx or a dropped connection is an answer.)
          Error pending = error;
          pending
              .set_message(error.message() +
                           "; the DM was not in the inbox yet but may still be delivered, "
                           "so it was not sent again")
              .set_request_sent(true);
          return Result<Message>(std::move(pending));
        }
        if (!*found) {
          // Not delivered: safe to send again, and the failed attempt must
          // not count against the daily cap (the resend reserves its own).
          pacer.cancel_send(request.auth_token);
          return std::nullopt;
        }
        Message message = std::move(**found);
        message.recovered = true;
        std::lock_guard<std::mutex> lock(stats_mu);
        ++stats_.endpoints[static_cast<std::size_t>(kEndpoint)].recovered;
        return Result<Message>(std::move(message));
      };
    }
    return execute<Message>(call, &internal::decode_send_dm, hook);
  }

  Result<User> user_info(std::string_view user_name) override {
    constexpr auto kEndpoint = Endpoint::kUserInfo;
    if (config_error) return refuse(kEndpoint, *config_error);
    std::string name;
    if (auto e = internal::check_user_name(user_name, name, "user_name"))
      return refuse(kEndpoint, *e);
    auto call =
        make_call(kEndpoint, "GET",
                  internal::build_url(base_url, "/twitter/user/info", {{"userName", name}}));
    return execute<User>(call, &internal::decode_user_info);
  }

  Result<LoginResult> login(LoginRequest const& request) override {
    constexpr auto kEndpoint = Endpoint::kLogin;
    if (config_error) return refuse(kEndpoint, *config_error);
    LoginRequest normalized;
    if (auto e = internal::check_login(request, normalized)) {
      Redactor redactor;
      redactor.add(request.password);
      redactor.add(request.totp_secret);
      e->set_message(redactor.scrub(e->message()));
      return refuse(kEndpoint, *e);
    }
    auto call =
        make_call(kEndpoint, "POST", internal::build_url(base_url, "/twitter/user_login", {}),
                  internal::encode_login(normalized));
    call.redactor.add(request.password);
    call.redactor.add(normalized.totp_secret);
    call.redactor.add(request.totp_secret);
    auto result = execute<LoginResult>(call, &internal::decode_login);
    return result;
  }

  Result<UserPage> followers(std::string_view user_name, std::string_view cursor) override {
    return user_page(Endpoint::kFollowers, user_name, cursor);
  }
  Result<UserPage> following(std::string_view user_name, std::string_view cursor) override {
    return user_page(Endpoint::kFollowing, user_name, cursor);
  }

  Stats stats() const override {
    std::lock_guard<std::mutex> lock(stats_mu);
    return stats_;
  }
  void seed_daily_sends(std::string_view auth_token, int sends) override {
    pacer.seed_daily_sends(auth_token, sends);
  }
  int daily_sends(std::string_view auth_token) const override {
    return pacer.daily_sends(auth_token);
  }
  std::shared_ptr<Clock> clock() const override { return clock_; }
  PacingOptions pacing() const override { return options.pacing; }

  ClientOptions options;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<Sleeper> sleeper;
  std::shared_ptr<RandomSource> random;
  std::shared_ptr<RetryPolicy const> retry;
  std::shared_ptr<BackoffPolicy const> backoff;
  internal::Pacer pacer;
  std::optional<Error> config_error;
  std::shared_ptr<Transport> transport;
  std::string base_url;
  std::string auth_header;
  std::optional<std::int64_t> spend_limit_micro;
  mutable std::mutex stats_mu;
  Stats stats_;
  std::int64_t reserved_spend = 0;
};

}  // namespace internal

std::shared_ptr<Connection> make_connection(ClientOptions options) {
  return std::make_shared<internal::ConnectionImpl>(std::move(options));
}

}  // namespace getxapi
