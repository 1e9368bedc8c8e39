#pragma once
// The lab's address plan (documentation prefixes only, RFC 5737 / RFC 3849):
//   converter   192.0.2.1/24, 2001:db8:1::1/64 on the lab's tun0 (nodad)
//   clients     192.0.2.100-199, 2001:db8:1::100-1ff (on-link through tun0)
//   servers     198.51.100.0/24, 2001:db8:2::/64 (routed to tun0)
//   unreachable 203.0.113.0/24, 2001:db8:3::/64 (routed to tun0; the harness
//               emulates silence, ICMP or RST for them)

#include <cstdint>
#include <string>
#include <vector>

#include "packetgen/ip.hpp"

namespace convtest::harness::addressing {

inline constexpr std::uint16_t kDefaultConverterPort = 5124;
inline constexpr unsigned kClientCount = 100;

packetgen::ip::Address converter_v4();             // 192.0.2.1
packetgen::ip::Address converter_v6();             // 2001:db8:1::1
packetgen::ip::Address client_v4(unsigned index);  // 192.0.2.(100 + index % 100)
packetgen::ip::Address client_v6(unsigned index);  // 2001:db8:1::(0x100 + index % 256)
// `convtest fuzz` keeps hundreds of clients in flight: 192.0.2.2-199 and
// 2001:db8:1::100-4ff (the clients above and more of the same prefixes).
inline constexpr unsigned kFuzzClientCount4 = 198;
inline constexpr unsigned kFuzzClientCount6 = 1024;
packetgen::ip::Address fuzz_client_v4(unsigned index);      // 192.0.2.(2 + index % 198)
packetgen::ip::Address fuzz_client_v6(unsigned index);      // 2001:db8:1::(0x100 + index % 1024)
packetgen::ip::Address server_v4(std::uint8_t host);        // 198.51.100.host
packetgen::ip::Address server_v6(std::uint16_t host);       // 2001:db8:2::host
packetgen::ip::Address unreachable_v4(std::uint8_t host);   // 203.0.113.host
packetgen::ip::Address unreachable_v6(std::uint16_t host);  // 2001:db8:3::host

// What the lab puts on its TUN.
std::vector<std::string> converter_prefixes();  // {"192.0.2.1/24", "2001:db8:1::1/64"}
// The client role: the client under test holds the first client address of
// each family; the harness answers for the converter and the servers.
std::vector<std::string> client_prefixes();  // {"192.0.2.100/24", "2001:db8:1::100/64"}
std::vector<std::string> routed_prefixes();  // servers and unreachable, both families

}  // namespace convtest::harness::addressing
