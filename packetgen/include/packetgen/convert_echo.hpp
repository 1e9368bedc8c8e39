#pragma once
// The echo rule of Malformed and Unsupported Message errors (AMB-05).

#include "packetgen/bytes.hpp"

namespace convtest::packetgen::convert {

// True when `echo` (the bytes of a Malformed or Unsupported Message error
// from byte 4 on) is a prefix of `sent` starting at a 4-byte-aligned offset,
// followed only by zero padding (AMB-05).
bool is_aligned_echo(ByteView echo, ByteView sent);

}  // namespace convtest::packetgen::convert
