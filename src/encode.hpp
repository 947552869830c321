// Request encoding: URLs with escaped query strings, JSON bodies.
#pragma once

#include <getxapi/dm.hpp>
#include <getxapi/login.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace getxapi::internal {

/// `base` + `path` + `?k=v&...`, each key and value percent-encoded by libcurl.
std::string build_url(std::string_view base, std::string_view path,
                      std::vector<std::pair<std::string_view, std::string_view>> const& query);

/// Bodies exactly as GetXAPI documents them. Inputs are already validated and
/// normalised (no '@' on names, recipient checked).
std::string encode_login(LoginRequest const& request);
std::string encode_send_dm(std::string_view auth_token, Recipient const& recipient,
                           std::string_view normalized_recipient, std::string_view text);
std::string encode_list_dms(std::string_view auth_token, std::string_view cursor,
                            std::optional<int> count);
/// dm/list with every optional field: `tab` only when not kAll (older
/// deployments know no tabs), ct0/twid and proxy only when set. `proxy` is the
/// one to send (the request's, else the client's default).
std::string encode_list_dms(ListDmsRequest const& request, std::string_view proxy);
/// dm/conversation; `proxy` as above.
std::string encode_conversation(ConversationRequest const& request, std::string_view proxy);

}  // namespace getxapi::internal
