// getxapi dm send (--to NAME | --to-id ID) TEXT
// getxapi dm list [--all] [--count N] [--cursor CURSOR] [--limit N]
#include "commands.hpp"
#include "output.hpp"
#include "paging.hpp"
#ifdef GETXAPI_CLI_HAS_INBOX
#include "watch_command.hpp"
#endif

#include <istream>
#include <iterator>
#include <limits>
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

int list(Context& ctx, ListOptions const& o) {
  std::string const token = ctx.auth_token();
  auto client = ctx.make_client();
  Table table = message_table();
  std::size_t printed = 0;
  auto const limit = static_cast<std::size_t>(o.limit);
  auto full = [&] { return limit != 0 && printed >= limit; };
  auto emit = [&](Message const& message) {
    if (ctx.global.json) {
      print_json_line(ctx.out, wire_json(message));
    } else {
      add_message_row(table, message);
    }
    ++printed;
  };
  auto flush_table = [&] {
    if (!ctx.global.json && table.rows() > 0) table.print(ctx.out);
    ctx.out.flush();
  };
  std::optional<int> const count = o.count > 0 ? std::optional<int>(o.count) : std::nullopt;

  if (!o.all) {
    ListDmsRequest request;
    request.auth_token = token;
    request.cursor = o.cursor;
    request.count = count;
    auto page = client.list_dms(request);
    if (!page) return ctx.fail(page.error());
    bool cut = false;
    for (auto const& message : page->items) {
      if (full()) {
        cut = true;
        break;
      }
      emit(message);
    }
    flush_table();
    if (!ctx.global.json && printed == 0) ctx.err << "no messages on this page\n";
    // After a page cut short by --limit, the next cursor would silently skip the rest of it.
    if (page->has_more && !cut) print_next_cursor(ctx, page->next_cursor);
    return kExitOk;
  }

  RangeOptions range_options;
  range_options.cursor = o.cursor;
  range_options.page_size = count;
  if (limit != 0) range_options.limit = limit;
  auto range = client.all_dms(token, range_options);
  std::size_t shown_pages = 0;
  for (auto const& message : range) {
    if (!message) {
      flush_table();
      int const status = ctx.fail(message.error());
      print_resume_hint(ctx, range.next_cursor());
      return status;
    }
    emit(*message);
    // Every page, and every so often within one, without a terminal write per user.
    if (range.pages_fetched() != shown_pages || range.items_yielded() % 25 == 0) {
      shown_pages = range.pages_fetched();
      ctx.progress("inbox: " + std::to_string(printed) + " messages (" +
                   std::to_string(shown_pages) + (shown_pages == 1 ? " page)" : " pages)"));
    }
    if (full()) break;
  }
  ctx.end_progress();
  flush_table();
  if (!ctx.global.json && printed == 0) ctx.err << "no messages\n";
  return kExitOk;
}

}  // namespace

void register_dm(CLI::App& root, Context& ctx) {
  auto* dm = root.add_subcommand("dm", "Send and list direct messages (needs GETXAPI_AUTH_TOKEN)");
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
  list_cmd->footer(
      "Without --all, one page is printed and, when there are more, its next cursor: on\n"
      "stderr as `next cursor: C`, or under --json as a last stdout line\n"
      "{\"has_more\":true,\"next_cursor\":\"C\"}. Each --json line is GetXAPI's message object\n"
      "(id, createdAt, senderId, recipientId, text, media).\n"
      "Example: getxapi --json dm list --all --count 100 --limit 1000");
  list_cmd->callback([&ctx, l] { ctx.run([&ctx, l] { return list(ctx, *l); }); });
#ifdef GETXAPI_CLI_HAS_INBOX
  register_watch(*dm, ctx);
#endif
}

}  // namespace getxapi::cli
