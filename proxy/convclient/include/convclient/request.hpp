#pragma once
// The bytes convclient puts in its SYN: the Convert message, then early data.

#include <string>

#include "convclient/options.hpp"
#include "packetgen/bytes.hpp"
#include "packetgen/result.hpp"

namespace convtest::convclient {

// Info (if asked), Cookie (if given), then Connect (Base, or Extended when
// options are given). Fails when the strict encoder refuses the message,
// e.g. for a loopback destination (CLI-015).
packetgen::Result<packetgen::Bytes, std::string> build_request(const ClientOptions& options);

}  // namespace convtest::convclient
