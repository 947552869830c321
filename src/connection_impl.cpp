// The real `Connection`. One call's flow:
//   a public call (send_dm, list_dms, ...)  validates and builds a `Call`
//   -> execute()     counts the call, runs the retry loop, finishes the error
//   -> retry_loop()  (retry_loop.hpp) policies, backoff, idempotency, waits
//   -> attempt()     one decoded attempt: exchange() + decode + reservation
//   -> exchange()    pacing slot, spend budget, transport, accounting, logs,
//                    HTTP error mapping (error_mapping.cpp)
#include <getxapi/connection.hpp>
#include <getxapi/curl_transport.hpp>
#include <getxapi/inbox_walker.hpp>

#include "accounting.hpp"
#include "call_log.hpp"
#include "decode.hpp"
#include "encode.hpp"
#include "error_mapping.hpp"
#include "pacer.hpp"
#include "redact.hpp"
#include "retry_loop.hpp"
#include "validate.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>

namespace getxapi {
namespace internal {
namespace {

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

std::optional<Error> check_options(ClientOptions const& options) {
  if (auto e = check_api_key(options.api_key)) return e;
  if (auto e = check_base_url(options.base_url)) return e;
  if (options.timeout.count() <= 0 || options.connect_timeout.count() <= 0) {
    return Error(ErrorCode::kInvalidArgument, "timeouts must be positive");
  }
  if (options.spend_limit_usd &&
      !(std::isfinite(*options.spend_limit_usd) && *options.spend_limit_usd >= 0)) {
    return Error(ErrorCode::kInvalidArgument, "spend_limit_usd must be >= 0");
  }
  return std::nullopt;
}

std::optional<std::int64_t> spend_limit_micro(ClientOptions const& options, bool usable) {
  if (!options.spend_limit_usd || !usable) return std::nullopt;
  return std::llround(*options.spend_limit_usd * 1e6);
}

// A failed dm/send after which the DM may have gone out says so, whichever
// path it failed on (5xx, timeout, drop, an unreadable 2xx).
void mark_maybe_delivered(Error& error) {
  error.set_request_sent(true);
  auto const& text = error.message();
  if (text.find("may have been delivered") != std::string::npos ||
      text.find("may still be delivered") != std::string::npos) {
    return;
  }
  error.set_message(text +
                    "; the DM may have been delivered: check the inbox before sending it "
                    "again");
}

}  // namespace

class ConnectionImpl : public Connection {
 public:
  explicit ConnectionImpl(ClientOptions o)
      : options_(std::move(o)),
        clock_(options_.clock ? options_.clock : system_clock()),
        sleeper_(options_.sleeper ? options_.sleeper : thread_sleeper()),
        random_(options_.random ? options_.random : default_random()),
        retry_(options_.retry_policy ? options_.retry_policy
                                     : std::make_shared<LimitedRetryPolicy const>()),
        backoff_(options_.backoff_policy ? options_.backoff_policy
                                         : std::make_shared<ExponentialBackoffPolicy const>()),
        pacer_(options_.pacing, clock_, random_),
        config_error_(check_options(options_)),
        accounting_(options_.prices, spend_limit_micro(options_, !config_error_)),
        log_(options_.logger),
        transport_(options_.transport) {
    base_url_ = options_.base_url;
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
    auth_header_ = "Bearer " + options_.api_key;
    if (!transport_ && !config_error_) transport_ = std::make_shared<CurlTransport>(options_.curl);
  }

  Result<LoginResult> login(LoginRequest const& request) override;
  Result<User> user_info(std::string_view user_name) override;
  Result<UserPage> followers(std::string_view user_name, std::string_view cursor) override {
    return user_page(Endpoint::kFollowers, user_name, cursor);
  }
  Result<UserPage> following(std::string_view user_name, std::string_view cursor) override {
    return user_page(Endpoint::kFollowing, user_name, cursor);
  }
  Result<Message> send_dm(SendDmRequest const& request) override;
  Result<MessagePage> list_dms(ListDmsRequest const& request) override;
  Result<MessagePage> conversation(ConversationRequest const& request) override;

  Stats stats() const override { return accounting_.snapshot(); }
  void seed_daily_sends(std::string_view auth_token, int sends) override {
    pacer_.seed_daily_sends(auth_token, sends);
  }
  int daily_sends(std::string_view auth_token) const override {
    return pacer_.daily_sends(auth_token);
  }
  std::shared_ptr<Clock> clock() const override { return clock_; }
  PacingOptions pacing() const override { return options_.pacing; }

