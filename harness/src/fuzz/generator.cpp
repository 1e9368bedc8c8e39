#include "harness/fuzz/generator.hpp"

#include <algorithm>

#include "harness/lab/addressing.hpp"
#include "packetgen/convert_malformed.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness::fuzz {
namespace {

namespace cv = packetgen::convert;
namespace kind = packetgen::tcp::kind;
using packetgen::Bytes;

// The destination a template names; the engine replaces every ordinary
// Connect address by its emulated server's (same family) and a fresh port.
constexpr std::uint16_t kTemplatePort = 80;
constexpr std::size_t kMaxEarlyData = 48;
constexpr std::size_t kMaxCookie = 20;
constexpr std::size_t kMaxRawValue = 14;
constexpr std::size_t kMaxCuts = 3;
constexpr std::uint8_t kExperimentalKind = 253;
constexpr std::size_t kMaxMutations = 3;
constexpr double kMutateCorpusEntry = 0.5;
constexpr double kUnmutatedFresh = 0.3;

cv::Ipv6Address template_destination(bool ipv6) {
  return cv::connect_address(ipv6 ? addressing::server_v6(10) : addressing::server_v4(10));
}

// TLV types worth trying where a TLV stands: reserved, each defined type
// (client and converter ones), and unassigned or private ones.
constexpr std::uint8_t kInterestingTypes[] = {0, 1, 2, 10, 20, 21, 22, 30, 31, 127, 192, 255};

}  // namespace

Generator::Generator(std::uint64_t seed, GeneratorSettings settings, std::vector<Input> corpus)
    : random_(seed), settings_(settings), corpus_(std::move(corpus)) {}

std::size_t Generator::below(std::size_t bound) { return bound == 0 ? 0 : random_() % bound; }
bool Generator::chance(double probability) {
  return std::uniform_real_distribution<double>(0, 1)(random_) < probability;
}

Bytes Generator::random_bytes(std::size_t max_size) {
  Bytes bytes(below(max_size + 1));
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(random_());
  return bytes;
}

Input Generator::sanity_probe() {
  Input input;
  input.message.tlvs.push_back(grammar::connect_tlv(kTemplatePort, template_destination(false)));
  const std::string early = "convtest fuzz sanity probe";
  input.message.app_data.assign(early.begin(), early.end());
  input.probe = true;
  return input;
}

grammar::OptionBlock Generator::option_block() {
  switch (below(12)) {
    case 0: return {kind::SackPermitted};
    case 1: return {kind::Timestamps};
    case 2: return {settings_.mptcp ? kind::Mptcp : kind::SackPermitted};
    case 3: return {kind::FastOpen};
    case 4: return {kind::FastOpen, Bytes(8, 0x5a)};  // a TFO cookie to copy verbatim
    case 5: return {kind::Timestamps, Bytes(8, 0x01)};
    case 6: return {kind::MSS, {0x05, 0xb4}};
    case 7: return {kind::WindowScale, {0x07}};
    case 8: return {kind::Sack};
    case 9: return {kind::TcpAo, {0x01, 0x02}};
    case 10: return {kExperimentalKind};
    default: return {static_cast<std::uint8_t>(6 + below(250)), random_bytes(4)};
  }
}

Input Generator::fresh() {
  Input input;
  const bool v6_destination = settings_.ipv6 && chance(0.3);
  auto connect = grammar::connect_tlv(kTemplatePort, template_destination(v6_destination));
  auto& tlvs = input.message.tlvs;
  switch (below(5)) {
    case 0: tlvs.push_back(connect); break;
    case 1:
      for (std::size_t n = 1 + below(3); n > 0; --n) connect.connect->options.push_back(option_block());
      tlvs.push_back(connect);
      break;
    case 2: tlvs = {grammar::info_tlv(), connect}; break;
    case 3: tlvs = {grammar::info_tlv()}; break;
    default: tlvs = {grammar::cookie_tlv(random_bytes(kMaxCookie)), connect}; break;
  }
  if (tlvs.size() > 1 && chance(0.5)) std::reverse(tlvs.begin(), tlvs.end());  // AMB-11: any order
  if (chance(0.6)) input.message.app_data = random_bytes(kMaxEarlyData);
  if (settings_.mptcp && chance(0.25)) input.transport = ClientTransport::Mptcp;
  if (settings_.ipv6 && chance(0.3)) input.client_family = Family::V6;
  input.tfo = static_cast<TfoOption>(below(3));
  if (chance(0.12)) {
    input.server = chance(0.65) ? ServerAnswer::Reset : ServerAnswer::Unreachable;
    input.icmp_code = v6_destination ? (chance(0.5) ? 1 : 4) : (chance(0.5) ? 1 : 3);
  }
  if (chance(0.3)) mutate_delivery(input);
  return input;
}

Input Generator::next() {
  Input input;
  if (!corpus_.empty() && chance(kMutateCorpusEntry)) {
    input = corpus_[below(corpus_.size())];
    mutate(input);
    return input;
  }
  input = fresh();
  if (!chance(kUnmutatedFresh)) mutate(input);
  return input;
}

