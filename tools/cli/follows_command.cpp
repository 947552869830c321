// getxapi followers|following NAME [--all] [--can-dm] [--limit N] [--cursor CURSOR]
#include "commands.hpp"
#include "output.hpp"
#include "paging.hpp"

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

int list_users(Context& ctx, bool followers, FollowsOptions const& o) {
  auto client = ctx.make_client();
  Table table = user_table();
  std::size_t printed = 0;
  auto const limit = static_cast<std::size_t>(o.limit);
  auto full = [&] { return limit != 0 && printed >= limit; };
  auto emit = [&](User const& user) {
    if (o.can_dm && !user.can_dm) return;
    if (ctx.global.json) {
      print_json_line(ctx.out, wire_json(user));
    } else {
      add_user_row(table, user);
    }
    ++printed;
  };
  auto flush_table = [&] {
    if (!ctx.global.json && table.rows() > 0) table.print(ctx.out);
    ctx.out.flush();
  };

  if (!o.all) {
    auto page = followers ? client.followers(o.name, o.cursor) : client.following(o.name, o.cursor);
    if (!page) return ctx.fail(page.error());
    bool cut = false;
    for (auto const& user : page->items) {
      if (full()) {
        cut = true;
        break;
      }
      emit(user);
    }
    flush_table();
    if (!ctx.global.json && printed == 0) ctx.err << "no users on this page\n";
    // After a page cut short by --limit, the next cursor would silently skip the rest of it.
    if (page->has_more && !cut) print_next_cursor(ctx, page->next_cursor);
    return kExitOk;
  }

  RangeOptions range_options;
  range_options.cursor = o.cursor;
  auto range = followers ? client.all_followers(o.name, range_options)
                         : client.all_following(o.name, range_options);
  std::string const what = std::string(followers ? "followers of @" : "accounts @") + o.name +
                           (followers ? "" : " follows");
  std::size_t shown_pages = 0;
  for (auto const& user : range) {
    if (!user) {
      flush_table();
      int const status = ctx.fail(user.error());
      print_resume_hint(ctx, range.next_cursor());
      return status;
    }
    emit(*user);
    // Every page, and every so often within one, without a terminal write per user.
    if (range.pages_fetched() != shown_pages || range.items_yielded() % 25 == 0) {
      shown_pages = range.pages_fetched();
      ctx.progress(what + ": " + std::to_string(range.items_yielded()) + " fetched, " +
                   std::to_string(printed) + " shown (" + std::to_string(shown_pages) +
                   (shown_pages == 1 ? " page)" : " pages)"));
    }
    if (full()) break;
  }
  ctx.end_progress();
  flush_table();
  if (!ctx.global.json && printed == 0) ctx.err << "no users\n";
  return kExitOk;
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
