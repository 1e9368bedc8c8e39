// RFC 8803 section 5.1 (and RFC 8684): an MPTCP client using the converter.

#include <fmt/format.h>

#include <algorithm>

#include "catalog.hpp"
#include "kit/judge.hpp"
#include "packetgen/mptcp_crypto.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;
namespace mptcp = pg::tcp::mptcp;

constexpr std::uint8_t kMptcpKind = pg::tcp::kind::Mptcp;
constexpr std::string_view kBaseConnectData = "mptcp-early";
constexpr auto kLateThirdAck = 300ms;
constexpr std::string_view kResetData = "rst-next";
constexpr std::string_view kDataFinData = "fin-next";
constexpr std::string_view kPlainData = "plain";
constexpr std::string_view kEarlyData = "early-";
constexpr std::string_view kMappedData = "mapped-at-idsn+1";
constexpr std::uint8_t kMpJoinSynAckLength = 16;

bool lists_mptcp(const cv::SupportedTcpExtensionsTlv& supported) {
  return std::find(supported.kinds.begin(), supported.kinds.end(), kMptcpKind) != supported.kinds.end();
}

std::string dsn_text(const std::optional<std::uint64_t>& dsn, std::string_view missing) {
  return dsn ? std::to_string(*dsn) : std::string(missing);
}

}  // namespace

