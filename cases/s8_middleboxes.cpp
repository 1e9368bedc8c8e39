// RFC 8803 section 8 and Appendix A: middleboxes on the path, and the
// converter's independence from the TFO option.
//
// Every case here asks the Wire for one path change. A case whose change did
// not happen (nothing to strip, no segment to cut) is INCONCLUSIVE: the path
// did not test what the case meant to, which says nothing about the PUT.

#include <fmt/format.h>

#include "catalog.hpp"
#include "kit/judge.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Direction;
using harness::Feature;
using harness::PathSide;
using harness::emulate::MiddleboxRule;
using reports::CaseClass;
using reports::Level;
namespace emulate = harness::emulate;
namespace kind = pg::tcp::kind;

constexpr std::string_view kTfoStrippedData = "tfo-stripped";
constexpr std::string_view kSynData = "syn-data";
constexpr std::string_view kStrippedSynData = "stripped-syn-data";
constexpr std::string_view kDroppedSynData = "dropped-syn-data";
constexpr std::string_view kSplitData = "split-convert-early-data";
constexpr std::string_view kMptcpStrippedData = "mpc-stripped";
constexpr std::string_view kMptcpStrippedSynackData = "mpc-stripped-synack";
constexpr std::string_view kServerSpeaks = "server-speaks";
constexpr std::string_view kChangedSynackData = "changed-synack";
constexpr std::string_view kClampedData = "clamped";

// Where a middlebox cuts the Base Connect with early data: inside the fixed
// header, right after it, inside the Connect TLV's address, and two bytes
// into the early data.
constexpr std::size_t kInsideHeader = 1;
constexpr std::size_t kAfterHeader = cv::kHeaderSize;
constexpr std::size_t kInsideConnectTlv = cv::kHeaderSize + 6;
constexpr std::size_t kInsideEarlyData = cv::kHeaderSize + cv::kBaseConnectSize + 2;

constexpr std::uint16_t kOfferedMss = 1460;
constexpr std::uint16_t kClampedMss = 536;
constexpr std::size_t kServerBurst = 1500;  // more than two clamped segments
// The server's SYN-ACK options (Linux-like) before a middlebox changes them.
constexpr std::uint32_t kServerTsval = 4242;
constexpr std::uint8_t kServerWindowShift = 7;

constexpr auto kMiddleboxReplyTimeout = 2s;
constexpr auto kLateReplyTimeout = 1500ms;

pg::Bytes server_burst() {
  pg::Bytes bytes(kServerBurst);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>('a' + i % 26);
  return bytes;
}

pg::Bytes server_synack_options() {
  return emulate::synack_options::linux_full(kServerTsval, 0, kOfferedMss, kServerWindowShift);
}

void add_client_side_middlebox(Scenario& scenario, Direction direction, emulate::Transform transform) {
  scenario.wire().add_middlebox(MiddleboxRule{PathSide::ClientSide, direction, std::move(transform)});
}

// The SYN-ACK of `client` acknowledged exactly `expected_bytes` of its SYN
// payload (CONV-I20); a client whose payload was not acknowledged abandons
// the converter (section 8).
Verification verify_syn_payload_acked(Client& client, std::size_t expected_bytes, std::string_view sent) {
  const auto& tcp = client.tcp();
  const auto& synack = tcp.peer_syn();
  if (!synack) return CaseOutcome::violated("no SYN-ACK came back\n" + client.recent());
  const std::uint32_t acked = synack->segment.ack - tcp.isn() - 1;
  if (acked == expected_bytes) return std::nullopt;
  return CaseOutcome::violated(
      fmt::format("the SYN-ACK acknowledged {} of the {} bytes of {} (CONV-I20; a client "
                  "must then abandon the converter, section 8)",
                  acked, expected_bytes, sent));
}

