// RFC 8803 section 6.2.8: the Error TLV and its codes.

#include <fmt/format.h>

#include "catalog.hpp"
#include "kit/judge.hpp"
#include "packetgen/icmp.hpp"
#include "packetgen/tcp.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::emulate::SynAnswer;
using reports::CaseClass;
using reports::Level;

constexpr std::string_view kEarlyData = "early";
constexpr std::string_view kSoftData = "soft";
// Outside every prefix the lab routes (RFC 2544 benchmarking space).
constexpr std::string_view kUnroutedV4 = "198.18.0.1";
constexpr std::uint8_t kUnknownTlvType = 0x05;  // unassigned
constexpr std::uint8_t kUnsupportedVersion = 127;
// Experimental option kinds (RFC 4727), each with a 2-byte value.
const pg::Bytes kExperimentalOptions{0xFD, 0x04, 0x12, 0x34, 0xFE, 0x04, 0x56, 0x78};

// A downstream failure comes back as an in-band Error TLV (CONV-016) once
// the server answered the converter's SYN as `script` says.
CaseOutcome downstream_failure(CaseContext& context, harness::emulate::ServerScript script,
                               std::vector<AcceptedError> accepted, Clock::duration wait = 3s,
                               std::optional<Family> family = std::nullopt) {
  Scenario scenario(context, family);
  scenario.serve(std::move(script));
  auto& client = scenario.connect(scenario.base_connect(text_bytes(kEarlyData)));
  return judge_error_reply(client, client.await_reply(wait),
                           {.accepted = std::move(accepted), .before_downstream = false});
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

// ICMP Destination Unreachable codes a converter echoes in Error 97 (CONV-046).
struct IcmpRow {
  std::string_view id;
  Family family;
  std::uint8_t code;
  std::string_view meaning;
};
constexpr IcmpRow kIcmpRows[] = {
    {"err-icmp-v4-code-2-97", Family::V4, 2, "protocol unreachable"},
    {"err-icmp-v4-code-3-97", Family::V4, 3, "port unreachable"},
    {"err-icmpv6-code-1-97", Family::V6, 1, "administratively prohibited"},
    {"err-icmpv6-code-4-97", Family::V6, 4, "port unreachable"},
};

void register_icmp_rows(harness::Registry& registry) {
  for (const IcmpRow& row : kIcmpRows) {
    const bool v6 = row.family == Family::V6;
    const std::string_view icmp = v6 ? "ICMPv6" : "ICMPv4";
    registry.add({
        .id = std::string(row.id),
        .requirements = {"CONV-046", "CONV-016", "CONV-I06", "AMB-20"},
        .section = "6.2.8",
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = {"error", "downstream", "icmp", "legacy-server", v6 ? "ipv6" : "ipv4"},
        .needs = v6 ? std::vector{harness::Feature::Ipv6} : std::vector<harness::Feature>{},
        .title = fmt::format("When an {} Destination Unreachable code {} ({}) answers the downstream SYN, the "
                             "converter returns Error 97 echoing code {}, then closes.",
                             icmp, row.code, row.meaning, row.code),
        .stimulus = fmt::format("SYN carrying a Base Connect to {} and {} bytes of early data; the converter's SYN "
                                "is answered with {} type {} code {} quoting it.",
                                server_endpoint_text(row.family), kEarlyData.size(), icmp, v6 ? 1 : 3, row.code),
        .expectation = fmt::format("Reply {} (value = the ICMP code), then FIN.",
                                   error_reply_text(cv::ErrorTlv::destination_unreachable(row.code))),
        .accepted_outcomes = {fmt::format("Error 97 with value {} in the SYN-ACK payload or a later segment, then FIN",
                                          row.code)},
        .dimensions = dimensions::kAnyTransport,
        .run =
            [row](CaseContext& context) {
              return downstream_failure(context, {.answer = SynAnswer::IcmpUnreachable, .icmp_code = row.code},
                                        {{cv::ErrorCode::DestinationUnreachable, row.code}}, 3s, row.family);
            },
    });
  }
}

void register_soft_icmp(harness::Registry& registry) {
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
        .stimulus = fmt::format("SYN carrying a Base Connect and {} bytes of early data; the converter's first SYN "
                                "is answered with ICMPv4 type 3 code {}, its retransmission with a SYN-ACK.",
                                kSoftData.size(), code),
        .expectation = fmt::format("A success reply and the early data at the server, or Error 97 with value {} "
                                   "and a close.",
                                   code),
        .accepted_outcomes = {"the retransmitted SYN succeeds: success reply, early data relayed",
                              fmt::format("Error 97 with value {}, then FIN (stack aborts SYN-SENT)", code)},
        .dimensions = dimensions::kAnyTransport,
        .run =
            [code](CaseContext& context) {
              const pg::Bytes early = text_bytes(kSoftData);
              Scenario scenario(context);
              IcmpOnFirstSyn first_answer(scenario.wire(), scenario.server_address(), code);
              scenario.serve();
              auto& client = scenario.connect(scenario.base_connect(early));
              const Reply reply = client.await_reply(4s);
              if (reply.error_tlv() != nullptr) {
                // A stack that aborts SYN-SENT on a soft error: AMB-20 accepts 97 with the code.
                return judge_error_reply(
                    client, reply,
                    {.accepted = {{cv::ErrorCode::DestinationUnreachable, code}}, .before_downstream = false});
              }
              if (auto failed = verify_success(client, reply)) return *failed;
              if (auto failed = verify_server_received(scenario, early)) return *failed;
              return CaseOutcome::pass(
                  fmt::format("{}; the PUT retransmitted its SYN ({} SYNs at the server) and "
                              "relayed the early data",
                              reply.describe(), scenario.server().syn_count() + 1));
            },
    });
  }
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
      .stimulus = fmt::format("SYN carrying a Base Connect and {} bytes of early data; the server answers the "
                              "converter's SYN with RST+ACK.",
                              kEarlyData.size()),
      .expectation = fmt::format("Reply {}, then FIN; no RST before the client acknowledged the Error TLV (or 1 s "
                                 "later).",
                                 error_reply_text(cv::ErrorTlv::connection_reset())),
      .accepted_outcomes = {"Error 96 in the SYN-ACK payload or in a later segment, then FIN"},
      .dimensions = dimensions::kEveryPath,
      .run =
          [](CaseContext& context) {
            return downstream_failure(context, {.answer = SynAnswer::Reset}, {{cv::ErrorCode::ConnectionReset, 0}});
          },
  });

  static constexpr std::uint8_t kProhibited = 13;  // communication administratively prohibited
  registry.add({
      .id = "err-icmp-unreachable-97",
      .requirements = {"CONV-046", "CONV-016", "CONV-I06", "AMB-20"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"error", "downstream", "icmp", "legacy-server"},
      .title = "When an ICMP Destination Unreachable answers the downstream SYN, the converter returns Error 97 "
               "(Destination Unreachable) echoing the ICMP code, then closes.",
      .stimulus = fmt::format("SYN carrying a Base Connect; the converter's SYN to the server is answered with "
                              "ICMPv4 type 3 code {} (communication administratively prohibited) quoting it.",
                              kProhibited),
      .expectation = fmt::format("Reply {} (value = the ICMP code {}), then FIN.",
                                 error_reply_text(cv::ErrorTlv::destination_unreachable(kProhibited)), kProhibited),
      .accepted_outcomes = {fmt::format("Error 97 with value {} in the SYN-ACK payload or a later segment, then FIN",
                                        kProhibited)},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            return downstream_failure(context, {.answer = SynAnswer::IcmpUnreachable, .icmp_code = kProhibited},
                                      {{cv::ErrorCode::DestinationUnreachable, kProhibited}});
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
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve({.answer = SynAnswer::Reset});
            auto& client = scenario.connect(scenario.base_connect(), {.acks = harness::AckMode::Never});
            const Reply reply = client.await_reply(3s);
            if (reply.error_tlv() == nullptr) return CaseOutcome::violated(reply.describe() + "\n" + scenario.recent());
            const auto silence = harness::expect::expect_no_packet(
                scenario.wire(), scenario.timing(),
                harness::expect::PacketFilter().from_put().side(harness::PathSide::ClientSide).rst(), 1s,
                client.first_event());
            if (!silence)
              return CaseOutcome::violated("an RST followed the unacknowledged Error TLV within 1 s:\n" +
                                           silence.observed);
            return CaseOutcome::pass(reply.describe() + "; no RST within 1 s while unacknowledged");
          },
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
      .stimulus = fmt::format("SYN carrying a Convert message with TLV type {} (unassigned, {}) before a valid "
                              "Base Connect.",
                              kUnknownTlvType, wire_text(cv::encode_raw({kUnknownTlvType, {0x00, 0x00}}))),
      .expectation = "Error TLV code 2 with byte 3 zero and an aligned echo of what was sent, then FIN; no SYN "
                     "toward the server.",
      .accepted_outcomes = {"Error 2 echoing the unknown TLV or the whole message (AMB-05)"},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const pg::Bytes message =
                cv::MessageBuilder().add(cv::RawTlv{kUnknownTlvType, {0x00, 0x00}}).add(scenario.connect_tlv()).build();
            auto& client = scenario.connect(message);
            return judge_error_reply(client, client.await_reply(2s),
                                     {.accepted = {{cv::ErrorCode::UnsupportedMessage}}, .echo_of = message});
          },
  });

  register_icmp_rows(registry);

  static constexpr std::uint8_t kFragmentationNeeded = 4;
  registry.add({
      .id = "err-icmp-v4-code-4-frag-needed",
      .requirements = {"CONV-046", "CONV-016", "AMB-20", "AMB-21"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"error", "downstream", "icmp", "legacy-server", "ipv4"},
      .title = "An ICMPv4 Destination Unreachable code 4 (fragmentation needed) answering every downstream SYN "
               "ends in an Error TLV: 97 echoing code 4, or Network Failure once the converter gives up.",
      .stimulus = fmt::format("SYN carrying a Base Connect and {} bytes of early data; every SYN of the converter is "
                              "answered with ICMPv4 type 3 code {} quoting it.",
                              kEarlyData.size(), kFragmentationNeeded),
      .expectation = "Error 97 with value 4, or Error 65 (a stack that reads code 4 as path-MTU information keeps "
                     "retrying, then gives up), then FIN.",
      .accepted_outcomes = {"Error 97 with value 4, then FIN",
                            "Error 65 after the converter's connect timeout, "
                            "then FIN"},
      .timeout = std::chrono::milliseconds(10000),
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            return downstream_failure(
                context, {.answer = SynAnswer::IcmpUnreachable, .icmp_code = kFragmentationNeeded},
                {{cv::ErrorCode::DestinationUnreachable, kFragmentationNeeded}, {cv::ErrorCode::NetworkFailure}}, 6s);
          },
  });

  register_soft_icmp(registry);

  registry.add({
      .id = "err-server-silent-65",
      .requirements = {"CONV-044", "CONV-016", "AMB-21"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"error", "downstream", "timeout", "legacy-server"},
      .title = "When the server never answers the downstream SYN, the converter returns an Error TLV (Network "
               "Failure, AMB-21) and closes, instead of leaving the client waiting or resetting it.",
      .stimulus = fmt::format("SYN carrying a Base Connect and {} bytes of early data; the server ignores every SYN.",
                              kEarlyData.size()),
      .expectation = "Error TLV 65 (any back-off value) within 6 s (the converter's connect timeout), then FIN.",
      .accepted_outcomes = {"Error 65 in the SYN-ACK payload or a later segment, then FIN"},
      .timeout = std::chrono::milliseconds(10000),
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            // No code is defined for silence: Network Failure is AMB-21's position; 97 has no ICMP code to echo.
            return downstream_failure(context, {.answer = SynAnswer::Silence}, {{cv::ErrorCode::NetworkFailure}}, 6s);
          },
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
      .stimulus = fmt::format("SYN carrying a Base Connect to {}:{}, a prefix the lab does not route.", kUnroutedV4,
                              kServerPort),
      .expectation = "Error TLV 65, then FIN.",
      .accepted_outcomes = {"Error 65 at once (no route) or after the connect timeout (the packets vanish)"},
      .timeout = std::chrono::milliseconds(10000),
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            const pg::Bytes message =
                cv::MessageBuilder().add(cv::raw_connect(kServerPort, cv::ipv4_mapped(kUnroutedV4))).build();
            auto& client = scenario.connect(message);
            return judge_error_reply(client, client.await_reply(6s),
                                     {.accepted = {{cv::ErrorCode::NetworkFailure}}, .before_downstream = false});
          },
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
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve({.answer = SynAnswer::Reset});
            auto& client = scenario.connect(scenario.base_connect());
            const Reply reply = client.await_reply(3s);
            scenario.settle(200ms);
            const auto reset_with_data = harness::expect::matching(
                scenario.wire(),
                harness::expect::PacketFilter().from_put().side(harness::PathSide::ClientSide).rst().with_payload(),
                client.first_event());
            if (!reset_with_data.empty())
              return CaseOutcome::violated("an RST from the PUT carried data: " +
                                           harness::expect::describe_event(scenario.wire(), *reset_with_data.front()));
            if (reply.error_tlv() == nullptr) return CaseOutcome::violated(reply.describe() + "\n" + scenario.recent());
            return CaseOutcome::pass(reply.describe() + "; no RST carried data");
          },
  });

  const cv::ErrorTlv version_one_only = cv::ErrorTlv::unsupported_version({cv::kVersion});
  registry.add({
      .id = "err-unsupported-version-value",
      .requirements = {"CONV-035", "CONV-036", "CONV-008", "AMB-06"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"error", "header", "version"},
      .title = fmt::format("Unsupported Version lists the versions the converter supports, one byte each, "
                           "zero-padded: {} for a version-1 converter.",
                           wire_text(cv::encode_tlv(version_one_only))),
      .stimulus =
          fmt::format("SYN carrying a Convert message of version {} with a valid Base Connect.", kUnsupportedVersion),
      .expectation =
          fmt::format("A version-1 reply {}, then FIN; no SYN toward the server.", error_reply_text(version_one_only)),
      .accepted_outcomes = {"the reply in the SYN-ACK payload or a later segment, then FIN"},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run =
          [version_one_only](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const pg::Bytes message =
                cv::MessageBuilder::from(cv::Message{{scenario.connect_tlv()}}).version(kUnsupportedVersion).build();
            auto& client = scenario.connect(message);
            const Reply reply = client.await_reply(2s);
            const auto sent = reply.tlv_bytes(cv::TlvType::Error);
            if (sent && *sent != cv::encode_tlv(version_one_only))
              return CaseOutcome::violated(fmt::format("Error TLV bytes {}", hex(*sent)));
            return judge_error_reply(client, reply,
                                     {.accepted = {{cv::ErrorCode::UnsupportedVersion}}, .echo_of = message});
          },
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
      .stimulus = fmt::format("SYN carrying a version-2 Convert message whose Connect names ::ffff:127.0.0.1 port {}.",
                              kServerPort),
      .expectation = "Error 0 listing version 1, then FIN; no SYN toward any server.",
      .accepted_outcomes = {"Error 0 in the SYN-ACK payload or a later segment, then FIN"},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const pg::Bytes message =
                cv::MessageBuilder().version(2).add(cv::raw_connect(kServerPort, cv::ipv4_mapped("127.0.0.1"))).build();
            auto& client = scenario.connect(message);
            return judge_error_reply(client, client.await_reply(2s),
                                     {.accepted = {{cv::ErrorCode::UnsupportedVersion}}, .echo_of = message});
          },
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
      .stimulus = fmt::format("SYN carrying an Extended Connect with the experimental options {}.",
                              wire_text(kExperimentalOptions)),
      .expectation = fmt::format("Error TLV {} (both kinds, zero padding), then FIN; no SYN toward the server.",
                                 wire_text(cv::encode_tlv(cv::ErrorTlv::unsupported_tcp_option({0xFD, 0xFE})))),
      .accepted_outcomes = {"kinds 253 and 254 in either order"},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            auto& client = scenario.connect(scenario.message({scenario.connect_tlv(kExperimentalOptions)}));
            return judge_error_reply(client, client.await_reply(2s),
                                     {.accepted = {{cv::ErrorCode::UnsupportedTcpOption}},
                                      .kinds = ListedKinds{.required = {0xFD, 0xFE}, .allowed = {0xFD, 0xFE}}});
          },
  });
}

}  // namespace convtest::cases
