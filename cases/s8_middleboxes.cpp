// RFC 8803 section 8 and Appendix A: middleboxes on the path, and the
// converter's independence from the TFO option.

#include <fmt/format.h>

#include "catalog.hpp"
#include "packetgen/tcp_options.hpp"
#include "scenario.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Direction;
using harness::PathSide;
using reports::CaseClass;
using reports::Level;

// "The converter accepts data in the SYN regardless of a TFO option": a
// middlebox that strips the client's TFO cookie request must not break the
// Convert exchange.
CaseOutcome tfo_option_stripped(CaseContext& context) {
  Scenario scenario(context);
  scenario.wire().add_middlebox({PathSide::ClientSide, Direction::ToPut, harness::emulate::StripTfoOption{}});
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes early{'t', 'f', 'o', '-', 's', 't', 'r', 'i', 'p', 'p', 'e', 'd'};
  const std::string expected =
      "with the TFO option stripped on the way, the converter still acknowledges the SYN payload, replies "
      "without Error TLV and relays the early data to the server";
  scenario.connect(scenario.base_connect(early), pg::tcp::fast_open_request());
  const Reply reply = scenario.await_reply(2s);
  if (!scenario.wire().path_altered())
    return CaseOutcome::inconclusive(expected, "the emulated middlebox did not alter the SYN: the case did not "
                                               "test what it meant to");
  context.log("middlebox: " + scenario.wire().alterations().front());
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  if (scenario.client().tcp().syn_payload_acked() != true)
    return CaseOutcome::violated(expected, "the SYN-ACK did not acknowledge the SYN payload once the TFO option "
                                           "was gone (the client must then abandon the converter, section 8)");
  if (!scenario.await_server_bytes(early.size(), 2s) || scenario.server().received() != early)
    return CaseOutcome::violated(expected, fmt::format("the server received {} instead of {}",
                                                       hex(scenario.server().received()), hex(early)));
  return CaseOutcome::pass(expected, fmt::format("SYN payload acknowledged without TFO option; {}; early data "
                                                 "relayed",
                                                 reply.describe()));
}

}  // namespace

void register_s8_middleboxes(harness::Registry& registry) {
  registry.add({
      .id = "mbox-tfo-option-stripped",
      .requirements = {"CONV-I20", "AMB-13"},
      .section = "App. A.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"middlebox", "tfo", "early-data"},
      .title = "A converter accepts the Convert message in the SYN data even when a middlebox stripped the "
               "client's TFO option.",
      .stimulus = "SYN with a TFO cookie request (22 02), a Base Connect and 12 bytes of early data; a middlebox "
                  "between client and converter removes the TFO option.",
      .expectation = "The converter's SYN-ACK acknowledges the whole SYN payload, its reply has no Error TLV, and "
                     "the server receives the 12 early bytes.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .run = tfo_option_stripped,
  });
}

}  // namespace convtest::cases
