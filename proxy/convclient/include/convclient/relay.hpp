#pragma once
// Bidirectional copy between the local streams and the converted connection,
// with half-close: input EOF -> shutdown(SHUT_WR); it ends when both
// directions are closed.

#include "convclient/exit_code.hpp"
#include "convclient/session.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::convclient {

struct RelayStart {
  packetgen::Bytes to_connection;  // input bytes not yet sent
  bool input_closed = false;       // input already reached EOF
};

ExitCode relay(int connection, Streams streams, RelayStart start);

// Writes all bytes to a blocking fd; false on error.
bool write_all(int fd, packetgen::ByteView bytes);

}  // namespace convtest::convclient