 private:
  // One logical call: a request, how to pace it, what to scrub from text.
  struct Call {
    Endpoint endpoint;
    HttpRequest request;
    std::string account;  // auth_token, for pacing and the daily cap
    Redactor redactor;
    Idempotency idempotency = Idempotency::kIdempotent;
    // The reservation of an attempt that may have taken effect: committed when
    // the call ends, unless the inbox shows the DM did not go out.
    std::optional<PacerReservation> in_doubt;

    void hold_in_doubt(PacerReservation reservation) {
      if (in_doubt) in_doubt->commit();
      in_doubt = std::move(reservation);
    }
    void release_in_doubt() {
      if (in_doubt) in_doubt->release();
      in_doubt.reset();
    }
    void commit_in_doubt() {
      if (in_doubt) in_doubt->commit();
      in_doubt.reset();
    }
  };

  // What one request on the wire gave. No reservation: refused before sending.
  struct Exchange {
    Result<HttpResponse> response;  // a 2xx, or the failure as a typed Error
    std::optional<PacerReservation> reservation;
  };

  Call make_call(Endpoint endpoint, std::string method, std::string url, std::string body = {});
  // The proxy an inbox read carries: the request's, else the client's default.
  std::string const& proxy_for(std::string const& requested) const {
    return requested.empty() ? options_.default_proxy : requested;
  }
  static void add_inbox_secrets(Call& call, std::string const& auth_token, std::string_view ct0,
                                std::string_view proxy);
  Error refuse(Endpoint endpoint, Error error);
  Error fail(Call const& call, int attempts, Error error);
  bool wait(Endpoint endpoint, WaitReason reason, milliseconds delay, int attempts,
            std::optional<Error> const& error);
  Exchange exchange(Call& call, int& attempts);
  void settle(Call& call, PacerReservation reservation, Error const* error);

  template <class T, class Decode>
  AttemptResult<T> attempt(Call& call, int& attempts, Decode& decode) {
    Exchange ex = exchange(call, attempts);
    if (!ex.reservation) return {std::move(ex.response).error(), false};
    Result<T> result = ex.response ? decode(std::move(ex.response->body))
                                   : Result<T>(std::move(ex.response).error());
    if (!result) {
      Error error = std::move(result).error();
      if (ex.response) error.set_http_status(ex.response->status).set_request_sent(true);
      error.set_attempts(attempts);
      result = std::move(error);
    }
    settle(call, std::move(*ex.reservation), result ? nullptr : &result.error());
    return {std::move(result), true};
  }

  template <class T, class Decode>
  Result<T> execute(Call& call, Decode decode, ResendCheck<T> const& check_before_resend = {}) {
    accounting_.count_call(call.endpoint);
    int attempts = 0;
    RetryLoopPolicies const policies{*retry_, *backoff_, *clock_, *random_};
    RetrySleeper const sleeper = [&](RetryWait const& w, Error const& error) {
      return wait(call.endpoint, w.reason, w.delay, attempts, error);
    };
    auto result = retry_loop<T>(
        policies, call.idempotency, sleeper, [&] { return attempt<T>(call, attempts, decode); },
        check_before_resend);
    call.commit_in_doubt();
    if (!result) return fail(call, attempts, std::move(result).error());
    return result;
  }

  Result<UserPage> user_page(Endpoint endpoint, std::string_view user_name,
                             std::string_view cursor);
  Result<std::optional<Message>> find_delivered(SendDmRequest const& request,
                                                std::string const& normalized, Timestamp since);
  std::optional<Result<Message>> check_before_resend(Call& call, SendDmRequest const& request,
                                                     std::string const& normalized,
                                                     Timestamp first_attempt, Error const& error);

