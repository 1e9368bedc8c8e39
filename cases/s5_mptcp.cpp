// RFC 8803 section 5.1 (and RFC 8684): an MPTCP client using the converter.

#include <algorithm>

#include <fmt/format.h>

#include "catalog.hpp"
#include "harness/endpoint/tcp_client.hpp"
#include "packetgen/mptcp_crypto.hpp"
#include "packetgen/tcp_options.hpp"
#include "legacy/scenario.hpp"

namespace convtest::cases {
using namespace legacy;  // TRANSITIONAL
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


// Waits until the bytes of the MPTCP connection hold a complete Convert
// reply, or the subflow ended.
std::optional<cv::Decoded> await_mptcp_reply(Scenario& scenario, harness::MptcpClient& client,
                                             Clock::duration timeout) {
  const auto complete = [&] {
    return !std::holds_alternative<cv::NeedMore>(decode_reply(reply_bytes(client))) ||
           client.subflow().reset_received() || client.subflow().fin_received();
  };
  (void)harness::expect::wait_until(scenario.wire(), scenario.timing(), "a Convert reply over MPTCP", complete,
                                    [&] { return scenario.recent(); }, timeout);
  const auto decoded = decode_reply(reply_bytes(client));
  if (const auto* message = std::get_if<cv::Decoded>(&decoded)) return *message;
  return std::nullopt;
}

// "A converter offering MPTCP conversion MUST advertise kind 30" (7.5): an
// Info sent over an MPTCP connection the converter accepted as MPTCP is
// answered with a Supported TCP Extensions list containing 30.
CaseOutcome info_over_mptcp(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const std::string expected =
      "the converter's SYN-ACK carries MP_CAPABLE and its reply to Info + Connect carries a Supported TCP "
      "Extensions TLV listing kind 30";
  cv::Message info;
  info.tlvs.emplace_back(cv::InfoTlv{});
  info.tlvs.emplace_back(scenario.connect_tlv());
  auto encoded = cv::encode(info);
  auto& client = scenario.connect_mptcp(encoded ? std::move(encoded.value()) : pg::Bytes{});
  const auto reply = await_mptcp_reply(scenario, client, 2s);
  if (!client.synack_had_mp_capable())
    return CaseOutcome::inconclusive(expected, "the converter did not speak MPTCP on this connection (no "
                                               "MP_CAPABLE in its SYN-ACK): kind 30 is not required then");
  if (!reply)
    return CaseOutcome::violated(expected, fmt::format("no Convert reply to Info + Connect over MPTCP: {}\n{}",
                                                       hex(reply_bytes(client)), scenario.recent()));
  const auto* supported = reply->message.find<cv::SupportedTcpExtensionsTlv>();
  if (supported == nullptr)
    return CaseOutcome::violated(expected, "the reply to Info carries no Supported TCP Extensions TLV: " +
                                               hex(reply_bytes(client)));
  if (std::find(supported->kinds.begin(), supported->kinds.end(), std::uint8_t{30}) == supported->kinds.end())
    return CaseOutcome::violated(expected, fmt::format("MPTCP was spoken upstream but the Supported TCP Extensions "
                                                       "list [{}] has no kind 30",
                                                       fmt::join(supported->kinds, ", ")));
  return CaseOutcome::pass(expected, fmt::format("MP_CAPABLE in the SYN-ACK; Supported TCP Extensions [{}]",
                                                 fmt::join(supported->kinds, ", ")));
}

// Most MPTCP cases start from a converted MPTCP connection: why there is
// none, if so (the case is then INCONCLUSIVE).
std::optional<std::string> not_converted_over_mptcp(Scenario& scenario, harness::MptcpClient& client) {
  const auto reply = await_mptcp_reply(scenario, client, 2s);
  if (!client.synack_had_mp_capable() || !client.remote())
    return "the converter did not speak MPTCP on this connection";
  if (!reply || reply->message.find<cv::ErrorTlv>() != nullptr)
    return "the connection was not converted: " + hex(reply_bytes(client));
  return std::nullopt;
}

// "Info alone: no downstream connection is requested; the converter can reply
// right away" (6.2.3) -- and the reply must still reach an MPTCP client whose
// third ACK, the one carrying both keys, comes late. Linux keeps what an MPTCP
// socket is given before that ACK queued for good, so a converter that writes
// at once never delivers its reply.
CaseOutcome info_alone_mptcp_late_third_ack(CaseContext& context) {
  Scenario scenario(context);
  scenario.serve({});
  const auto delay = scenario.timing().scaled(300ms);
  const std::string expected = fmt::format(
      "the reply to Info (Supported TCP Extensions listing kind 30) and a DATA_FIN, although the client's third ACK comes "
      "{} ms after the SYN-ACK",
      std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
  cv::Message info;
  info.tlvs.emplace_back(cv::InfoTlv{});
  auto encoded = cv::encode(info);
  auto& client = scenario.connect_mptcp(encoded ? std::move(encoded.value()) : pg::Bytes{},
                                        harness::ThirdAck::delayed(delay));
  const auto reply = await_mptcp_reply(scenario, client, delay + 2s);
  if (!client.synack_had_mp_capable())
    return CaseOutcome::inconclusive(expected, "the converter did not speak MPTCP on this connection (no "
                                               "MP_CAPABLE in its SYN-ACK)");
  if (!reply)
    return CaseOutcome::violated(expected, fmt::format("no reply to Info within 2 s of the third ACK: the client "
                                                       "holds {}\n{}",
                                                       hex(reply_bytes(client)), scenario.recent()));
  const auto* supported = reply->message.find<cv::SupportedTcpExtensionsTlv>();
  if (supported == nullptr)
    return CaseOutcome::violated(expected, "the reply to Info carries no Supported TCP Extensions TLV: " +
                                               hex(reply_bytes(client)));
  const bool closed = harness::expect::wait_until(
                          scenario.wire(), scenario.timing(), "the converter's DATA_FIN or FIN",
                          [&] {
                            return client.data_fin_received() || client.subflow().fin_received() ||
                                   client.subflow().reset_received();
                          },
                          [&] { return scenario.recent(); }, 2s)
                          .met;
  if (!closed) return CaseOutcome::violated(expected, "the reply came but no DATA_FIN or FIN followed it");
  return CaseOutcome::pass(expected, fmt::format("Supported TCP Extensions [{}] after the late third ACK, then DATA_FIN",
                                                 fmt::join(supported->kinds, ", ")));
}

// AMB-14: "Additional-subflow SYNs to the converter's port carry no Convert
// payload and must not be silently ignored": a SYN with MP_JOIN naming the
// token of an established MPTCP connection gets a SYN-ACK with MP_JOIN whose
// HMAC proves the converter knows both keys; an RST (subflows refused) is
// tolerated; silence is what CONV-005 prescribes for non-Convert SYNs and is
// wrong here.
CaseOutcome mp_join_not_ignored(CaseContext& context) {
  Scenario scenario(context);
  scenario.serve({});
  const std::string expected =
      "a SYN with MP_JOIN (the converter's token, no payload) gets a SYN-ACK with MP_JOIN carrying the HMAC of "
      "both keys and nonces; an RST refusing the subflow is tolerated (WARN); silence is not";
  auto& client = scenario.connect_mptcp(scenario.base_connect());
  if (auto problem = not_converted_over_mptcp(scenario, client)) return CaseOutcome::inconclusive(expected, *problem);

  const auto remote_key = client.remote()->key;
  const auto nonce = static_cast<std::uint32_t>(scenario.random()());
  harness::TcpConfig config;
  const auto port = static_cast<std::uint16_t>(client.subflow().config().flow.local_port + 1);
  config.flow = harness::FlowKey{scenario.client_address(), port, scenario.put_address(), scenario.put_port()};
  config.side = harness::PathSide::ClientSide;
  config.isn = static_cast<std::uint32_t>(scenario.random()());
  config.third_ack = harness::ThirdAck::never();
  harness::TcpClient join(scenario.wire(), config);
  context.log(fmt::format("second subflow from port {}: SYN with MP_JOIN token {:08x} nonce {:08x}", port,
                          client.remote()->token, nonce));
  join.tcp().connect(pg::tcp::mptcp::mp_join_syn(client.remote()->token, nonce), {});
  (void)harness::expect::wait_until(
      scenario.wire(), scenario.timing(), "an answer to the MP_JOIN SYN",
      [&] { return join.tcp().peer_syn().has_value() || join.tcp().reset_received(); },
      [&] { return scenario.recent(); }, 2s);
  if (join.tcp().reset_received())
    return CaseOutcome::warn(expected, "the converter refused the additional subflow with an RST (allowed, but "
                                       "the client cannot add paths)");
  const auto& synack = join.tcp().peer_syn();
  if (!synack)
    return CaseOutcome::violated(expected, "no answer within 2 s: the MP_JOIN SYN was silently ignored\n" +
                                               scenario.recent());
  const auto options = pg::tcp::parse_options(synack->segment.options);
  const auto* option = options.find_mptcp(pg::tcp::mptcp::Subtype::MpJoin);
  const auto answer = option != nullptr ? pg::tcp::mp_join_synack(*option) : std::nullopt;
  if (!answer)
    return CaseOutcome::violated(expected, "the SYN-ACK carries no MP_JOIN of length 16: options " +
                                               hex(synack->segment.options));
  const auto wanted = pg::tcp::mptcp::mp_join_truncated_hmac(
      pg::tcp::mptcp::mp_join_hmac(remote_key, client.local().key, answer->nonce, nonce));
  if (answer->truncated_hmac != wanted)
    return CaseOutcome::violated(expected, fmt::format("the SYN-ACK's MP_JOIN HMAC is {:016x} instead of {:016x}",
                                                       answer->truncated_hmac, wanted));
  return CaseOutcome::pass(expected, fmt::format("SYN-ACK with MP_JOIN (address id {}, nonce {:08x}, HMAC {:016x})",
                                                 answer->address_id, answer->nonce, answer->truncated_hmac));
}

// "When the downstream connection is reset, the converter closes the MPTCP
// connection with MP_FASTCLOSE" (CONV-I18): a server RST in the middle of a
// relayed MPTCP connection reaches the client as MP_FASTCLOSE, not only as
// the reset of one subflow.
CaseOutcome mptcp_server_reset(CaseContext& context) {
  Scenario scenario(context);
  const pg::Bytes early{'r', 's', 't', '-', 'n', 'e', 'x', 't'};
  harness::emulate::ServerScript script;
  script.rst_after_bytes = early.size();
  scenario.serve(script);
  const std::string expected =
      "after the server resets the relayed connection, the converter closes the client's MPTCP connection with "
      "MP_FASTCLOSE";
  auto& client = scenario.connect_mptcp(scenario.base_connect(early));
  if (auto problem = not_converted_over_mptcp(scenario, client)) return CaseOutcome::inconclusive(expected, *problem);
  const auto fastclose = static_cast<std::uint8_t>(pg::tcp::mptcp::Subtype::MpFastclose);
  const auto saw_fastclose = [&] {
    const auto& seen = client.subtypes_seen();
    return std::find(seen.begin(), seen.end(), fastclose) != seen.end();
  };
  (void)harness::expect::wait_until(
      scenario.wire(), scenario.timing(), "MP_FASTCLOSE or a reset from the converter",
      [&] { return saw_fastclose() || client.subflow().reset_received(); }, [&] { return scenario.recent(); }, 2s);
  if (saw_fastclose()) return CaseOutcome::pass(expected, "MP_FASTCLOSE after the server's RST");
  if (client.subflow().reset_received())
    return CaseOutcome::violated(expected, "the subflow was reset without MP_FASTCLOSE: the MPTCP connection "
                                           "is not closed as a whole\n" + scenario.recent());
  return CaseOutcome::violated(expected, "nothing reached the client after the server's RST\n" + scenario.recent());
}

// "A DATA_FIN from the client becomes a FIN toward the server" (CONV-I18).
CaseOutcome mptcp_data_fin(CaseContext& context) {
  Scenario scenario(context);
  scenario.serve({});
  const pg::Bytes early{'f', 'i', 'n', '-', 'n', 'e', 'x', 't'};
  const std::string expected =
      "the client's DATA_FIN (with its subflow FIN) after the reply makes the converter send a FIN to the server, "
      "after the early data";
  auto& client = scenario.connect_mptcp(scenario.base_connect(early));
  if (auto problem = not_converted_over_mptcp(scenario, client)) return CaseOutcome::inconclusive(expected, *problem);
  client.close();
  const bool fin = harness::expect::wait_until(
                       scenario.wire(), scenario.timing(), "a FIN at the server",
                       [&] { return scenario.server().any_fin_received() || scenario.server().any_reset_received(); },
                       [&] { return scenario.recent(); }, 2s)
                       .met;
  if (!fin || !scenario.server().any_fin_received())
    return CaseOutcome::violated(expected, fmt::format("after the DATA_FIN the server saw {}\n{}",
                                                       scenario.server().any_reset_received() ? "an RST" : "nothing",
                                                       scenario.recent()));
  if (scenario.server().received() != early)
    return CaseOutcome::violated(expected, fmt::format("the server got {} before the FIN instead of {}",
                                                       hex(scenario.server().received()), hex(early)));
  return CaseOutcome::pass(expected, "FIN at the server after the early data");
}

// "A SYN/ACK MUST NOT carry MP_CAPABLE if the SYN did not" (RFC 8684 3.1):
// a plain TCP client of an MPTCP-capable converter gets a plain SYN-ACK and
// a working Convert exchange.
CaseOutcome plain_tcp_client(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes early{'p', 'l', 'a', 'i', 'n'};
  const std::string expected =
      "no MPTCP option in the converter's SYN-ACK to a plain TCP client; a reply without Error TLV; the early data "
      "at the server";
  scenario.connect(scenario.base_connect(early));
  const Reply reply = scenario.await_reply(2s);
  const auto& synack = scenario.client().tcp().peer_syn();
  if (!synack) return CaseOutcome::violated(expected, "no SYN-ACK came back\n" + scenario.recent());
  const auto options = pg::tcp::parse_options(synack->segment.options);
  if (options.find(pg::tcp::kind::Mptcp) != nullptr)
    return CaseOutcome::violated(expected, "the SYN-ACK to a SYN without MP_CAPABLE carries an MPTCP option: " +
                                               hex(synack->segment.options));
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  // Keyword-free behaviour (CONV-I04): WARN, or FAIL under --strict.
  if (!scenario.await_server_bytes(early.size(), 2s) || scenario.server().received() != early)
    return CaseOutcome::warn(expected, fmt::format("the server received {} instead of {}",
                                                   hex(scenario.server().received()), hex(early)));
  return CaseOutcome::pass(expected, "plain SYN-ACK (" + hex(synack->segment.options) + "); " + reply.describe());
}

// "SYN data is outside the data-sequence space; the first DSN after the SYN
// is IDSN + 1" (RFC 8684 App. B.2): data the client maps at IDSN + 1 after
// the handshake is DATA_ACKed and reaches the server right after the early
// data, with nothing of the Convert message in between.
CaseOutcome convert_outside_dsn(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes early{'e', 'a', 'r', 'l', 'y', '-'};
  const pg::Bytes later{'m', 'a', 'p', 'p', 'e', 'd', '-', 'a', 't', '-', 'i', 'd', 's', 'n', '+', '1'};
  const std::string expected =
      "data the client maps at DSN = IDSN + 1 (the SYN payload outside DSN space) is DATA_ACKed up to its end, and "
      "the server receives the early data followed by it, without any Convert byte";
  auto& client = scenario.connect_mptcp(scenario.base_connect(early));
  const auto reply = await_mptcp_reply(scenario, client, 2s);
  if (!client.synack_had_mp_capable())
    return CaseOutcome::inconclusive(expected, "the converter did not speak MPTCP on this connection");
  if (!reply || reply->message.find<cv::ErrorTlv>() != nullptr)
    return CaseOutcome::violated(expected, fmt::format("no successful Convert reply over MPTCP: {}\n{}",
                                                       hex(reply_bytes(client)), scenario.recent()));
  const std::uint64_t first_dsn = client.next_local_dsn();
  client.send(later);
  const std::uint64_t end_dsn = client.next_local_dsn();
  pg::Bytes wanted = early;
  pg::put_bytes(wanted, later);
  const bool delivered = scenario.await_server_bytes(wanted.size(), 2s);
  (void)harness::expect::wait_until(
      scenario.wire(), scenario.timing(), "a DATA_ACK for the mapped data",
      [&] { return client.peer_data_ack() && *client.peer_data_ack() >= end_dsn; }, [&] { return scenario.recent(); },
      1s);
  if (!delivered || scenario.server().received() != wanted)
    return CaseOutcome::violated(expected, fmt::format("the server received {} instead of {}",
                                                       hex(scenario.server().received()), hex(wanted)));
  const auto data_ack = client.peer_data_ack();
  if (!data_ack || *data_ack != end_dsn)
    return CaseOutcome::violated(expected, fmt::format("the converter's DATA_ACK is {} instead of {} (IDSN + 1 + {} "
                                                       "bytes mapped from DSN {})",
                                                       data_ack ? std::to_string(*data_ack) : "none", end_dsn,
                                                       later.size(), first_dsn));
  return CaseOutcome::pass(expected, fmt::format("DATA_ACK {} covers the {} bytes mapped from IDSN + 1; the server "
                                                 "got early and later data in order",
                                                 *data_ack, later.size()));
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
  registry.add({
      .id = "mptcp-info-lists-kind-30",
      .requirements = {"CONV-057", "CONV-I09"},
      .section = "7.5",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "info"},
      .needs = {Feature::Mptcp, Feature::Info},
      .title = "A converter that offers MPTCP conversion advertises kind 30 in its Supported TCP Extensions.",
      .stimulus = "SYN with MP_CAPABLE carrying a Convert message with an Info TLV and a Base Connect; the server "
                  "accepts.",
      .expectation = "The converter's SYN-ACK carries MP_CAPABLE; its reply holds a Supported TCP Extensions TLV "
                     "listing kind 30.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or the first data segment"},
      .run = info_over_mptcp,
  });
  registry.add({
      .id = "mptcp-info-alone-late-third-ack",
      .requirements = {"CONV-I09", "CONV-057"},
      .section = "6.2.3",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "info", "timing"},
      .needs = {Feature::Mptcp, Feature::Info},
      .title = "An Info alone from an MPTCP client is answered even when the client's third ACK comes late.",
      .stimulus = "SYN with MP_CAPABLE carrying a Convert message with only an Info TLV; the client sends its third "
                  "ACK (MP_CAPABLE with both keys) 300 ms after the SYN-ACK.",
      .expectation = "The converter's reply with a Supported TCP Extensions TLV reaches the client, then a DATA_FIN "
                     "(the MPTCP connection's end; the subflow FIN may follow later).",
      .accepted_outcomes = {"reply in the SYN-ACK payload or after the third ACK"},
      .run = info_alone_mptcp_late_third_ack,
  });
  registry.add({
      .id = "mptcp-join-syn-not-ignored",
      .requirements = {"AMB-14", "CONV-005"},
      .section = "5.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "mp-join"},
      .needs = {Feature::Mptcp},
      .title = "A SYN with MP_JOIN for an established MPTCP connection carries no Convert message and is not "
               "silently ignored: the converter answers it as an MPTCP subflow.",
      .stimulus = "An MPTCP connection with a Base Connect is established; then a SYN from another port with "
                  "MP_JOIN naming the converter's token and a random nonce, without payload.",
      .expectation = "A SYN-ACK with MP_JOIN (length 16) whose truncated HMAC is HMAC-SHA256(key converter || key "
                     "client, nonce converter || nonce client).",
      .accepted_outcomes = {"SYN-ACK with MP_JOIN (PASS)", "RST: the subflow refused (WARN)"},
      .run = mp_join_not_ignored,
  });
  registry.add({
      .id = "mptcp-server-reset-fastclose",
      .requirements = {"CONV-I18"},
      .section = "5.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "teardown", "rst", "legacy-server"},
      .needs = {Feature::Mptcp},
      .title = "A reset of the downstream connection closes the client's MPTCP connection with MP_FASTCLOSE.",
      .stimulus = "MPTCP SYN with a Base Connect and 8 bytes of early data; the server resets its connection once "
                  "it received them.",
      .expectation = "The client receives MP_FASTCLOSE (in an ACK or an RST) from the converter.",
      .accepted_outcomes = {"MP_FASTCLOSE on the subflow, with or without an RST"},
      .run = mptcp_server_reset,
  });
  registry.add({
      .id = "mptcp-data-fin-becomes-fin",
      .requirements = {"CONV-I18"},
      .section = "5.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "teardown", "fin", "half-close"},
      .needs = {Feature::Mptcp},
      .title = "A DATA_FIN from the MPTCP client is passed on as a FIN to the server.",
      .stimulus = "MPTCP SYN with a Base Connect and 8 bytes of early data; after the reply the client sends "
                  "DATA_FIN with its subflow FIN.",
      .expectation = "The server receives the 8 early bytes, then a FIN (no RST).",
      .accepted_outcomes = {"FIN at the server, the converter's side staying open for the server's bytes"},
      .run = mptcp_data_fin,
  });
  registry.add({
      .id = "mptcp-plain-client-no-mp-capable",
      .requirements = {"REF-08", "CONV-I11"},
      .section = "5.1",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "fallback"},
      .title = "A converter never answers a plain TCP SYN with MP_CAPABLE; a plain TCP client is converted as "
               "usual.",
      .stimulus = "SYN without any MPTCP option carrying a Base Connect and 5 bytes of early data.",
      .expectation = "The SYN-ACK has no option of kind 30; the reply has no Error TLV; the server receives the 5 "
                     "early bytes.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .run = plain_tcp_client,
  });
  registry.add({
      .id = "mptcp-convert-outside-dsn-space",
      .requirements = {"REF-10", "CONV-I04", "AMB-29"},
      .section = "5.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "early-data", "relay"},
      .needs = {Feature::Mptcp},
      .title = "The Convert message in an MPTCP SYN is outside the data-sequence space: data mapped at IDSN + 1 "
               "after the handshake follows the early data.",
      .stimulus = "MPTCP SYN with a Base Connect and 6 bytes of early data; after the reply the client sends 16 "
                  "bytes mapped at DSN = IDSN + 1.",
      .expectation = "The converter DATA_ACKs up to IDSN + 1 + 16; the server receives the 6 early bytes then the "
                     "16 bytes, nothing else.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or the first data segment"},
      .run = convert_outside_dsn,
  });
}

}  // namespace convtest::cases
