// RFC 8803 section 6.2.8: the Error TLV and its codes.

#include <fmt/format.h>

#include "catalog.hpp"
#include "scenario.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::emulate::SynAnswer;
using reports::CaseClass;
using reports::Level;

// A downstream failure must come back as an in-band Error TLV with this
// code and value, followed by an orderly close.
CaseOutcome downstream_error(CaseContext& context, SynAnswer answer, std::uint8_t icmp_code,
                             cv::ErrorCode code, std::uint8_t value, const std::string& expected) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  script.answer = answer;
  script.icmp_code = icmp_code;
  scenario.serve(script);
  const pg::Bytes early{'e', 'a', 'r', 'l', 'y'};
  scenario.connect(scenario.base_connect(early));
  const Reply reply = scenario.await_reply(3s);
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  const cv::ErrorTlv* error = reply.error_tlv();
  if (error == nullptr) return CaseOutcome::violated(expected, reply.describe() + ": no Error TLV");
  if (error->code != code)
    return CaseOutcome::violated(expected, fmt::format("Error {} ({}) instead of {} ({})", static_cast<int>(error->code),
                                                       cv::name(error->code), static_cast<int>(code), cv::name(code)));
  if (error->value != value)
    return CaseOutcome::violated(expected, fmt::format("Error {} with value {} instead of {}", static_cast<int>(code),
                                                       error->value, value));
  if (!scenario.await_close(2s))
    return CaseOutcome::violated(expected, "the PUT left the connection open after the Error TLV\n" + scenario.recent());
  if (auto early_reset = scenario.early_reset_after_error(reply)) return CaseOutcome::violated(expected, *early_reset);
  return CaseOutcome::pass(expected, reply.describe());
}

// "The converter MUST NOT send an RST immediately after detecting an error":
// with a client that withholds its ACKs, no RST may follow the Error TLV
// within a second (AMB-03), so that the error can still be delivered.
CaseOutcome no_reset_right_after_error(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  script.answer = SynAnswer::Reset;
  scenario.serve(script);
  scenario.set_client_acks(harness::AckMode::Never);
  scenario.connect(scenario.base_connect());
  const std::string expected =
      "the Error TLV, then no RST for at least 1 s while the client has not acknowledged it (FIN is fine)";
  const Reply reply = scenario.await_reply(3s);
  if (!reply.ok() || reply.error_tlv() == nullptr)
    return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  const auto errors_sent = harness::expect::matching(
      scenario.wire(), harness::expect::PacketFilter().from_put().side(harness::PathSide::ClientSide).with_payload());
  const auto since = errors_sent.empty() ? std::size_t{0} : errors_sent.front()->index;
  const auto silence = harness::expect::expect_no_packet(
      scenario.wire(), scenario.timing(),
      harness::expect::PacketFilter().from_put().side(harness::PathSide::ClientSide).rst(), 1s, since);
  if (!silence.met)
    return CaseOutcome::violated(expected, "an RST followed the unacknowledged Error TLV within 1 s:\n" +
                                               silence.observed);
  return CaseOutcome::pass(expected, reply.describe() + "; no RST within 1 s while unacknowledged");
}

// "Unsupported Message: ... the received message that triggered the error
// is echoed." Unknown TLV types have no skip semantics (AMB-09).
CaseOutcome unknown_tlv(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  cv::RawTlv unknown;
  unknown.type = 0x05;
  unknown.value = {0x00, 0x00};
  const pg::Bytes message = cv::MessageBuilder().add(unknown).add(scenario.connect_tlv()).build();
  const std::string expected =
      "Error 2 (Unsupported Message) echoing the unknown TLV (05 01 00 00) on a 32-bit boundary, then a close; "
      "no SYN toward the server";
  scenario.connect(message);
  const Reply reply = scenario.await_reply(2s);
  return expect_error_reply(scenario, reply, cv::ErrorCode::UnsupportedMessage, expected, message);
}

}  // namespace

void register_s6_2_8_errors(harness::Registry& registry) {
  registry.add({
      .id = "err-server-rst-96",
      .requirements = {"CONV-045", "CONV-016", "CONV-017", "AMB-03"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"error", "downstream", "legacy-server"},
      .title = "When the server answers the downstream SYN with an RST, the converter returns Error 96 "
               "(Connection Reset) with value 0, then closes.",
      .stimulus = "SYN carrying a Base Connect and 5 bytes of early data; the server answers the converter's "
                  "SYN with RST+ACK.",
      .expectation = "Reply 01 02 22 63 1E 01 60 00, then FIN; no RST before the client acknowledged the "
                     "Error TLV (or 1 s later).",
      .accepted_outcomes = {"Error 96 in the SYN-ACK payload or in a later segment, then FIN"},
      .run =
          [](CaseContext& context) {
            return downstream_error(context, SynAnswer::Reset, 0, cv::ErrorCode::ConnectionReset, 0,
                                    "Error TLV 96 (Connection Reset) with value 0, then an orderly close");
          },
  });
  registry.add({
      .id = "err-icmp-unreachable-97",
      .requirements = {"CONV-046", "CONV-016", "CONV-I06", "AMB-20"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"error", "downstream", "icmp", "legacy-server"},
      .title = "When an ICMP Destination Unreachable answers the downstream SYN, the converter returns Error 97 "
               "(Destination Unreachable) echoing the ICMP code, then closes.",
      .stimulus = "SYN carrying a Base Connect; the converter's SYN to the server is answered with ICMPv4 "
                  "type 3 code 13 (communication administratively prohibited) quoting it.",
      .expectation = "Reply 01 02 22 63 1E 01 61 0D (value = the ICMP code 13), then FIN.",
      .accepted_outcomes = {"Error 97 with value 13 in the SYN-ACK payload or a later segment, then FIN"},
      .run =
          [](CaseContext& context) {
            return downstream_error(context, SynAnswer::IcmpUnreachable, 13,
                                    cv::ErrorCode::DestinationUnreachable, 13,
                                    "Error TLV 97 (Destination Unreachable) with value 13 (the ICMP code), then an "
                                    "orderly close");
          },
  });
  registry.add({
      .id = "err-no-rst-before-error-acked",
      .requirements = {"CONV-017", "AMB-03"},
      .section = "6.2.2",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"error", "close", "legacy-server"},
      .title = "The converter does not send an RST immediately after detecting an error, so that the Error TLV "
               "reaches the client.",
      .stimulus = "SYN carrying a Base Connect; the server answers with RST; the client then withholds every "
                  "acknowledgement of the converter's data.",
      .expectation = "The Error TLV (96), then no RST from the converter for at least 1 s (retransmissions and "
                     "FIN are fine).",
      .accepted_outcomes = {"FIN after the Error TLV", "retransmissions of the Error TLV, RST only after 1 s"},
      .run = no_reset_right_after_error,
  });
  registry.add({
      .id = "tlv-unknown-type-unsupported",
      .requirements = {"CONV-038", "CONV-017", "AMB-09"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"tlv", "unknown", "error"},
      .title = "A TLV of a type the converter does not support is answered with Unsupported Message echoing it, "
               "never skipped.",
      .stimulus = "SYN carrying a Convert message with TLV type 5 (unassigned, 05 01 00 00) before a valid Base "
                  "Connect.",
      .expectation = "Error TLV code 2 with byte 3 zero and an aligned echo of what was sent, then FIN; no SYN "
                     "toward the server.",
      .accepted_outcomes = {"Error 2 echoing the unknown TLV or the whole message (AMB-05)"},
      .negative = true,
      .run = unknown_tlv,
  });
}

}  // namespace convtest::cases
