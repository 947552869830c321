#include <getxapi/curl_transport.hpp>
#include <getxapi/version.hpp>

#include <curl/curl.h>

#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

namespace getxapi {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  HttpResponse response;
  std::size_t max_bytes = 0;
  bool too_large = false;
  int requests_started = 0;  // this send(): requests libcurl was about to put on the wire
};

// Called right before each request goes out, libcurl's own replays included.
// libcurl re-sends a request by itself when a reused connection dies before
// any response byte, and the server may well have read (and billed, or acted
// on) the first one. Nobody counted or budgeted that replay, so stats() and
// the spend limit would be short. Refusing it makes one send() one request on
// the wire at most; the dropped one comes back as kNetwork with
// request_sent(), and the client's retry policy, which counts, budgets and
// checks idempotency, decides what happens next.
int on_prereq(void* user, char*, char*, int, int) {
  auto* t = static_cast<Transfer*>(user);
  return t->requests_started++ == 0 ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t const n = size * count;
  if (t->response.body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR: memory stays bounded
  }
  t->response.body.append(data, n);
  return n;
}

// The body's whole size up front, when the server says it (up to the cap):
// one allocation of the right size instead of doublings, which would hold
// up to 1.5x the body at the last copy and leave up to 2x reserved through
// decoding (docs/performance.md, the memory factor).
void reserve_body(Transfer& t, std::string_view length) {
  std::size_t bytes = 0;
  for (char c : length) {
    if (c < '0' || c > '9' || bytes > t.max_bytes) return;
    bytes = bytes * 10 + static_cast<std::size_t>(c - '0');
  }
  if (bytes > 0 && bytes <= t.max_bytes) t.response.body.reserve(bytes);
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t const n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers.clear();  // a new response (after 100 Continue)
    return n;
  }
  auto const colon = line.find(':');
  if (colon == std::string_view::npos || t->response.headers.size() >= 128) return n;
  std::string name(line.substr(0, colon));
  for (auto& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');  // not locale-aware tolower
  }
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ' ||
                            value.back() == '\t')) {
    value.remove_suffix(1);
  }
  if (name == "content-length" && t->response.body.empty()) reserve_body(*t, value);
  t->response.headers.emplace_back(std::move(name), std::string(value));
  return n;
}

// A pooled easy handle with the state its callbacks write into, and the
// settings it last had. Requests of one client look alike, so the header
// list is rebuilt and options are set again only when they changed: libcurl
// copies or re-checks each option on every setopt.
struct Handle {
  CURL* curl = nullptr;
  Transfer transfer;                                 // CURLOPT_WRITEDATA / HEADERDATA, set once
  std::array<char, CURL_ERROR_SIZE> error_buffer{};  // CURLOPT_ERRORBUFFER, set once
  curl_slist* header_list = nullptr;
  HttpHeaders header_source;
  bool header_list_for_post = false;
  long connect_timeout_ms = -1;
  long timeout_ms = -1;
  int fresh = -1;  // FRESH_CONNECT and FORBID_REUSE (both follow `idempotent`)

  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
    curl_slist_free_all(header_list);
  }

  void set_timeouts(long connect_ms, long total_ms) {
    if (connect_ms != connect_timeout_ms) {
      curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
      connect_timeout_ms = connect_ms;
    }
    if (total_ms != timeout_ms) {
      curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, total_ms);
      timeout_ms = total_ms;
    }
  }

  void set_fresh(bool on) {
    if (static_cast<int>(on) == fresh) return;
    curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, on ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, on ? 1L : 0L);
    fresh = static_cast<int>(on);
  }
};

}  // namespace

struct CurlTransport::Impl {
  CurlTransportOptions options;
  std::string user_agent_header;  // "User-Agent: ...", see send()
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;
  std::mutex pool_mu;
  std::vector<std::unique_ptr<Handle>> idle;
  std::atomic<long> connects{0};

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks[static_cast<std::size_t>(data)].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->share_locks[static_cast<std::size_t>(data)].unlock();
  }

  std::unique_ptr<Handle> acquire() {
    {
      std::lock_guard<std::mutex> lock(pool_mu);
      if (!idle.empty()) {
        auto handle = std::move(idle.back());
        idle.pop_back();
        return handle;
      }
    }
    auto pooled = std::make_unique<Handle>();
    pooled->curl = curl_easy_init();
    if (pooled->curl == nullptr) return nullptr;
    CURL* handle = pooled->curl;
    // Settings that never change per request.
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_SHARE, share);
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
    curl_easy_setopt(handle, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
    if (!options.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options.ca_file.c_str());
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options.max_response_bytes));
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &pooled->transfer);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &pooled->transfer);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, pooled->error_buffer.data());
    curl_easy_setopt(handle, CURLOPT_PREREQFUNCTION, &on_prereq);
    curl_easy_setopt(handle, CURLOPT_PREREQDATA, &pooled->transfer);
    pooled->transfer.max_bytes = options.max_response_bytes;
    return pooled;
  }

  void release(std::unique_ptr<Handle> handle) {
    std::lock_guard<std::mutex> lock(pool_mu);
    if (idle.size() < options.max_idle_handles) idle.push_back(std::move(handle));
  }

  // The header list for `request` on `handle`, rebuilt only when it changed.
  curl_slist* header_list(Handle& handle, HttpRequest const& request) {
    bool const post = request.method == "POST";
    if (handle.header_list != nullptr && handle.header_list_for_post == post &&
        handle.header_source == request.headers) {
      return handle.header_list;
    }
    curl_slist_free_all(handle.header_list);
    handle.header_list = nullptr;
    handle.header_source = request.headers;
    handle.header_list_for_post = post;
    curl_slist* list = nullptr;
    auto add = [&list](std::string const& line) {
      if (curl_slist* next = curl_slist_append(list, line.c_str())) list = next;
    };
    std::string line;
    for (auto const& [name, value] : request.headers) {
      line.assign(name).append(": ").append(value);
      add(line);
    }
    // As a header line rather than CURLOPT_USERAGENT: libcurl formats that
    // option through its printf engine on every request, ~2,000 instructions
    // a call (bench/, docs/performance.md).
    if (find_header(request.headers, "User-Agent").empty()) add(user_agent_header);
    if (post) add("Expect:");  // no 100-continue round trip for bodies over 1 KiB
    handle.header_list = list;
    return list;
  }
};

