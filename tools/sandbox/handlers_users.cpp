// user/info, followers_v2 / following_v2 and user_login.
#include "impl.hpp"

namespace getxapi::sandbox {

using detail::json_reply;
using detail::lower;
using detail::reject;

detail::Reply Sandbox::Impl::user_info(Request const& req) {
  std::string const name = req.get_param_value("userName");
  if (name.empty()) reject(400, "Missing required field: userName");
  std::lock_guard<std::mutex> lock(mu);
  auto it = state.by_name.find(lower(name));
  if (it == state.by_name.end()) reject(404, "Could not find user @" + name);
  return json_reply(200, {{"status", "success"},
                          {"msg", "success"},
                          {"data", detail::user_info_json(state, it->second)}});
}

detail::Reply Sandbox::Impl::user_page(Request const& req, bool followers) {
  std::string const name = req.get_param_value("userName");
  if (name.empty()) reject(400, "Missing required field: userName");
  std::string const cursor = req.get_param_value("cursor");
  std::lock_guard<std::mutex> lock(mu);
  auto it = state.by_name.find(lower(name));
  if (it == state.by_name.end()) reject(404, "Could not find user @" + name);
  std::size_t const owner = it->second;
  auto const& list = followers ? state.followers[owner] : state.following[owner];
  char const kind = followers ? 'F' : 'G';
  std::size_t begin = 0;
  if (!cursor.empty()) {
    auto pos = detail::read_cursor(cursor, kind, state.users[owner].id);
    if (!pos || *pos == 0 || *pos >= list.size()) reject(400, "Invalid cursor");
    begin = static_cast<std::size_t>(*pos);
  }
  std::size_t const end = std::min(list.size(), begin + detail::kPageSize);
  json users = json::array();
  for (std::size_t i = begin; i < end; ++i) users.push_back(detail::page_user_json(state, list[i]));
  bool const has_more = end < list.size();
  json body = {
      {"userName", state.users[owner].user_name},
      {"user_count", users.size()},
      {"has_more", has_more},
      {"next_cursor",
       has_more ? json(detail::make_cursor(kind, state.users[owner].id, end)) : json(nullptr)}};
  body[followers ? "followers" : "following"] = std::move(users);
  return json_reply(200, body);
}

detail::Reply Sandbox::Impl::login(Request const& req) {
  json const body = parse_json_body(req);
  std::string const username = detail::required_field(body, "username");
  std::string const password = detail::required_field(body, "password");
  detail::string_field(body, "email");  // optional, but must be a string
  auto const totp = detail::string_field(body, "totp_secret");
  if (totp && !detail::valid_base32(*totp)) reject(400, "Invalid totp_secret: expected base32");
  std::lock_guard<std::mutex> lock(mu);
  auto it = state.account_by_name.find(
      lower(detail::starts_with(username, "@") ? username.substr(1) : username));
  if (it == state.account_by_name.end()) reject(401, "Login failed: wrong username or password");
  auto const& account = state.accounts[it->second];
  if (account.locked) {
    reject(423, "Account locked, unlock it, then retry.", {{"challenge", "locked"}});
  }
  if (account.password != password) reject(401, "Login failed: wrong username or password");
  if (account.totp_required && !totp) {
    reject(401, "Two-factor authentication is enabled, provide totp_secret",
           {{"challenge", "totp_required"}});
  }
  auto const& user = state.users[user_index_of_account(it->second)];
  return json_reply(200, {{"status", "success"},
                          {"msg", "login success"},
                          {"auth_token", account.auth_token},
                          {"ct0", account.ct0},
                          {"twid", "u=" + user.id}});
}

}  // namespace getxapi::sandbox
