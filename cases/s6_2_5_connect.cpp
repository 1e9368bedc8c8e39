// RFC 8803 section 6.2.5: the Connect TLV.

#include <fmt/format.h>

#include "catalog.hpp"
#include "scenario.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;

pg::Bytes text_bytes(std::string_view text) { return pg::Bytes(text.begin(), text.end()); }

// "A Base Connect makes the converter open the connection to the server
// named in the TLV, answer with a Convert message, relay the early data and
// then the server's bytes, with nothing of the Convert message leaking."
CaseOutcome base_connect_with_early_data(CaseContext& context, Family family) {
  Scenario scenario(context, family);
  const pg::Bytes early = text_bytes("GET / HTTP/1.0\r\n\r\n");
  const pg::Bytes server_data = text_bytes("HTTP/1.0 200 OK\r\n\r\nhello from the legacy server");
  harness::emulate::ServerScript script;
  script.speak_first = server_data;
  scenario.serve(script);
  const std::string expected = fmt::format(
      "a SYN to {}.{}, then a Convert reply (version 1, magic 0x2263, no Error TLV) as the first bytes to the client, "
      "the {} early-data bytes at the server exactly once, and the server's bytes right after the reply",
      scenario.server_address().to_string(), scenario.server_port(), early.size());
  scenario.connect(scenario.base_connect(early));

  const Reply reply = scenario.await_reply(2s);
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  if (reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, reply.describe() + " although the server accepted the connection");
  if (scenario.server().syn_count() == 0)
    return CaseOutcome::violated(expected, "a Convert reply but no SYN ever reached the server");

  const std::size_t reply_size = reply.message->size;
  if (!scenario.await_client_bytes(reply_size + server_data.size(), 2s))
    return CaseOutcome::violated(expected, fmt::format("the server's {} bytes did not follow the Convert reply: "
                                                       "the client stream holds {}",
                                                       server_data.size(), hex(scenario.client().tcp().received())));
  const auto& stream = scenario.client().tcp().received();
  const pg::ByteView after_reply = pg::ByteView(stream).subspan(reply_size);
  if (!std::equal(server_data.begin(), server_data.end(), after_reply.begin()))
    return CaseOutcome::violated(expected, fmt::format("after the {}-byte Convert reply (Total Length x 4) the client "
                                                       "stream holds {} instead of the server's bytes {}",
                                                       reply_size, hex(after_reply), hex(server_data)));

  // Keyword-free behaviour (section 4.3, App. A.2): WARN, or FAIL under --strict.
  if (scenario.client().tcp().syn_payload_acked() == false)
    return CaseOutcome::warn(expected, "the PUT's SYN-ACK did not acknowledge the SYN payload (CONV-I20): "
                                       "a client must then stop using this converter (section 8)");
  const bool delivered = scenario.await_server_bytes(early.size(), 2s);
  scenario.settle(100ms);  // a duplicate would arrive right behind
  const pg::Bytes at_server = scenario.server().received();
  if (!delivered || at_server != early)
    return CaseOutcome::warn(expected, fmt::format("the server received {} instead of exactly the early data {} "
                                                   "(CONV-I04: the Convert message must be stripped, data relayed once)",
                                                   hex(at_server), hex(early)));
  return CaseOutcome::pass(expected, fmt::format("{}; the server got the {} early bytes once and the client the "
                                                 "server's bytes right after the reply",
                                                 reply.describe(), early.size()));
}

// "The Remote Peer IP Address MUST NOT be a host loopback address; the
// converter answers with a Malformed Message error and closes."
CaseOutcome loopback_destination(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes message = cv::MessageBuilder()
                                .add(cv::raw_connect(scenario.server_port(), cv::ipv4_mapped("127.0.0.1")))
                                .build();
  const std::string expected =
      "Error 1 (Malformed Message) echoing the Connect TLV, then a close; no connection to 127.0.0.1";
  scenario.connect(message);
  const Reply reply = scenario.await_reply(2s);
  return expect_error_reply(scenario, reply, cv::ErrorCode::MalformedMessage, expected, message);
}

}  // namespace

void register_s6_2_5_connect(harness::Registry& registry) {
  const auto base = [](std::string id, Family family) {
    const bool v6 = family == Family::V6;
    harness::CaseSpec spec{
        .id = std::move(id),
        .requirements = {"CONV-I11", "CONV-007", "CONV-010", "CONV-006", "CONV-011", "CONV-I04", "CONV-I20"},
        .section = "6.2.5",
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = {v6 ? "ipv6" : "ipv4", "connect", "early-data", "relay"},
        .needs = {},
        .title = "A Base Connect is proxied: the converter connects to the server named in the TLV, replies "
                 "with a Convert message first, strips it from what it relays and relays the early data.",
        .stimulus = std::string("SYN to the converter carrying a Base Connect to the server ") +
                    (v6 ? "[2001:db8:2::a]:80" : "198.51.100.10:80") +
                    " followed by 18 bytes of early data; the server accepts (SYN-ACK with MSS) and sends 46 bytes "
                    "first.",
        .expectation = "A SYN reaches the server; the client stream starts with a valid v1 Convert message without "
                       "Error TLV, followed exactly by the server's bytes; the SYN payload is acknowledged; the "
                       "server receives exactly the early data, once.",
        .accepted_outcomes = {"reply in the SYN-ACK payload or in the first data segment",
                              "header-only reply or header + Extended TCP Header (AMB-02)"},
    };
    if (v6) spec.needs.push_back(Feature::Ipv6);
    spec.run = [family](CaseContext& context) { return base_connect_with_early_data(context, family); };
    return spec;
  };
  registry.add(base("connect-base-ipv4-early-data", Family::V4));
  registry.add(base("connect-base-ipv6-early-data", Family::V6));

  registry.add({
      .id = "connect-loopback-v4-mapped",
      .requirements = {"CONV-021", "CONV-037", "CONV-017"},
      .section = "6.2.5",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"ipv4", "connect", "address", "error"},
      .title = "A Connect TLV naming a host loopback address is answered with Malformed Message, then the "
               "connection is closed.",
      .stimulus = "SYN carrying a Base Connect to ::ffff:127.0.0.1 port 80.",
      .expectation = "Error TLV code 1 echoing the Connect TLV on a 32-bit boundary, a FIN (no RST before the "
                     "client acknowledged the error), and no SYN toward any server.",
      .accepted_outcomes = {"Error 1 in the SYN-ACK payload or in a later segment, then FIN"},
      .negative = true,
      .run = loopback_destination,
  });
}

}  // namespace convtest::cases
