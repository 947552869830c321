// getxapi dm send (--to NAME | --to-id ID) TEXT
// getxapi dm list [--all] [--count N] [--cursor CURSOR] [--limit N] [--tab TAB]
// (dm conversations and dm thread: conversation_command.cpp)
#include "commands.hpp"
#include "listing.hpp"
#include "output.hpp"
#ifdef GETXAPI_CLI_HAS_INBOX
#include "watch_command.hpp"
#endif

#include <functional>
#include <istream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

namespace getxapi::cli {

namespace {

struct SendOptions {
  std::string to;
  std::string to_id;
  std::string text;
};

struct ListOptions {
  bool all = false;
  int count = 0;  // 0: the server's default
  std::string cursor;
  int limit = 0;  // 0: no limit
  std::string tab = "all";
};

int send(Context& ctx, SendOptions const& o) {
  getxapi::SendDmRequest request;
  request.auth_token = ctx.auth_token();
  request.recipient = o.to_id.empty() ? Recipient::by_username(o.to) : Recipient::by_id(o.to_id);
  request.text = o.text;
  if (request.text == "-") {
    request.text.assign(std::istreambuf_iterator<char>(ctx.in), std::istreambuf_iterator<char>());
    if (!request.text.empty() && request.text.back() == '\n') request.text.pop_back();
    if (!request.text.empty() && request.text.back() == '\r') request.text.pop_back();
  }
  auto client = ctx.make_client();
  auto message = client.send_dm(request);
  if (!message) return ctx.fail(message.error());
  if (message->recovered) {
    ctx.err << "note: the first attempt failed after reaching the server; the message was "
               "found in the inbox, so it was not sent twice\n";
  }
  if (ctx.global.json) {
    print_json_line(ctx.out, wire_json(*message));
    return kExitOk;
  }
  std::string to = message->recipient_username.empty()
                       ? (request.recipient.is_id() ? "" : request.recipient.value())
                       : message->recipient_username;
  if (!to.empty() && to.front() == '@') to.erase(0, 1);
  ctx.out << "sent " << cell(message->id) << " to "
          << (to.empty() ? std::string() : "@" + cell(to) + " ") << "("
          << cell(message->recipient_id.empty() ? request.recipient.value() : message->recipient_id)
          << ")";
  if (message->created_at) ctx.out << " at " << short_time(message->created_at);
  ctx.out << '\n';
  return kExitOk;
}

// The users lookups of the pages seen so far, so a walk's rows name people.
struct Directory {
  std::string owner_id;
  std::map<std::string, DmUser, std::less<>> users;

