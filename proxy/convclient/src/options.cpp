#include "convclient/options.hpp"

#include <fmt/format.h>

#include <charconv>

namespace convtest::convclient {

namespace convert = packetgen::convert;
using packetgen::Bytes;
using packetgen::failure;
using packetgen::Result;

std::string Endpoint::to_string() const {
  const std::string host = convert::format_address(address);
  if (is_ipv4()) return fmt::format("{}:{}", host, port);
  return fmt::format("[{}]:{}", host, port);
}

namespace {

template <class Int>
std::optional<Int> parse_number(std::string_view text, int base = 10) {
  Int value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::string_view strip_brackets(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') return text.substr(1, text.size() - 2);
  return text;
}

}  // namespace

Result<convert::Ipv6Address, std::string> parse_host(std::string_view text) {
  const auto address = convert::parse_address(strip_brackets(text));
  if (!address) return failure(fmt::format("'{}' is not an IPv4 or IPv6 address", text));
  return *address;
}

Result<Endpoint, std::string> parse_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return failure(fmt::format("'{}' lacks a port (ADDR:PORT or [V6]:PORT)", text));
  const std::string_view host = text.substr(0, colon);
  if (host.find(':') != std::string_view::npos && host.front() != '[')
    return failure(fmt::format("'{}': write IPv6 addresses as [V6]:PORT", text));
  const auto port = parse_number<std::uint16_t>(text.substr(colon + 1));
  if (!port || *port == 0) return failure(fmt::format("'{}' has no valid port", text));
  auto address = parse_host(host);
  if (!address) return failure(address.error());
  return Endpoint{*address, *port};
}

Result<Bytes, std::string> parse_connect_option(std::string_view text) {
  const auto colon = text.find(':');
  const std::string_view kind_text = text.substr(0, colon);
  const bool hex_kind = kind_text.starts_with("0x") || kind_text.starts_with("0X");
  const auto kind =
      hex_kind ? parse_number<std::uint8_t>(kind_text.substr(2), 16) : parse_number<std::uint8_t>(kind_text);
  if (!kind) return failure(fmt::format("option '{}': kind must be 2..255", text));
  if (*kind <= 1) return failure(fmt::format("option '{}': EOL and NOP cannot appear in a Connect TLV", text));
  Bytes value;
  if (colon != std::string_view::npos) {
    auto parsed = packetgen::parse_hex(text.substr(colon + 1));
    if (!parsed.ok) return failure(fmt::format("option '{}': value is not hex", text));
    value = std::move(parsed.bytes);
  }
  if (value.size() > 253) return failure(fmt::format("option '{}': value too long", text));
  Bytes block{*kind, static_cast<std::uint8_t>(value.size() + 2)};
  block.insert(block.end(), value.begin(), value.end());
  return block;
}

}  // namespace convtest::convclient
