// getxapi login --username NAME [--email EMAIL] < password [+ TOTP secret]
#include "commands.hpp"

#include <termios.h>
#include <unistd.h>

#include <istream>
#include <memory>
#include <ostream>
#include <string>

namespace getxapi::cli {

namespace {

struct LoginOptions {
  std::string username;
  std::string email;
};

// Turns terminal echo off for as long as it lives, so a typed password is not shown.
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  EchoOff(EchoOff const&) = delete;
  EchoOff& operator=(EchoOff const&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

std::string trim(std::string text) {
  auto const first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  auto const last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

std::optional<std::string> read_secret_line(Context& ctx, char const* prompt) {
  std::unique_ptr<EchoOff> echo_off;
  if (ctx.in_is_terminal) {
    ctx.err << prompt << std::flush;
    echo_off = std::make_unique<EchoOff>();
  }
  std::string line;
  bool const got = static_cast<bool>(std::getline(ctx.in, line));
  if (ctx.in_is_terminal) ctx.err << '\n';
  if (!got && line.empty()) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<LoginResult> login_from_stdin(Context& ctx, getxapi::Client& client,
                                     std::string const& username, std::string const& email) {
  getxapi::LoginRequest request;
  request.username = username;
  request.email = email;
  auto password = read_secret_line(ctx, "Password: ");
  if (!password || password->empty()) {
    throw UsageError("no password on stdin (give the password on the first line)");
  }
  request.password = std::move(*password);
  ctx.add_secret(request.password);
  // Base32 tolerates no spaces, but people paste secrets grouped in fours.
  if (auto totp = read_secret_line(ctx, "TOTP secret (empty if none): ")) {
    std::string secret;
    for (char c : trim(*totp)) {
      if (c != ' ') secret += c;
    }
    request.totp_secret = std::move(secret);
    ctx.add_secret(request.totp_secret);
  }
  auto result = client.login(request);
  if (result) {
    ctx.add_secret(result->auth_token);
    ctx.add_secret(result->ct0);
  }
  return result;
}

namespace {

int login(Context& ctx, LoginOptions const& options) {
  auto client = ctx.make_client();
  auto result = login_from_stdin(ctx, client, options.username, options.email);
  if (!result) return ctx.fail(result.error());
  // The token is the command's output by design, so `export GETXAPI_AUTH_TOKEN=$(...)` works;
  // it is printed alone even under --json.
  ctx.out << result->auth_token << '\n';
  return kExitOk;
}

}  // namespace

void register_login(CLI::App& root, Context& ctx) {
  auto options = std::make_shared<LoginOptions>();
  auto* cmd = root.add_subcommand(
      "login",
      "Log in to X through GetXAPI and print the auth_token (POST /twitter/user_login).\n"
      "The password is read from the first line of stdin and an optional base32 TOTP\n"
      "secret from the second, so neither shows up in `ps` or the shell history.");
  cmd->add_option("--username", options->username, "X handle to log in as (no @ needed)")
      ->required()
      ->type_name("NAME");
  cmd->add_option("--email", options->email,
                  "The account's email; X often asks for it, so pass it when you can")
      ->type_name("EMAIL");
  cmd->footer(
      "Example:\n"
      "  printf '%s\\n' \"$X_PASSWORD\" | getxapi login --username ada_example \\\n"
      "      --email ada@example.org\n"
      "  export GETXAPI_AUTH_TOKEN=$(getxapi login --username ada_example < secrets.txt)\n"
      "Prints the auth_token alone on stdout. Treat it like a password.");
  cmd->callback([&ctx, options] { ctx.run([&ctx, options] { return login(ctx, *options); }); });
}

}  // namespace getxapi::cli
