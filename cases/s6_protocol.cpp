// RFC 8803 section 6: placement of the Convert message; SYNs without one.

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "catalog.hpp"
#include "kit/judge.hpp"
#include "packetgen/convert_malformed.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::PathSide;
using harness::expect::PacketFilter;
using reports::CaseClass;
using reports::Level;

constexpr std::uint16_t kWrongMagic = 0x1234;
constexpr std::string_view kHttpRequest = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
constexpr std::string_view kServerFirstBytes = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
// How long an ignored SYN is watched for a downstream SYN or an answer.
constexpr auto kIgnoreWindow = 1s;

const std::string kIgnoredExpectation =
    "No SYN toward any server, no RST, no byte to the client; --strict also forbids a SYN-ACK.";
const std::vector<std::string> kIgnoredOutcomes = {"silence",
                                                   "default profile: the stack's SYN-ACK, then FIN without data"};

// A Base Connect to the IPv4 server, built when the case is registered so
// that its metadata shows the very bytes the case sends.
cv::Message base_connect_message() {
  cv::ConnectTlv connect;
  connect.port = kServerPort;
  connect.address = server_in_connect(Family::V4);
  return cv::Message{{connect}};
}

// "Absent a policy, a converter SHOULD silently ignore SYNs that carry no
// Convert TLVs." Under the default profile a TFO stack's immediate SYN-ACK
// followed by a FIN without any byte is tolerated (AMB-01: Linux SYN-ACKs
// before the application reads the SYN data); --strict requires silence.
CaseOutcome ignored_without_convert(CaseContext& context, const pg::Bytes& payload) {
  Scenario scenario(context);
  scenario.serve();
  auto& client = scenario.connect(payload);
  if (!client.no_downstream_syn(kIgnoreWindow))
    return CaseOutcome::violated("the PUT sent a SYN toward a server\n" + scenario.recent());
  const auto answers = harness::expect::matching(scenario.wire(), PacketFilter().from_put().side(PathSide::ClientSide));
  const auto& tcp = client.tcp();
  if (answers.empty())
    return CaseOutcome::pass(fmt::format("no packet from the PUT within {} s", kIgnoreWindow.count()));
  if (tcp.reset_received()) return CaseOutcome::violated("the PUT reset the connection\n" + scenario.recent());
  if (!tcp.received().empty())
    return CaseOutcome::violated(fmt::format("the PUT sent {} to the client", hex(tcp.received())));
  if (context.strict) return CaseOutcome::violated("the PUT answered the SYN\n" + scenario.recent());
  return CaseOutcome::pass(fmt::format("the PUT's stack answered the SYN, then {} without data",
                                       tcp.fin_received() ? "closed with FIN" : "stayed silent"));
}

// The request of a placement case: which TLVs precede the Connect.
struct PlacementRow {
  std::string_view id;
  bool with_info;
  std::string_view request;
};
constexpr PlacementRow kPlacementRows[] = {
    {"placement-reply-first-base-connect", false, "a Base Connect"},
    {"placement-reply-first-info-connect", true, "an Info TLV and a Base Connect"},
};

