/// @file
/// Umbrella header of the outbox component (`getxapi::outbox`): notifications
/// queued from any process and delivered exactly once over a pool of accounts.
///
/// @code
/// find_package(getxapi CONFIG REQUIRED COMPONENTS outbox)
/// target_link_libraries(app PRIVATE getxapi::outbox)
/// @endcode
#pragma once

#include <getxapi/outbox/account.hpp>
#include <getxapi/outbox/entry.hpp>
#include <getxapi/outbox/outbox.hpp>
#include <getxapi/outbox/status.hpp>
#include <getxapi/outbox/worker.hpp>