  void add(MessagePage const& page) {
    if (owner_id.empty()) owner_id = page.user_id;
    for (auto const& [id, user] : page.users) users.insert_or_assign(id, user);
  }
  People people() const {
    return {owner_id, [this](std::string_view id) -> DmUser const* {
              auto it = users.find(id);
              return it == users.end() ? nullptr : &it->second;
            }};
  }
};

int list(Context& ctx, ListOptions const& o) {
  std::string const token = ctx.auth_token();
  auto client = ctx.make_client();
  Directory directory;
  Listing<Message> listing(ctx,
                           {message_table(),
                            [&directory](Table& table, Message const& m) {
                              add_message_row(table, m, directory.people());
                            },
                            [](Message const& m) { return wire_json(m); },
                            {},
                            "no messages on this page",
                            "no messages"},
                           o.limit);
  ListDmsRequest request;
  request.auth_token = token;
  request.cursor = o.cursor;
  request.count = o.count > 0 ? std::optional<int>(o.count) : std::nullopt;
  request.tab = parse_inbox_tab(o.tab).value_or(InboxTab::kAll);
  if (!o.all) {
    auto page = client.list_dms(request);
    if (!page) return ctx.fail(page.error());
    directory.add(*page);
    return listing.page(page->items, page->has_more, page->next_cursor);
  }
  // all_dms does not keep the pages' users lookups: walk dm/list here, through the same
  // guarded Range (a repeated cursor ends it).
  RangeOptions range_options;
  range_options.cursor = o.cursor;
  if (o.limit != 0) range_options.limit = static_cast<std::size_t>(o.limit);
  Range<Message> range(
      [&client, &directory, request](std::string const& cursor) -> Result<Range<Message>::Chunk> {
        ListDmsRequest r = request;
        r.cursor = cursor;
        auto page = client.list_dms(r);
        if (!page) return page.error();
        directory.add(*page);
        return Range<Message>::Chunk{std::move(page->items), page->next_cursor, page->has_more};
      },
      range_options);
  ProgressMeter meter(ctx, "inbox", "messages");
  return listing.walk(range, meter, [&] {
    return std::to_string(listing.printed()) + " messages (" + pages_text(range.pages_fetched()) +
           ")";
  });
}

}  // namespace

void register_dm(CLI::App& root, Context& ctx) {
  auto* dm =
      root.add_subcommand("dm", "Send, list and read direct messages (needs GETXAPI_AUTH_TOKEN)");
  dm->require_subcommand(1);

  auto s = std::make_shared<SendOptions>();
  auto* send_cmd = dm->add_subcommand(
      "send", "Send one direct message as the GETXAPI_AUTH_TOKEN account (POST /twitter/dm/send)");
  auto* recipient = send_cmd->add_option_group("recipient", "Who receives the message");
  recipient->add_option("--to", s->to, "Recipient's handle, with or without @")->type_name("NAME");
  recipient->add_option("--to-id", s->to_id, "Recipient's numeric user id (exact, preferred)")
      ->type_name("ID");
  recipient->require_option(1);
  send_cmd
      ->add_option("TEXT", s->text, "The message: 1 to 10,000 characters; `-` reads it from stdin")
      ->type_name("")
      ->required();
  send_cmd->footer(
      "Prints `sent <id> to @name (<recipientId>) at <time>`, or with --json GetXAPI's message\n"
      "object. A send that fails with a 5xx is checked against the inbox before any retry,\n"
      "so it is never delivered twice.\n"
      "Example: getxapi dm send --to grace_h \"Thanks for the follow!\"");
  send_cmd->callback([&ctx, s] { ctx.run([&ctx, s] { return send(ctx, *s); }); });

  auto l = std::make_shared<ListOptions>();
  auto* list_cmd = dm->add_subcommand(
      "list", "List the GETXAPI_AUTH_TOKEN account's inbox, newest first (POST /twitter/dm/list)");
  list_cmd->add_flag("--all", l->all, "Walk every page instead of printing only one");
  list_cmd->add_option("--count", l->count, "Messages per page, 1-100 (server default 50)")
      ->type_name("N")
      ->check(CLI::Range(1, 100));
  list_cmd
      ->add_option("--cursor", l->cursor,
                   "Start at this page: a next cursor printed by an earlier run")
      ->type_name("CURSOR");
  list_cmd->add_option("--limit", l->limit, "Print at most N messages")
      ->type_name("N")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()));
  add_tab_option(*list_cmd, l->tab);
  list_cmd->footer(
      "Without --all, one page is printed and, when there are more, its next cursor: on\n"
      "stderr as `next cursor: C`, or under --json as a last stdout line\n"
      "{\"has_more\":true,\"next_cursor\":\"C\"}. Each --json line is GetXAPI's message object\n"
      "(id, conversationId, createdAt, senderId, recipientId, text, media, ...); the table\n"
      "names people as @handle (Name) from the page's users lookup.\n"
      "Example: getxapi --json dm list --all --count 100 --limit 1000");
  list_cmd->callback([&ctx, l] { ctx.run([&ctx, l] { return list(ctx, *l); }); });

  register_conversation_commands(*dm, ctx);
#ifdef GETXAPI_CLI_HAS_INBOX
  register_watch(*dm, ctx);
#endif
}

}  // namespace getxapi::cli
