// RFC 8803 section 6.2.8: the Error TLV and its codes.

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "catalog.hpp"
#include "packetgen/icmp.hpp"
#include "packetgen/tcp.hpp"
#include "scenario.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::emulate::SynAnswer;
using reports::CaseClass;
using reports::Level;

// Outside every prefix the lab routes (RFC 2544 benchmarking space).
constexpr std::string_view kUnroutedV4 = "198.18.0.1";

// One Error TLV a downstream failure may be reported with; no value: any.
struct AcceptedError {
  cv::ErrorCode code;
  std::optional<std::uint8_t> value;
};

std::string describe(const std::vector<AcceptedError>& accepted) {
  std::vector<std::string> texts;
  for (const auto& one : accepted)
    texts.push_back(one.value ? fmt::format("{} with value {}", static_cast<int>(one.code), *one.value)
                              : fmt::format("{} (any value)", static_cast<int>(one.code)));
  return fmt::format("{}", fmt::join(texts, " or "));
}

// A downstream failure must come back as an in-band Error TLV with one of
// the accepted codes and values, followed by an orderly close.
CaseOutcome downstream_error_of(Scenario& scenario, const std::vector<AcceptedError>& accepted,
                                const std::string& expected, Clock::duration wait) {
  const pg::Bytes early{'e', 'a', 'r', 'l', 'y'};
  scenario.connect(scenario.base_connect(early));
  const Reply reply = scenario.await_reply(wait);
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  const cv::ErrorTlv* error = reply.error_tlv();
  if (error == nullptr) return CaseOutcome::violated(expected, reply.describe() + ": no Error TLV");
  const bool matched = std::any_of(accepted.begin(), accepted.end(), [error](const AcceptedError& one) {
    return one.code == error->code && (!one.value || *one.value == error->value);
  });
  if (!matched)
    return CaseOutcome::violated(expected, fmt::format("Error {} ({}) with value {} instead of {}",
                                                       static_cast<int>(error->code), cv::name(error->code),
                                                       error->value, describe(accepted)));
  if (!scenario.await_close(2s))
    return CaseOutcome::violated(expected, "the PUT left the connection open after the Error TLV\n" + scenario.recent());
  if (auto early_reset = scenario.early_reset_after_error(reply)) return CaseOutcome::violated(expected, *early_reset);
  return CaseOutcome::pass(expected, reply.describe());
}

