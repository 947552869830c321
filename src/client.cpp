// `Client`: a copyable handle over a `Connection`. Arguments of the ranges are
// checked here (before anything is sent); everything else is the connection's.
#include <getxapi/client.hpp>

#include "validate.hpp"

#include <utility>

namespace getxapi {
namespace {

// What a client over a null connection talks to: every call is refused.
class NullConnection : public Connection {
 public:
  Result<LoginResult> login(LoginRequest const&) override { return refused(); }
  Result<User> user_info(std::string_view) override { return refused(); }
  Result<UserPage> followers(std::string_view, std::string_view) override { return refused(); }
  Result<UserPage> following(std::string_view, std::string_view) override { return refused(); }
  Result<Message> send_dm(SendDmRequest const&) override { return refused(); }
  Result<MessagePage> list_dms(ListDmsRequest const&) override { return refused(); }
  Result<MessagePage> conversation(ConversationRequest const&) override { return refused(); }

 private:
  static Error refused() {
    return Error(ErrorCode::kInvalidArgument, "the Client was built over a null Connection");
  }
};

template <class Page, class Item = typename decltype(Page::items)::value_type>
Result<typename Range<Item>::Chunk> chunk_of(Result<Page> page) {
  if (!page) return std::move(page).error();
  return typename Range<Item>::Chunk{std::move(page->items), std::move(page->next_cursor),
                                     page->has_more};
}

Range<User> user_range(std::shared_ptr<Connection> const& connection, Endpoint endpoint,
                       std::string_view user_name, RangeOptions options) {
  std::string name;
  if (auto e = internal::check_user_name(user_name, name, "user_name")) {
    return Range<User>(std::move(*e));
  }
  if (auto e = internal::check_cursor(options.cursor)) return Range<User>(std::move(*e));
  auto fetch = [connection, endpoint, name](std::string const& cursor) {
    return chunk_of(endpoint == Endpoint::kFollowers ? connection->followers(name, cursor)
                                                     : connection->following(name, cursor));
  };
  return Range<User>(std::move(fetch), std::move(options));
}

}  // namespace

Client::Client(ClientOptions options) : Client(make_connection(std::move(options))) {}
Client::Client(std::shared_ptr<Connection> connection)
    : connection_(connection ? std::move(connection) : std::make_shared<NullConnection>()) {}
Client::~Client() = default;
Client::Client(Client const&) = default;
Client& Client::operator=(Client const&) = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Result<LoginResult> Client::login(LoginRequest const& request) {
  return connection_->login(request);
}

Result<User> Client::user_info(std::string_view user_name) {
  return connection_->user_info(user_name);
}

Result<UserPage> Client::followers(std::string_view user_name, std::string_view cursor) {
  return connection_->followers(user_name, cursor);
}

Result<UserPage> Client::following(std::string_view user_name, std::string_view cursor) {
  return connection_->following(user_name, cursor);
}

Result<Message> Client::send_dm(SendDmRequest const& request) {
  return connection_->send_dm(request);
}

Result<MessagePage> Client::list_dms(ListDmsRequest const& request) {
  return connection_->list_dms(request);
}

Result<MessagePage> Client::conversation(ConversationRequest const& request) {
  return connection_->conversation(request);
}

Range<User> Client::all_followers(std::string_view user_name, RangeOptions options) {
  return user_range(connection_, Endpoint::kFollowers, user_name, std::move(options));
}

Range<User> Client::all_following(std::string_view user_name, RangeOptions options) {
  return user_range(connection_, Endpoint::kFollowing, user_name, std::move(options));
}

Range<Message> Client::all_dms(std::string_view auth_token, RangeOptions options) {
  if (auto e = internal::check_auth_token(auth_token)) return Range<Message>(std::move(*e));
  if (auto e = internal::check_count(options.page_size)) return Range<Message>(std::move(*e));
  if (auto e = internal::check_cursor(options.cursor)) return Range<Message>(std::move(*e));
  auto fetch = [connection = connection_, token = std::string(auth_token),
                count = options.page_size](std::string const& cursor) {
    return chunk_of(connection->list_dms(ListDmsRequest{token, cursor, count}));
  };
  return Range<Message>(std::move(fetch), std::move(options));
}

Stats Client::stats() const { return connection_->stats(); }

void Client::seed_daily_sends(std::string_view auth_token, int sends) {
  connection_->seed_daily_sends(auth_token, sends);
}

int Client::daily_sends(std::string_view auth_token) const {
  return connection_->daily_sends(auth_token);
}

std::shared_ptr<Clock> Client::clock() const {
  auto clock = connection_->clock();
  return clock ? clock : system_clock();
}

PacingOptions Client::pacing() const { return connection_->pacing(); }

}  // namespace getxapi