CurlTransport::CurlTransport(CurlTransportOptions options) : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->options = std::move(options);
  impl_->user_agent_header =
      "User-Agent: " + (impl_->options.user_agent.empty()
                            ? std::string("getxapi-cpp/") + GETXAPI_VERSION_STRING
                            : impl_->options.user_agent);
  impl_->share = curl_share_init();
  curl_share_setopt(impl_->share, CURLSHOPT_LOCKFUNC, &Impl::lock);
  curl_share_setopt(impl_->share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock);
  curl_share_setopt(impl_->share, CURLSHOPT_USERDATA, impl_.get());
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

CurlTransport::~CurlTransport() {
  impl_->idle.clear();  // the easy handles go before the share they use
  curl_share_cleanup(impl_->share);
}

long CurlTransport::connections_opened() const { return impl_->connects.load(); }

Result<HttpResponse> CurlTransport::send(HttpRequest const& request) {
  auto pooled = impl_->acquire();
  if (pooled == nullptr) return Error(ErrorCode::kNetwork, "curl_easy_init failed");
  CURL* handle = pooled->curl;
  Transfer& transfer = pooled->transfer;
  transfer.response = HttpResponse{};
  transfer.response.headers.reserve(12);  // typical responses carry 5-10
  transfer.too_large = false;
  transfer.requests_started = 0;
  pooled->error_buffer[0] = '\0';

  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  bool const post = request.method == "POST";
  if (post) {
    curl_easy_setopt(handle, CURLOPT_POST, 1L);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  } else {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, impl_->header_list(*pooled, request));
  // libcurl's replays are refused (on_prereq), but a dm/send that dies on a
  // reused connection would still cost an inbox check before it may be sent
  // again, and a stale keep-alive connection is the likeliest way to die. On
  // a fresh connection a failure means the server really went away. One
  // connect per DM (the TLS session is resumed) is small next to the seconds
  // between sends. It is also closed
  // afterwards (FORBID_REUSE), so one-shot connections do not pile up idle
  // (each would hold a worker of a thread-per-connection server).
  pooled->set_fresh(!request.idempotent);
  pooled->set_timeouts(static_cast<long>(request.connect_timeout.count()),
                       static_cast<long>(request.timeout.count()));

  CURLcode const rc = curl_easy_perform(handle);

  long connects = 0;
  curl_easy_getinfo(handle, CURLINFO_NUM_CONNECTS, &connects);
  impl_->connects += connects;
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  long request_bytes = 0;
  curl_easy_getinfo(handle, CURLINFO_REQUEST_SIZE, &request_bytes);
  // The body lives in the caller's request: do not keep a pointer to it.
  if (post) curl_easy_setopt(handle, CURLOPT_POSTFIELDS, nullptr);
  HttpResponse response = std::move(transfer.response);
  bool const too_large = transfer.too_large;
  bool const replay_refused = transfer.requests_started > 1;
  std::string reason;
  if (replay_refused) {
    reason = "the connection closed after the request was sent, before any answer (not re-sent)";
  } else if (rc != CURLE_OK) {
    reason = pooled->error_buffer[0] != '\0' ? pooled->error_buffer.data() : curl_easy_strerror(rc);
  }
  impl_->release(std::move(pooled));

  if (rc != CURLE_OK) {
    ErrorCode code = ErrorCode::kNetwork;
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      code = ErrorCode::kTimeout;
    } else if (too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      code = ErrorCode::kInvalidResponse;
      reason =
          "response larger than " + std::to_string(impl_->options.max_response_bytes) + " bytes";
    }
    Error error(code, "curl: " + reason);
    error.set_http_status(static_cast<int>(status))
        .set_request_sent(request_bytes > 0 || replay_refused);
    return error;
  }
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace getxapi
