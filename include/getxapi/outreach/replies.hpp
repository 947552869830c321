/// @file
/// `scan_replies`: marks the recipients who answered a campaign's message.
#pragma once

#include <getxapi/client.hpp>
#include <getxapi/clock.hpp>
#include <getxapi/outreach/export.hpp>
#include <getxapi/outreach/journal.hpp>
#include <getxapi/result.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace getxapi::outreach {

struct RepliesReport {
  std::int64_t new_replies = 0;  ///< Recipients marked replied by this scan.
  std::int64_t replied = 0;      ///< Recipients marked replied in all.
  std::int64_t pages = 0;        ///< dm/list pages read (billed).
};

/// Walks the inbox of `auth_token`'s account (dm/list, newest first) back to
/// the campaign's first send, and marks each sent recipient who wrote to the
/// sender after their DM was sent. The billed calls are recorded in the
/// journal as a "replies" run.
GETXAPI_OUTREACH_EXPORT Result<RepliesReport> scan_replies(Client& client, Journal& journal,
                                                           std::string_view campaign,
                                                           std::string const& auth_token,
                                                           std::shared_ptr<Clock> clock = {});

}  // namespace getxapi::outreach