  ClientOptions options_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<Sleeper> sleeper_;
  std::shared_ptr<RandomSource> random_;
  std::shared_ptr<RetryPolicy const> retry_;
  std::shared_ptr<BackoffPolicy const> backoff_;
  Pacer pacer_;
  std::optional<Error> config_error_;
  Accounting accounting_;
  CallLog log_;
  std::shared_ptr<Transport> transport_;
  std::string base_url_;
  std::string auth_header_;
};

// ---- The attempt step -------------------------------------------------------

ConnectionImpl::Call ConnectionImpl::make_call(Endpoint endpoint, std::string method,
                                               std::string url, std::string body) {
  Call call{endpoint, {}, {}, {}, Idempotency::kIdempotent, std::nullopt};
  call.request.method = std::move(method);
  call.request.url = std::move(url);
  call.request.body = std::move(body);
  call.request.connect_timeout = options_.connect_timeout;
  call.request.timeout = options_.timeout;
  // Only what GetXAPI needs: it always answers JSON, so no Accept. libcurl
  // formats every header byte through its printf engine on every request
  // (bench/, docs/performance.md).
  call.request.headers.reserve(2);
  call.request.headers.emplace_back("Authorization", auth_header_);
  if (call.request.method == "POST") {
    call.request.headers.emplace_back("Content-Type", "application/json");
  }
  call.redactor.add(options_.api_key);
  return call;
}

// Counts a call refused before anything was sent.
Error ConnectionImpl::refuse(Endpoint endpoint, Error error) {
  error.set_endpoint(std::string(endpoint_path(endpoint)));
  accounting_.count_refused_call(endpoint);
  return error;
}

Error ConnectionImpl::fail(Call const& call, int attempts, Error error) {
  error.set_attempts(attempts);
  if (error.endpoint().empty()) error.set_endpoint(std::string(endpoint_path(call.endpoint)));
  if (call.idempotency == Idempotency::kNonIdempotent && error.may_have_taken_effect()) {
    mark_maybe_delivered(error);
  }
  error.set_message(call.redactor.scrub(error.message()));
  accounting_.count_failure(call.endpoint, attempts == 0);
  return error;
}

bool ConnectionImpl::wait(Endpoint endpoint, WaitReason reason, milliseconds delay, int attempts,
                          std::optional<Error> const& error) {
  if (options_.on_wait) {
    WaitEvent event{endpoint, reason, delay, attempts, error};
    if (!options_.on_wait(event)) return false;
  }
  log_.wait(endpoint, to_string(reason), delay, error);
  accounting_.count_wait(endpoint, delay);
  sleeper_->sleep_for(delay);
  return true;
}

ConnectionImpl::Exchange ConnectionImpl::exchange(Call& call, int& attempts) {
  auto reservation = pacer_.reserve_slot(call.endpoint, call.account);
  if (!reservation) return {std::move(reservation).error(), std::nullopt};
  auto const slot = reservation->slot();
  if (slot.delay.count() > 0 &&
      !wait(call.endpoint, slot.reason, slot.delay, attempts, std::nullopt)) {
    Error error(ErrorCode::kRateLimited, "wait for the local rate limit was cancelled");
    error.set_retry_after(std::chrono::ceil<std::chrono::seconds>(slot.delay));
    return {std::move(error), std::nullopt};  // the reservation gives itself back
  }
  if (auto refused = accounting_.reserve_budget(call.endpoint)) {
    return {std::move(*refused), std::nullopt};
  }
  ++attempts;
  log_.request(call.endpoint, call.request, call.redactor, attempts);
  // The exchange is timed only for the log: a clock read is not free.
  bool const timed = log_.active();
  auto const sent_at = timed ? clock_->steady_now() : std::chrono::steady_clock::time_point{};
  auto response = transport_->send(call.request);
  auto const took = timed ? since(sent_at, *clock_) : milliseconds(0);
  bool const answered_2xx = response && response->status >= 200 && response->status < 300;
  accounting_.settle_budget(call.endpoint, answered_2xx, attempts > 1);
  log_.response(call.endpoint, response, call.redactor, took);
  if (response && !answered_2xx) {
    Error error = map_http_error(call.endpoint, *response, clock_->system_now());
    response = std::move(error);
  }
  if (!response) {
    Error error = std::move(response).error();
    error.set_attempts(attempts);
    response = std::move(error);
  }
  return {std::move(response), std::move(*reservation)};
}

void ConnectionImpl::settle(Call& call, PacerReservation reservation, Error const* error) {
  if (error == nullptr) return reservation.commit();
  // It may have gone out: keep its place until the inbox says otherwise.
  if (error->may_have_taken_effect()) return call.hold_in_doubt(std::move(reservation));
  // It certainly did not: `reservation` gives its place back here.
}

// ---- Calls ------------------------------------------------------------------

Result<UserPage> ConnectionImpl::user_page(Endpoint endpoint, std::string_view user_name,
                                           std::string_view cursor) {
  std::string name;
  if (config_error_) return refuse(endpoint, *config_error_);
  if (auto e = check_user_name(user_name, name, "user_name")) return refuse(endpoint, *e);
  if (auto e = check_cursor(cursor)) return refuse(endpoint, *e);
  std::vector<std::pair<std::string_view, std::string_view>> query = {{"userName", name}};
  if (!cursor.empty()) query.emplace_back("cursor", cursor);
  auto call = make_call(endpoint, "GET", build_url(base_url_, endpoint_path(endpoint), query));
  std::string_view const key = endpoint == Endpoint::kFollowers ? "followers" : "following";
  auto page = execute<UserPage>(
      call, [key](std::string&& body) { return consume_user_page(std::move(body), key); });
  if (page) page->cursor.assign(cursor);
  return page;
}

// An inbox read's secrets, scrubbed from every line and error it causes:
// the token, ct0, and a proxy's `user:pass` (and the password alone).
void ConnectionImpl::add_inbox_secrets(Call& call, std::string const& auth_token,
                                       std::string_view ct0, std::string_view proxy) {
  call.account = auth_token;
  call.redactor.add(auth_token);
  call.redactor.add(ct0);
  auto const credentials = proxy_credentials(proxy);
  call.redactor.add(credentials);
  auto const colon = credentials.find(':');
  if (colon != std::string_view::npos) call.redactor.add(credentials.substr(colon + 1));
}

Result<MessagePage> ConnectionImpl::list_dms(ListDmsRequest const& request) {
  constexpr auto kEndpoint = Endpoint::kDmList;
  if (config_error_) return refuse(kEndpoint, *config_error_);
  auto const& proxy = proxy_for(request.proxy);
  if (auto e = check_list_dms(request)) return refuse(kEndpoint, *e);
  if (auto e = check_proxy(proxy)) return refuse(kEndpoint, *e);
  auto call = make_call(kEndpoint, "POST", build_url(base_url_, endpoint_path(kEndpoint), {}),
                        encode_list_dms(request, proxy));
  add_inbox_secrets(call, request.auth_token, request.ct0, proxy);
  auto const tab = request.tab;
  auto page = execute<MessagePage>(
      call, [tab](std::string_view body) { return decode_message_page(body, tab); });
  if (page) page->cursor = request.cursor;
  return page;
}

Result<MessagePage> ConnectionImpl::conversation(ConversationRequest const& request) {
  constexpr auto kEndpoint = Endpoint::kDmConversation;
  if (config_error_) return refuse(kEndpoint, *config_error_);
  auto const& proxy = proxy_for(request.proxy);
  if (auto e = check_conversation(request)) return refuse(kEndpoint, *e);
  if (auto e = check_proxy(proxy)) return refuse(kEndpoint, *e);
  auto call = make_call(kEndpoint, "POST", build_url(base_url_, endpoint_path(kEndpoint), {}),
                        encode_conversation(request, proxy));
  add_inbox_secrets(call, request.auth_token, {}, proxy);
  auto page = execute<MessagePage>(call, &decode_conversation_page);
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
// inbox pages (the one InboxWalker, three pages, dated messages only).
// nullopt: not there. An error: could not tell.
Result<std::optional<Message>> ConnectionImpl::find_delivered(SendDmRequest const& request,
                                                              std::string const& normalized,
                                                              Timestamp since) {
  InboxWalkOptions rules;
  rules.max_pages = 3;
  rules.since = since;
  rules.skew = options_.duplicate_check_skew;
  rules.undated = UndatedMessages::kSkip;
  InboxWalker walker(*this, request.auth_token, rules);
  std::optional<std::string> resolved_id;
  if (request.recipient.is_id()) resolved_id = normalized;
  for (;;) {
    auto next = walker.next();
    if (!next) return std::move(next).error();
    if (!*next) return std::optional<Message>();
    Message& message = **next;
    if (message.text != request.text) continue;
    if (!walker.inbox_user_id().empty() && message.sender_id != walker.inbox_user_id()) continue;
    if (!request.recipient.is_id() && !message.recipient_username.empty()) {
      if (iequals(message.recipient_username, normalized)) return std::move(*next);
      continue;
    }
    if (!resolved_id) {
      auto user = user_info(normalized);
      if (!user) return std::move(user).error();
      resolved_id = user->id;
    }
    if (message.recipient_id == *resolved_id) return std::move(*next);
  }
}

std::optional<Result<Message>> ConnectionImpl::check_before_resend(Call& call,
                                                                   SendDmRequest const& request,
                                                                   std::string const& normalized,
                                                                   Timestamp first_attempt,
                                                                   Error const& error) {
  if (!error.may_have_taken_effect()) return std::nullopt;
  auto found = find_delivered(request, normalized, first_attempt);
  if (!found) {
    Error unknown = error;
    unknown
        .set_message(error.message() +
                     "; the DM may have been delivered and the inbox check failed (" +
                     std::string(to_string(found.error().code())) + "), so it was not sent again")
        .set_request_sent(true);
    return Result<Message>(std::move(unknown));
  }
  if (!*found && error.code() == ErrorCode::kTimeout) {
    // No answer came, so the server may still be working on the first
    // attempt and deliver it after this check: sending again could deliver
    // it twice. (A 5xx or a dropped connection is an answer.)
    Error pending = error;
    pending
        .set_message(error.message() +
                     "; the DM was not in the inbox yet but may still be delivered, "
                     "so it was not sent again")
        .set_request_sent(true);
    return Result<Message>(std::move(pending));
  }
  if (!*found) {
    // Not delivered: safe to send again, and the failed attempt must not
    // count against the daily cap (the resend reserves its own).
    call.release_in_doubt();
    return std::nullopt;
  }
  Message message = std::move(**found);
  message.recovered = true;
  accounting_.count_recovered(Endpoint::kDmSend);
  return Result<Message>(std::move(message));
}

Result<Message> ConnectionImpl::send_dm(SendDmRequest const& request) {
  constexpr auto kEndpoint = Endpoint::kDmSend;
  if (config_error_) return refuse(kEndpoint, *config_error_);
  std::string normalized;
  if (auto e = check_auth_token(request.auth_token)) return refuse(kEndpoint, *e);
  if (auto e = check_recipient(request.recipient, normalized)) return refuse(kEndpoint, *e);
  if (auto e = check_text(request.text)) return refuse(kEndpoint, *e);
  auto call =
      make_call(kEndpoint, "POST", build_url(base_url_, "/twitter/dm/send", {}),
                encode_send_dm(request.auth_token, request.recipient, normalized, request.text));
  call.account = request.auth_token;
  call.redactor.add(request.auth_token);
  call.idempotency = Idempotency::kNonIdempotent;
  call.request.idempotent = false;
  Timestamp const first_attempt = clock_->system_now();

  ResendCheck<Message> check;
  if (options_.duplicate_safe_send) {
    check = [&](Error const& error) {
      return check_before_resend(call, request, normalized, first_attempt, error);
    };
  }
  return execute<Message>(call, &decode_send_dm, check);
}

Result<User> ConnectionImpl::user_info(std::string_view user_name) {
  constexpr auto kEndpoint = Endpoint::kUserInfo;
  if (config_error_) return refuse(kEndpoint, *config_error_);
  std::string name;
  if (auto e = check_user_name(user_name, name, "user_name")) return refuse(kEndpoint, *e);
  auto call =
      make_call(kEndpoint, "GET", build_url(base_url_, "/twitter/user/info", {{"userName", name}}));
  return execute<User>(call, &decode_user_info);
}

Result<LoginResult> ConnectionImpl::login(LoginRequest const& request) {
  constexpr auto kEndpoint = Endpoint::kLogin;
  if (config_error_) return refuse(kEndpoint, *config_error_);
  LoginRequest normalized;
  if (auto e = check_login(request, normalized)) {
    Redactor redactor;
    redactor.add(request.password);
    redactor.add(request.totp_secret);
    e->set_message(redactor.scrub(e->message()));
    return refuse(kEndpoint, *e);
  }
  auto call = make_call(kEndpoint, "POST", build_url(base_url_, "/twitter/user_login", {}),
                        encode_login(normalized));
  call.redactor.add(request.password);
  call.redactor.add(normalized.totp_secret);
  call.redactor.add(request.totp_secret);
  return execute<LoginResult>(call, &decode_login);
}

}  // namespace internal

std::shared_ptr<Connection> make_connection(ClientOptions options) {
  return std::make_shared<internal::ConnectionImpl>(std::move(options));
}

}  // namespace getxapi
