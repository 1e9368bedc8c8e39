// Address prefixes in CIDR notation.
#include <algorithm>
#include <charconv>

#include "packetgen/ip.hpp"

namespace convtest::packetgen::ip {
namespace {

constexpr std::size_t kBitsPerByte = 8;

bool bit_set(const Address& address, std::size_t bit) {
  return (address.bytes[bit / kBitsPerByte] & (0x80U >> (bit % kBitsPerByte))) != 0;
}

// Bounds a hand-built Cidr's length to its family.
std::size_t bits_of(const Cidr& cidr) {
  return std::min<std::size_t>(cidr.length, max_prefix_length(cidr.address.family));
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

}  // namespace

std::uint8_t max_prefix_length(Family family) { return family == Family::V4 ? 32 : 128; }

Result<Cidr, std::string> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  const auto address = Address::parse(text.substr(0, slash));
  if (!address) return failure(quoted(text) + ": not an IPv4 or IPv6 address");
  const std::uint8_t longest = max_prefix_length(address->family);
  if (slash == std::string_view::npos) return Cidr{*address, longest};
  const std::string_view digits = text.substr(slash + 1);
  unsigned length = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size())
    return failure(quoted(text) + ": the prefix length after '/' is not a number");
  if (length > longest)
    return failure(quoted(text) + ": prefix length " + std::string(digits) + " is longer than " +
                   std::to_string(longest));
  return Cidr{*address, static_cast<std::uint8_t>(length)};
}

Cidr Cidr::network() const {
  Cidr masked{Address{address.family, {}}, length};
  for (std::size_t bit = 0; bit < bits_of(*this); ++bit)
    if (bit_set(address, bit))
      masked.address.bytes[bit / kBitsPerByte] |= static_cast<std::uint8_t>(0x80U >> (bit % kBitsPerByte));
  return masked;
}

bool Cidr::contains(const Address& other) const {
  if (other.family != address.family) return false;
  for (std::size_t bit = 0; bit < bits_of(*this); ++bit)
    if (bit_set(address, bit) != bit_set(other, bit)) return false;
  return true;
}

std::string Cidr::to_string() const { return address.to_string() + "/" + std::to_string(length); }

}  // namespace convtest::packetgen::ip
