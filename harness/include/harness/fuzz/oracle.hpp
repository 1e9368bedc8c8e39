#pragma once
// The oracle of `convtest fuzz`: what a conformant converter must do with a
// client stream, from packetgen's strict decoder and the positions of
// docs/design.md (AMB-xx). Pure: no I/O, the same answer for the same input.
//
//   decoder verdict            expected outcome
//   BadMagic                   ignore (CONV-005, AMB-06): no SYN toward a
//                              server, no byte, no RST (a SYN-ACK and a FIN
//                              are tolerated, AMB-01)
//   TotalLengthZero            reset (CONV-009): an RST, no downstream SYN
//   UnsupportedVersion         Error 0 listing version 1 (CONV-035/036)
//   type 0 / unknown / T->C    Error 2 with an aligned echo (CONV-015,
//                              AMB-09; AMB-08 also accepts 1)
//   any other rule             Error 1 with an aligned echo (CONV-014/021/
//                              063, AMB-05/07/10/22); a message cut short by
//                              the client's FIN also accepts an RST (AMB-12)
//   a valid message            cookie mode: Error 3 or 32 (CONV-030/031);
//                              Info alone: a reply without Error TLV, with
//                              Supported TCP Extensions when the PUT
//                              declares `info` (AMB-10); a Connect: the
//                              option rules of AMB-24/33 (Error 33), else
//                              proxy: the server's answer decides (SYN-ACK:
//                              a success reply, early data relayed both
//                              ways, an Extended TCP Header after an
//                              Extended Connect, CONV-028; RST: Error 96;
//                              ICMP: Error 97 echoing the code, AMB-20).
//                              Error 64 (Resource Exceeded) is accepted
//                              wherever a connection is opened.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/fuzz/input.hpp"
#include "packetgen/convert.hpp"
#include "packetgen/ip.hpp"

namespace convtest::harness::fuzz {

enum class Outcome : std::uint8_t {
  Proxy,      // a connection to the Connect TLV's destination and a success reply
  Error,      // an Error TLV whose code is one of the accepted ones, then FIN
  InfoReply,  // a reply without Error TLV and without a downstream connection
  Ignore,     // nothing for the client, no downstream SYN, no RST
  Reset,      // an RST, no downstream SYN
};
std::string_view name(Outcome outcome);

struct AcceptedCode {
  packetgen::convert::ErrorCode code;
  std::optional<std::uint8_t> value{};  // when the Value byte is fixed
};

struct Expectation {
  Outcome outcome = Outcome::Ignore;
  std::string rule;                 // the decoder rule or the policy that decided ("valid" for a proxied message)
  std::vector<AcceptedCode> codes;  // Error: the first is the suite's position
  bool reset_accepted = false;      // Error, Ignore: an RST without reply is accepted too
  bool proxy_accepted = false;      // Error 33 where the RFC leaves it open: proxying is accepted too
  std::vector<std::uint8_t> kinds_required;  // Error 33: kinds the list must hold
  std::vector<std::uint8_t> kinds_allowed;   // Error 33: kinds the list may hold
  packetgen::Bytes echo_of;                  // Errors 1 and 2: the echo is an aligned slice of this
  // Proxy: where the converter must connect, and what it must relay.
  std::optional<packetgen::ip::Address> destination;
  std::uint16_t destination_port = 0;
  packetgen::Bytes early_data;
  bool extended_header_required = false;  // CONV-028
  bool supported_required = false;        // AMB-10: Info with a PUT that declares `info`
  bool refused_up_front = true;           // Error: decided before any downstream SYN
  bool slow = false;                      // may take the converter's connect timeout: a longer deadline

  std::string text() const;  // one line, for reports
};

struct OraclePolicy {
  // The kinds the PUT announced in Supported TCP Extensions; unset when it
  // does not answer Info (then kinds other than 2, 3, 5 and 29 may go either way).
  std::optional<std::set<std::uint8_t>> supported_kinds;
  bool answers_info = false;     // PUT feature `info`
  bool cookie_required = false;  // the client's address must present a cookie
};

// The one destination the engine serves for an input (its emulated server).
struct Served {
  packetgen::ip::Address address;
  std::uint16_t port = 0;
};

// What a conformant converter does with `input` (its stream, and its
// server's answer when it connects). A Connect toward anything but `served`
// (a TLV mutated into a Connect carries any address) can only fail: Error
// 65, 96, 97 or 64, and the engine gives it a longer deadline, since the
// converter may wait for its connect to time out. Without `served`, every
// destination counts as served.
Expectation expect(const Input& input, const OraclePolicy& policy, const std::optional<Served>& served = std::nullopt);

// The stream is a Convert message cut short: the client closes after it.
bool ends_inside_message(const Input& input);

}  // namespace convtest::harness::fuzz
