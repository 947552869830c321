// getxapi user info NAME
#include "commands.hpp"
#include "output.hpp"

#include <memory>
#include <ostream>
#include <string>

namespace getxapi::cli {

namespace {

int user_info(Context& ctx, std::string const& name) {
  auto client = ctx.make_client();
  auto user = client.user_info(name);
  if (!user) return ctx.fail(user.error());
  if (ctx.global.json) {
    print_json_line(ctx.out, wire_json(*user));
  } else {
    print_user_details(ctx.out, *user);
  }
  return kExitOk;
}

}  // namespace

void register_user(CLI::App& root, Context& ctx) {
  auto* user = root.add_subcommand("user", "Look up X users");
  user->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  auto* info = user->add_subcommand(
      "info", "Show one user's profile, canDm included (GET /twitter/user/info)");
  info->add_option("NAME", *name, "The user's handle, with or without @")
      ->type_name("")
      ->required();
  info->footer(
      "Prints `field: value` lines, or with --json the user object exactly as GetXAPI\n"
      "returned it (id, userName, name, followers, following, createdAt, canDm, ...).");
  info->callback([&ctx, name] { ctx.run([&ctx, name] { return user_info(ctx, *name); }); });
}

}  // namespace getxapi::cli
