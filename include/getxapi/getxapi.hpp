/// @file
/// Umbrella header: everything a getxapi user needs.
#pragma once

#include <getxapi/client.hpp>
#include <getxapi/client_options.hpp>
#include <getxapi/clock.hpp>
#include <getxapi/conversation.hpp>
#include <getxapi/curl_transport.hpp>
#include <getxapi/dm.hpp>
#include <getxapi/endpoint.hpp>
#include <getxapi/error.hpp>
#include <getxapi/logger.hpp>
#include <getxapi/login.hpp>
#include <getxapi/message.hpp>
#include <getxapi/pacing.hpp>
#include <getxapi/range.hpp>
#include <getxapi/result.hpp>
#include <getxapi/retry_policy.hpp>
#include <getxapi/session.hpp>
#include <getxapi/stats.hpp>
#include <getxapi/timestamp.hpp>
#include <getxapi/transport.hpp>
#include <getxapi/user.hpp>
#include <getxapi/version.hpp>
