#pragma once
// The standard malformed Convert stimuli of the conformance catalog, each
// with a label and what the strict decoder (and so a conforming converter)
// makes of it. Conformance cases and the fuzz corpus use the same lists.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "packetgen/bytes.hpp"
#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert::malformed {

struct LabeledAddress {
  std::string label;  // "<class>-<ipv6|ipv4-mapped>-<address>", unique
  Ipv6Address address;
  AddressClass address_class = AddressClass::Ordinary;
  bool rfc_mandated = true;  // false: rejected by recommendation only (AMB-22, unspecified)
};

// Multicast, broadcast, loopback (RFC 8803 6.2.5, CONV-021) and unspecified
// (AMB-22) destinations, in IPv6 and IPv4-mapped forms.
std::vector<LabeledAddress> forbidden_destinations();

struct OptionBlockStimulus {
  std::string label;
  Bytes options;  // the Connect TCP Options field before its zero padding
  // What the strict decoder reports; nullopt when the blocks are well formed
  // and only a converter's option policy rejects them (TCP-AO, CONV-062).
  std::optional<DecodeRule> rule;
  std::size_t offset_in_field = 0;  // where the rule breaks, from the field start
  ErrorCode converter_answer = ErrorCode::MalformedMessage;
};

// Connect option fields with bad framing (CONV-063, CLI-016) or options a
// converter must refuse (TCP-AO CONV-062, more than fits in a SYN AMB-24).
std::vector<OptionBlockStimulus> bad_option_blocks();

struct Stimulus {
  std::string label;                          // unique
  std::string requirement;                    // the catalog id the stimulus exercises
  Bytes bytes;                                // the whole client SYN payload
  DecodeRule rule;                            // decode(bytes, {ClientToConverter, stream_complete = true})
  std::size_t offset = 0;                     // DecodeError::offset of that decode
  std::optional<ErrorCode> converter_answer;  // error_code_for(rule); nullopt: ignore or reset
};

// Every malformed client message of the catalog, built around a Base Connect
// to destination:port: header faults, framing faults, TLV type faults,
// duplicates, bad Info/Connect values, forbidden destinations (one per
// forbidden_destinations() entry) and bad option blocks (one per
// bad_option_blocks() entry that the decoder refuses).
std::vector<Stimulus> malformed_client_messages(std::uint16_t port, const Ipv6Address& destination);

}  // namespace convtest::packetgen::convert::malformed
