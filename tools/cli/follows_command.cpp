// getxapi followers|following NAME [--all] [--can-dm] [--limit N] [--cursor CURSOR]
#include "commands.hpp"
#include "listing.hpp"
#include "output.hpp"

#include <limits>
#include <memory>
#include <ostream>
#include <string>

namespace getxapi::cli {

namespace {

struct FollowsOptions {
  std::string name;
  bool all = false;
  bool can_dm = false;
  int limit = 0;  // 0: no limit
  std::string cursor;
};

Listing<User>::Spec user_listing(FollowsOptions const& o) {
  Listing<User>::Spec spec{user_table(),
                           add_user_row,
                           [](User const& user) { return wire_json(user); },
                           {},
                           "no users on this page",
                           "no users"};
  if (o.can_dm) spec.keep = [](User const& user) { return user.can_dm; };
  return spec;
}

int list_users(Context& ctx, bool followers, FollowsOptions const& o) {
  auto client = ctx.make_client();
  Listing<User> listing(ctx, user_listing(o), o.limit);
  if (!o.all) {
    auto page = followers ? client.followers(o.name, o.cursor) : client.following(o.name, o.cursor);
    if (!page) return ctx.fail(page.error());
    return listing.page(page->items, page->has_more, page->next_cursor);
  }
  RangeOptions range_options;
  range_options.cursor = o.cursor;
  auto range = followers ? client.all_followers(o.name, range_options)
                         : client.all_following(o.name, range_options);
  std::string const what = std::string(followers ? "followers of @" : "accounts @") + o.name +
                           (followers ? "" : " follows");
  ProgressMeter meter(ctx, what, "users");
  return listing.walk(range, meter, [&] {
    return std::to_string(range.items_yielded()) + " fetched, " +
           std::to_string(listing.printed()) + " shown (" + pages_text(range.pages_fetched()) + ")";
  });
}

void add_follows_command(CLI::App& root, Context& ctx, bool followers) {
  auto o = std::make_shared<FollowsOptions>();
  auto* cmd = root.add_subcommand(
      followers ? "followers" : "following",
      followers ? "List a user's followers (GET /twitter/user/followers_v2)"
                : "List the accounts a user follows (GET /twitter/user/following_v2)");
  cmd->add_option("NAME", o->name, "The user's handle, with or without @")
      ->type_name("")
      ->required();
  cmd->add_flag("--all", o->all,
                "Walk every page instead of printing only the first (or --cursor) page");
  cmd->add_flag("--can-dm", o->can_dm, "Only print users who accept DMs (canDm true)");
  cmd->add_option("--limit", o->limit, "Print at most N users (counted after --can-dm)")
      ->type_name("N")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()));
  cmd->add_option("--cursor", o->cursor,
                  "Start at this page: a next cursor printed by an earlier run")
      ->type_name("CURSOR");
  cmd->footer(
      "Without --all, one page (about 70 users) is printed and, when there are more, its\n"
      "next cursor: on stderr as `next cursor: C`, or under --json as a last stdout line\n"
      "{\"has_more\":true,\"next_cursor\":\"C\"}. Each --json line is GetXAPI's user object.\n"
      "Example: getxapi --json followers ada_example --all --can-dm --limit 500");
  cmd->callback([&ctx, o, followers] {
    ctx.run([&ctx, o, followers] { return list_users(ctx, followers, *o); });
  });
}

}  // namespace

void register_follows(CLI::App& root, Context& ctx) {
  add_follows_command(root, ctx, true);
  add_follows_command(root, ctx, false);
}

}  // namespace getxapi::cli
