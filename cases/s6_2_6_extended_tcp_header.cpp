// RFC 8803 section 6.2.6: the Extended TCP Header TLV.

#include <fmt/format.h>

#include "catalog.hpp"
#include "packetgen/tcp_options.hpp"
#include "legacy/scenario.hpp"

namespace convtest::cases {
using namespace legacy;  // TRANSITIONAL
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using harness::PathSide;
using harness::expect::PacketFilter;
using reports::CaseClass;
using reports::Level;

// One SYN-ACK the emulated server answers with, and how the client asks.
struct HeaderCase {
  Family family = Family::V4;
  pg::Bytes synack_options;
  pg::Bytes connect_options;  // empty: a Base Connect
};

// "The converter MUST return the Extended TCP Header TLV when the client
// sent an Extended Connect and the server accepted": the options of the
// server's SYN-ACK, byte for byte (AMB-25). For a Base Connect the TLV is
// what enables a bypass (CONV-I03, AMB-02: SHOULD).
CaseOutcome extended_header_verbatim(CaseContext& context, const HeaderCase& header_case) {
  Scenario scenario(context, header_case.family);
  harness::emulate::ServerScript script;
  script.synack_options = header_case.synack_options;
  scenario.serve(script);
  cv::Message message;
  message.tlvs.emplace_back(scenario.connect_tlv(header_case.connect_options));
  const auto encoded = cv::encode(message);
  if (!encoded) return CaseOutcome::error("could not encode the Connect");
  const std::string expected =
      "a success reply carrying an Extended TCP Header TLV (type 20) whose bytes 4.. equal the option bytes of "
      "the server's SYN-ACK exactly, bytes 2-3 zero";
  scenario.connect(encoded.value());
  const Reply reply = scenario.await_reply(2s);
  if (reply.error && reply.error->rule == cv::DecodeRule::NonZeroField)
    return CaseOutcome::violated(expected, reply.describe() + " (CONV-029: bytes 2-3 must be zero)");
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  if (reply.error_tlv() != nullptr) return CaseOutcome::violated(expected, reply.describe());

  const auto synacks = harness::expect::matching(
      scenario.wire(), PacketFilter().to_put().side(PathSide::ServerSide).syn_ack());
  if (synacks.empty())
    return CaseOutcome::inconclusive(expected, "the emulated server never sent its SYN-ACK\n" + scenario.recent());
  const pg::Bytes& server_options = synacks.front()->tcp->segment.options;
  const auto* header = reply.message->message.find<cv::ExtendedTcpHeaderTlv>();
  if (header == nullptr)
    return CaseOutcome::violated(expected, reply.describe() + ": no Extended TCP Header TLV");
  if (header->options != server_options)
    return CaseOutcome::violated(expected, fmt::format("Extended TCP Header holds {}\nthe server's SYN-ACK options "
                                                       "were {}",
                                                       hex(header->options, 64), hex(server_options, 64)));
  return CaseOutcome::pass(expected, fmt::format("Extended TCP Header = {} (the server's SYN-ACK options)",
                                                 hex(header->options, 64)));
}

}  // namespace

void register_s6_2_6_extended_tcp_header(harness::Registry& registry) {
  namespace synack = harness::emulate::synack_options;
  const pg::Bytes sack_request = pg::tcp::sack_permitted();
  const auto extended = [&](std::string id, std::string stimulus, HeaderCase header_case) {
    harness::CaseSpec spec{
        .id = std::move(id),
        .requirements = {"CONV-028", "CONV-029", "AMB-25"},
        .section = "6.2.6",
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = {header_case.family == Family::V6 ? "ipv6" : "ipv4", "extended-connect", "tcp-options"},
        .needs = {},
        .title = "After an Extended Connect that the server accepted, the converter returns the Extended TCP "
                 "Header TLV: the server's SYN-ACK options byte for byte.",
        .stimulus = std::move(stimulus),
        .expectation = "The reply holds TLV 0x14 with bytes 2-3 zero and bytes 4.. identical to the option bytes "
                       "of the server's SYN-ACK, in order, NOP included.",
        .accepted_outcomes = {"reply in the SYN-ACK payload or in the first data segment"},
    };
    if (header_case.family == Family::V6) spec.needs.push_back(Feature::Ipv6);
    spec.run = [header_case](CaseContext& context) { return extended_header_verbatim(context, header_case); };
    return spec;
  };
  registry.add(extended("ext-tcp-header-verbatim",
                        "SYN carrying an Extended Connect asking for SACK-Permitted (04 02); the server's SYN-ACK "
                        "carries MSS 1460, SACK-Permitted, Timestamps, NOP, Window Scale 7 (20 bytes).",
                        {Family::V4, synack::linux_full(0x11223344, 0, 1460, 7), sack_request}));
  registry.add(extended("ext-tcp-header-mss-only",
                        "SYN carrying an Extended Connect (04 02); the server's SYN-ACK carries only MSS 1380 "
                        "(4 bytes).",
                        {Family::V4, synack::mss_only(1380), sack_request}));
  registry.add(extended("ext-tcp-header-mp-capable",
                        "SYN carrying an Extended Connect (04 02); the server's SYN-ACK carries MSS 1460 and an "
                        "MP_CAPABLE of length 12 with the server's key (16 bytes), unsolicited.",
                        {Family::V4, synack::mp_capable(0x0123456789abcdefULL), sack_request}));
  registry.add(extended("ext-tcp-header-tfo-cookie",
                        "SYN carrying an Extended Connect (04 02); the server's SYN-ACK carries MSS 1460 and a TCP "
                        "Fast Open cookie option (22 0A + 8 bytes).",
                        {Family::V4, synack::tfo_cookie(pg::Bytes{1, 2, 3, 4, 5, 6, 7, 8}), sack_request}));
  registry.add(extended("ext-tcp-header-ipv6",
                        "Over IPv6, SYN carrying an Extended Connect (04 02) to [2001:db8:2::a]:80; the server's "
                        "SYN-ACK carries MSS 1440, SACK-Permitted, Timestamps, NOP, Window Scale 9.",
                        {Family::V6, synack::linux_full(0x55667788, 0, 1440, 9), sack_request}));
  registry.add({
      .id = "ext-tcp-header-base-connect",
      .requirements = {"CONV-I03", "AMB-02", "AMB-25"},
      .section = "6.2.6",
      .level = Level::Should,
      .case_class = CaseClass::Valid,
      .tags = {"connect", "tcp-options"},
      .title = "After a Base Connect the converter should also describe the options negotiated with the server "
               "in an Extended TCP Header TLV (it lets the client bypass the converter).",
      .stimulus = "SYN carrying a Base Connect; the server's SYN-ACK carries MSS 1460, SACK-Permitted, "
                  "Timestamps, NOP, Window Scale 7.",
      .expectation = "The success reply holds TLV 0x14 with the server's SYN-ACK option bytes, verbatim.",
      .accepted_outcomes = {"a header-only reply is conformant for MUST but WARNs here (AMB-02)"},
      .run =
          [](CaseContext& context) {
            return extended_header_verbatim(
                context, {Family::V4, harness::emulate::synack_options::linux_full(0x01020304, 0, 1460, 7), {}});
          },
  });
}

}  // namespace convtest::cases
