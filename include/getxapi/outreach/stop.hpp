/// @file
/// Stopping a run cleanly on SIGINT / SIGTERM: the core's `getxapi::SignalStop`
/// and `getxapi::interruptible_sleeper` (<getxapi/signals.hpp>), under the
/// names outreach has always offered. One implementation for every component.
#pragma once

#include <getxapi/signals.hpp>

namespace getxapi::outreach {

using getxapi::interruptible_sleeper;
using getxapi::SignalStop;

}  // namespace getxapi::outreach
