#pragma once
// TCP segments written byte by byte, over IPv4 or IPv6. libtins 4.0 mis-sizes
// empty TCP options (the TFO cookie request), so the TCP header, its options
// and the checksum are built here; deliberately broken values are allowed.

#include <cstdint>
#include <optional>
#include <string>

#include "packetgen/bytes.hpp"
#include "packetgen/ip.hpp"
#include "packetgen/result.hpp"

namespace convtest::packetgen::tcp {

namespace flag {
inline constexpr std::uint8_t FIN = 0x01;
inline constexpr std::uint8_t SYN = 0x02;
inline constexpr std::uint8_t RST = 0x04;
inline constexpr std::uint8_t PSH = 0x08;
inline constexpr std::uint8_t ACK = 0x10;
inline constexpr std::uint8_t URG = 0x20;
inline constexpr std::uint8_t ECE = 0x40;
inline constexpr std::uint8_t CWR = 0x80;
}  // namespace flag

std::string flags_text(std::uint8_t flags);  // "SA", "FPA", "R", ... like tcpdump

inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::size_t kMaxOptionsSize = 40;

// Wrong: a value the receiver's check always rejects (the complement of the
// correct one, or correct ^ 1 where the complement would be the other
// representation of zero and still verify).
enum class ChecksumMode : std::uint8_t { Correct, Wrong, Explicit };
std::uint16_t corrupted_checksum(std::uint16_t correct);

// A TCP segment with every header field settable.
struct Segment {
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 65535;
  std::uint16_t urgent_pointer = 0;
  std::uint8_t reserved_bits = 0;  // the 4 bits between data offset and flags
  Bytes options;                   // raw option bytes, written as given
  bool pad_options = true;         // zero-pad options to a word
  // Override, in words (low 4 bits written). Without it: the header plus
  // options rounded up to a word, at most 15 (longer options are still
  // written, the offset then under-counts them).
  std::optional<std::uint8_t> data_offset;
  Bytes payload;
  ChecksumMode checksum_mode = ChecksumMode::Correct;
  std::uint16_t checksum = 0;  // used with ChecksumMode::Explicit
};

// TCP header + options + payload; the checksum covers the pseudo-header of
// the given addresses.
Bytes encode(const Segment& segment, const ip::Endpoints& addresses);

// A whole IP packet carrying the segment.
Bytes packet(const Segment& segment, const ip::Endpoints& addresses, const ip::Ipv4Fields& v4 = {},
             const ip::Ipv6Fields& v6 = {});

// A TCP segment parsed from a captured IP packet. segment carries the wire
// checksum (ChecksumMode::Explicit) and the wire data offset, so
// encode(parsed.segment, parsed.addresses) reproduces the TCP bytes. To
// alter a parsed segment and send it, reset data_offset and checksum_mode.
struct Parsed {
  ip::Endpoints addresses;
  Segment segment;  // options exactly as on the wire (with padding)
  bool checksum_ok = false;
  std::uint8_t header_words = 0;
  ip::Header ip;  // the IP layer as parsed (ttl, header size, ...)
};

// NotIp: empty, not version 4/6 or an IP length field below its header;
// TruncatedIp: the buffer ends inside the IP header chain; NotTcp: another
// protocol or a non-first fragment; TruncatedTcp: fewer than 20 TCP bytes;
// BadDataOffset: data offset < 5 or past the end of the segment.
enum class ParseRule : std::uint8_t {
  NotIp,
  TruncatedIp,
  NotTcp,
  TruncatedTcp,
  BadDataOffset,
};
struct ParseError {
  ParseRule rule;
  std::size_t offset = 0;
};
std::string_view name(ParseRule rule);

// Never reads outside ip_packet; offsets in ParseError are from its start.
Result<Parsed, ParseError> parse(ByteView ip_packet);

}  // namespace convtest::packetgen::tcp