CaseOutcome downstream_error(CaseContext& context, SynAnswer answer, std::uint8_t icmp_code,
                             cv::ErrorCode code, std::uint8_t value, const std::string& expected,
                             Family family = Family::V4) {
  Scenario scenario(context, family);
  harness::emulate::ServerScript script;
  script.answer = answer;
  script.icmp_code = icmp_code;
  scenario.serve(script);
  return downstream_error_of(scenario, {{code, value}}, expected, 3s);
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

// "If the connection to the final server cannot be established" because
// the server never answers, no code is defined: Network Failure (65) with
// any back-off is the position of AMB-21; 97 is excluded (no ICMP code).
CaseOutcome silent_server(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  script.answer = SynAnswer::Silence;
  scenario.serve(script);
  return downstream_error_of(scenario, {{cv::ErrorCode::NetworkFailure, std::nullopt}},
                             "Error TLV 65 (Network Failure) once the PUT gives up on the silent server, then an "
                             "orderly close",
                             6s);
}

// A destination the converter has no route to is a forwarding problem of
// the converter itself: Network Failure (65).
CaseOutcome unrouted_destination(CaseContext& context) {
  Scenario scenario(context);
  const pg::Bytes message =
      cv::MessageBuilder().add(cv::raw_connect(scenario.server_port(), cv::ipv4_mapped(kUnroutedV4))).build();
  const std::string expected = "Error TLV 65 (Network Failure), then an orderly close";
  scenario.connect(message);
  const Reply reply = scenario.await_reply(6s);
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  const cv::ErrorTlv* error = reply.error_tlv();
  if (error == nullptr || error->code != cv::ErrorCode::NetworkFailure)
    return CaseOutcome::violated(expected, reply.describe());
  if (!scenario.await_close(2s))
    return CaseOutcome::violated(expected, "the PUT left the connection open after the Error TLV\n" + scenario.recent());
  return CaseOutcome::pass(expected, reply.describe());
}

// The first downstream SYN of the case is answered with an ICMP error; the
// retransmissions go on to whichever endpoint was attached after this one.
class IcmpOnFirstSyn final : public harness::WireEndpoint {
 public:
  IcmpOnFirstSyn(harness::Wire& wire, pg::ip::Address server, std::uint8_t code)
      : wire_(wire), server_(std::move(server)), code_(code) {
    wire_.attach(*this);
  }
  ~IcmpOnFirstSyn() override { wire_.detach(*this); }

  bool wants(const harness::FlowKey& key, const pg::tcp::Parsed& segment) const override {
    const auto flags = segment.segment.flags;
    return !answered_ && key.local_address == server_ && (flags & pg::tcp::flag::SYN) &&
           !(flags & (pg::tcp::flag::ACK | pg::tcp::flag::RST));
  }
  void on_segment(const harness::InboundSegment& inbound) override {
    if (answered_) return;
    answered_ = true;
    const harness::WireEvent* event = wire_.event(inbound.event_index);
    const pg::Bytes quoted = event ? event->bytes : pg::tcp::packet(inbound.tcp.segment, inbound.tcp.addresses);
    (void)wire_.send(pg::icmp::destination_unreachable(server_, quoted, code_), harness::PathSide::ServerSide);
  }

 private:
  harness::Wire& wire_;
  pg::ip::Address server_;
  std::uint8_t code_;
  bool answered_ = false;
};

// "ICMP soft errors: the converter keeps retransmitting until acked or
// timeout." A stack that aborts SYN-SENT on them instead reports 97 with the
// code, which AMB-20 accepts; anything else is a violation.
CaseOutcome soft_icmp_then_synack(CaseContext& context, std::uint8_t code) {
  Scenario scenario(context);
  IcmpOnFirstSyn first_answer(scenario.wire(), scenario.server_address(), code);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes early{'s', 'o', 'f', 't'};
  const std::string expected = fmt::format(
      "either the connection succeeds once the server answers the retransmitted SYN (a success reply, the early "
      "data at the server), or Error 97 with value {} then a close (AMB-20)",
      code);
  scenario.connect(scenario.base_connect(early));
  const Reply reply = scenario.await_reply(4s);
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  if (const cv::ErrorTlv* error = reply.error_tlv()) {
    if (error->code != cv::ErrorCode::DestinationUnreachable || error->value != code)
      return CaseOutcome::violated(expected, reply.describe());
    if (!scenario.await_close(2s))
      return CaseOutcome::violated(expected, "the PUT left the connection open after the Error TLV\n" +
                                                 scenario.recent());
    return CaseOutcome::pass(expected, reply.describe() + " (the PUT's stack aborts SYN-SENT on a soft error)");
  }
  if (!scenario.await_server_bytes(early.size(), 2s) || scenario.server().received() != early)
    return CaseOutcome::violated(expected, fmt::format("a success reply, but the server received {} instead of {}",
                                                       hex(scenario.server().received()), hex(early)));
  return CaseOutcome::pass(expected, fmt::format("{}; the PUT retransmitted its SYN ({} SYNs at the server) and "
                                                 "relayed the early data",
                                                 reply.describe(), scenario.server().syn_count() + 1));
}

// "Error information is carried in-band, never only inside an RST."
CaseOutcome error_not_inside_reset(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  script.answer = SynAnswer::Reset;
  scenario.serve(script);
  const std::string expected = "the Error TLV in the byte stream of a SYN-ACK or ACK segment; no RST carrying data";
  scenario.connect(scenario.base_connect());
  const Reply reply = scenario.await_reply(3s);
  scenario.settle(200ms);
  const auto reset_with_data = harness::expect::matching(
      scenario.wire(),
      harness::expect::PacketFilter().from_put().side(harness::PathSide::ClientSide).rst().with_payload());
  if (!reset_with_data.empty())
    return CaseOutcome::violated(expected, "an RST from the PUT carried data: " +
                                               harness::expect::describe_event(scenario.wire(), *reset_with_data.front()));
  if (!reply.ok() || reply.error_tlv() == nullptr)
    return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  return CaseOutcome::pass(expected, reply.describe() + "; no RST carried data");
}

// "Unsupported Version: the Value lists the versions the converter
// supports, one byte each, zero-padded": 1E 01 00 01 for a v1 converter.
CaseOutcome unsupported_version_value(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  cv::Message valid;
  valid.tlvs.emplace_back(scenario.connect_tlv());
  const pg::Bytes message = cv::MessageBuilder::from(valid).version(127).build();
  const std::string expected = "a version-1 reply whose Error TLV is exactly 1E 01 00 01, then a close; no SYN "
                               "toward the server";
  scenario.connect(message);
  const Reply reply = scenario.await_reply(2s);
  if (reply.ok() && reply.message->version != cv::kVersion)
    return CaseOutcome::violated(expected, fmt::format("the reply itself uses version {}", reply.message->version));
  const auto raw = reply_tlv_bytes(reply, static_cast<std::uint8_t>(cv::TlvType::Error));
  if (raw && *raw != pg::Bytes{0x1E, 0x01, 0x00, 0x01})
    return CaseOutcome::violated(expected, fmt::format("Error TLV bytes {}", hex(*raw)));
  return expect_error_reply(scenario, reply, cv::ErrorCode::UnsupportedVersion, expected, message);
}

// AMB-18: framing and version come first; a version-2 message whose Connect
// also names a loopback address gets Unsupported Version, not Malformed.
CaseOutcome version_error_first(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes message = cv::MessageBuilder()
                                .version(2)
                                .add(cv::raw_connect(scenario.server_port(), cv::ipv4_mapped("127.0.0.1")))
                                .build();
  const std::string expected = "Error 0 (Unsupported Version) listing version 1, not Malformed Message; then a close";
  scenario.connect(message);
  const Reply reply = scenario.await_reply(2s);
  return expect_error_reply(scenario, reply, cv::ErrorCode::UnsupportedVersion, expected, message);
}

// "Unsupported TCP Option: the Value lists the kinds of the unsupported
// options, zero-padded": 1E 02 21 FD FE 00 00 00.
CaseOutcome experimental_kinds(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes options{0xFD, 0x04, 0x12, 0x34, 0xFE, 0x04, 0x56, 0x78};
  cv::Message message;
  message.tlvs.emplace_back(scenario.connect_tlv(options));
  const auto encoded = cv::encode(message);
  if (!encoded) return CaseOutcome::error("could not encode the Extended Connect");
  scenario.connect(encoded.value());
  const Reply reply = scenario.await_reply(2s);
  return expect_unsupported_option(scenario, reply, {0xFD, 0xFE}, {0xFD, 0xFE},
                                   "Error 33 listing kinds 253 and 254 with zero padding (1E 02 21 FD FE 00 00 00), "
                                   "then a close; no SYN toward the server");
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

  // ICMP destination unreachable codes (CONV-046): v4 type 3 and v6 type 1.
  struct IcmpCase {
    std::string id;
    Family family;
    std::uint8_t code;
    std::string meaning;
  };
  for (const IcmpCase& icmp : {IcmpCase{"err-icmp-v4-code-2-97", Family::V4, 2, "protocol unreachable"},
                               IcmpCase{"err-icmp-v4-code-3-97", Family::V4, 3, "port unreachable"},
                               IcmpCase{"err-icmpv6-code-1-97", Family::V6, 1, "administratively prohibited"},
                               IcmpCase{"err-icmpv6-code-4-97", Family::V6, 4, "port unreachable"}}) {
    const bool v6 = icmp.family == Family::V6;
    const std::string value_hex = fmt::format("{:02X}", icmp.code);
    harness::CaseSpec spec{
        .id = icmp.id,
        .requirements = {"CONV-046", "CONV-016", "CONV-I06", "AMB-20"},
        .section = "6.2.8",
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = {"error", "downstream", "icmp", "legacy-server", v6 ? "ipv6" : "ipv4"},
        .needs = {},
        .title = fmt::format("When an {} Destination Unreachable code {} ({}) answers the downstream SYN, the "
                             "converter returns Error 97 echoing code {}, then closes.",
                             v6 ? "ICMPv6" : "ICMPv4", icmp.code, icmp.meaning, icmp.code),
        .stimulus = fmt::format("SYN carrying a Base Connect to {} and 5 bytes of early data; the converter's SYN "
                                "is answered with {} type {} code {} quoting it.",
                                v6 ? "[2001:db8:2::a]:80" : "198.51.100.10:80", v6 ? "ICMPv6" : "ICMPv4",
                                v6 ? 1 : 3, icmp.code),
        .expectation = fmt::format("Reply 01 02 22 63 1E 01 61 {} (value = the ICMP code), then FIN.", value_hex),
        .accepted_outcomes = {fmt::format("Error 97 with value {} in the SYN-ACK payload or a later segment, then FIN",
                                          icmp.code)},
    };
    if (v6) spec.needs.push_back(harness::Feature::Ipv6);
    spec.run = [icmp](CaseContext& context) {
      return downstream_error(context, SynAnswer::IcmpUnreachable, icmp.code, cv::ErrorCode::DestinationUnreachable,
                              icmp.code,
                              fmt::format("Error TLV 97 (Destination Unreachable) with value {}, then an orderly close",
                                          icmp.code),
                              icmp.family);
    };
    registry.add(std::move(spec));
  }
  registry.add({
      .id = "err-icmp-v4-code-4-frag-needed",
      .requirements = {"CONV-046", "CONV-016", "AMB-20", "AMB-21"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"error", "downstream", "icmp", "legacy-server", "ipv4"},
      .title = "An ICMPv4 Destination Unreachable code 4 (fragmentation needed) answering every downstream SYN "
               "ends in an Error TLV: 97 echoing code 4, or Network Failure once the converter gives up.",
      .stimulus = "SYN carrying a Base Connect and 5 bytes of early data; every SYN of the converter is answered "
                  "with ICMPv4 type 3 code 4 quoting it.",
      .expectation = "Error 97 with value 4, or Error 65 (a stack that reads code 4 as path-MTU information keeps "
                     "retrying, then gives up), then FIN.",
      .accepted_outcomes = {"Error 97 with value 4, then FIN", "Error 65 after the converter's connect timeout, "
                                                               "then FIN"},
      .timeout = std::chrono::milliseconds(10000),
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            harness::emulate::ServerScript script;
            script.answer = SynAnswer::IcmpUnreachable;
            script.icmp_code = 4;
            scenario.serve(script);
            return downstream_error_of(
                scenario,
                {{cv::ErrorCode::DestinationUnreachable, 4}, {cv::ErrorCode::NetworkFailure, std::nullopt}},
                "Error TLV 97 with value 4 or 65 (Network Failure), then an orderly close", 6s);
          },
  });
  for (const std::uint8_t code : {std::uint8_t{0}, std::uint8_t{1}}) {
    registry.add({
        .id = fmt::format("err-icmp-soft-code-{}-then-synack", code),
        .requirements = {"CONV-I07", "CONV-046", "AMB-20"},
        .section = "4.2",
        .level = Level::Behaviour,
        .case_class = CaseClass::Valid,
        .tags = {"error", "downstream", "icmp", "legacy-server", "ipv4"},
        .title = fmt::format("A soft ICMP error (network/host unreachable, code {}) for the downstream SYN makes "
                             "the converter retransmit until answered; reporting Error 97 with the code is "
                             "accepted (AMB-20).",
                             code),
        .stimulus = fmt::format("SYN carrying a Base Connect and 4 bytes of early data; the converter's first SYN "
                                "is answered with ICMPv4 type 3 code {}, its retransmission with a SYN-ACK.",
                                code),
        .expectation = fmt::format("A success reply and the early data at the server, or Error 97 with value {} "
                                   "and a close.",
                                   code),
        .accepted_outcomes = {"the retransmitted SYN succeeds: success reply, early data relayed",
                              fmt::format("Error 97 with value {}, then FIN (stack aborts SYN-SENT)", code)},
        .run = [code](CaseContext& context) { return soft_icmp_then_synack(context, code); },
    });
  }
  registry.add({
      .id = "err-server-silent-65",
      .requirements = {"CONV-044", "CONV-016", "AMB-21"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"error", "downstream", "timeout", "legacy-server"},
      .title = "When the server never answers the downstream SYN, the converter returns an Error TLV (Network "
               "Failure, AMB-21) and closes, instead of leaving the client waiting or resetting it.",
      .stimulus = "SYN carrying a Base Connect and 5 bytes of early data; the server ignores every SYN.",
      .expectation = "Error TLV 65 (any back-off value) within 6 s (the converter's connect timeout), then FIN.",
      .accepted_outcomes = {"Error 65 in the SYN-ACK payload or a later segment, then FIN"},
      .timeout = std::chrono::milliseconds(10000),
      .run = silent_server,
  });
  registry.add({
      .id = "err-no-route-65",
      .requirements = {"CONV-044", "CONV-016"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"error", "downstream", "routing"},
      .title = "When the converter cannot forward toward the destination (no route), it returns Network "
               "Failure (65) and closes.",
      .stimulus = "SYN carrying a Base Connect to 198.18.0.1:80, a prefix the lab does not route.",
      .expectation = "Error TLV 65, then FIN.",
      .accepted_outcomes = {"Error 65 at once (no route) or after the connect timeout (the packets vanish)"},
      .timeout = std::chrono::milliseconds(10000),
      .run = unrouted_destination,
  });
  registry.add({
      .id = "err-never-inside-rst",
      .requirements = {"CONV-I24", "CONV-016", "AMB-04"},
      .section = "6.2.8",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"error", "downstream", "legacy-server"},
      .title = "An Error TLV travels in the SYN-ACK or a later ACK segment of the byte stream, never only inside "
               "an RST.",
      .stimulus = "SYN carrying a Base Connect; the server answers the converter's SYN with RST.",
      .expectation = "The Error TLV in the client's byte stream; no RST from the converter carries data.",
      .accepted_outcomes = {"Error TLV in the SYN-ACK payload or a later segment"},
      .run = error_not_inside_reset,
  });
  registry.add({
      .id = "err-unsupported-version-value",
      .requirements = {"CONV-035", "CONV-036", "CONV-008", "AMB-06"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"error", "header", "version"},
      .title = "Unsupported Version lists the versions the converter supports, one byte each, zero-padded: "
               "1E 01 00 01 for a version-1 converter.",
      .stimulus = "SYN carrying a Convert message of version 127 with a valid Base Connect.",
      .expectation = "A version-1 reply 01 02 22 63 1E 01 00 01, then FIN; no SYN toward the server.",
      .accepted_outcomes = {"the reply in the SYN-ACK payload or a later segment, then FIN"},
      .negative = true,
      .run = unsupported_version_value,
  });
  registry.add({
      .id = "err-precedence-version-before-destination",
      .requirements = {"CONV-035", "AMB-18"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"error", "header", "version", "precedence"},
      .title = "When several errors apply, the version error comes first: a version-2 message with a Connect to "
               "a loopback address gets Unsupported Version (AMB-18).",
      .stimulus = "SYN carrying a version-2 Convert message whose Connect names ::ffff:127.0.0.1 port 80.",
      .expectation = "Error 0 listing version 1, then FIN; no SYN toward any server.",
      .accepted_outcomes = {"Error 0 in the SYN-ACK payload or a later segment, then FIN"},
      .negative = true,
      .run = version_error_first,
  });
  registry.add({
      .id = "err-unsupported-option-lists-kinds",
      .requirements = {"CONV-042", "CONV-I10", "CONV-012", "AMB-33"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"error", "options", "connect"},
      .title = "An Extended Connect asking for options the converter does not support is refused with "
               "Unsupported TCP Option listing every offending kind, zero-padded.",
      .stimulus = "SYN carrying an Extended Connect with the experimental options FD 04 12 34 and FE 04 56 78.",
      .expectation = "Error TLV 1E 02 21 FD FE 00 00 00 (both kinds, zero padding), then FIN; no SYN toward the "
                     "server.",
      .accepted_outcomes = {"kinds 253 and 254 in either order"},
      .negative = true,
      .run = experimental_kinds,
  });
}

}  // namespace convtest::cases
