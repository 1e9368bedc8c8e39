// RFC 8803 section 5.1 (and RFC 8684): an MPTCP client using the converter.

#include <fmt/format.h>

#include "catalog.hpp"
#include "scenario.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;

cv::DecodeOutcome decode_reply(pg::ByteView bytes) {
  cv::DecodeOptions options;
  options.direction = cv::Direction::ConverterToClient;
  return cv::decode(bytes, options);
}

pg::Bytes reply_bytes(const harness::MptcpClient& client) {
  pg::Bytes bytes(client.synack_payload().begin(), client.synack_payload().end());
  pg::put_bytes(bytes, client.data_received());
  return bytes;
}

// "An MPTCP client's SYN carries MP_CAPABLE and the Convert message; the
// converter speaks MPTCP upstream, replies, and relays the early data over
// plain TCP to the legacy server." AMB-29: the reply SHOULD be mapped at
// DSN = IDSN + 1, outside the SYN.
CaseOutcome mptcp_base_connect(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes early{'m', 'p', 't', 'c', 'p', '-', 'e', 'a', 'r', 'l', 'y'};
  const std::string expected =
      "the converter's SYN-ACK carries its MP_CAPABLE; a Convert reply without Error TLV comes back, mapped at "
      "DSN = IDSN + 1 (AMB-29); the server receives the early data over plain TCP";
  auto& client = scenario.connect_mptcp(scenario.base_connect(early));
  const auto complete = [&] {
    return !std::holds_alternative<cv::NeedMore>(decode_reply(reply_bytes(client))) ||
           client.subflow().reset_received() || client.subflow().fin_received();
  };
  (void)harness::expect::wait_until(scenario.wire(), scenario.timing(), "a Convert reply over MPTCP", complete,
                                    [&] { return scenario.recent(); }, 3s);
  if (!client.synack_had_mp_capable())
    return CaseOutcome::violated(expected, "the converter's SYN-ACK had no MP_CAPABLE although it declares MPTCP: " +
                                               (client.fallen_back() ? client.fallback_reason() : std::string("no SYN-ACK")) +
                                               "\n" + scenario.recent());
  const pg::Bytes bytes = reply_bytes(client);
  const auto decoded = decode_reply(bytes);
  const auto* message = std::get_if<cv::Decoded>(&decoded);
  if (message == nullptr || message->message.find<cv::ErrorTlv>() != nullptr)
    return CaseOutcome::violated(expected, fmt::format("no successful Convert reply over MPTCP: {}\n{}", hex(bytes),
                                                       scenario.recent()));
  // Keyword-free behaviour (CONV-I04): WARN, or FAIL under --strict.
  if (!scenario.await_server_bytes(early.size(), 2s) || scenario.server().received() != early)
    return CaseOutcome::warn(expected, fmt::format("the server received {} instead of the early data {}",
                                                       hex(scenario.server().received()), hex(early)));
  if (!client.synack_payload().empty())
    return CaseOutcome::warn(expected, "the Convert reply rode in the MPTCP SYN-ACK payload, which has no DSS "
                                       "mapping (AMB-29: interoperability risk)");
  const auto mapping = client.first_data_mapping();
  const auto wanted = client.expected_first_remote_dsn();
  if (!mapping || !mapping->dsn || !wanted || *mapping->dsn != *wanted)
    return CaseOutcome::warn(expected, fmt::format("the reply's DSS mapping starts at DSN {} instead of IDSN + 1 = {}",
                                                   mapping && mapping->dsn ? std::to_string(*mapping->dsn) : "none",
                                                   wanted ? std::to_string(*wanted) : "?"));
  return CaseOutcome::pass(expected, fmt::format("MPTCP upstream; reply of {} bytes mapped at DSN {}; early data "
                                                 "relayed",
                                                 message->size, *mapping->dsn));
}

}  // namespace

void register_s5_mptcp(harness::Registry& registry) {
  registry.add({
      .id = "mptcp-client-base-connect",
      .requirements = {"CONV-007", "CONV-I11", "AMB-29", "REF-10"},
      .section = "5.1",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "connect", "early-data"},
      .needs = {Feature::Mptcp},
      .title = "An MPTCP client reaches a legacy TCP server through the converter: MP_CAPABLE upstream, the "
               "Convert message outside the data-sequence space, plain TCP downstream.",
      .stimulus = "SYN with MP_CAPABLE (v1, flag H), a Base Connect and 11 bytes of early data; the server is a "
                  "plain TCP server (SYN-ACK with MSS only).",
      .expectation = "The converter's SYN-ACK carries MP_CAPABLE; its Convert reply has no Error TLV and is "
                     "mapped at DSN = IDSN + 1; the server receives exactly the early data.",
      .accepted_outcomes = {"reply in the first DSS-mapped data segment (PASS)",
                            "reply in the SYN-ACK payload (WARN, AMB-29)"},
      .run = mptcp_base_connect,
  });
}

}  // namespace convtest::cases
