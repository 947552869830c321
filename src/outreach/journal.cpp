#include <getxapi/outreach/journal.hpp>

#include "journal_backend.hpp"
#include "store/error.hpp"
#include "store/location.hpp"

#include <cstdio>

namespace getxapi::outreach {

using store::internal::guard;

namespace internal {

Audience parse_audience(std::string const& text) {
  if (text.rfind("file:", 0) == 0) return Audience::from_file(text.substr(5));
  if (text.rfind("followers:", 0) == 0) return Audience::followers_of(text.substr(10));
  return Audience::followers_of(text);
}

char const* billing_column(Endpoint e) {
  switch (e) {
    case Endpoint::kLogin:
      return "billed_login";
    case Endpoint::kUserInfo:
      return "billed_user_info";
    case Endpoint::kFollowers:
      return "billed_followers";
    case Endpoint::kFollowing:
      return "billed_following";
    case Endpoint::kDmSend:
      return "billed_dm_send";
    case Endpoint::kDmList:
      return "billed_dm_list";
    default:
      return nullptr;
  }
}

std::vector<Endpoint> billing_endpoints() {
  std::vector<Endpoint> out;
  for (auto e : kAllEndpoints) {
    if (billing_column(e) != nullptr) out.push_back(e);
  }
  return out;
}

void not_found(std::string_view what) {
  store::internal::fail(ErrorCode::kStoreError, std::string(what));
}

void add_count(StateCounts& c, std::string const& state, std::int64_t n, std::int64_t recovered,
               std::int64_t replied) {
  switch (parse_recipient_state(state).value_or(RecipientState::kPending)) {
    case RecipientState::kPending:
      c.pending += n;
      break;
    case RecipientState::kSending:
      c.sending += n;
      break;
    case RecipientState::kSent:
      c.sent += n;
      c.recovered += recovered;
      c.replied += replied;
      break;
    case RecipientState::kSkipped:
      c.skipped += n;
      break;
    case RecipientState::kFailed:
      c.failed += n;
      break;
  }
}

// Journal::Impl is private; the runner reaches the backend's run lock through here.
struct JournalAccess {
  static Backend& backend(Journal& j);
};

Result<RunGuard> lock_run(Journal& journal, std::string_view campaign, std::string_view account) {
  auto& backend = JournalAccess::backend(journal);
  return guard<RunGuard>([&] { return backend.lock_run(campaign, account); });
}

}  // namespace internal

std::string account_key(std::string_view auth_token) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : auth_token) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "acct-%016llx", static_cast<unsigned long long>(h));
  return buf;
}

struct Journal::Impl {
  std::unique_ptr<internal::Backend> backend;
};

internal::Backend& internal::JournalAccess::backend(Journal& j) { return *j.impl_->backend; }

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Journal::~Journal() = default;
Journal::Journal(Journal&&) noexcept = default;
Journal& Journal::operator=(Journal&&) noexcept = default;

namespace {

// A file path is SQLite; a postgresql:// URL is PostgreSQL when this build has it.
std::unique_ptr<internal::Backend> open_backend(std::string const& path) {
  using store::internal::Location;
  if (store::internal::parse_location(path).kind == Location::Kind::kPostgres) {
#ifdef GETXAPI_OUTREACH_HAS_POSTGRES
    return internal::open_postgres_backend(path);
#else
    // Never echo the URL: it may hold a password.
    store::internal::fail(ErrorCode::kStoreError,
                          "this build has no PostgreSQL support (GETXAPI_WITH_POSTGRES=OFF); "
                          "use a SQLite journal file");
#endif
  }
  return internal::open_sqlite_backend(path);
}

}  // namespace

Result<Journal> Journal::open(std::string const& path) {
  auto impl = guard<std::unique_ptr<Impl>>(
      [&] { return std::make_unique<Impl>(Impl{open_backend(path)}); });
  if (!impl) return std::move(impl).error();
  return Journal(std::move(*impl));
}

std::string const& Journal::path() const noexcept { return impl_->backend->display(); }

Result<int> Journal::schema_version() const {
  return guard<int>([&] { return impl_->backend->schema_version(); });
}

Result<Committed> Journal::transaction(std::function<Result<Committed>()> const& body) {
  return guard<Committed>([&] {
    impl_->backend->transaction([&] {
      auto r = body();
      if (!r) throw store::internal::StoreError(r.error());
    });
  });
}

Result<std::optional<CampaignInfo>> Journal::campaign(std::string_view name) const {
  return guard<std::optional<CampaignInfo>>([&] { return impl_->backend->campaign(name); });
}

Result<std::vector<CampaignInfo>> Journal::campaigns() const {
  return guard<std::vector<CampaignInfo>>([&] { return impl_->backend->campaigns(); });
}

