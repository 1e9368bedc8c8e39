#pragma once
// RFC 8803 section 6.2.8: after Resource Exceeded or Network Failure a
// client waits the delay the converter suggests (0: at least 30 s) before it
// uses that converter again (CLI-021, CLI-022). convclient is one process per
// connection, so the delays live in a state file (schema:
// reports/schema/convclient-state-v1.schema.json) in the folder given by
// --state-dir, shared by the runs that use it.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "convclient/options.hpp"
#include "packetgen/convert.hpp"
#include "packetgen/result.hpp"

namespace convtest::convclient {

using SystemClock = std::chrono::system_clock;

inline constexpr std::chrono::seconds kDefaultBackoff{30};
inline constexpr std::string_view kStateFileName = "convclient-state.json";

// The delay an Error TLV asks for; nothing for codes that ask none.
// `zero_is_none`: the fault that takes Value 0 as no delay at all.
std::optional<std::chrono::seconds> requested_backoff(const packetgen::convert::ErrorTlv& error,
                                                      bool zero_is_none = false);

// How long `converter` is still to be left alone; nothing when it is free.
// A missing state file is an empty one; an unreadable one an error.
packetgen::Result<std::optional<std::chrono::seconds>, std::string> backoff_remaining(
    const std::filesystem::path& state_dir, const Endpoint& converter, SystemClock::time_point now);

// Records that `converter` is to be left alone for `delay` from `now`; the
// file is replaced whole, so a concurrent reader never sees half of it.
// The problem when it could not be written.
std::optional<std::string> remember_backoff(const std::filesystem::path& state_dir, const Endpoint& converter,
                                            std::chrono::seconds delay, SystemClock::time_point now);

}  // namespace convtest::convclient
