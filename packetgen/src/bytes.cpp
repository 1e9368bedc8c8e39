#include "packetgen/bytes.hpp"

#include <cstdio>
#include <cstdlib>

namespace convtest::packetgen {
namespace {

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

HexParse parse_hex(std::string_view text) {
  HexParse result;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == ':' || c == '\n' || c == '\t') continue;
    const int value = nibble(c);
    if (value < 0) return {};
    if (high < 0) {
      high = value;
    } else {
      result.bytes.push_back(static_cast<std::uint8_t>(high << 4 | value));
      high = -1;
    }
  }
  if (high >= 0) return {};
  result.ok = true;
  return result;
}

Bytes hex(std::string_view text) {
  HexParse parsed = parse_hex(text);
  if (!parsed.ok) {
    std::fprintf(stderr, "packetgen::hex: malformed literal \"%.*s\"\n", static_cast<int>(text.size()), text.data());
    std::abort();
  }
  return std::move(parsed.bytes);
}

std::string to_hex(ByteView bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) text.push_back(' ');
    text.push_back(digits[bytes[i] >> 4]);
    text.push_back(digits[bytes[i] & 0x0f]);
  }
  return text;
}

void put_u8(Bytes& out, std::uint8_t value) { out.push_back(value); }

void put_u16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

void put_u32(Bytes& out, std::uint32_t value) {
  put_u16(out, static_cast<std::uint16_t>(value >> 16));
  put_u16(out, static_cast<std::uint16_t>(value));
}

void put_u64(Bytes& out, std::uint64_t value) {
  put_u32(out, static_cast<std::uint32_t>(value >> 32));
  put_u32(out, static_cast<std::uint32_t>(value));
}

void put_bytes(Bytes& out, ByteView bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

void pad_to(Bytes& out, std::size_t alignment) {
  while (out.size() % alignment != 0) out.push_back(0);
}

std::uint16_t get_u16(ByteView bytes, std::size_t offset) {
  return static_cast<std::uint16_t>(bytes[offset] << 8 | bytes[offset + 1]);
}

std::uint32_t get_u32(ByteView bytes, std::size_t offset) {
  return static_cast<std::uint32_t>(get_u16(bytes, offset)) << 16 | get_u16(bytes, offset + 2);
}

std::uint64_t get_u64(ByteView bytes, std::size_t offset) {
  return static_cast<std::uint64_t>(get_u32(bytes, offset)) << 32 | get_u32(bytes, offset + 4);
}

}  // namespace convtest::packetgen
