#include <getxapi/outbox/outbox.hpp>

#include <getxapi/clock.hpp>

#include "sqlite_store.hpp"
#include "store.hpp"
#include "store/location.hpp"
#ifdef GETXAPI_OUTBOX_HAS_POSTGRES
#include "postgres_store.hpp"
#endif

#include <cctype>
#include <mutex>
#include <ostream>

namespace getxapi::outbox {
namespace internal {

std::int64_t to_ms(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
Timestamp from_ms(std::int64_t ms) {
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(std::chrono::milliseconds(ms)));
}
std::int64_t utc_day_of_ms(std::int64_t ms) { return utc_day(from_ms(ms)); }

namespace {

// One SQLite connection is not for two threads at once: an app thread that
// enqueues and a worker thread share an Outbox through this.
class LockedStore final : public Store {
 public:
  explicit LockedStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}
  std::pair<Entry, bool> enqueue(NewEntry const& e, std::int64_t now) override {
    return with([&] { return inner_->enqueue(e, now); });
  }
  std::optional<Entry> entry(std::int64_t id) override {
    return with([&] { return inner_->entry(id); });
  }
  std::vector<Entry> list(std::optional<EntryState> s, std::size_t limit) override {
    return with([&] { return inner_->list(s, limit); });
  }
  OutboxStatus status(std::int64_t now) override {
    return with([&] { return inner_->status(now); });
  }
  void register_accounts(std::vector<AccountRow> const& a, std::int64_t now) override {
    with([&] { inner_->register_accounts(a, now); });
  }
  void set_account_user_id(std::string const& a, std::string const& id) override {
    with([&] { inner_->set_account_user_id(a, id); });
  }
  void rest_account(std::string const& a, std::int64_t until, std::string const& why) override {
    with([&] { inner_->rest_account(a, until, why); });
  }
  void disable_account(std::string const& a, std::string const& why) override {
    with([&] { inner_->disable_account(a, why); });
  }
  void set_account_verified(std::string const& a, bool v) override {
    with([&] { inner_->set_account_verified(a, v); });
  }
  bool has_verified_account(std::string const& except) override {
    return with([&] { return inner_->has_verified_account(except); });
  }
  std::string account_user_id(std::string const& a) override {
    return with([&] { return inner_->account_user_id(a); });
  }
  ClaimResult claim(ClaimRequest const& r) override {
    return with([&] { return inner_->claim(r); });
  }
  std::vector<Entry> take_over(ClaimRequest const& r) override {
    return with([&] { return inner_->take_over(r); });
  }
  void set_recipient_id(std::int64_t id, std::string const& rid) override {
    with([&] { inner_->set_recipient_id(id, rid); });
  }
  void settle(Settlement const& s) override {
    with([&] { inner_->settle(s); });
  }
  std::int64_t begin_run(std::string const& w, std::int64_t now) override {
    return with([&] { return inner_->begin_run(w, now); });
  }
  void record_run(std::int64_t id, RunTotals const& t, std::optional<std::int64_t> f) override {
    with([&] { inner_->record_run(id, t, f); });
  }

 private:
  template <class F>
  auto with(F f) -> decltype(f()) {
    std::lock_guard<std::mutex> lock(mu_);
    return f();
  }
  std::mutex mu_;
  std::unique_ptr<Store> inner_;
};

}  // namespace
}  // namespace internal

namespace {

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// Code points of valid UTF-8, or -1.
long utf8_length(std::string_view s) {
  long n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    auto const c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return -1;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return -1;
    }
    i += len;
  }
  return n;
}

std::optional<Error> check(NewEntry& e) {
  std::string value = e.recipient.value();
  if (!e.recipient.is_id() && !value.empty() && value[0] == '@') {
    value.erase(0, 1);
    e.recipient = Recipient::by_username(value);
  }
  if (value.empty()) return invalid("an outbox entry needs a recipient");
  for (char c : value) {
    bool const ok = e.recipient.is_id()
                        ? std::isdigit(static_cast<unsigned char>(c)) != 0
                        : (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_');
    if (!ok) {
      return invalid(e.recipient.is_id() ? "a recipient id is decimal digits"
                                         : "a handle is letters, digits and '_'");
    }
  }
  long const len = utf8_length(e.text);
  if (len < 0) return invalid("the text is not valid UTF-8");
  if (len == 0 || e.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return invalid("the text is empty");
  }
  if (len > 10000) return invalid("the text is longer than 10,000 characters");
  if (e.key.size() > 512) return invalid("the key is longer than 512 bytes");
  if (e.not_before && e.expires && *e.expires <= *e.not_before) {
    return invalid("the entry would expire before its not-before time");
  }
  return std::nullopt;
}

template <class F>
auto guarded(F f) -> decltype(f()) {
  try {
    return f();
  } catch (internal::StoreError const& e) {
    return e.error();
  } catch (std::exception const& e) {
    return Error(ErrorCode::kStoreError, e.what());
  }
}

}  // namespace

// A file path is SQLite; a postgresql:// URL is PostgreSQL (design.md §9).
static std::unique_ptr<internal::Store> open_store(std::string const& path) {
  if (store::internal::parse_location(path).kind == store::internal::Location::Kind::kPostgres) {
#ifdef GETXAPI_OUTBOX_HAS_POSTGRES
    return internal::open_postgres_store(path);
#else
    // Never echo the URL: it may hold a password.
    store::internal::fail(ErrorCode::kStoreError,
                          "this build has no PostgreSQL support (GETXAPI_WITH_POSTGRES=OFF); "
                          "use a SQLite file path");
#endif
  }
  return internal::open_sqlite_store(path);
}

struct Outbox::Impl {
  std::string path;
  std::unique_ptr<internal::Store> store;
};

Outbox::Outbox(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<Outbox> Outbox::open(std::string const& path) {
  if (path.empty()) return invalid("an outbox needs a path");
  // A postgresql:// URL opens the PostgreSQL store when built with it, and is
  // refused otherwise (never opened as a file): open_store decides.
  return guarded([&]() -> Result<Outbox> {
    auto impl = std::make_shared<Impl>();
    impl->path = path;
    impl->store = std::make_unique<internal::LockedStore>(open_store(path));
    return Outbox(std::move(impl));
  });
}

Result<Enqueued> Outbox::enqueue(NewEntry const& entry) {
  return enqueue(entry, std::chrono::system_clock::now());
}

Result<Enqueued> Outbox::enqueue(NewEntry const& entry, Timestamp now) {
  NewEntry e = entry;
  if (auto bad = check(e)) return *bad;
  return guarded([&]() -> Result<Enqueued> {
    auto [stored, created] = impl_->store->enqueue(e, internal::to_ms(now));
    return Enqueued{std::move(stored), created};
  });
}

Result<std::optional<Entry>> Outbox::entry(std::int64_t id) {
  return guarded([&]() -> Result<std::optional<Entry>> { return impl_->store->entry(id); });
}

Result<std::vector<Entry>> Outbox::list(std::optional<EntryState> state, std::size_t limit) {
  return guarded([&]() -> Result<std::vector<Entry>> { return impl_->store->list(state, limit); });
}

Result<OutboxStatus> Outbox::status() { return status(std::chrono::system_clock::now()); }

Result<OutboxStatus> Outbox::status(Timestamp now) {
  return guarded(
      [&]() -> Result<OutboxStatus> { return impl_->store->status(internal::to_ms(now)); });
}

std::string const& Outbox::path() const { return impl_->path; }
internal::Store& Outbox::store() { return *impl_->store; }

}  // namespace getxapi::outbox
