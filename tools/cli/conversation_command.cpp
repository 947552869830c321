// getxapi dm conversations [--tab TAB] [--all] [--cursor CURSOR] [--limit N]
// getxapi dm thread CONVERSATION_ID [--all] [--count N] [--cursor CURSOR] [--limit N]
#include "commands.hpp"
#include "listing.hpp"
#include "output.hpp"

#include <limits>
#include <memory>
#include <optional>
#include <string>

namespace getxapi::cli {

namespace {

struct ConversationsOptions {
  std::string tab = "all";
  bool all = false;
  std::string cursor;
  int limit = 0;
};

struct ThreadOptions {
  std::string conversation_id;
  bool all = false;
  int count = 0;
  std::string cursor;
  int limit = 0;
};

InboxTab tab_of(std::string const& text) { return parse_inbox_tab(text).value_or(InboxTab::kAll); }

int conversations(Context& ctx, ConversationsOptions const& o) {
  std::string const token = ctx.auth_token();
  auto client = ctx.make_client();
  // Who the rows name: the one page's lookup, or the walk's current page.
  std::function<People()> people;
  Listing<Conversation> listing(
      ctx,
      {conversation_table(),
       [&people](Table& table, Conversation const& c) { add_conversation_row(table, c, people()); },
       [](Conversation const& c) { return wire_json(c); },
       {},
       "no conversations on this page",
       "no conversations"},
      o.limit);
  if (!o.all) {
    ListDmsRequest request;
    request.auth_token = token;
    request.cursor = o.cursor;
    request.tab = tab_of(o.tab);
    auto page = client.list_dms(request);
    if (!page) return ctx.fail(page.error());
    MessagePage const& p = *page;
    people = [&p] { return People{p.user_id, [&p](std::string_view id) { return p.user(id); }}; };
    return listing.page(p.conversations, p.has_more, p.next_cursor);
  }
  RangeOptions range_options;
  range_options.cursor = o.cursor;
  if (o.limit != 0) range_options.limit = static_cast<std::size_t>(o.limit);
  auto range = client.all_conversations(token, tab_of(o.tab), range_options);
  people = [&range] {
    return People{range.user_id(), [&range](std::string_view id) { return range.user(id); }};
  };
  ProgressMeter meter(ctx, std::string("inbox (") + o.tab + ")", "conversations");
  return listing.walk(range, meter, [&] {
    return std::to_string(listing.printed()) + " conversations (" +
           pages_text(range.pages_fetched()) + ")";
  });
}

int thread(Context& ctx, ThreadOptions const& o) {
  std::string const token = ctx.auth_token();
  auto client = ctx.make_client();
  std::function<People()> people;
  Listing<Message> listing(
      ctx,
      {message_table(),
       [&people](Table& table, Message const& m) { add_message_row(table, m, people()); },
       [](Message const& m) { return wire_json(m); },
       {},
       "no messages on this page",
       "no messages"},
      o.limit);
  std::optional<int> const count = o.count > 0 ? std::optional<int>(o.count) : std::nullopt;
  if (!o.all) {
    ConversationRequest request;
    request.auth_token = token;
    request.conversation_id = o.conversation_id;
    request.cursor = o.cursor;
    request.count = count;
    auto page = client.conversation(request);
    if (!page) return ctx.fail(page.error());
    MessagePage const& p = *page;
    people = [&p] { return People{p.user_id, [&p](std::string_view id) { return p.user(id); }}; };
    return listing.page(p.items, p.has_more, p.next_cursor);
  }
  RangeOptions range_options;
  range_options.cursor = o.cursor;
  range_options.page_size = count;
  if (o.limit != 0) range_options.limit = static_cast<std::size_t>(o.limit);
  auto range = client.all_conversation_messages(token, o.conversation_id, range_options);
  people = [&range] {
    return People{range.user_id(), [&range](std::string_view id) { return range.user(id); }};
  };
  ProgressMeter meter(ctx, "thread", "messages");
  return listing.walk(range, meter, [&] {
    return std::to_string(listing.printed()) + " messages (" + pages_text(range.pages_fetched()) +
           ")";
  });
}

void add_paging_options(CLI::App& cmd, bool& all, std::string& cursor, int& limit,
                        char const* what) {
  cmd.add_flag("--all", all, "Walk every page instead of printing only one");
  cmd.add_option("--cursor", cursor, "Start at this page: a next cursor printed by an earlier run")
      ->type_name("CURSOR");
  cmd.add_option("--limit", limit, std::string("Print at most N ") + what)
      ->type_name("N")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()));
}

}  // namespace

void add_tab_option(CLI::App& cmd, std::string& tab) {
  cmd.add_option("--tab", tab,
                 "Inbox tab: all (the inbox), requests (message requests), hidden (low quality)")
      ->type_name("TAB")
      ->check(CLI::IsMember({"all", "requests", "hidden"}))
      ->capture_default_str();
}

void register_conversation_commands(CLI::App& dm, Context& ctx) {
  auto c = std::make_shared<ConversationsOptions>();
  auto* list = dm.add_subcommand(
      "conversations",
      "List the inbox's conversations, one line each (POST /twitter/dm/list): id, type,\n"
      "unread mark, the other participants' @handles, the last message");
  add_tab_option(*list, c->tab);
  add_paging_options(*list, c->all, c->cursor, c->limit, "conversations");
  list->footer(
      "dm/list pages by messages, so one conversation can appear on several pages; with\n"
      "--all each is listed once. UNREAD is `*` for a thread with unread messages. Each\n"
      "--json line is GetXAPI's conversation object (conversation_id, type, unread,\n"
      "sort_timestamp, participants, last_message).\n"
      "Example: getxapi dm conversations --tab requests --all");
  list->callback([&ctx, c] { ctx.run([&ctx, c] { return conversations(ctx, *c); }); });

  auto t = std::make_shared<ThreadOptions>();
  auto* thread_cmd = dm.add_subcommand(
      "thread", "Read one conversation, newest first (POST /twitter/dm/conversation, $0.001)");
  thread_cmd
      ->add_option("CONVERSATION_ID", t->conversation_id,
                   "A conversation id, as `dm conversations` prints it")
      ->type_name("")
      ->required();
  add_paging_options(*thread_cmd, t->all, t->cursor, t->limit, "messages");
  thread_cmd->add_option("--count", t->count, "Messages per page, 1-100 (server default 50)")
      ->type_name("N")
      ->check(CLI::Range(1, 100));
  thread_cmd->footer(
      "The next cursor goes back in time. Each --json line is GetXAPI's message object.\n"
      "Example: getxapi dm thread 1700000000000000001-1700000000000000002 --all");
  thread_cmd->callback([&ctx, t] { ctx.run([&ctx, t] { return thread(ctx, *t); }); });
}

}  // namespace getxapi::cli
