/// @file
/// Umbrella header of the inbox component (`getxapi::inbox`): a watcher for
/// support bots. Every new inbound message is handed over (oldest first within
/// a conversation, none missed, again until acknowledged), edits are told from
/// new messages, and replies are journaled before they are sent, so a restart
/// never answers twice. State lives in a store (a SQLite file).
///
/// @code
/// find_package(getxapi CONFIG REQUIRED COMPONENTS inbox)
/// target_link_libraries(bot PRIVATE getxapi::inbox)
/// @endcode
#pragma once

#include <getxapi/inbox/message.hpp>
#include <getxapi/inbox/source.hpp>
#include <getxapi/inbox/store.hpp>
#include <getxapi/inbox/watcher.hpp>
#include <getxapi/signals.hpp>
