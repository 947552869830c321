/// @file
/// Umbrella header of the outreach component (`getxapi::outreach`): durable,
/// resumable, never-double-send DM campaigns kept in a SQLite journal.
///
/// @code
/// find_package(getxapi CONFIG REQUIRED COMPONENTS outreach)
/// target_link_libraries(app PRIVATE getxapi::outreach)
/// @endcode
#pragma once

#include <getxapi/outreach/audience.hpp>
#include <getxapi/outreach/campaign.hpp>
#include <getxapi/outreach/journal.hpp>
#include <getxapi/outreach/recipient.hpp>
#include <getxapi/outreach/replies.hpp>
#include <getxapi/outreach/runner.hpp>
#include <getxapi/outreach/status.hpp>
#include <getxapi/outreach/stop.hpp>
#include <getxapi/outreach/template.hpp>
