#pragma once
// One-line, tcpdump-like text for a packet, used by the event log and by
// expected/observed renderings.

#include <string>

#include "packetgen/bytes.hpp"
#include "packetgen/tcp.hpp"

namespace convtest::harness {

// "192.0.2.100.40000 > 192.0.2.1.5124: Flags [S], seq 1000, win 65535,
//  options [mss 1460,tfo cookiereq,mptcp capable v1 flags 0x01], length 24"
std::string summarize(packetgen::ByteView ip_packet);
std::string summarize(const packetgen::tcp::Parsed& segment);
// "[mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]"
std::string summarize_options(packetgen::ByteView option_area);

}  // namespace convtest::harness
