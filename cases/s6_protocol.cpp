// RFC 8803 section 6: placement of the Convert message; SYNs without one.

#include <functional>

#include <fmt/format.h>

#include "catalog.hpp"
#include "scenario.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::PathSide;
using harness::expect::PacketFilter;
using reports::CaseClass;
using reports::Level;

// "Absent a policy, a converter SHOULD silently ignore SYNs that carry no
// Convert TLVs." Under the default profile a TFO stack's immediate SYN-ACK
// followed by a FIN without any byte is tolerated (AMB-01: Linux SYN-ACKs
// before the application reads the SYN data); --strict requires silence.
using PayloadOf = std::function<pg::Bytes(const Scenario&)>;

CaseOutcome ignored_without_convert(CaseContext& context, const PayloadOf& payload_of, const std::string& what) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const std::string expected = fmt::format(
      "{} is ignored: no SYN toward any server, no RST and no byte to the client{}", what,
      context.strict ? ", and no SYN-ACK (strict profile)" : " (a SYN-ACK then FIN is tolerated, AMB-01)");
  scenario.connect(payload_of(scenario));
  const bool downstream = scenario.downstream_syn_seen(1s);
  const auto answers = harness::expect::matching(scenario.wire(), PacketFilter().from_put().side(PathSide::ClientSide));
  const auto& tcp = scenario.client().tcp();
  if (downstream) return CaseOutcome::violated(expected, "the PUT sent a SYN toward a server\n" + scenario.recent());
  if (answers.empty()) return CaseOutcome::pass(expected, "no packet from the PUT within 1 s");
  if (tcp.reset_received()) return CaseOutcome::violated(expected, "the PUT reset the connection\n" + scenario.recent());
  if (!tcp.received().empty())
    return CaseOutcome::violated(expected, fmt::format("the PUT sent {} to the client", hex(tcp.received())));
  if (context.strict) return CaseOutcome::violated(expected, "the PUT answered the SYN\n" + scenario.recent());
  return CaseOutcome::pass(expected, fmt::format("the PUT's stack answered the SYN, then {} without data",
                                                 tcp.fin_received() ? "closed with FIN" : "stayed silent"));
}

}  // namespace

void register_s6_protocol(harness::Registry& registry) {
  registry.add({
      .id = "syn-without-payload-ignored",
      .requirements = {"CONV-005", "AMB-13", "AMB-01"},
      .section = "6",
      .level = Level::Should,
      .case_class = CaseClass::Inopportune,
      .tags = {"placement", "ignore"},
      .title = "Absent a policy, a SYN that carries no Convert TLVs (here: no payload at all) is silently ignored.",
      .stimulus = "A bare SYN to the converter's port, no payload, no TFO option.",
      .expectation = "No SYN toward any server, no RST, no byte to the client; --strict also forbids a SYN-ACK.",
      .accepted_outcomes = {"silence", "default profile: the stack's SYN-ACK, then FIN without data"},
      .negative = true,
      .run =
          [](CaseContext& context) {
            return ignored_without_convert(
                context, [](const Scenario&) { return pg::Bytes{}; }, "a SYN without payload");
          },
  });
  registry.add({
      .id = "hdr-magic-wrong-ignored",
      .requirements = {"CONV-005", "CONV-010", "AMB-06", "AMB-01"},
      .section = "6",
      .level = Level::Should,
      .case_class = CaseClass::Invalid,
      .tags = {"header", "magic", "ignore"},
      .title = "A SYN whose payload has the wrong magic number is not a Convert message and is silently ignored.",
      .stimulus = "SYN carrying 01 06 12 34 (magic 0x1234) followed by a valid Base Connect TLV.",
      .expectation = "No SYN toward any server, no RST, no byte to the client; --strict also forbids a SYN-ACK.",
      .accepted_outcomes = {"silence", "default profile: the stack's SYN-ACK, then FIN without data"},
      .negative = true,
      .run =
          [](CaseContext& context) {
            const auto wrong_magic = [](const Scenario& scenario) {
              cv::Message valid;
              valid.tlvs.emplace_back(scenario.connect_tlv());
              return cv::MessageBuilder::from(valid).magic(0x1234).build();
            };
            return ignored_without_convert(context, wrong_magic, "a SYN with magic 0x1234");
          },
  });
}

}  // namespace convtest::cases
