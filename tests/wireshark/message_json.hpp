#pragma once
// packetgen's reading of one Convert message, as the flat JSON record the
// dissector test compares with tshark's fields (tests/wireshark/compare.py
// builds the same record from the dissector's tree).

#include <nlohmann/json.hpp>

#include "packetgen/convert.hpp"

namespace convtest::wireshark_test {

enum class Sender { Client, Converter, Unknown };

// The direction the dissector assumes for a sender; Unknown checks framing
// and values only.
packetgen::convert::Direction decode_direction(Sender sender);

// What packetgen makes of `message` (the whole message, Total Length x 4
// bytes, or fewer when its header cannot be framed): "outcome" is "ok" or the
// name of the first rule broken; "tlvs" lists each TLV's fields when ok.
nlohmann::json describe_message(packetgen::ByteView message, Sender sender);

}  // namespace convtest::wireshark_test
