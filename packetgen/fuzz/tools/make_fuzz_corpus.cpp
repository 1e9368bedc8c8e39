// Writes the seed corpus of the Convert decoder fuzz target: the worked
// examples of the requirement catalog, every error reply, and a selection of
// the catalog's malformed client messages. Deterministic, so regenerating
// reproduces the committed files byte for byte.
//   make_fuzz_corpus <packetgen/fuzz/corpus>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "packetgen/convert.hpp"
#include "packetgen/convert_malformed.hpp"

namespace {

using namespace convtest::packetgen;
using namespace convtest::packetgen::convert;

using Seed = std::pair<std::string, Bytes>;

std::vector<Seed> worked_examples() {
  return {
      {"example-a-base-connect-hello",
       hex("01 06 22 63 0A 05 01 BB 00 00 00 00 00 00 00 00 00 00 FF FF C6 33 64 07 68 65 6C 6C 6F")},
      {"example-b-info-extended-connect",
       hex("01 08 22 63 01 01 00 00 0A 06 00 50 20 01 0D B8 00 00 00 00 00 00 00 00 00 00 00 01 1E 02 22 02")},
      {"example-c-supported-extended-header",
       hex("01 09 22 63 15 02 00 00 1E 04 08 22 14 06 00 00 02 04 05 B4 04 02 08 0A 00 00 12 34 00 00 00 00 "
           "01 03 03 07")},
      {"example-d-header-only", hex("01 01 22 63")},
  };
}

std::vector<Seed> error_replies() {
  const std::vector<std::pair<std::string, ErrorTlv>> errors = {
      {"unsupported-version", ErrorTlv::unsupported_version({1})},
      {"malformed-message", ErrorTlv::malformed_message(hex("0A 05 00 50 00 00 00 00 00 00 00 00 00 00 00 00 "
                                                            "00 00 00 01"))},
      {"unsupported-message", ErrorTlv::unsupported_message(hex("05 01 00 00"))},
      {"missing-cookie", ErrorTlv::missing_cookie(hex("c1 c2 c3 c4 c5 c6 c7 c8"))},
      {"not-authorized", ErrorTlv::not_authorized()},
      {"unsupported-tcp-option", ErrorTlv::unsupported_tcp_option({29, 253})},
      {"resource-exceeded", ErrorTlv::resource_exceeded(60)},
      {"network-failure", ErrorTlv::network_failure(0)},
      {"connection-reset", ErrorTlv::connection_reset()},
      {"destination-unreachable", ErrorTlv::destination_unreachable(3)},
  };
  std::vector<Seed> seeds;
  for (const auto& [label, error] : errors) seeds.emplace_back("error-" + label, *encode(Message{{error}}));
  return seeds;
}

std::vector<Seed> malformed_messages() {
  const std::set<std::string> chosen = {
      "version-2",
      "magic-0000-draft-06",
      "total-length-zero",
      "total-length-shorter-than-connect",
      "zero-word-after-connect",
      "reserved-type-0",
      "unknown-type-192",
      "duplicate-connect",
      "info-length-2",
      "cookie-without-connect",
      "forbidden-destination-loopback-ipv4-mapped-127.0.0.1",
      "connect-options-nop-before-sack-permitted",
      "connect-options-length-past-tlv-end",
  };
  std::vector<Seed> seeds;
  for (auto& stimulus : malformed::malformed_client_messages(443, ipv4_mapped("192.0.2.1")))
    if (chosen.count(stimulus.label)) seeds.emplace_back("malformed-" + stimulus.label, std::move(stimulus.bytes));
  return seeds;
}

bool write_seed(const std::filesystem::path& dir, const Seed& seed) {
  std::ofstream out(dir / seed.first, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(seed.second.data()), static_cast<std::streamsize>(seed.second.size()));
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus root>\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = std::filesystem::path(argv[1]) / "convert_decoder";
  std::filesystem::create_directories(dir);
  std::vector<Seed> seeds = worked_examples();
  for (auto group : {error_replies(), malformed_messages()})
    for (auto& seed : group) seeds.push_back(std::move(seed));
  for (const Seed& seed : seeds) {
    if (!write_seed(dir, seed)) {
      std::fprintf(stderr, "make_fuzz_corpus: cannot write %s\n", (dir / seed.first).c_str());
      return 1;
    }
  }
  std::printf("make_fuzz_corpus: %zu seeds in %s\n", seeds.size(), dir.c_str());
  return 0;
}
