#pragma once
// convclient's exit codes: scripts and the end-to-end tests tell outcomes
// apart by them, so each Error TLV class has its own code.

#include <cstdint>
#include <string_view>

#include "packetgen/convert.hpp"

namespace convtest::convclient {

enum class ExitCode : int {
  Ok = 0,
  ConnectionFailed = 1,     // converter unreachable, or the relay broke (reset, I/O error)
  Usage = 2,                // bad command line
  Environment = 3,          // sysctl or kernel feature missing
  BadReply = 4,             // the converter's reply is not a valid Convert message (or none came)
  ValidationError = 10,     // Error TLV, codes 0-31 except Missing Cookie
  MissingCookie = 11,       // Error TLV code 3: retry with --cookie
  ClientSideError = 12,     // Error TLV, codes 32-63
  ConverterSideError = 13,  // Error TLV, codes 64-95
  DestinationError = 14,    // Error TLV, codes 96-127
  OtherError = 15,          // Error TLV with a code outside the classes above
};

ExitCode exit_code_for(packetgen::convert::ErrorCode code);
std::string_view describe(ExitCode code);

}  // namespace convtest::convclient
