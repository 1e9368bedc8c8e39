#pragma once
// What the PUT did with one fuzz input, and whether that is what the oracle
// expected. Pure functions over an Observation gathered by the engine.

#include <chrono>
#include <optional>
#include <string>

#include "harness/fuzz/oracle.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::harness::fuzz {

struct Observation {
  packetgen::Bytes stream;  // what the client read, the Convert reply first
  bool fin = false;         // FIN (MPTCP: DATA_FIN) from the PUT
  bool reset = false;       // RST (MPTCP: MP_FASTCLOSE) from the PUT
  bool reset_before_fin = false;
  // From the first byte of the reply to the RST, when both came.
  std::optional<std::chrono::milliseconds> reset_after_reply;
  std::size_t downstream_syns = 0;   // SYNs the PUT sent toward this input's server
  packetgen::Bytes server_received;  // what that server read
  packetgen::Bytes greeting;         // what that server sent once connected
  bool timed_out = false;            // the deadline passed before the input settled
  std::chrono::milliseconds waited{0};
};

// Nothing more can change the judgement.
bool settled(const Expectation& expected, const Observation& observed);

struct Judgement {
  std::string observed;                // a short class for the histogram: "proxy", "error-1", "reset", ...
  std::string detail;                  // one line: what came back
  std::optional<std::string> problem;  // set: a mismatch, saying what differs
};

Judgement judge(const Expectation& expected, const Observation& observed);

}  // namespace convtest::harness::fuzz
