// libFuzzer target: an arbitrary buffer as a captured IP packet, through
// every parser of the TCP/IP layer. Each parser must stay inside its input
// and keep its own invariants.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "packetgen/icmp.hpp"
#include "packetgen/ip.hpp"
#include "packetgen/tcp.hpp"
#include "packetgen/tcp_options.hpp"

namespace pg = convtest::packetgen;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

void check_options(pg::ByteView area) {
  const pg::tcp::ParsedOptions parsed = pg::tcp::parse_options(area);
  std::size_t covered = 0;
  for (const pg::tcp::Option& option : parsed.options) {
    require(option.offset == covered);
    require(!option.bytes.empty() && option.bytes[0] == option.kind);
    covered += option.bytes.size();
  }
  require(covered <= area.size());
  if (parsed.broken_at) require(*parsed.broken_at <= area.size() && covered == area.size());
}

void check_tcp(pg::ByteView packet) {
  const auto parsed = pg::tcp::parse(packet);
  if (!parsed) {
    require(parsed.error().offset <= packet.size());
    return;
  }
  check_options(parsed->segment.options);
  // The parsed segment re-encodes to the TCP bytes it came from.
  const pg::Bytes again = pg::tcp::encode(parsed->segment, parsed->addresses);
  const std::size_t start = parsed->ip.header_size;
  require(start + again.size() == parsed->ip.total_size);
  require(std::equal(again.begin(), again.end(), packet.begin() + static_cast<std::ptrdiff_t>(start)));
}

void check_icmp(pg::ByteView packet) {
  const auto parsed = pg::icmp::parse(packet);
  if (!parsed) return;
  require(parsed->quoted.size() + pg::icmp::kHeaderSize <= packet.size());
  check_tcp(parsed->quoted);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const pg::ByteView packet(data, size);
  const auto header = pg::ip::parse_header(packet);
  if (header) require(header->header_size <= header->total_size && header->total_size <= size);
  check_tcp(packet);
  check_icmp(packet);
  // The whole buffer as an option area too: more interesting option bytes
  // than a valid IP header lets through.
  check_options(packet);
  return 0;
}