// What a converter may do with a Convert message that arrives only after the
// handshake (AMB-13): ignore the payload-less SYN or close without a reply,
// or take the late message. If it takes it, the ordinary rules hold: a valid
// reply first, and nothing of the Convert message at the server.
CaseOutcome judge_late_convert(Scenario& scenario, Client& client, pg::ByteView early) {
  const Reply reply = client.await_reply(kLateReplyTimeout);
  scenario.settle(100ms);
  const pg::Bytes at_server = scenario.server().received();
  if (!reply.ok()) {
    if (reply.raw.empty() && at_server.empty())
      return CaseOutcome::pass(
          fmt::format("the converter did not take the late Convert message ({}); the client "
                      "must abandon it (section 8)",
                      reply.describe()));
    return CaseOutcome::violated(
        fmt::format("{}; the server received {}\n{}", reply.describe(), hex(at_server), client.recent()));
  }
  if (reply.error_tlv() != nullptr) {
    if (!at_server.empty())
      return CaseOutcome::violated(fmt::format("{} but the server received {}", reply.describe(), hex(at_server)));
    return CaseOutcome::pass("the late Convert message was refused: " + reply.describe());
  }
  if (auto failed = verify_server_received(scenario, early))
    return CaseOutcome::violated(
        fmt::format("the late Convert message was taken ({}) but {}", reply.describe(), failed->observed));
  return CaseOutcome::pass(
      fmt::format("the late Convert message was taken: {}; the server got exactly the {} early "
                  "bytes",
                  reply.describe(), early.size()));
}

// "The converter accepts data in the SYN regardless of the presence of a TFO
// option or cookie" (App. A.2): its SYN-ACK acknowledges ISN + 1 + payload.
CaseOutcome syn_data_accepted(CaseContext& context, const pg::Bytes& syn_options) {
  Scenario scenario(context);
  scenario.serve();
  const pg::Bytes early = text_bytes(kSynData);
  const pg::Bytes message = scenario.base_connect(early);
  Client& client = scenario.connect(message, {.syn_options = syn_options});
  const Reply reply = client.await_reply(kMiddleboxReplyTimeout);
  if (auto failed = verify_syn_payload_acked(client, message.size(), "the SYN payload")) return *failed;
  if (!reply.success()) return CaseOutcome::violated("SYN payload acknowledged, but " + reply.describe());
  if (auto failed = verify_server_received(scenario, early)) return *failed;
  return CaseOutcome::pass(fmt::format("SYN payload acknowledged; {}; early data relayed", reply.describe()));
}

// A middlebox cuts the SYN payload after `keep` bytes, and optionally splits
// the rest (which the client sends again after the handshake) at the message
// offsets `cuts`. The converter acknowledges what it got (CONV-I20) and
// reassembles (AMB-12).
CaseOutcome convert_split(CaseContext& context, std::size_t keep, const std::vector<std::size_t>& cuts) {
  Scenario scenario(context);
  add_client_side_middlebox(scenario, Direction::ToPut, emulate::TruncateSynPayload{keep});
  if (!cuts.empty()) {
    std::vector<std::size_t> offsets_in_rest;
    for (const auto cut : cuts) offsets_in_rest.push_back(cut - keep);
    add_client_side_middlebox(scenario, Direction::ToPut, emulate::Resegment{offsets_in_rest});
  }
  scenario.serve();
  const pg::Bytes early = text_bytes(kSplitData);
  Client& client = scenario.connect(scenario.base_connect(early));
  const Reply reply = client.await_reply(kMiddleboxReplyTimeout);
  if (auto untouched = verify_path_altered(scenario)) return *untouched;
  if (auto failed = verify_syn_payload_acked(client, keep, "the SYN payload that reached the converter"))
    return *failed;
  if (!reply.success())
    return CaseOutcome::violated("the message split on the path was not reassembled (AMB-12): " + reply.describe() +
                                 "\n" + client.recent());
  if (auto failed = verify_server_received(scenario, early)) return *failed;
  return CaseOutcome::pass(fmt::format("{}-byte SYN payload acknowledged, rest reassembled: {}; early data relayed",
                                       keep, reply.describe()));
}

