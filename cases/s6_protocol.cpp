// RFC 8803 section 6: placement of the Convert message; SYNs without one.

#include <functional>

#include <fmt/format.h>

#include "catalog.hpp"
#include "packetgen/convert_malformed.hpp"
#include "legacy/scenario.hpp"

namespace convtest::cases {
using namespace legacy;  // TRANSITIONAL
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


// "The Convert message occupies the first bytes of the bytestream" and
// "Total Length marks where the Convert data ends": with a server that
// speaks first right after its SYN-ACK, the client stream must be exactly
// the converter's message, whose TLVs fill Total Length x 4, then the
// server's bytes.
CaseOutcome reply_occupies_first_bytes(CaseContext& context, bool with_info) {
  Scenario scenario(context);
  const pg::Bytes server_data = text_bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  harness::emulate::ServerScript script;
  script.speak_first = server_data;
  scenario.serve(script);
  cv::Message request;
  if (with_info) request.tlvs.emplace_back(cv::InfoTlv{});
  request.tlvs.emplace_back(scenario.connect_tlv());
  const auto encoded = cv::encode(request);
  if (!encoded) return CaseOutcome::error("could not encode the request");
  const std::string expected = fmt::format(
      "the client stream starts with the converter's Convert message (01 LL 22 63 ...), whose TLVs add up to "
      "exactly LL x 4 - 4 bytes, and the server's {} bytes start exactly at LL x 4 with nothing else after",
      server_data.size());
  scenario.connect(encoded.value());
  const Reply reply = scenario.await_reply(2s);
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  if (reply.error_tlv() != nullptr)
    return CaseOutcome::inconclusive(expected, reply.describe() + ": the connection was refused, nothing to relay");
  std::size_t tlv_bytes = 0;
  for (const auto& tlv : reply.message->message.tlvs) tlv_bytes += cv::encode_tlv(tlv).size();
  const std::size_t boundary = reply.message->size;
  if (cv::kHeaderSize + tlv_bytes != boundary)
    return CaseOutcome::violated(expected, fmt::format("Total Length says {} bytes but header and TLVs take {} "
                                                       "(CONV-011): {}",
                                                       boundary, cv::kHeaderSize + tlv_bytes, hex(reply.raw, 96)));
  const bool complete = scenario.await_client_bytes(boundary + server_data.size(), 2s);
  scenario.settle(100ms);  // anything more would come right behind
  const pg::ByteView stream(scenario.client().tcp().received());
  const pg::ByteView after = stream.subspan(std::min(boundary, stream.size()));
  if (!complete || !std::equal(after.begin(), after.end(), server_data.begin(), server_data.end()))
    return CaseOutcome::violated(expected, fmt::format("after the {}-byte Convert message the client stream holds {} "
                                                       "instead of exactly the server's bytes {}",
                                                       boundary, hex(after, 96), hex(server_data, 96)));
  return CaseOutcome::pass(expected, fmt::format("{}; the server's {} bytes follow at offset {}", reply.describe(),
                                                 server_data.size(), boundary));
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
  registry.add({
      .id = "syn-non-convert-payload-ignored",
      .requirements = {"CONV-005", "AMB-13", "AMB-01"},
      .section = "6",
      .level = Level::Should,
      .case_class = CaseClass::Inopportune,
      .tags = {"placement", "ignore"},
      .title = "Absent a policy, a SYN whose payload is not a Convert message (an HTTP request) is silently "
               "ignored.",
      .stimulus = "SYN carrying 'GET / HTTP/1.1\\r\\nHost: example\\r\\n\\r\\n' as payload.",
      .expectation = "No SYN toward any server, no RST, no byte to the client; --strict also forbids a SYN-ACK.",
      .accepted_outcomes = {"silence", "default profile: the stack's SYN-ACK, then FIN without data"},
      .negative = true,
      .run =
          [](CaseContext& context) {
            return ignored_without_convert(
                context, [](const Scenario&) { return text_bytes("GET / HTTP/1.1\r\nHost: example\r\n\r\n"); },
                "a SYN carrying an HTTP request");
          },
  });
  // The builder's other wrong-magic stimuli: the draft-era 0x0000 (AMB-35)
  // and the byte-swapped magic 0x6322.
  for (const auto& stimulus : cv::malformed::malformed_client_messages(80, cv::ipv4_mapped("198.51.100.10"))) {
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
        .expectation = "No SYN toward any server, no RST, no byte to the client; --strict also forbids a SYN-ACK.",
        .accepted_outcomes = {"silence", "default profile: the stack's SYN-ACK, then FIN without data"},
        .negative = true,
        .run =
            [label = stimulus.label](CaseContext& context) {
              const auto payload = [&label](const Scenario& scenario) {
                for (auto& candidate :
                     cv::malformed::malformed_client_messages(scenario.server_port(), scenario.server_in_connect()))
                  if (candidate.label == label) return candidate.bytes;
                return pg::Bytes{};
              };
              return ignored_without_convert(context, payload, "a SYN with " + label);
            },
    });
  }
  for (const bool with_info : {false, true}) {
    harness::CaseSpec spec{
        .id = with_info ? "placement-reply-first-info-connect" : "placement-reply-first-base-connect",
        .requirements = {"CONV-006", "CONV-011", "CONV-007"},
        .section = "6",
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = {"placement", "total-length", "relay", "legacy-server"},
        .title = "The converter's Convert message occupies the first bytes of the stream to the client, and its "
                 "Total Length marks exactly where the server's data begins.",
        .stimulus = std::string("SYN carrying ") + (with_info ? "an Info TLV and a Base Connect" : "a Base Connect") +
                    " without early data; the server sends 38 bytes as soon as its handshake completes.",
        .expectation = "The client stream is the Convert message (TLV lengths summing to Total Length x 4 - 4), "
                       "then exactly the server's 38 bytes.",
        .accepted_outcomes = {"reply in the SYN-ACK payload or in the first data segment",
                              "header-only reply (AMB-02)"},
    };
    if (with_info) spec.needs.push_back(harness::Feature::Info);
    spec.run = [with_info](CaseContext& context) { return reply_occupies_first_bytes(context, with_info); };
    registry.add(std::move(spec));
  }
}

}  // namespace convtest::cases
