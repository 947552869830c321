// List the inbox's conversations, tab by tab, with who is in them and which
// are unread, then read the newest thread.
//   GETXAPI_API_KEY=... GETXAPI_AUTH_TOKEN=... ./read_inbox [MAX_PER_TAB]
#include <getxapi/getxapi.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace {

// "@grace_h (Grace H)" for each participant other than the inbox owner.
std::string others(getxapi::Conversation const& c, std::string const& owner) {
  std::string out;
  for (auto const& who : c.others(owner)) {
    if (!out.empty()) out += ", ";
    out += "@" + (who.screen_name.empty() ? who.id : who.screen_name);
    if (!who.name.empty()) out += " (" + who.name + ")";
  }
  return out.empty() ? "(only you)" : out;
}

}  // namespace

int main(int argc, char** argv) {
  char const* key = std::getenv("GETXAPI_API_KEY");
  char const* token = std::getenv("GETXAPI_AUTH_TOKEN");
  char const* base_url = std::getenv("GETXAPI_BASE_URL");
  std::size_t const max = argc > 1 ? std::stoul(argv[1]) : 20;

  getxapi::ClientOptions options;
  options.api_key = key ? key : "";
  if (base_url) options.base_url = base_url;
  getxapi::Client client(options);
  // After a login, Session::from_login(*login) also carries ct0 and twid.
  getxapi::Session session;
  session.auth_token = token ? token : "";

  getxapi::RangeOptions range;
  range.limit = max;
  std::size_t conversations = 0;
  std::string newest;  // the first conversation of the main inbox
  for (auto tab : {getxapi::InboxTab::kAll, getxapi::InboxTab::kRequests}) {
    std::cout << "== " << tab << "\n";
    auto inbox = client.all_conversations(session, tab, range);
    for (auto const& c : inbox) {
      if (!c) {
        std::cerr << "error: " << c.error() << "\n";
        // The cursor of the page in hand lets a later run pick up from here.
        std::cerr << "resume from cursor: " << inbox.cursor() << "\n";
        return 1;
      }
      ++conversations;
      if (newest.empty()) newest = c->id;
      std::cout << (c->unread ? "* " : "  ") << others(*c, inbox.user_id());
      if (c->last_message) {
        auto const& m = *c->last_message;
        std::cout << "  "
                  << (m.created_at ? getxapi::format_timestamp(*m.created_at) : std::string("?"))
                  << (m.sender_id == inbox.user_id() ? "  you: " : "  them: ")
                  << (m.raw.contains("text") ? m.text : std::string("[not decrypted]"));
      }
      std::cout << "\n";
    }
  }

  std::size_t messages = 0;
  if (!newest.empty()) {
    std::cout << "== thread " << newest << "\n";
    auto thread = client.all_conversation_messages(session, newest, range);
    for (auto const& m : thread) {
      if (!m) {
        std::cerr << "error: " << m.error() << "\n";
        return 1;
      }
      ++messages;
      auto const* sender = thread.user(m->sender_id);
      std::cout << "  @" << (sender ? sender->screen_name : m->sender_id) << ": "
                << (m->raw.contains("text") ? m->text : std::string("[not decrypted]"))
                << (m->edit_count > 0 ? "  (edited)" : "") << "\n";
    }
  }
  std::cout << conversations << " conversations, " << messages << " messages, "
            << client.stats().total().billed_calls << " billed calls\n";
  return 0;
}