// A middlebox between converter and server overwrites options of the
// server's SYN-ACK with NOPs, or clamps its MSS: the Extended TCP Header
// reports what the converter received, byte for byte (AMB-25).
CaseOutcome synack_options_changed(CaseContext& context, emulate::Transform transform) {
  Scenario scenario(context);
  scenario.wire().add_middlebox(MiddleboxRule{PathSide::ServerSide, Direction::ToPut, std::move(transform)});
  scenario.serve({.synack_options = server_synack_options()});
  const pg::Bytes early = text_bytes(kChangedSynackData);
  Client& client = scenario.connect(scenario.message({scenario.connect_tlv(pg::tcp::sack_permitted())}, early));
  const Reply reply = client.await_reply(kMiddleboxReplyTimeout);
  if (auto untouched = verify_path_altered(scenario)) return *untouched;
  if (auto failed = verify_success(client, reply)) return *failed;
  if (auto failed = verify_extended_tcp_header(scenario, reply, {.trailing_zeros_accepted = true})) return *failed;
  // Keyword-free behaviour (CONV-I04): WARN, or FAIL under --strict.
  if (auto failed = verify_server_received(scenario, early)) return CaseOutcome::warn(failed->observed);
  return CaseOutcome::pass(fmt::format("Extended TCP Header {} as received; early data relayed",
                                       hex(reply.find<cv::ExtendedTcpHeaderTlv>()->options)));
}

}  // namespace

