/// @file
/// Where the watcher reads the inbox and sends replies: a small seam over
/// `getxapi::Client`, so the watcher's logic is tested without a network.
#pragma once

#include <getxapi/client.hpp>
#include <getxapi/inbox/export.hpp>
#include <getxapi/inbox/message.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace getxapi::inbox {

/// A conversation as dm/list summarises it.
struct ThreadSummary {
  std::string conversation_id;
  std::string type;  ///< "ONE_TO_ONE" or "GROUP_DM".
  bool unread = false;
  std::int64_t sort_ms = 0;  ///< Wire `sort_timestamp`.
  std::string last_message_id;
  int last_edit_count = 0;
};

/// A message with the fields the watcher acts on.
struct SourceMessage {
  Message message;
  std::string conversation_id;
  int edit_count = 0;
};

/// One page of dm/list (a tab) or of dm/conversation (a thread), newest first.
struct SourcePage {
  std::string owner_id;  ///< Wire `userId`: the account whose inbox this is.
  std::vector<ThreadSummary> conversations;
  std::vector<SourceMessage> messages;
  std::map<std::string, Sender> users;
  std::string next_cursor;  ///< Empty on the last page.
  bool has_more = false;
};

/// The three calls the watcher makes.
class GETXAPI_INBOX_EXPORT InboxSource {
 public:
  virtual ~InboxSource() = default;
  /// dm/list: one page of `tab` from `cursor` (empty: the newest).
  virtual Result<SourcePage> list(std::string const& tab, std::string const& cursor) = 0;
  /// dm/conversation: one page of a thread from `cursor` (empty: the newest).
  virtual Result<SourcePage> thread(std::string const& conversation_id,
                                    std::string const& cursor) = 0;
  /// dm/send to `recipient_id`.
  virtual Result<Message> send(std::string const& recipient_id, std::string const& text) = 0;
  /// Billed spend so far in micro-dollars (the client's stats), for the budget.
  virtual std::int64_t spent_micro_usd() const = 0;
};

/// Options of `client_source`.
struct ClientSourceOptions {
  int page_size = 50;  ///< Messages per dm/list and dm/conversation page (1..100).
};

/// The real thing: `client`'s dm/list, dm/conversation and dm/send with
/// `auth_token` (kept in memory only).
GETXAPI_INBOX_EXPORT std::shared_ptr<InboxSource> client_source(Client client,
                                                                std::string auth_token,
                                                                ClientSourceOptions options = {});

}  // namespace getxapi::inbox
