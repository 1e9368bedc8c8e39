#pragma once
// One input of `convtest fuzz`: a client's Convert message as a grammar
// (packetgen/convert_grammar.hpp) and how it is delivered: the client's
// transport, family and TFO option, the segments the stream is cut into,
// and how the emulated server answers the converter's SYN. Inputs are
// values; they are saved as JSON (reports/schema/fuzz-input-v1.schema.json)
// in the corpus and for every mismatch, and read back by `convtest replay`.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/runner/dimensions.hpp"
#include "packetgen/convert_grammar.hpp"
#include "packetgen/result.hpp"

namespace convtest::harness::fuzz {

namespace grammar = packetgen::convert::grammar;

// How the emulated server answers the converter's SYN toward it.
enum class ServerAnswer : std::uint8_t {
  SynAck,       // "syn-ack": accepts, then sends a greeting
  Reset,        // "reset": RST (Error 96 expected)
  Unreachable,  // "unreachable": ICMP destination unreachable with icmp_code (Error 97)
};
std::string_view name(ServerAnswer answer);

struct Input {
  grammar::Message message;
  // Offsets in the stream where a new segment starts: the SYN carries the
  // bytes before the first cut, each later segment goes after the handshake.
  std::vector<std::size_t> cuts;
  ClientTransport transport = ClientTransport::Tcp;
  TfoOption tfo = TfoOption::None;
  Family client_family = Family::V4;
  ServerAnswer server = ServerAnswer::SynAck;
  std::uint8_t icmp_code = 1;
  bool probe = false;  // a sanity probe among the inputs (never saved)
  friend bool operator==(const Input&, const Input&) = default;

  packetgen::Bytes stream() const { return grammar::serialize(message); }
  // The stream cut at `cuts` (empty segments and cuts past the end dropped).
  std::vector<packetgen::Bytes> segments() const;
};

nlohmann::json to_json(const Input& input);
packetgen::Result<Input, std::string> input_from_json(const nlohmann::json& document);

}  // namespace convtest::harness::fuzz
