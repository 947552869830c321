// getxapi auth login [--username NAME [--email EMAIL]] | auth status [--no-check] | auth logout
// Like `gh auth`: the API key and the auth_token stored for later runs, in
// $XDG_CONFIG_HOME/getxapi/credentials.json (0600); the environment still wins.
#include "commands.hpp"
#include "credentials.hpp"
#include "output.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <ostream>
#include <string>

namespace getxapi::cli {

namespace {

struct AuthLoginOptions {
  std::string username;
  std::string email;
};

std::string require_path(Context& ctx) {
  auto path = credentials_path(ctx.environment());
  if (!path) {
    throw UsageError("neither XDG_CONFIG_HOME nor HOME is set: nowhere to store credentials");
  }
  return *path;
}

std::optional<StoredCredentials> stored(std::string const& path) {
  auto loaded = load_credentials(path);
  if (!loaded) throw CommandError(loaded.error());
  return *loaded;
}

// A token is printable ASCII without spaces; anything else is a paste gone wrong.
bool plausible_token(std::string const& token) {
  if (token.empty() || token.size() > 4096) return false;
  for (unsigned char c : token) {
    if (c <= 0x20 || c >= 0x7F) return false;
  }
  return true;
}

std::string trimmed(std::string text) {
  auto const first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

int auth_login(Context& ctx, AuthLoginOptions const& o) {
  std::string const path = require_path(ctx);
  auto const previous = stored(path);
  StoredCredentials c;
  // The key: the environment, else the one already stored, else the first line of stdin.
  if (auto key = ctx.env("GETXAPI_API_KEY")) {
    c.api_key = *key;
  } else if (previous && !previous->api_key.empty()) {
    c.api_key = previous->api_key;
  } else {
    c.api_key = trimmed(read_secret_line(ctx, "GetXAPI API key: ").value_or(""));
    if (c.api_key.empty()) throw UsageError("no API key: set GETXAPI_API_KEY or give it on stdin");
  }
  ctx.add_secret(c.api_key);
  if (!o.username.empty()) {
    ClientOptions base;
    base.api_key = c.api_key;
    auto client = ctx.make_client(base);
    auto result = login_from_stdin(ctx, client, o.username, o.email);
    if (!result) return ctx.fail(result.error());
    c.auth_token = result->auth_token;
    c.username = o.username;
    if (!c.username.empty() && c.username.front() == '@') c.username.erase(0, 1);
  } else {
    c.auth_token = trimmed(read_secret_line(ctx, "auth_token: ").value_or(""));
    ctx.add_secret(c.auth_token);
    if (c.auth_token.empty()) {
      throw UsageError("no auth_token on stdin (or pass --username to log in with a password)");
    }
    if (!plausible_token(c.auth_token)) {
      throw UsageError("the auth_token on stdin has spaces or control characters");
    }
  }
  auto saved = save_credentials(path, c);
  if (!saved) return ctx.fail(saved.error());
  std::string const who = c.username.empty() ? "" : " for @" + c.username;
  ctx.err << "stored the API key and the auth_token" << escape_control(who) << " in "
          << escape_control(path) << " (mode 0600)\n";
  if (c.username.empty()) {
    ctx.err << "check them with `getxapi auth status` (one dm/list call, $0.002)\n";
  }
  return kExitOk;
}

char const* source_of(Context& ctx, char const* variable, bool in_file) {
  if (ctx.env(variable)) return "environment";
  return in_file ? "file" : "none";
}

std::string describe(char const* source, char const* variable) {
  std::string const s = source;
  if (s == "environment") return std::string("from ") + variable + " (wins over the file)";
  if (s == "file") return "stored in the file";
  return std::string("none (set ") + variable + " or run `getxapi auth login`)";
}

// The account the dm/list answer names: its `userId` and that user's handle in `users`.
void account_from(MessagePage const& page, std::string& user_id, std::string& handle) {
  if (!page.user_id.empty()) user_id = page.user_id;
  auto const users = page.raw.find("users");
  if (users == page.raw.end() || !users->is_object() || user_id.empty()) return;
  auto const me = users->find(user_id);
  if (me == users->end() || !me->is_object()) return;
  auto const name = me->find("screen_name");
  if (name != me->end() && name->is_string()) handle = name->get<std::string>();
}

struct StatusReport {
  std::string path;
  std::string key_source;
  std::string token_source;
  std::string username;
  std::string user_id;
  std::optional<bool> works;
  std::string check;  // "1 dm/list call, $0.002"
};

void print_status(Context& ctx, StatusReport const& r) {
  if (ctx.global.json) {
    nlohmann::json j = {
        {"credentials_file", r.path}, {"api_key", r.key_source}, {"auth_token", r.token_source}};
    if (!r.username.empty()) j["userName"] = r.username;
    if (!r.user_id.empty()) j["userId"] = r.user_id;
    if (r.works) j["token_works"] = *r.works;
    if (!r.check.empty()) j["checked_with"] = r.check;
    print_json_line(ctx.out, j);
    return;
  }
  ctx.out << "credentials file: " << escape_control(r.path) << '\n'
          << "API key:          " << describe(r.key_source.c_str(), "GETXAPI_API_KEY") << '\n'
          << "auth_token:       " << describe(r.token_source.c_str(), "GETXAPI_AUTH_TOKEN") << '\n';
  if (!r.username.empty() || !r.user_id.empty()) {
    ctx.out << "account:          " << (r.username.empty() ? "" : "@" + cell(r.username))
            << (r.user_id.empty() ? ""
                                  : (r.username.empty() ? "" : " ") + ("(" + cell(r.user_id) + ")"))
            << '\n';
  }
  if (r.works) {
    ctx.out << "token works:      " << (*r.works ? "yes" : "no") << " (checked with " << r.check
            << ")\n";
  }
}

int auth_status(Context& ctx, bool no_check) {
  StatusReport r;
  r.path = require_path(ctx);
  auto const file = stored(r.path);
  r.key_source = source_of(ctx, "GETXAPI_API_KEY", file && !file->api_key.empty());
  r.token_source = source_of(ctx, "GETXAPI_AUTH_TOKEN", file && !file->auth_token.empty());
  // The stored account is only that of the stored token.
  if (file && r.token_source == "file") {
    r.username = file->username;
    r.user_id = file->user_id;
  }
  if (no_check || r.key_source == "none" || r.token_source == "none") {
    print_status(ctx, r);
    return r.key_source == "none" || r.token_source == "none" ? kExitFailure : kExitOk;
  }
  // The cheapest documented call that needs the auth_token, and it names the account.
  ListDmsRequest request;
  request.auth_token = ctx.auth_token();
  request.count = 1;
  auto client = ctx.make_client();
  auto page = client.list_dms(request);
  auto const stats = client.stats();
  char cost[64];
  std::snprintf(cost, sizeof cost, "%lld dm/list call, $%.3f",
                static_cast<long long>(stats.total().requests), stats.spend_usd());
  r.check = cost;
  if (!page) {
    if (page.error().code() != ErrorCode::kAuthTokenInvalid) return ctx.fail(page.error());
    r.works = false;
    print_status(ctx, r);
    return ctx.fail(page.error());
  }
  r.works = true;
  std::string handle;
  account_from(*page, r.user_id, handle);
  if (!handle.empty()) r.username = handle;
  // Remember the account for the next offline status, when the token checked is the stored one.
  if (file && r.token_source == "file" &&
      (file->user_id != r.user_id || file->username != r.username)) {
    StoredCredentials updated = *file;
    updated.user_id = r.user_id;
    updated.username = r.username;
    (void)save_credentials(r.path, updated);
  }
  print_status(ctx, r);
  return kExitOk;
}

int auth_logout(Context& ctx) {
  std::string const path = require_path(ctx);
  auto removed = remove_credentials(path);
  if (!removed) return ctx.fail(removed.error());
  ctx.err << (*removed ? "removed " : "nothing stored in ") << escape_control(path) << '\n';
  if (ctx.env("GETXAPI_AUTH_TOKEN") || ctx.env("GETXAPI_API_KEY")) {
    ctx.err << "note: GETXAPI_API_KEY / GETXAPI_AUTH_TOKEN are still set in the environment\n";
  }
  return kExitOk;
}

}  // namespace

void register_auth(CLI::App& root, Context& ctx) {
  auto* auth = root.add_subcommand(
      "auth", "Store, check and remove the API key and auth_token (like `gh auth`)");
  auth->require_subcommand(1);

  auto o = std::make_shared<AuthLoginOptions>();
  auto* login = auth->add_subcommand(
      "login",
      "Store the API key and an auth_token in $XDG_CONFIG_HOME/getxapi/credentials.json (0600).\n"
      "The auth_token is read from stdin; with --username, the login flow runs instead\n"
      "(password on the first stdin line, optional TOTP secret on the second). The API key\n"
      "comes from GETXAPI_API_KEY, else the one already stored, else the first stdin line.");
  login->add_option("--username", o->username, "Log in as this X handle (password from stdin)")
      ->type_name("NAME");
  login->add_option("--email", o->email, "The account's email, for the login flow")
      ->type_name("EMAIL");
  login->footer(
      "Examples:\n"
      "  printf '%s\\n' \"$TOKEN\" | GETXAPI_API_KEY=... getxapi auth login\n"
      "  getxapi auth login --username ada_example < password.txt\n"
      "Nothing secret is printed. The environment wins over the file on every later run.");
  login->callback([&ctx, o] { ctx.run([&ctx, o] { return auth_login(ctx, *o); }); });

  auto no_check = std::make_shared<bool>(false);
  auto* status = auth->add_subcommand(
      "status",
      "Say where the API key and auth_token come from, which account it is, and whether the\n"
      "token works: one billed dm/list call (count 1, $0.002), shown as such");
  status->add_flag("--no-check", *no_check, "Only say what is stored; send nothing");
  status->callback(
      [&ctx, no_check] { ctx.run([&ctx, no_check] { return auth_status(ctx, *no_check); }); });

  auto* logout = auth->add_subcommand("logout", "Remove the stored API key and auth_token");
  logout->callback([&ctx] { ctx.run([&ctx] { return auth_logout(ctx); }); });
}

}  // namespace getxapi::cli
