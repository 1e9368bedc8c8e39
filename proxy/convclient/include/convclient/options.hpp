#pragma once
// What a convclient run is asked to do, independent of how the command line
// spells it (tools/main.cpp maps CLI11 flags onto this).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "convclient/faults.hpp"
#include "packetgen/bytes.hpp"
#include "packetgen/convert.hpp"
#include "packetgen/result.hpp"

namespace convtest::convclient {

// An IP address (IPv4 kept as IPv4-mapped IPv6) and a port.
struct Endpoint {
  packetgen::convert::Ipv6Address address{};
  std::uint16_t port = 0;
  bool is_ipv4() const { return packetgen::convert::is_ipv4_mapped(address); }
  std::string to_string() const;  // "192.0.2.1:5124" or "[2001:db8::1]:5124"
};

// "a.b.c.d:port" or "[v6]:port".
packetgen::Result<Endpoint, std::string> parse_endpoint(std::string_view text);
// An address alone: "a.b.c.d", "v6" or "[v6]".
packetgen::Result<packetgen::convert::Ipv6Address, std::string> parse_host(std::string_view text);
// "KIND" or "KIND:HEX" -> one TCP option block for an Extended Connect
// (kind, length in bytes, value). Kind is decimal or 0x-prefixed hex.
packetgen::Result<packetgen::Bytes, std::string> parse_connect_option(std::string_view text);

struct ClientOptions {
  Endpoint converter;
  Endpoint destination;
  bool mptcp = true;
  bool info = false;
  std::optional<packetgen::Bytes> cookie;
  packetgen::Bytes connect_options;             // concatenated option blocks
  std::optional<std::string> early_data;        // instead of reading stdin
  std::size_t early_data_limit = 1000;          // bytes taken from stdin for the SYN
  std::optional<packetgen::Bytes> raw_message;  // test hook: sent instead of the Convert message
  bool print_reply = false;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds reply_timeout{10000};
  // On Missing Cookie: reset, then send the request once more with the
  // cookie the converter gave (CLI-020).
  bool retry_with_cookie = false;
  // Where back-off requests are remembered between runs (CLI-021, CLI-022);
  // without it each run starts afresh.
  std::optional<std::filesystem::path> state_dir;
  FaultSet faults;  // test hook: requirements to break on purpose (docs/faults.md)
};

}  // namespace convtest::convclient
