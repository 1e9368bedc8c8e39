#pragma once
// Byte containers shared by every wire format in packetgen.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace convtest::packetgen {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// "01 02 ff" (spaces, colons and case ignored) -> bytes. Invalid text yields
// an empty vector together with ok=false.
struct HexParse {
  Bytes bytes;
  bool ok = false;
};
HexParse parse_hex(std::string_view text);

// Bytes from a hex literal known at build time; aborts on malformed text.
// Meant for tests and fixed tables, never for untrusted input.
Bytes hex(std::string_view text);

// "01 02 ff": lower-case, one space between bytes.
std::string to_hex(ByteView bytes);

// Big-endian append helpers (network byte order).
void put_u8(Bytes& out, std::uint8_t value);
void put_u16(Bytes& out, std::uint16_t value);
void put_u32(Bytes& out, std::uint32_t value);
void put_u64(Bytes& out, std::uint64_t value);
void put_bytes(Bytes& out, ByteView bytes);
// Appends zero bytes until out.size() is a multiple of `alignment`.
void pad_to(Bytes& out, std::size_t alignment);

// Big-endian reads; the caller guarantees bounds.
std::uint16_t get_u16(ByteView bytes, std::size_t offset);
std::uint32_t get_u32(ByteView bytes, std::size_t offset);
std::uint64_t get_u64(ByteView bytes, std::size_t offset);

}  // namespace convtest::packetgen
