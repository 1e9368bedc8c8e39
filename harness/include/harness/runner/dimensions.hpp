#pragma once
// The dimensions a case can run across (docs/design.md, "Dimensions"): the
// client's address family and the destination's, the client's transport,
// how the Convert message is delivered, and the TFO option in the client's
// SYN. A case declares the values it is valid for; the registry expands it
// into instances whose ids carry the values: "connect-base[v6,mptcp,split]".
// Small grids are expanded fully; larger ones pairwise (every pair of values
// of two dimensions appears in some instance), chosen with a seed.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace convtest::harness {

enum class Family : std::uint8_t { V4, V6 };

// The client's family, then the destination's as the Connect TLV carries it
// (an IPv4 destination is IPv4-mapped).
enum class PathFamily : std::uint8_t {
  V4,      // "v4": IPv4 client, IPv4 destination
  V6,      // "v6": IPv6 client, IPv6 destination
  V6ToV4,  // "v6-to-v4": IPv6 client, IPv4 destination
  V4ToV6,  // "v4-to-v6": IPv4 client, IPv6 destination
};
Family client_family(PathFamily family);
Family destination_family(PathFamily family);

enum class ClientTransport : std::uint8_t {
  Tcp,            // "tcp": a plain TCP client
  Mptcp,          // "mptcp": an MPTCP v1 client, MP_CAPABLE in its SYN
  MptcpChecksum,  // "mptcp-csum": the same with DSS checksums requested (MP_CAPABLE flag A)
};

enum class Delivery : std::uint8_t {
  Syn,    // "syn": the whole Convert message in the SYN
  Split,  // "split": the first kSplitOffset bytes in the SYN, the rest in the next segment
  // "late": a SYN without payload, the whole message after the handshake, as
  // a client sends it whose SYN data was not accepted (AMB-13's late Convert)
  Late,
};
// Mid-TLV: the fixed header and the first TLV's kind and length (AMB-12).
inline constexpr std::size_t kSplitOffset = 6;

enum class TfoOption : std::uint8_t {
  None,           // "no-tfo": no TFO option in the client's SYN
  CookieRequest,  // "tfo-request": an empty TFO option, 22 02 (RFC 7413 §4.1.1)
  BogusCookie,    // "tfo-bogus": a TFO cookie the PUT never issued
};

std::string_view name(PathFamily value);
std::string_view name(ClientTransport value);
std::string_view name(Delivery value);
std::string_view name(TfoOption value);

// The values a case is valid for, per dimension; an empty list: the case
// does not vary that dimension (and runs with the usual default).
struct Dimensions {
  std::vector<PathFamily> family{};
  std::vector<ClientTransport> transport{};
  std::vector<Delivery> delivery{};
  std::vector<TfoOption> tfo{};

  bool varies() const;       // some dimension has two values or more
  std::size_t grid() const;  // the number of full combinations
};

// One combination: the value of each declared dimension.
struct Instance {
  std::optional<PathFamily> family{};
  std::optional<ClientTransport> transport{};
  std::optional<Delivery> delivery{};
  std::optional<TfoOption> tfo{};

  // (dimension, value) for each value set, in the fixed order family,
  // transport, delivery, tfo.
  std::vector<std::pair<std::string_view, std::string_view>> values() const;
  bool operator==(const Instance&) const = default;
};

enum class Expansion : std::uint8_t {
  Single,    // "single": the case does not vary
  Full,      // "full": every combination
  Pairwise,  // "pairwise": every pair of values, fewer combinations
};
std::string_view name(Expansion value);

// Grids up to this many combinations are expanded fully.
inline constexpr std::size_t kFullExpansionLimit = 8;
// The pairwise choice's seed unless --pairwise-seed says otherwise: instance
// ids stay the same from run to run.
inline constexpr std::uint64_t kDefaultPairwiseSeed = 1;

struct Expanded {
  Expansion mode = Expansion::Single;
  std::vector<Instance> instances;
};
Expanded expand(const Dimensions& dimensions, std::uint64_t pairwise_seed);

// "[v6,mptcp,split]": the values of the dimensions that vary, or "" for none.
std::string instance_suffix(const Instance& instance, const Dimensions& dimensions);

// "family=v6" / "transport=mptcp,tcp": a --dim filter. Error text when the
// dimension or a value is unknown.
struct DimensionFilter {
  std::string dimension;
  std::vector<std::string> values;
};
std::optional<std::string> parse_dimension_filter(std::string_view text, DimensionFilter& filter);
// Whether the instance has one of the filter's values; an instance that does
// not vary the dimension runs with its default and matches the default's value.
bool matches(const Instance& instance, const DimensionFilter& filter);

}  // namespace convtest::harness