Result<CampaignInfo> Journal::create_campaign(
    CampaignSpec const& spec, std::string_view account, Timestamp now,
    std::optional<std::vector<NewRecipient>> file_recipients) {
  return guard<CampaignInfo>([&] {
    impl_->backend->create_campaign(spec, account, now, file_recipients);
    return *impl_->backend->campaign(spec.name);
  });
}

Result<Committed> Journal::set_sender_id(std::string_view campaign, std::string_view sender_id) {
  return guard<Committed>([&] { impl_->backend->set_sender_id(campaign, sender_id); });
}

Result<std::int64_t> Journal::add_audience_page(std::string_view campaign,
                                                std::vector<NewRecipient> const& recipients,
                                                std::string_view next_cursor) {
  return guard<std::int64_t>(
      [&] { return impl_->backend->add_audience_page(campaign, recipients, next_cursor); });
}

Result<std::optional<RecipientRecord>> Journal::recipient(std::string_view campaign,
                                                          std::int64_t seq) const {
  return guard<std::optional<RecipientRecord>>(
      [&] { return impl_->backend->recipient(campaign, seq); });
}

Result<std::vector<RecipientRecord>> Journal::recipients(
    std::string_view campaign, std::optional<RecipientState> state) const {
  return guard<std::vector<RecipientRecord>>(
      [&] { return impl_->backend->recipients(campaign, state); });
}

Result<std::optional<RecipientRecord>> Journal::next_pending(std::string_view campaign,
                                                             std::int64_t after_seq) const {
  return guard<std::optional<RecipientRecord>>(
      [&] { return impl_->backend->next_pending(campaign, after_seq); });
}

Result<bool> Journal::resolve(std::string_view campaign, std::int64_t seq,
                              NewRecipient const& user) {
  return guard<bool>([&] { return impl_->backend->resolve(campaign, seq, user); });
}

Result<Committed> Journal::mark_sending(std::string_view campaign, std::int64_t seq,
                                        std::string_view text, Timestamp now) {
  return guard<Committed>([&] {
    if (impl_->backend->mark_sending(campaign, seq, text, now) != 1) {
      internal::not_found("recipient #" + std::to_string(seq) + " of " + std::string(campaign) +
                          " is not pending");
    }
  });
}

Result<Committed> Journal::mark_unsettled(std::string_view campaign, std::int64_t seq,
                                          Timestamp settle_at, Error const& error) {
  return guard<Committed>([&] { impl_->backend->mark_unsettled(campaign, seq, settle_at, error); });
}

Result<Committed> Journal::mark_sent(std::string_view campaign, std::int64_t seq,
                                     std::string_view message_id, bool recovered, Timestamp at) {
  return guard<Committed>(
      [&] { impl_->backend->mark_sent(campaign, seq, message_id, recovered, at); });
}

Result<Committed> Journal::mark_pending(std::string_view campaign, std::int64_t seq,
                                        std::optional<Error> const& error) {
  return guard<Committed>([&] { impl_->backend->mark_pending(campaign, seq, error); });
}

Result<Committed> Journal::mark_skipped(std::string_view campaign, std::int64_t seq,
                                        std::string_view reason) {
  return guard<Committed>([&] { impl_->backend->mark_skipped(campaign, seq, reason); });
}

Result<Committed> Journal::mark_failed(std::string_view campaign, std::int64_t seq,
                                       Error const& error) {
  return guard<Committed>([&] { impl_->backend->mark_failed(campaign, seq, error); });
}

Result<bool> Journal::mark_replied(std::string_view campaign, std::int64_t seq, Timestamp at) {
  return guard<bool>([&] { return impl_->backend->mark_replied(campaign, seq, at); });
}

Result<StateCounts> Journal::counts(std::string_view campaign) const {
  return guard<StateCounts>([&] { return impl_->backend->counts(campaign); });
}

Result<int> Journal::sends_on_day(std::string_view account, std::int64_t day) const {
  return guard<int>([&] { return impl_->backend->sends_on_day(account, day); });
}

Result<std::int64_t> Journal::begin_run(std::string_view campaign, std::string_view kind,
                                        CampaignPacing const& pacing, Timestamp now) {
  return guard<std::int64_t>(
      [&] { return impl_->backend->begin_run(campaign, kind, pacing, now); });
}

Result<Committed> Journal::record_run_stats(std::int64_t run, Stats const& stats) {
  return guard<Committed>([&] { impl_->backend->record_run_stats(run, stats); });
}

Result<Committed> Journal::finish_run(std::int64_t run, std::string_view outcome, Timestamp now) {
  return guard<Committed>([&] { impl_->backend->finish_run(run, outcome, now); });
}

Result<BilledTotals> Journal::billed(std::string_view campaign,
                                     std::optional<std::string> kind) const {
  return guard<BilledTotals>([&] { return impl_->backend->billed(campaign, kind); });
}

Result<std::vector<RunRecord>> Journal::runs(std::string_view campaign) const {
  return guard<std::vector<RunRecord>>([&] { return impl_->backend->runs(campaign); });
}

}  // namespace getxapi::outreach