void register_s5_mptcp(harness::Registry& registry) {
  // AMB-29: the reply SHOULD be mapped at DSN = IDSN + 1, outside the SYN.
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
      .stimulus = fmt::format("SYN with MP_CAPABLE (v1, flag H), a Base Connect and {} bytes of early data; the "
                              "server is a plain TCP server (SYN-ACK with MSS only).",
                              kBaseConnectData.size()),
      .expectation = "The converter's SYN-ACK carries MP_CAPABLE; its Convert reply has no Error TLV and is "
                     "mapped at DSN = IDSN + 1; the server receives exactly the early data.",
      .accepted_outcomes = {"reply in the first DSS-mapped data segment (PASS)",
                            "reply in the SYN-ACK payload (WARN, AMB-29)"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            const pg::Bytes early = text_bytes(kBaseConnectData);
            Scenario scenario(context);
            scenario.serve();
            auto& client = scenario.connect(scenario.base_connect(early), {.transport = Transport::Mptcp});
            const Reply reply = client.await_reply(3s);
            const auto& connection = client.mptcp();
            if (!connection.synack_had_mp_capable())
              return CaseOutcome::violated(
                  "the converter's SYN-ACK had no MP_CAPABLE although it declares MPTCP: " +
                  (connection.fallen_back() ? connection.fallback_reason() : std::string("no SYN-ACK")) + "\n" +
                  client.recent());
            if (auto failed = verify_success(client, reply)) return *failed;
            // Keyword-free behaviour (CONV-I04): WARN, or FAIL under --strict.
            if (auto failed = verify_server_received(scenario, early)) return CaseOutcome::warn(failed->observed);
            if (!connection.synack_payload().empty())
              return CaseOutcome::warn(
                  "the Convert reply rode in the MPTCP SYN-ACK payload, which has no DSS "
                  "mapping (AMB-29: interoperability risk)");
            const auto mapping = connection.first_data_mapping();
            const auto wanted = connection.expected_first_remote_dsn();
            if (!mapping || !mapping->dsn || !wanted || *mapping->dsn != *wanted)
              return CaseOutcome::warn(fmt::format("the reply's DSS mapping starts at DSN {} instead of IDSN + 1 = {}",
                                                   dsn_text(mapping ? mapping->dsn : std::nullopt, "none"),
                                                   dsn_text(wanted, "?")));
            return CaseOutcome::pass(
                fmt::format("MPTCP upstream; reply of {} bytes mapped at DSN {}; early data "
                            "relayed",
                            reply.message->size, *mapping->dsn));
          },
  });

  // "A converter offering MPTCP conversion MUST advertise kind 30" (7.5).
  registry.add({
      .id = "mptcp-info-lists-kind-30",
      .requirements = {"CONV-057", "CONV-I09"},
      .section = "7.5",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "info"},
      .needs = {Feature::Mptcp, Feature::Info},
      .title = fmt::format("A converter that offers MPTCP conversion advertises kind {} in its Supported TCP "
                           "Extensions.",
                           kMptcpKind),
      .stimulus = "SYN with MP_CAPABLE carrying a Convert message with an Info TLV and a Base Connect; the server "
                  "accepts.",
      .expectation = fmt::format("The converter's SYN-ACK carries MP_CAPABLE; its reply holds a Supported TCP "
                                 "Extensions TLV listing kind {}.",
                                 kMptcpKind),
      .accepted_outcomes = {"reply in the SYN-ACK payload or the first data segment"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            auto& client = scenario.connect(scenario.message({cv::InfoTlv{}, scenario.connect_tlv()}),
                                            {.transport = Transport::Mptcp});
            const Reply reply = client.await_reply(2s);
            if (!client.mptcp().synack_had_mp_capable())
              return CaseOutcome::inconclusive(
                  fmt::format("the converter did not speak MPTCP on this connection "
                              "(no MP_CAPABLE in its SYN-ACK): kind {} is not required "
                              "then",
                              kMptcpKind));
            if (!reply.ok())
              return CaseOutcome::violated("no Convert reply to Info + Connect over MPTCP: " + reply.describe() + "\n" +
                                           client.recent());
            const auto* supported = reply.find<cv::SupportedTcpExtensionsTlv>();
            if (supported == nullptr)
              return CaseOutcome::violated("the reply to Info carries no Supported TCP Extensions TLV: " +
                                           reply.describe());
            if (!lists_mptcp(*supported))
              return CaseOutcome::violated(
                  fmt::format("MPTCP was spoken upstream but the Supported TCP Extensions "
                              "list [{}] has no kind {}",
                              fmt::join(supported->kinds, ", "), kMptcpKind));
            return CaseOutcome::pass(fmt::format("MP_CAPABLE in the SYN-ACK; Supported TCP Extensions [{}]",
                                                 fmt::join(supported->kinds, ", ")));
          },
  });

  // Linux keeps what an MPTCP socket is given before the third ACK (the one
  // carrying both keys) queued for good, so a converter that writes its
  // reply to Info at once never delivers it to a client whose ACK is late.
  registry.add({
      .id = "mptcp-info-alone-late-third-ack",
      .requirements = {"CONV-I09", "CONV-057"},
      .section = "6.2.3",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "info", "timing"},
      .needs = {Feature::Mptcp, Feature::Info},
      .title = "An Info alone from an MPTCP client is answered even when the client's third ACK comes late.",
      .stimulus = fmt::format("SYN with MP_CAPABLE carrying a Convert message with only an Info TLV; the client "
                              "sends its third ACK (MP_CAPABLE with both keys) {} ms after the SYN-ACK.",
                              kLateThirdAck.count()),
      .expectation = "The converter's reply with a Supported TCP Extensions TLV reaches the client, then a DATA_FIN "
                     "(the MPTCP connection's end; the subflow FIN may follow later).",
      .accepted_outcomes = {"reply in the SYN-ACK payload or after the third ACK"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            auto& client =
                scenario.connect(scenario.message({cv::InfoTlv{}}),
                                 {.transport = Transport::Mptcp,
                                  .third_ack = harness::ThirdAck::delayed(scenario.timing().scaled(kLateThirdAck))});
            const Reply reply = client.await_reply(kLateThirdAck + 2s);
            if (!client.mptcp().synack_had_mp_capable())
              return CaseOutcome::inconclusive(
                  "the converter did not speak MPTCP on this connection (no "
                  "MP_CAPABLE in its SYN-ACK)");
            if (!reply.ok())
              return CaseOutcome::violated("no reply to Info within 2 s of the third ACK: " + reply.describe() + "\n" +
                                           client.recent());
            const auto* supported = reply.find<cv::SupportedTcpExtensionsTlv>();
            if (supported == nullptr)
              return CaseOutcome::violated("the reply to Info carries no Supported TCP Extensions TLV: " +
                                           reply.describe());
            if (auto closed = client.await_close(2s); !closed)
              return CaseOutcome::violated("the reply came but no DATA_FIN or FIN followed it: " + closed.observed);
            return CaseOutcome::pass(
                fmt::format("Supported TCP Extensions [{}] after the late third ACK, then "
                            "DATA_FIN",
                            fmt::join(supported->kinds, ", ")));
          },
  });

  // AMB-14: silence is what CONV-005 prescribes for non-Convert SYNs and is
  // wrong for an additional subflow of a connection the converter knows.
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
      .expectation = fmt::format("A SYN-ACK with MP_JOIN (length {}) whose truncated HMAC is HMAC-SHA256(key "
                                 "converter || key client, nonce converter || nonce client).",
                                 kMpJoinSynAckLength),
      .accepted_outcomes = {"SYN-ACK with MP_JOIN (PASS)", "RST: the subflow refused (WARN)"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            auto& client = scenario.connect(scenario.base_connect(), {.transport = Transport::Mptcp});
            if (auto unconverted = verify_converted_over_mptcp(client)) return *unconverted;
            const auto& connection = client.mptcp();
            const auto nonce = static_cast<std::uint32_t>(scenario.random()());
            scenario.log(fmt::format("second subflow: SYN with MP_JOIN token {:08x} nonce {:08x}",
                                     connection.remote()->token, nonce));
            auto& join = scenario.connect({}, {.port = static_cast<std::uint16_t>(client.port() + 1),
                                               .syn_options = mptcp::mp_join_syn(connection.remote()->token, nonce),
                                               .third_ack = harness::ThirdAck::never()});
            const auto answered = scenario.await(
                "an answer to the MP_JOIN SYN",
                [&] { return join.tcp().peer_syn().has_value() || join.tcp().reset_received(); }, 2s);
            if (join.tcp().reset_received())
              return CaseOutcome::warn(
                  "the converter refused the additional subflow with an RST (allowed, but "
                  "the client cannot add paths)");
            if (!answered)
              return CaseOutcome::violated("no answer within 2 s: the MP_JOIN SYN was silently ignored\n" +
                                           answered.observed);
            const auto& synack = *join.tcp().peer_syn();
            const auto options = pg::tcp::parse_options(synack.segment.options);
            const auto* option = options.find_mptcp(mptcp::Subtype::MpJoin);
            const auto answer = option != nullptr ? pg::tcp::mp_join_synack(*option) : std::nullopt;
            if (!answer)
              return CaseOutcome::violated(fmt::format("the SYN-ACK carries no MP_JOIN of length {}: options {}",
                                                       kMpJoinSynAckLength, hex(synack.segment.options)));
            const auto wanted = mptcp::mp_join_truncated_hmac(
                mptcp::mp_join_hmac(connection.remote()->key, connection.local().key, answer->nonce, nonce));
            if (answer->truncated_hmac != wanted)
              return CaseOutcome::violated(fmt::format("the SYN-ACK's MP_JOIN HMAC is {:016x} instead of {:016x}",
                                                       answer->truncated_hmac, wanted));
            return CaseOutcome::pass(fmt::format("SYN-ACK with MP_JOIN (address id {}, nonce {:08x}, HMAC {:016x})",
                                                 answer->address_id, answer->nonce, answer->truncated_hmac));
          },
  });

  // CONV-I18: the MPTCP connection is closed as a whole, not only the
  // subflow that happened to carry it.
  registry.add({
      .id = "mptcp-server-reset-fastclose",
      .requirements = {"CONV-I18"},
      .section = "5.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "teardown", "rst", "legacy-server"},
      .needs = {Feature::Mptcp},
      .title = "A reset of the downstream connection closes the client's MPTCP connection with MP_FASTCLOSE.",
      .stimulus = fmt::format("MPTCP SYN with a Base Connect and {} bytes of early data; the server resets its "
                              "connection once it received them.",
                              kResetData.size()),
      .expectation = "The client receives MP_FASTCLOSE (in an ACK or an RST) from the converter.",
      .accepted_outcomes = {"MP_FASTCLOSE on the subflow, with or without an RST"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            const pg::Bytes early = text_bytes(kResetData);
            Scenario scenario(context);
            scenario.serve({.rst_after_bytes = early.size()});
            auto& client = scenario.connect(scenario.base_connect(early), {.transport = Transport::Mptcp});
            if (auto unconverted = verify_converted_over_mptcp(client)) return *unconverted;
            const auto closed = scenario.await(
                "MP_FASTCLOSE or a reset from the converter",
                [&] { return client.mptcp().fastclose_received() || client.tcp().reset_received(); }, 2s);
            if (!closed)
              return CaseOutcome::violated("nothing reached the client after the server's RST\n" + closed.observed);
            if (!client.mptcp().fastclose_received())
              return CaseOutcome::violated(
                  "the subflow was reset without MP_FASTCLOSE: the MPTCP connection is not "
                  "closed as a whole\n" +
                  client.recent());
            return CaseOutcome::pass("MP_FASTCLOSE after the server's RST");
          },
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
      .stimulus = fmt::format("MPTCP SYN with a Base Connect and {} bytes of early data; after the reply the client "
                              "sends DATA_FIN with its subflow FIN.",
                              kDataFinData.size()),
      .expectation = fmt::format("The server receives the {} early bytes, then a FIN (no RST).", kDataFinData.size()),
      .accepted_outcomes = {"FIN at the server, the converter's side staying open for the server's bytes"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            const pg::Bytes early = text_bytes(kDataFinData);
            Scenario scenario(context);
            auto& server = scenario.serve();
            auto& client = scenario.connect(scenario.base_connect(early), {.transport = Transport::Mptcp});
            if (auto unconverted = verify_converted_over_mptcp(client)) return *unconverted;
            client.close();
            const auto ended = scenario.await(
                "a FIN at the server", [&] { return server.any_fin_received() || server.any_reset_received(); }, 2s);
            if (!ended || !server.any_fin_received())
              return CaseOutcome::violated(fmt::format("after the DATA_FIN the server saw {}\n{}",
                                                       server.any_reset_received() ? "an RST" : "nothing",
                                                       client.recent()));
            if (server.received() != early)
              return CaseOutcome::violated(
                  fmt::format("the server got {} before the FIN instead of {}", hex(server.received()), hex(early)));
            return CaseOutcome::pass("FIN at the server after the early data");
          },
  });

  // RFC 8684 3.1: "A SYN/ACK MUST NOT carry MP_CAPABLE if the SYN did not".
  registry.add({
      .id = "mptcp-plain-client-no-mp-capable",
      .requirements = {"REF-08", "CONV-I11"},
      .section = "5.1",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "fallback"},
      .title = "A converter never answers a plain TCP SYN with MP_CAPABLE; a plain TCP client is converted as "
               "usual.",
      .stimulus = fmt::format("SYN without any MPTCP option carrying a Base Connect and {} bytes of early data.",
                              kPlainData.size()),
      .expectation = fmt::format("The SYN-ACK has no option of kind {}; the reply has no Error TLV; the server "
                                 "receives the {} early bytes.",
                                 kMptcpKind, kPlainData.size()),
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            const pg::Bytes early = text_bytes(kPlainData);
            Scenario scenario(context);
            scenario.serve();
            auto& client = scenario.connect(scenario.base_connect(early));
            const Reply reply = client.await_reply(2s);
            const auto& synack = client.tcp().peer_syn();
            if (!synack) return CaseOutcome::violated("no SYN-ACK came back\n" + client.recent());
            if (pg::tcp::parse_options(synack->segment.options).find(kMptcpKind) != nullptr)
              return CaseOutcome::violated("the SYN-ACK to a SYN without MP_CAPABLE carries an MPTCP option: " +
                                           hex(synack->segment.options));
            if (auto failed = verify_success(client, reply)) return *failed;
            // Keyword-free behaviour (CONV-I04): WARN, or FAIL under --strict.
            if (auto failed = verify_server_received(scenario, early)) return CaseOutcome::warn(failed->observed);
            return CaseOutcome::pass("plain SYN-ACK (" + hex(synack->segment.options) + "); " + reply.describe());
          },
  });

  // RFC 8684 App. B.2: SYN data is outside the data-sequence space; the
  // first DSN after the SYN is IDSN + 1, so nothing of the Convert message
  // may come between the early data and what follows it.
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
      .stimulus = fmt::format("MPTCP SYN with a Base Connect and {} bytes of early data; after the reply the client "
                              "sends {} bytes mapped at DSN = IDSN + 1.",
                              kEarlyData.size(), kMappedData.size()),
      .expectation = fmt::format("The converter DATA_ACKs up to IDSN + 1 + {}; the server receives the {} early "
                                 "bytes then the {} bytes, nothing else.",
                                 kMappedData.size(), kEarlyData.size(), kMappedData.size()),
      .accepted_outcomes = {"reply in the SYN-ACK payload or the first data segment"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            const pg::Bytes early = text_bytes(kEarlyData);
            const pg::Bytes later = text_bytes(kMappedData);
            Scenario scenario(context);
            scenario.serve();
            auto& client = scenario.connect(scenario.base_connect(early), {.transport = Transport::Mptcp});
            const Reply reply = client.await_reply(2s);
            auto& connection = client.mptcp();
            if (!connection.synack_had_mp_capable())
              return CaseOutcome::inconclusive("the converter did not speak MPTCP on this connection");
            if (!reply.success())
              return CaseOutcome::violated("no successful Convert reply over MPTCP: " + reply.describe() + "\n" +
                                           client.recent());
            const std::uint64_t first_dsn = connection.next_local_dsn();
            client.send(later);
            const std::uint64_t end_dsn = connection.next_local_dsn();
            pg::Bytes wanted = early;
            pg::put_bytes(wanted, later);
            if (auto failed = verify_server_received(scenario, wanted)) return *failed;
            const auto acked = scenario.await(
                "a DATA_ACK for the mapped data",
                [&] { return connection.peer_data_ack() && *connection.peer_data_ack() >= end_dsn; }, 1s);
            const auto data_ack = connection.peer_data_ack();
            if (!acked || *data_ack != end_dsn)
              return CaseOutcome::violated(
                  fmt::format("the converter's DATA_ACK is {} instead of {} (IDSN + 1 + {} "
                              "bytes mapped from DSN {})",
                              dsn_text(data_ack, "none"), end_dsn, later.size(), first_dsn));
            return CaseOutcome::pass(
                fmt::format("DATA_ACK {} covers the {} bytes mapped from IDSN + 1; the server "
                            "got early and later data in order",
                            *data_ack, later.size()));
          },
  });
}

}  // namespace convtest::cases
