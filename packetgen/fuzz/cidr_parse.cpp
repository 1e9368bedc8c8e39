// libFuzzer target: arbitrary text as a CIDR prefix ("192.0.2.0/24"), the
// form convproxy's --allow and --cookie-clients take from the command line.
// The parser must never throw or read past its input, and what it accepts
// must round-trip and contain itself.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "packetgen/ip.hpp"

namespace ip = convtest::packetgen::ip;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = ip::Cidr::parse(text);
  if (!parsed) {
    require(!parsed.error().empty());
    return 0;
  }
  require(parsed->length <= ip::max_prefix_length(parsed->address.family));
  require(parsed->contains(parsed->address));
  const ip::Cidr network = parsed->network();
  require(network.contains(parsed->address) && parsed->contains(network.address));
  require(network.network() == network);
  const auto again = ip::Cidr::parse(parsed->to_string());
  require(again && *again == *parsed);
  return 0;
}
