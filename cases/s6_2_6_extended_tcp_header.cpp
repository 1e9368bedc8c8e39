// RFC 8803 section 6.2.6: the Extended TCP Header TLV.

#include <fmt/format.h>

#include "catalog.hpp"
#include "packetgen/tcp_options.hpp"
#include "scenario.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::PathSide;
using harness::expect::PacketFilter;
using reports::CaseClass;
using reports::Level;

// "The converter MUST return the Extended TCP Header TLV when the client
// sent an Extended Connect and the server accepted": the options of the
// server's SYN-ACK, byte for byte (AMB-25).
CaseOutcome extended_header_verbatim(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  script.synack_options = harness::emulate::synack_options::linux_full(0x11223344, 0, 1460, 7);
  scenario.serve(script);
  cv::Message message;
  message.tlvs.emplace_back(scenario.connect_tlv(pg::tcp::sack_permitted()));
  const auto encoded = cv::encode(message);
  if (!encoded) return CaseOutcome::error("could not encode the Extended Connect");
  const std::string expected =
      "a success reply carrying an Extended TCP Header TLV (type 20) whose bytes 4.. equal the option bytes of "
      "the server's SYN-ACK exactly, bytes 2-3 zero";
  scenario.connect(encoded.value());
  const Reply reply = scenario.await_reply(2s);
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
  registry.add({
      .id = "ext-tcp-header-verbatim",
      .requirements = {"CONV-028", "CONV-029", "AMB-25"},
      .section = "6.2.6",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"extended-connect", "tcp-options"},
      .title = "After an Extended Connect that the server accepted, the converter returns the Extended TCP "
               "Header TLV: the server's SYN-ACK options byte for byte.",
      .stimulus = "SYN carrying an Extended Connect asking for SACK-Permitted (04 02); the server's SYN-ACK "
                  "carries MSS 1460, SACK-Permitted, Timestamps, NOP, Window Scale 7 (20 bytes).",
      .expectation = "The reply holds TLV 0x14 with bytes 2-3 zero and bytes 4.. identical to the 20 option "
                     "bytes of the server's SYN-ACK, in order, NOP included.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or in the first data segment"},
      .run = extended_header_verbatim,
  });
}

}  // namespace convtest::cases