// "The Convert message occupies the first bytes of the bytestream" and
// "Total Length marks where the Convert data ends": with a server that
// speaks first right after its SYN-ACK, the client stream must be exactly
// the converter's message, whose TLVs fill Total Length x 4, then the
// server's bytes.
CaseOutcome reply_occupies_first_bytes(CaseContext& context, const PlacementRow& row) {
  const pg::Bytes server_data = text_bytes(kServerFirstBytes);
  Scenario scenario(context);
  scenario.serve({.speak_first = server_data});
  std::vector<cv::Tlv> request;
  if (row.with_info) request.emplace_back(cv::InfoTlv{});
  request.emplace_back(scenario.connect_tlv());
  auto& client = scenario.connect(scenario.message(std::move(request)));
  const Reply reply = client.await_reply(2s);
  if (!reply.ok()) return CaseOutcome::violated(reply.describe() + "\n" + scenario.recent());
  if (reply.error_tlv() != nullptr)
    return CaseOutcome::inconclusive(reply.describe() + ": the connection was refused, nothing to relay");
  std::size_t tlv_bytes = 0;
  for (const auto& tlv : reply.message->message.tlvs) tlv_bytes += cv::encode_tlv(tlv).size();
  const std::size_t boundary = reply.message->size;
  if (cv::kHeaderSize + tlv_bytes != boundary)
    return CaseOutcome::violated(fmt::format("Total Length says {} bytes but header and TLVs take {} (CONV-011): {}",
                                             boundary, cv::kHeaderSize + tlv_bytes, hex(reply.raw, 96)));
  const auto complete = client.await_stream_bytes(boundary + server_data.size(), 2s);
  scenario.settle(100ms);  // anything more would come right behind
  const pg::Bytes stream = client.stream();
  const pg::ByteView after = pg::ByteView(stream).subspan(std::min(boundary, stream.size()));
  if (!complete || !std::equal(after.begin(), after.end(), server_data.begin(), server_data.end()))
    return CaseOutcome::violated(
        fmt::format("after the {}-byte Convert message the client stream holds {} instead "
                    "of exactly the server's bytes {}",
                    boundary, hex(after, 96), hex(server_data, 96)));
  return CaseOutcome::pass(
      fmt::format("{}; the server's {} bytes follow at offset {}", reply.describe(), server_data.size(), boundary));
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
      .expectation = kIgnoredExpectation,
      .accepted_outcomes = kIgnoredOutcomes,
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run = [](CaseContext& context) { return ignored_without_convert(context, {}); },
  });
  const pg::Bytes wrong_magic = cv::MessageBuilder::from(base_connect_message()).magic(kWrongMagic).build();
  registry.add({
      .id = "hdr-magic-wrong-ignored",
      .requirements = {"CONV-005", "CONV-010", "AMB-06", "AMB-01"},
      .section = "6",
      .level = Level::Should,
      .case_class = CaseClass::Invalid,
      .tags = {"header", "magic", "ignore"},
      .title = "A SYN whose payload has the wrong magic number is not a Convert message and is silently ignored.",
      .stimulus = fmt::format("SYN carrying {} (magic 0x{:04x}) followed by a valid Base Connect TLV.",
                              wire_text(pg::ByteView(wrong_magic).first(cv::kHeaderSize)), kWrongMagic),
      .expectation = kIgnoredExpectation,
      .accepted_outcomes = kIgnoredOutcomes,
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run = [wrong_magic](CaseContext& context) { return ignored_without_convert(context, wrong_magic); },
  });
  registry.add({
      .id = "syn-non-convert-payload-ignored",
      .requirements = {"CONV-005", "AMB-13", "AMB-01"},
      .section = "6",
      .level = Level::Should,
      .case_class = CaseClass::Inopportune,
      .tags = {"placement", "ignore"},
      .title = "Absent a policy, a SYN whose payload is not a Convert message (an HTTP request) is silently "
               "ignored.",
      .stimulus = fmt::format("SYN carrying '{}' as payload.", escaped(kHttpRequest)),
      .expectation = kIgnoredExpectation,
      .accepted_outcomes = kIgnoredOutcomes,
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run = [](CaseContext& context) { return ignored_without_convert(context, text_bytes(kHttpRequest)); },
  });
  // The builder's other wrong-magic stimuli: the draft-era 0x0000 (AMB-35)
  // and the byte-swapped magic 0x6322.
  for (const auto& stimulus : cv::malformed::malformed_client_messages(kServerPort, server_in_connect(Family::V4))) {
    if (stimulus.rule != cv::DecodeRule::BadMagic) continue;
    registry.add({
        .id = fmt::format("hdr-{}-ignored", stimulus.label),
        .requirements = {"CONV-005", "CONV-010", "AMB-06", "AMB-35", "AMB-01"},
        .section = "6",
        .level = Level::Should,
        .case_class = CaseClass::Invalid,
        .tags = {"header", "magic", "ignore"},
        .title = "A SYN whose payload carries a magic number other than 0x2263 is not a Convert message and is "
                 "silently ignored.",
        .stimulus = fmt::format("SYN carrying a Base Connect message whose magic bytes are wrong ({}): {}",
                                stimulus.label, hex(stimulus.bytes)),
        .expectation = kIgnoredExpectation,
        .accepted_outcomes = kIgnoredOutcomes,
        .negative = true,
        .dimensions = dimensions::kAnyClient,
        .run = [payload = stimulus.bytes](CaseContext& context) { return ignored_without_convert(context, payload); },
    });
  }
  for (const PlacementRow& row : kPlacementRows) {
    registry.add({
        .id = std::string(row.id),
        .requirements = {"CONV-006", "CONV-011", "CONV-007"},
        .section = "6",
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = {"placement", "total-length", "relay", "legacy-server"},
        .needs = row.with_info ? std::vector{harness::Feature::Info} : std::vector<harness::Feature>{},
        .title = "The converter's Convert message occupies the first bytes of the stream to the client, and its "
                 "Total Length marks exactly where the server's data begins.",
        .stimulus = fmt::format("SYN carrying {} without early data; the server sends {} bytes as soon as its "
                                "handshake completes.",
                                row.request, kServerFirstBytes.size()),
        .expectation = fmt::format("The client stream is the Convert message (TLV lengths summing to Total Length x "
                                   "4 - 4), then exactly the server's {} bytes.",
                                   kServerFirstBytes.size()),
        .accepted_outcomes = {"reply in the SYN-ACK payload or in the first data segment",
                              "header-only reply (AMB-02)"},
        .dimensions = dimensions::kEveryPath,
        .run = [row](CaseContext& context) { return reply_occupies_first_bytes(context, row); },
    });
  }
}

}  // namespace convtest::cases
