#pragma once
// Grammar-aware generation and mutation of fuzz inputs: fresh messages from
// templates (Base and Extended Connect, Info, Cookie, in any order, with
// early data) and mutations of the header (version, magic, Total Length),
// of TLVs (type, Length, padding, drop, duplicate, reorder, insert), of the
// Connect TLV (forbidden destinations, option blocks and their framing,
// truncation), of the application data, and of the delivery (segments,
// transport, TFO option, the server's answer). Deterministic for a seed.

#include <cstdint>
#include <random>
#include <vector>

#include "harness/fuzz/input.hpp"

namespace convtest::harness::fuzz {

struct GeneratorSettings {
  bool mptcp = false;  // the PUT declares `mptcp`: MPTCP clients too
  bool ipv6 = false;   // the PUT declares `ipv6`: IPv6 clients and destinations too
};

class Generator {
 public:
  Generator(std::uint64_t seed, GeneratorSettings settings, std::vector<Input> corpus = {});

  // A fresh input, or a mutation of a corpus entry.
  Input next();
  void add_to_corpus(Input input) { corpus_.push_back(std::move(input)); }
  std::size_t corpus_size() const { return corpus_.size(); }

  // The valid Base Connect of the sanity probe (early data, TCP, IPv4).
  static Input sanity_probe();

 private:
  Input fresh();
  void mutate(Input& input);
  void mutate_header(grammar::Message& message);
  void mutate_tlv(grammar::Message& message);
  void mutate_connect(grammar::Tlv& tlv);
  void mutate_delivery(Input& input);
  grammar::OptionBlock option_block();
  packetgen::Bytes random_bytes(std::size_t max_size);
  std::size_t below(std::size_t bound);
  bool chance(double probability);

  std::mt19937_64 random_;
  GeneratorSettings settings_;
  std::vector<Input> corpus_;
};

}  // namespace convtest::harness::fuzz