void Generator::mutate(Input& input) {
  for (std::size_t n = 1 + below(kMaxMutations); n > 0; --n) {
    switch (below(8)) {
      case 0: mutate_header(input.message); break;
      case 1:
      case 2:
      case 3: mutate_tlv(input.message); break;
      case 4: {
        auto& tlvs = input.message.tlvs;
        const auto connect = std::find_if(tlvs.begin(), tlvs.end(), [](const auto& tlv) { return tlv.connect; });
        if (connect != tlvs.end())
          mutate_connect(*connect);
        else
          mutate_tlv(input.message);
        break;
      }
      case 5: input.message.app_data = random_bytes(kMaxEarlyData); break;
      default: mutate_delivery(input); break;
    }
  }
}

void Generator::mutate_header(grammar::Message& message) {
  const std::size_t words = grammar::serialize(message).size() / cv::kWord;
  switch (below(3)) {
    case 0: {
      constexpr std::uint8_t kVersions[] = {0, 2, 3, 0x10, 0xff};
      message.version = kVersions[below(std::size(kVersions))];
      break;
    }
    case 1: {
      constexpr std::uint16_t kMagics[] = {0x0000, 0x6322, 0x2262, 0xffff};
      message.magic = chance(0.8) ? kMagics[below(std::size(kMagics))] : static_cast<std::uint16_t>(random_());
      break;
    }
    default: {
      const std::uint8_t choices[] = {
          0,   static_cast<std::uint8_t>(words + 1), static_cast<std::uint8_t>(words - 1), 1,
          255, static_cast<std::uint8_t>(random_())};
      message.total_length_words = choices[below(std::size(choices))];
      break;
    }
  }
}

void Generator::mutate_tlv(grammar::Message& message) {
  auto& tlvs = message.tlvs;
  if (tlvs.empty() || chance(0.15)) {  // insert a TLV of any type with any value
    grammar::Tlv tlv;
    tlv.type =
        chance(0.7) ? kInterestingTypes[below(std::size(kInterestingTypes))] : static_cast<std::uint8_t>(random_());
    tlv.value = random_bytes(kMaxRawValue);
    tlvs.insert(tlvs.begin() + static_cast<std::ptrdiff_t>(below(tlvs.size() + 1)), tlv);
    return;
  }
  const std::size_t at = below(tlvs.size());
  grammar::Tlv& tlv = tlvs[at];
  switch (below(7)) {
    case 0: tlv.type = kInterestingTypes[below(std::size(kInterestingTypes))]; break;
    case 1: {
      const std::size_t words = (grammar::value_bytes(tlv).size() + 2 + 3) / cv::kWord;
      const std::uint8_t choices[] = {0, static_cast<std::uint8_t>(words + 1), static_cast<std::uint8_t>(words - 1),
                                      static_cast<std::uint8_t>(random_())};
      tlv.length_words = choices[below(std::size(choices))];
      break;
    }
    case 2: tlvs.erase(tlvs.begin() + static_cast<std::ptrdiff_t>(at)); break;
    case 3: tlvs.insert(tlvs.begin() + static_cast<std::ptrdiff_t>(below(tlvs.size() + 1)), tlvs[at]); break;
    case 4: std::swap(tlvs[at], tlvs[below(tlvs.size())]); break;
    case 5:
      if (!tlv.connect && !tlv.value.empty()) tlv.value[below(tlv.value.size())] = static_cast<std::uint8_t>(random_());
      tlv.pad = chance(0.7);
      break;
    default:
      if (!tlv.connect) tlv.value = random_bytes(kMaxRawValue);
      break;
  }
}

void Generator::mutate_connect(grammar::Tlv& tlv) {
  auto& parts = *tlv.connect;
  switch (below(5)) {
    case 0: {
      const auto forbidden = cv::malformed::forbidden_destinations();
      parts.address = forbidden[below(forbidden.size())].address;
      break;
    }
    case 1: parts.options.push_back(option_block()); break;
    case 2: {
      if (parts.options.empty()) parts.options.push_back(option_block());
      auto& block = parts.options[below(parts.options.size())];
      if (chance(0.4))
        block.kind = chance(0.5) ? kind::EOL : kind::NOP;
      else
        block.length = static_cast<std::uint8_t>(chance(0.5) ? below(2) : 2 + block.value.size() + 1 + below(8));
      break;
    }
    case 3: {  // too short for a Connect: the value cut anywhere
      const Bytes value = grammar::value_bytes(tlv);
      tlv.connect.reset();
      tlv.value.assign(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(below(value.size())));
      break;
    }
    default:  // many options: past what a SYN can carry (AMB-24)
      for (std::size_t n = 4 + below(6); n > 0; --n) parts.options.push_back({kind::FastOpen, Bytes(8, 0x33)});
      break;
  }
}

void Generator::mutate_delivery(Input& input) {
  switch (below(4)) {
    case 0: {
      const std::size_t size = input.stream().size();
      input.cuts.clear();
      for (std::size_t n = 1 + below(kMaxCuts); n > 0 && size > 1; --n) input.cuts.push_back(1 + below(size - 1));
      std::sort(input.cuts.begin(), input.cuts.end());
      input.cuts.erase(std::unique(input.cuts.begin(), input.cuts.end()), input.cuts.end());
      break;
    }
    case 1:
      if (settings_.mptcp)
        input.transport = input.transport == ClientTransport::Tcp ? ClientTransport::Mptcp : ClientTransport::Tcp;
      break;
    case 2: input.tfo = static_cast<TfoOption>(below(3)); break;
    default:
      if (settings_.ipv6) input.client_family = input.client_family == Family::V4 ? Family::V6 : Family::V4;
      break;
  }
}

}  // namespace convtest::harness::fuzz
