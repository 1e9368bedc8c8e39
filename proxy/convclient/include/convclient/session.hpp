#pragma once
// One convclient run: connect through the converter with the Convert
// message in the SYN, read its reply, then relay input <-> connection.

#include "convclient/exit_code.hpp"
#include "convclient/options.hpp"

namespace convtest::convclient {

// The local side of the relay (stdin/stdout for the command-line tool).
struct Streams {
  int input = 0;
  int output = 1;
};

ExitCode run_session(const ClientOptions& options, Streams streams);

}  // namespace convtest::convclient
