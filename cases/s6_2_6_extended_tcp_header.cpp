// RFC 8803 section 6.2.6: the Extended TCP Header TLV.

#include <fmt/format.h>

#include "catalog.hpp"
#include "kit/judge.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;
namespace synack = harness::emulate::synack_options;

constexpr std::uint16_t kMss = 1460;
constexpr std::uint16_t kSmallMss = 1380;
constexpr std::uint16_t kIpv6Mss = 1440;
constexpr std::uint8_t kWindowShift = 7;
constexpr std::uint8_t kIpv6WindowShift = 9;
constexpr std::uint64_t kServerMptcpKey = 0x0123456789abcdefULL;
const pg::Bytes kTfoCookie{1, 2, 3, 4, 5, 6, 7, 8};

// The Extended Connect of the rows asks for SACK-Permitted, which every converter can carry.
pg::Bytes sack_request() { return pg::tcp::sack_permitted(); }

// "The converter MUST return the Extended TCP Header TLV when the client
// sent an Extended Connect and the server accepted": the options of the
// server's SYN-ACK, byte for byte (AMB-25). For a Base Connect the TLV is
// what enables a bypass (CONV-I03, AMB-02: SHOULD).
CaseOutcome extended_header_verbatim(CaseContext& context, std::optional<Family> family,
                                     const pg::Bytes& synack_options, const pg::Bytes& connect_options) {
  Scenario scenario(context, family);
  scenario.serve({.synack_options = synack_options});
  auto& client = scenario.connect(scenario.message({scenario.connect_tlv(connect_options)}));
  const Reply reply = client.await_reply(2s);
  if (reply.error && reply.error->rule == cv::DecodeRule::NonZeroField)
    return CaseOutcome::violated(reply.describe() + " (CONV-029: bytes 2-3 must be zero)");
  if (auto failed = verify_success(client, reply)) return *failed;
  if (auto failed = verify_extended_tcp_header(scenario, reply)) return *failed;
  return CaseOutcome::pass(fmt::format("Extended TCP Header = {} (the server's SYN-ACK options)",
                                       hex(reply.find<cv::ExtendedTcpHeaderTlv>()->options, 64)));
}

// One SYN-ACK the emulated server answers an Extended Connect with.
struct HeaderRow {
  std::string id;
  Family family;
  pg::Bytes synack_options;
  std::string stimulus;
};

std::vector<HeaderRow> header_rows() {
  const std::string request = wire_text(sack_request());
  const pg::Bytes linux_v4 = synack::linux_full(0x11223344, 0, kMss, kWindowShift);
  const pg::Bytes tfo_option = pg::tcp::fast_open(kTfoCookie);
  return {
      {"ext-tcp-header-verbatim", Family::V4, linux_v4,
       fmt::format("SYN carrying an Extended Connect asking for SACK-Permitted ({}); the server's SYN-ACK carries MSS "
                   "{}, SACK-Permitted, Timestamps, NOP, Window Scale {} ({} bytes).",
                   request, kMss, kWindowShift, linux_v4.size())},
      {"ext-tcp-header-mss-only", Family::V4, synack::mss_only(kSmallMss),
       fmt::format("SYN carrying an Extended Connect ({}); the server's SYN-ACK carries only MSS {} ({} bytes).",
                   request, kSmallMss, synack::mss_only(kSmallMss).size())},
      {"ext-tcp-header-mp-capable", Family::V4, synack::mp_capable(kServerMptcpKey, kMss),
       fmt::format("SYN carrying an Extended Connect ({}); the server's SYN-ACK carries MSS {} and an MP_CAPABLE of "
                   "length {} with the server's key ({} bytes), unsolicited.",
                   request, kMss, pg::tcp::mptcp::mp_capable_synack(kServerMptcpKey).size(),
                   synack::mp_capable(kServerMptcpKey, kMss).size())},
      {"ext-tcp-header-tfo-cookie", Family::V4, synack::tfo_cookie(kTfoCookie, kMss),
       fmt::format("SYN carrying an Extended Connect ({}); the server's SYN-ACK carries MSS {} and a TCP Fast Open "
                   "cookie option ({} + {} bytes).",
                   request, kMss, wire_text(pg::ByteView(tfo_option).first(2)), kTfoCookie.size())},
      {"ext-tcp-header-ipv6", Family::V6, synack::linux_full(0x55667788, 0, kIpv6Mss, kIpv6WindowShift),
       fmt::format("Over IPv6, SYN carrying an Extended Connect ({}) to {}; the server's SYN-ACK carries MSS {}, "
                   "SACK-Permitted, Timestamps, NOP, Window Scale {}.",
                   request, server_endpoint_text(Family::V6), kIpv6Mss, kIpv6WindowShift)},
  };
}

}  // namespace

void register_s6_2_6_extended_tcp_header(harness::Registry& registry) {
  for (const auto& row : header_rows()) {
    const bool v6 = row.family == Family::V6;
    registry.add({
        .id = row.id,
        .requirements = {"CONV-028", "CONV-029", "AMB-25"},
        .section = "6.2.6",
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = {v6 ? "ipv6" : "ipv4", "extended-connect", "tcp-options"},
        .needs = v6 ? std::vector{Feature::Ipv6} : std::vector<Feature>{},
        .title = "After an Extended Connect that the server accepted, the converter returns the Extended TCP "
                 "Header TLV: the server's SYN-ACK options byte for byte.",
        .stimulus = row.stimulus,
        .expectation = fmt::format("The reply holds TLV 0x{:02X} with bytes 2-3 zero and bytes 4.. identical to the "
                                   "option bytes of the server's SYN-ACK, in order, NOP included.",
                                   static_cast<int>(cv::TlvType::ExtendedTcpHeader)),
        .accepted_outcomes = {"reply in the SYN-ACK payload or in the first data segment"},
        .dimensions = dimensions::kAnyTransport,
        .run =
            [row](CaseContext& context) {
              return extended_header_verbatim(context, row.family, row.synack_options, sack_request());
            },
    });
  }

  registry.add({
      .id = "ext-tcp-header-base-connect",
      .requirements = {"CONV-I03", "AMB-02", "AMB-25"},
      .section = "6.2.6",
      .level = Level::Should,
      .case_class = CaseClass::Valid,
      .tags = {"connect", "tcp-options"},
      .title = "After a Base Connect the converter should also describe the options negotiated with the server "
               "in an Extended TCP Header TLV (it lets the client bypass the converter).",
      .stimulus = fmt::format("SYN carrying a Base Connect; the server's SYN-ACK carries MSS {}, SACK-Permitted, "
                              "Timestamps, NOP, Window Scale {}.",
                              kMss, kWindowShift),
      .expectation = fmt::format("The success reply holds TLV 0x{:02X} with the server's SYN-ACK option bytes, "
                                 "verbatim.",
                                 static_cast<int>(cv::TlvType::ExtendedTcpHeader)),
      .accepted_outcomes = {"a header-only reply is conformant for MUST but WARNs here (AMB-02)"},
      .dimensions = dimensions::kEveryPath,
      .run =
          [](CaseContext& context) {
            return extended_header_verbatim(context, std::nullopt,
                                            synack::linux_full(0x01020304, 0, kMss, kWindowShift), {});
          },
  });
}

}  // namespace convtest::cases