void register_s8_middleboxes(harness::Registry& registry) {
  registry.add({
      .id = "mbox-tfo-option-stripped",
      .requirements = {"CONV-I20", "AMB-13"},
      .section = "App. A.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"middlebox", "tfo", "early-data"},
      .title = "A converter accepts the Convert message in the SYN data even when a middlebox stripped the "
               "client's TFO option.",
      .stimulus = fmt::format("SYN with a TFO cookie request ({}), a Base Connect and {} bytes of early data; a "
                              "middlebox between client and converter removes the TFO option.",
                              wire_text(pg::tcp::fast_open_request()), kTfoStrippedData.size()),
      .expectation = fmt::format("The converter's SYN-ACK acknowledges the whole SYN payload, its reply has no Error "
                                 "TLV, and the server receives the {} early bytes.",
                                 kTfoStrippedData.size()),
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            // "The converter accepts data in the SYN regardless of a TFO option": a middlebox that
            // strips the client's TFO cookie request must not break the Convert exchange.
            Scenario scenario(context);
            add_client_side_middlebox(scenario, Direction::ToPut, emulate::StripTfoOption{});
            scenario.serve();
            const pg::Bytes early = text_bytes(kTfoStrippedData);
            Client& client =
                scenario.connect(scenario.base_connect(early), {.syn_options = pg::tcp::fast_open_request()});
            const Reply reply = client.await_reply(kMiddleboxReplyTimeout);
            if (auto untouched = verify_path_altered(scenario)) return *untouched;
            if (auto failed = verify_success(client, reply)) return *failed;
            if (client.tcp().syn_payload_acked() != true)
              return CaseOutcome::violated(
                  "the SYN-ACK did not acknowledge the SYN payload once the TFO option "
                  "was gone (the client must then abandon the converter, section 8)");
            if (auto failed = verify_server_received(scenario, early)) return *failed;
            return CaseOutcome::pass(
                fmt::format("SYN payload acknowledged without TFO option; {}; early data relayed", reply.describe()));
          },
  });

  struct SynDataVariant {
    const char* id;
    std::string stimulus;
    pg::Bytes options;
  };
  const pg::Bytes bogus_cookie{0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};
  const pg::Bytes bogus_cookie_option = pg::tcp::fast_open(bogus_cookie);
  for (const auto& variant :
       {SynDataVariant{"mbox-syn-data-without-tfo-option", "no TFO option", {}},
        SynDataVariant{"mbox-syn-data-with-tfo-request",
                       fmt::format("a TFO cookie request {}", wire_text(pg::tcp::fast_open_request())),
                       pg::tcp::fast_open_request()},
        SynDataVariant{"mbox-syn-data-with-bogus-tfo-cookie",
                       fmt::format("a TFO option {} with a cookie the converter never issued",
                                   wire_text(pg::ByteView(bogus_cookie_option).first(2))),
                       bogus_cookie_option}}) {
    registry.add({
        .id = variant.id,
        .requirements = {"CONV-I20", "AMB-13", "REF-06"},
        .section = "App. A.2",
        .level = Level::Behaviour,
        .case_class = CaseClass::Valid,
        .tags = {"tfo", "early-data"},
        .title = "A converter accepts data in the SYN regardless of the presence of a TFO option or cookie.",
        .stimulus =
            fmt::format("SYN with {}, a Base Connect and {} bytes of early data.", variant.stimulus, kSynData.size()),
        .expectation = fmt::format("The SYN-ACK acknowledges ISN + 1 + the SYN payload length; the reply has no "
                                   "Error TLV; the server receives the {} early bytes.",
                                   kSynData.size()),
        .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
        .dimensions = dimensions::kAnyClient,
        .run = [options = variant.options](CaseContext& context) { return syn_data_accepted(context, options); },
    });
  }

  registry.add({
      .id = "mbox-syn-payload-stripped",
      .requirements = {"AMB-13", "CONV-005", "CONV-I04", "CONV-006"},
      .section = "8",
      .level = Level::Behaviour,
      .case_class = CaseClass::Inopportune,
      .tags = {"middlebox", "early-data"},
      .title = "When a middlebox strips the SYN payload, a converter either ignores the Convert message that "
               "arrives after the handshake or handles it correctly; it never leaks it to the server.",
      .stimulus = fmt::format("SYN with a Base Connect and {} bytes of early data; a middlebox removes the SYN "
                              "payload; the client sends the unacknowledged bytes again after the handshake (RFC "
                              "7413).",
                              kStrippedSynData.size()),
      .expectation = "No reply and nothing at the server; or a valid Convert reply and exactly the early data at "
                     "the server.",
      .accepted_outcomes = {"payload-less SYN ignored or connection closed without reply (AMB-13)",
                            "late Convert message taken: valid reply, early data relayed without Convert bytes"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            add_client_side_middlebox(scenario, Direction::ToPut, emulate::StripSynPayload{});
            scenario.serve();
            const pg::Bytes early = text_bytes(kStrippedSynData);
            Client& client = scenario.connect(scenario.base_connect(early));
            scenario.settle(50ms);
            if (auto untouched = verify_path_altered(scenario)) return *untouched;
            return judge_late_convert(scenario, client, early);
          },
  });
  registry.add({
      .id = "mbox-syn-with-data-dropped",
      .requirements = {"AMB-13", "CONV-005", "CONV-I04", "CONV-006"},
      .section = "8",
      .level = Level::Behaviour,
      .case_class = CaseClass::Inopportune,
      .tags = {"middlebox", "early-data"},
      .title = "When a middlebox drops SYNs carrying data and the client retries with a plain SYN, the converter "
               "either ignores the late Convert message or handles it correctly.",
      .stimulus = fmt::format("SYN with a Base Connect and {} bytes of early data, dropped on the path; the client "
                              "then sends a SYN without payload and the same message after the handshake.",
                              kDroppedSynData.size()),
      .expectation = "No SYN at the server before the retry; then no reply and nothing at the server, or a valid "
                     "Convert reply and exactly the early data at the server.",
      .accepted_outcomes = {"payload-less SYN ignored or connection closed without reply (AMB-13)",
                            "late Convert message taken: valid reply, early data relayed without Convert bytes"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            // Every copy of the SYN carrying data is dropped; like Linux's TFO client, the client
            // then opens with a plain SYN and sends the message after the handshake.
            Scenario scenario(context);
            add_client_side_middlebox(scenario, Direction::ToPut, emulate::DropSynWithData{});
            scenario.serve();
            const pg::Bytes early = text_bytes(kDroppedSynData);
            const pg::Bytes message = scenario.base_connect(early);
            Client& dropped = scenario.connect(message);
            scenario.settle(100ms);
            if (auto untouched = verify_path_altered(scenario)) return *untouched;
            if (!dropped.no_downstream_syn(0ms))
              return CaseOutcome::fail(
                  "a SYN reached the server although the converter never got the client's "
                  "SYN");
            Client& retry = scenario.connect({});
            retry.send(message);
            return judge_late_convert(scenario, retry, early);
          },
  });

  struct SplitVariant {
    const char* id;
    std::string where;
    std::size_t keep;
    std::vector<std::size_t> cuts;  // offsets in the message where the resent rest is split
  };
  for (const auto& variant :
       {SplitVariant{"mbox-convert-split-at-byte-1",
                     fmt::format("after byte {} (inside the header)", kInsideHeader),
                     kInsideHeader,
                     {}},
        SplitVariant{"mbox-convert-split-at-byte-4",
                     fmt::format("after the fixed header (byte {})", kAfterHeader),
                     kAfterHeader,
                     {}},
        SplitVariant{"mbox-syn-payload-truncated-mid-tlv",
                     fmt::format("after byte {} (inside the Connect TLV)", kInsideConnectTlv),
                     kInsideConnectTlv,
                     {}},
        SplitVariant{"mbox-convert-resegmented",
                     fmt::format("after byte {}, the rest re-segmented at bytes {}, {} and {}", kInsideHeader,
                                 kAfterHeader, kInsideConnectTlv, kInsideEarlyData),
                     kInsideHeader,
                     {kAfterHeader, kInsideConnectTlv, kInsideEarlyData}}}) {
    registry.add({
        .id = variant.id,
        .requirements = {"CONV-I20", "AMB-12", "AMB-13", "CONV-I04"},
        .section = "8",
        .level = Level::Behaviour,
        .case_class = CaseClass::Valid,
        .tags = {"middlebox", "early-data", "segmentation"},
        .title = "A converter acknowledges the part of the SYN payload that arrived and reassembles a Convert "
                 "message a middlebox split across segments.",
        .stimulus = fmt::format("SYN with a Base Connect and {} bytes of early data; a middlebox cuts the SYN "
                                "payload {}; the client sends the rest after the handshake.",
                                kSplitData.size(), variant.where),
        .expectation = fmt::format("The SYN-ACK acknowledges exactly the bytes that arrived in the SYN; the reply "
                                   "has no Error TLV; the server receives exactly the {} early bytes.",
                                   kSplitData.size()),
        .accepted_outcomes = {"reply in any segment after the message is complete"},
        .dimensions = dimensions::kAnyClient,
        .run = [keep = variant.keep,
                cuts = variant.cuts](CaseContext& context) { return convert_split(context, keep, cuts); },
    });
  }

  registry.add({
      .id = "mbox-mptcp-stripped-on-syn",
      .requirements = {"REF-08", "REF-07", "CONV-I04"},
      .section = "5.1",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"middlebox", "mptcp", "fallback"},
      .title = "When a middlebox strips MP_CAPABLE from the client's SYN, the converter answers as a plain TCP "
               "peer and the Convert exchange still works.",
      .stimulus = fmt::format("MPTCP SYN (MP_CAPABLE) with a Base Connect and {} bytes of early data; a middlebox "
                              "removes every MPTCP option on the way to the converter.",
                              kMptcpStrippedData.size()),
      .expectation = fmt::format("The converter's SYN-ACK has no MP_CAPABLE; the client falls back to TCP and gets "
                                 "a reply without Error TLV; the server receives the {} early bytes.",
                                 kMptcpStrippedData.size()),
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            // The converter sees a plain TCP client, so its SYN-ACK must not carry MP_CAPABLE
            // (RFC 8684 3.1), and the Convert exchange works over plain TCP.
            Scenario scenario(context);
            add_client_side_middlebox(scenario, Direction::ToPut, emulate::StripMptcpOptions{});
            scenario.serve();
            const pg::Bytes early = text_bytes(kMptcpStrippedData);
            Client& client = scenario.connect(scenario.base_connect(early), {.transport = Transport::Mptcp});
            const Reply reply = client.await_reply(kMiddleboxReplyTimeout);
            if (auto untouched = verify_path_altered(scenario)) return *untouched;
            if (client.mptcp().synack_had_mp_capable())
              return CaseOutcome::violated(
                  "the converter's SYN-ACK carried MP_CAPABLE although the SYN it received "
                  "had none (RFC 8684 3.1)\n" +
                  client.recent());
            if (!reply.success())
              return CaseOutcome::violated("no successful Convert reply after the fallback: " + reply.describe() +
                                           "\n" + client.recent());
            // Keyword-free behaviour (CONV-I04): WARN, or FAIL under --strict.
            if (auto failed = verify_server_received(scenario, early)) return CaseOutcome::warn(failed->observed);
            return CaseOutcome::pass(
                fmt::format("plain TCP SYN-ACK; reply of {} bytes; early data relayed", reply.message->size));
          },
  });
  registry.add({
      .id = "mbox-mptcp-stripped-on-synack",
      .requirements = {"REF-07", "REF-12", "CONV-I04"},
      .section = "5.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"middlebox", "mptcp", "fallback"},
      .needs = {Feature::Mptcp},
      .title = "When a middlebox strips MPTCP options from the converter's segments, client and converter fall "
               "back to TCP and the Convert exchange still works.",
      .stimulus = fmt::format("MPTCP SYN with a Base Connect and {} bytes of early data; a middlebox removes every "
                              "MPTCP option the converter sends; the server sends {} bytes first.",
                              kMptcpStrippedSynackData.size(), kServerSpeaks.size()),
      .expectation = fmt::format("The client falls back (no MP_CAPABLE in the SYN-ACK it sees); it gets a reply "
                                 "without Error TLV followed by the server's {} bytes; the server receives the "
                                 "early data.",
                                 kServerSpeaks.size()),
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            // The client falls back (no MP_CAPABLE in its SYN-ACK, none in its third ACK), and so
            // must the converter; Convert still works.
            Scenario scenario(context);
            add_client_side_middlebox(scenario, Direction::FromPut, emulate::StripMptcpOptions{});
            const pg::Bytes server_bytes = text_bytes(kServerSpeaks);
            scenario.serve({.speak_first = server_bytes});
            const pg::Bytes early = text_bytes(kMptcpStrippedSynackData);
            Client& client = scenario.connect(scenario.base_connect(early), {.transport = Transport::Mptcp});
            const Reply reply = client.await_reply(kMiddleboxReplyTimeout);
            if (auto untouched = verify_path_altered(scenario)) return *untouched;
            if (!client.mptcp().fallen_back())
              return CaseOutcome::inconclusive("the client did not fall back although MP_CAPABLE was stripped");
            if (!reply.success())
              return CaseOutcome::violated("no successful Convert reply after the fallback: " + reply.describe() +
                                           "\n" + client.recent());
            if (auto failed = verify_client_received_after_reply(client, reply, server_bytes)) return *failed;
            if (auto failed = verify_server_received(scenario, early)) return *failed;
            return CaseOutcome::pass(
                fmt::format("fallback to TCP; reply of {} bytes, server bytes and early data "
                            "relayed",
                            reply.message->size));
          },
  });

  const std::string changed_synack_stimulus =
      fmt::format("Extended Connect ({}) with early data; ", wire_text(pg::tcp::sack_permitted()));
  registry.add({
      .id = "mbox-synack-options-nop-overwritten",
      .requirements = {"CONV-028", "AMB-25"},
      .section = "6.2.6",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"middlebox", "options", "extended-tcp-header"},
      .title = "When a middlebox between converter and server overwrites options of the server's SYN-ACK with "
               "NOPs, the Extended TCP Header reports the options the converter received, verbatim.",
      .stimulus = changed_synack_stimulus +
                  "the server's SYN-ACK carries MSS, SACK-Permitted, Timestamps, NOP, Window Scale; a middlebox "
                  "overwrites SACK-Permitted and Timestamps with NOPs.",
      .expectation = "The reply's Extended TCP Header TLV equals the SYN-ACK option bytes the converter received, "
                     "NOPs included.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            return synack_options_changed(context, emulate::NopOptions{{kind::SackPermitted, kind::Timestamps}});
          },
  });
  registry.add({
      .id = "mbox-synack-mss-clamped",
      .requirements = {"CONV-028", "AMB-25"},
      .section = "6.2.6",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"middlebox", "options", "extended-tcp-header"},
      .title = "When a middlebox between converter and server clamps the MSS of the server's SYN-ACK, the "
               "Extended TCP Header reports the clamped value the converter received.",
      .stimulus = changed_synack_stimulus + fmt::format("the server's SYN-ACK offers MSS {} and a middlebox clamps "
                                                        "it to {}.",
                                                        kOfferedMss, kClampedMss),
      .expectation = fmt::format("The reply's Extended TCP Header TLV equals the SYN-ACK option bytes the converter "
                                 "received (MSS {}).",
                                 kClampedMss),
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .dimensions = dimensions::kAnyClient,
      .run = [](CaseContext& context) { return synack_options_changed(context, emulate::ClampMss{kClampedMss}); },
  });
  registry.add({
      .id = "mbox-client-mss-clamped",
      .requirements = {"CONV-I04", "CONV-006"},
      .section = "8",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"middlebox", "options", "relay"},
      .title = "When a middlebox clamps the MSS of the client's SYN, the converter's reply and relayed data "
               "respect the clamped MSS and arrive intact.",
      .stimulus = fmt::format("SYN offering MSS {} with a Base Connect and early data; a middlebox clamps the MSS "
                              "to {}; the server sends {} bytes first.",
                              kOfferedMss, kClampedMss, kServerBurst),
      .expectation = fmt::format("No segment from the converter to the client carries more than {} payload bytes; "
                                 "the client receives the reply and then exactly the {} server bytes.",
                                 kClampedMss, kServerBurst),
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            add_client_side_middlebox(scenario, Direction::ToPut, emulate::ClampMss{kClampedMss});
            const pg::Bytes burst = server_burst();
            scenario.serve({.speak_first = burst});
            const pg::Bytes early = text_bytes(kClampedData);
            Client& client = scenario.connect(scenario.base_connect(early), {.syn_options = pg::tcp::mss(kOfferedMss)});
            const Reply reply = client.await_reply(kMiddleboxReplyTimeout);
            if (auto untouched = verify_path_altered(scenario)) return *untouched;
            if (auto failed = verify_success(client, reply)) return *failed;
            if (auto failed = verify_client_received_after_reply(client, reply, burst)) return *failed;
            const auto oversized = harness::expect::matching(
                scenario.wire(), harness::expect::PacketFilter()
                                     .from_put()
                                     .side(PathSide::ClientSide)
                                     .where("payload above the clamped MSS", [](const harness::WireEvent& event) {
                                       return event.tcp && event.tcp->segment.payload.size() > kClampedMss;
                                     }));
            if (!oversized.empty())
              return CaseOutcome::violated("the converter exceeded the clamped MSS: " +
                                           harness::expect::describe_event(scenario.wire(), *oversized.front()));
            if (auto failed = verify_server_received(scenario, early)) return *failed;
            return CaseOutcome::pass(fmt::format("{}; {} bytes relayed in segments of at most {} bytes",
                                                 reply.describe(), burst.size(), kClampedMss));
          },
  });
}

}  // namespace convtest::cases
