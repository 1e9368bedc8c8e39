// RFC 8803 section 8 and Appendix A: middleboxes on the path, and the
// converter's independence from the TFO option.
//
// Every case here asks the Wire for one path change. A case whose change did
// not happen (nothing to strip, no segment to cut) is INCONCLUSIVE: the path
// did not test what the case meant to, which says nothing about the PUT.

#include <fmt/format.h>

#include "catalog.hpp"
#include "packetgen/tcp_options.hpp"
#include "legacy/scenario.hpp"

namespace convtest::cases {
using namespace legacy;  // TRANSITIONAL
namespace {

using namespace std::chrono_literals;
using harness::Direction;
using harness::Feature;
using harness::PathSide;
using harness::emulate::MiddleboxRule;
using reports::CaseClass;
using reports::Level;


cv::DecodeOutcome decode_reply(pg::ByteView bytes) {
  cv::DecodeOptions options;
  options.direction = cv::Direction::ConverterToClient;
  return cv::decode(bytes, options);
}

std::optional<CaseOutcome> path_untouched(Scenario& scenario, const std::string& expected) {
  if (scenario.wire().path_altered()) {
    for (const auto& change : scenario.wire().alterations()) scenario.context().log("middlebox: " + change);
    return std::nullopt;
  }
  return CaseOutcome::inconclusive(expected, "the emulated middlebox found nothing to change: the case did not "
                                             "test what it meant to\n" + scenario.recent());
}

// The server received exactly `early`, once (checked after a short settle so
// that a duplicate would show).
std::optional<std::string> early_data_problem(Scenario& scenario, const pg::Bytes& early) {
  const bool delivered = scenario.await_server_bytes(early.size(), 2s);
  scenario.settle(100ms);
  const pg::Bytes at_server = scenario.server().received();
  if (delivered && at_server == early) return std::nullopt;
  return fmt::format("the server received {} instead of exactly the early data {}", hex(at_server), hex(early));
}

// "The converter accepts data in the SYN regardless of a TFO option": a
// middlebox that strips the client's TFO cookie request must not break the
// Convert exchange.
CaseOutcome tfo_option_stripped(CaseContext& context) {
  Scenario scenario(context);
  scenario.wire().add_middlebox({PathSide::ClientSide, Direction::ToPut, harness::emulate::StripTfoOption{}});
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes early{'t', 'f', 'o', '-', 's', 't', 'r', 'i', 'p', 'p', 'e', 'd'};
  const std::string expected =
      "with the TFO option stripped on the way, the converter still acknowledges the SYN payload, replies "
      "without Error TLV and relays the early data to the server";
  scenario.connect(scenario.base_connect(early), pg::tcp::fast_open_request());
  const Reply reply = scenario.await_reply(2s);
  if (!scenario.wire().path_altered())
    return CaseOutcome::inconclusive(expected, "the emulated middlebox did not alter the SYN: the case did not "
                                               "test what it meant to");
  context.log("middlebox: " + scenario.wire().alterations().front());
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  if (scenario.client().tcp().syn_payload_acked() != true)
    return CaseOutcome::violated(expected, "the SYN-ACK did not acknowledge the SYN payload once the TFO option "
                                           "was gone (the client must then abandon the converter, section 8)");
  if (!scenario.await_server_bytes(early.size(), 2s) || scenario.server().received() != early)
    return CaseOutcome::violated(expected, fmt::format("the server received {} instead of {}",
                                                       hex(scenario.server().received()), hex(early)));
  return CaseOutcome::pass(expected, fmt::format("SYN payload acknowledged without TFO option; {}; early data "
                                                 "relayed",
                                                 reply.describe()));
}

// "The converter accepts data in the SYN regardless of the presence of a TFO
// option or cookie" (App. A.2): its SYN-ACK acknowledges ISN + 1 + payload.
CaseOutcome syn_data_accepted(CaseContext& context, pg::Bytes syn_options, std::string_view with) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes early = text_bytes("syn-data");
  const std::string expected = fmt::format(
      "a SYN-ACK acknowledging ISN + 1 + the whole SYN payload for a SYN {}, a reply without Error TLV and the early "
      "data at the server",
      with);
  scenario.connect(scenario.base_connect(early), std::move(syn_options));
  const Reply reply = scenario.await_reply(2s);
  const auto& tcp = scenario.client().tcp();
  if (tcp.syn_payload_acked() != true) {
    const auto& synack = tcp.peer_syn();
    return CaseOutcome::violated(
        expected, synack ? fmt::format("the SYN-ACK acknowledged {} bytes of the {}-byte SYN payload (CONV-I20; a "
                                       "client must then abandon the converter, section 8)",
                                       synack->segment.ack - tcp.isn() - 1, early.size() + 24)
                         : "no SYN-ACK came back\n" + scenario.recent());
  }
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, "SYN payload acknowledged, but " + reply.describe());
  if (auto problem = early_data_problem(scenario, early)) return CaseOutcome::violated(expected, *problem);
  return CaseOutcome::pass(expected, fmt::format("SYN payload acknowledged; {}; early data relayed",
                                                 reply.describe()));
}

// What a converter may do with a Convert message that arrives only after the
// handshake (AMB-13): ignore the payload-less SYN or close without a reply,
// or take the late message. If it takes it, the ordinary rules hold: a valid
// reply first, and nothing of the Convert message at the server.
CaseOutcome judge_late_convert(Scenario& scenario, const std::string& expected, const pg::Bytes& early) {
  const Reply reply = scenario.await_reply(1500ms);
  scenario.settle(100ms);
  const pg::Bytes at_server = scenario.server().received();
  if (!reply.ok()) {
    if (reply.raw.empty() && at_server.empty())
      return CaseOutcome::pass(expected, fmt::format("the converter did not take the late Convert message ({}); "
                                                     "the client must abandon it (section 8)",
                                                     reply.describe()));
    return CaseOutcome::violated(expected, fmt::format("{}; the server received {}\n{}", reply.describe(),
                                                       hex(at_server), scenario.recent()));
  }
  if (reply.error_tlv() != nullptr) {
    if (!at_server.empty())
      return CaseOutcome::violated(expected, fmt::format("{} but the server received {}", reply.describe(),
                                                         hex(at_server)));
    return CaseOutcome::pass(expected, "the late Convert message was refused: " + reply.describe());
  }
  if (auto problem = early_data_problem(scenario, early))
    return CaseOutcome::violated(expected, "the late Convert message was taken (" + reply.describe() + ") but " +
                                               *problem);
  return CaseOutcome::pass(expected, fmt::format("the late Convert message was taken: {}; the server got exactly "
                                                 "the {} early bytes",
                                                 reply.describe(), early.size()));
}

std::string late_convert_expectation() {
  return "either the converter ignores the late Convert message (no reply, nothing at the server; the client "
         "abandons it, section 8), or it answers with a valid Convert message and relays exactly the early data "
         "(no Convert byte at the server)";
}

CaseOutcome syn_payload_stripped(CaseContext& context) {
  Scenario scenario(context);
  scenario.wire().add_middlebox({PathSide::ClientSide, Direction::ToPut, harness::emulate::StripSynPayload{}});
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes early = text_bytes("stripped-syn-data");
  const std::string expected = late_convert_expectation();
  scenario.connect(scenario.base_connect(early));
  scenario.settle(50ms);
  if (auto untouched = path_untouched(scenario, expected)) return *untouched;
  return judge_late_convert(scenario, expected, early);
}

// The SYN carrying data never arrives (every copy dropped); like Linux's TFO
// client, the client then opens with a plain SYN and sends the message after
// the handshake.
CaseOutcome syn_with_data_dropped(CaseContext& context) {
  Scenario scenario(context);
  scenario.wire().add_middlebox({PathSide::ClientSide, Direction::ToPut, harness::emulate::DropSynWithData{}});
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes early = text_bytes("dropped-syn-data");
  const std::string expected = late_convert_expectation();
  const pg::Bytes message = scenario.base_connect(early);
  scenario.connect(message);
  scenario.settle(100ms);
  if (auto untouched = path_untouched(scenario, expected)) return *untouched;
  if (scenario.downstream_syn_seen(0ms))
    return CaseOutcome::fail(expected, "a SYN reached the server although the converter never got the client's SYN");
  scenario.connect({});
  scenario.client().tcp().send(message);
  return judge_late_convert(scenario, expected, early);
}

// A middlebox cuts the SYN payload after `keep` bytes, and optionally splits
// the rest (which the client sends again after the handshake) at `cuts`. The
// converter acknowledges what it got (CONV-I20) and reassembles (AMB-12).
CaseOutcome convert_split(CaseContext& context, std::size_t keep, std::vector<std::size_t> cuts) {
  Scenario scenario(context);
  MiddleboxRule truncating;
  truncating.side = PathSide::ClientSide;
  truncating.direction = Direction::ToPut;
  truncating.transform.emplace<harness::emulate::TruncateSynPayload>(harness::emulate::TruncateSynPayload{keep});
  scenario.wire().add_middlebox(std::move(truncating));
  if (!cuts.empty())
    scenario.wire().add_middlebox({PathSide::ClientSide, Direction::ToPut, harness::emulate::Resegment{cuts}});
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes early = text_bytes("split-convert-early-data");
  const std::string expected = fmt::format(
      "a SYN-ACK acknowledging the {} SYN payload bytes that arrived, then (the rest sent after the handshake) a "
      "reply without Error TLV and exactly the early data at the server",
      keep);
  scenario.connect(scenario.base_connect(early));
  const Reply reply = scenario.await_reply(2s);
  if (auto untouched = path_untouched(scenario, expected)) return *untouched;
  const auto& tcp = scenario.client().tcp();
  const auto& synack = tcp.peer_syn();
  if (!synack) return CaseOutcome::violated(expected, "no SYN-ACK came back\n" + scenario.recent());
  const std::uint32_t acked = synack->segment.ack - tcp.isn() - 1;
  if (acked != keep)
    return CaseOutcome::violated(expected, fmt::format("the SYN-ACK acknowledged {} of the {} SYN payload bytes "
                                                       "that reached the converter (CONV-I20)",
                                                       acked, keep));
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, "the message split on the path was not reassembled (AMB-12): " +
                                               reply.describe() + "\n" + scenario.recent());
  if (auto problem = early_data_problem(scenario, early)) return CaseOutcome::violated(expected, *problem);
  return CaseOutcome::pass(expected, fmt::format("{}-byte SYN payload acknowledged, rest reassembled: {}; early "
                                                 "data relayed",
                                                 keep, reply.describe()));
}

// MPTCP options stripped from the client's SYN: the converter sees a plain
// TCP client, so its SYN-ACK must not carry MP_CAPABLE (RFC 8684 3.1), and
// the Convert exchange works over plain TCP.
CaseOutcome mptcp_stripped_on_syn(CaseContext& context) {
  Scenario scenario(context);
  scenario.wire().add_middlebox({PathSide::ClientSide, Direction::ToPut, harness::emulate::StripMptcpOptions{}});
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes early = text_bytes("mpc-stripped");
  const std::string expected =
      "no MP_CAPABLE in the converter's SYN-ACK (its SYN had none once stripped); the client falls back to TCP, "
      "gets a reply without Error TLV and the server the early data";
  auto& client = scenario.connect_mptcp(scenario.base_connect(early));
  const auto complete = [&] {
    return client.subflow().received().size() >= 4 || client.subflow().reset_received() ||
           client.subflow().fin_received();
  };
  (void)harness::expect::wait_until(scenario.wire(), scenario.timing(), "a Convert reply", complete,
                                    [&] { return scenario.recent(); }, 2s);
  if (auto untouched = path_untouched(scenario, expected)) return *untouched;
  if (client.synack_had_mp_capable())
    return CaseOutcome::violated(expected, "the converter's SYN-ACK carried MP_CAPABLE although the SYN it "
                                           "received had none (RFC 8684 3.1)\n" + scenario.recent());
  (void)harness::expect::wait_until(
      scenario.wire(), scenario.timing(), "a complete Convert reply",
      [&] {
        return !std::holds_alternative<cv::NeedMore>(
            decode_reply(client.subflow().received()));
      },
      [&] { return scenario.recent(); }, 1s);
  const auto final_state = decode_reply(client.subflow().received());
  const auto* message = std::get_if<cv::Decoded>(&final_state);
  if (message == nullptr || message->message.find<cv::ErrorTlv>() != nullptr)
    return CaseOutcome::violated(expected, fmt::format("no successful Convert reply after the fallback: {}\n{}",
                                                       hex(client.subflow().received()), scenario.recent()));
  // Keyword-free behaviour (CONV-I04): WARN, or FAIL under --strict.
  if (auto problem = early_data_problem(scenario, early)) return CaseOutcome::warn(expected, *problem);
  return CaseOutcome::pass(expected, fmt::format("plain TCP SYN-ACK; reply of {} bytes; early data relayed",
                                                 message->size));
}

// MPTCP options stripped from everything the converter sends the client:
// the client falls back (no MP_CAPABLE in its SYN-ACK, none in its third
// ACK), and so must the converter; Convert still works.
CaseOutcome mptcp_stripped_on_synack(CaseContext& context) {
  Scenario scenario(context);
  scenario.wire().add_middlebox({PathSide::ClientSide, Direction::FromPut, harness::emulate::StripMptcpOptions{}});
  harness::emulate::ServerScript script;
  script.speak_first = text_bytes("server-speaks");
  scenario.serve(script);
  const pg::Bytes early = text_bytes("mpc-stripped-synack");
  const std::string expected =
      "the client falls back to TCP (MP_CAPABLE stripped from the SYN-ACK); the converter falls back as well: "
      "a reply without Error TLV, then the server's bytes, and the early data at the server";
  auto& client = scenario.connect_mptcp(scenario.base_connect(early));
  const auto wanted = 13U;
  const auto decode_now = [&] {
    return decode_reply(client.subflow().received());
  };
  (void)harness::expect::wait_until(
      scenario.wire(), scenario.timing(), "a Convert reply and the server's bytes",
      [&] {
        const auto state = decode_now();
        const auto* message = std::get_if<cv::Decoded>(&state);
        return (message != nullptr && client.subflow().received().size() >= message->size + wanted) ||
               std::holds_alternative<cv::DecodeError>(state) || client.subflow().reset_received() ||
               client.subflow().fin_received();
      },
      [&] { return scenario.recent(); }, 2s);
  if (auto untouched = path_untouched(scenario, expected)) return *untouched;
  if (!client.fallen_back())
    return CaseOutcome::inconclusive(expected, "the client did not fall back although MP_CAPABLE was stripped");
  const auto state = decode_now();
  const auto* message = std::get_if<cv::Decoded>(&state);
  if (message == nullptr || message->message.find<cv::ErrorTlv>() != nullptr)
    return CaseOutcome::violated(expected, fmt::format("no successful Convert reply after the fallback: {}\n{}",
                                                       hex(client.subflow().received()), scenario.recent()));
  const auto& stream = client.subflow().received();
  const pg::Bytes after(stream.begin() + static_cast<std::ptrdiff_t>(message->size), stream.end());
  if (after != script.speak_first)
    return CaseOutcome::violated(expected, fmt::format("after the reply the client stream holds {} instead of {}",
                                                       hex(after), hex(script.speak_first)));
  if (auto problem = early_data_problem(scenario, early)) return CaseOutcome::violated(expected, *problem);
  return CaseOutcome::pass(expected, fmt::format("fallback to TCP; reply of {} bytes, server bytes and early data "
                                                 "relayed",
                                                 message->size));
}

// The options the converter saw in the server's SYN-ACK (after the path).
std::optional<pg::Bytes> synack_options_seen_by_put(const harness::Wire& wire) {
  const auto synacks = harness::expect::matching(
      wire, harness::expect::PacketFilter().to_put().side(PathSide::ServerSide).syn_ack());
  if (synacks.empty() || !synacks.front()->tcp) return std::nullopt;
  return synacks.front()->tcp->segment.options;
}

// The Extended TCP Header must carry the SYN-ACK options as the converter
// received them, after the path changed them (AMB-25).
std::optional<std::string> extended_header_problem(const Reply& reply, const pg::Bytes& seen) {
  const auto* header = reply.message->message.find<cv::ExtendedTcpHeaderTlv>();
  if (header == nullptr) return "no Extended TCP Header TLV in the reply to an Extended Connect (CONV-028)";
  const auto& got = header->options;
  const bool same = got.size() >= seen.size() && std::equal(seen.begin(), seen.end(), got.begin()) &&
                    std::all_of(got.begin() + static_cast<std::ptrdiff_t>(seen.size()), got.end(),
                                [](std::uint8_t b) { return b == 0; });
  const auto trimmed = [](pg::Bytes bytes) {
    while (!bytes.empty() && bytes.back() == 0) bytes.pop_back();
    return bytes;
  };
  if (same || trimmed(got) == trimmed(seen)) return std::nullopt;
  return fmt::format("the Extended TCP Header holds {} but the SYN-ACK the converter received carried {} "
                     "(AMB-25: verbatim)",
                     hex(got), hex(seen));
}

// A middlebox between converter and server overwrites options of the
// server's SYN-ACK with NOPs, or clamps its MSS: the Extended TCP Header
// reports what the converter received, byte for byte.
CaseOutcome synack_options_changed(CaseContext& context, harness::emulate::Transform transform) {
  Scenario scenario(context);
  scenario.wire().add_middlebox({PathSide::ServerSide, Direction::ToPut, std::move(transform)});
  harness::emulate::ServerScript script;
  script.synack_options = harness::emulate::synack_options::linux_full(4242, 0, 1460, 7);
  scenario.serve(script);
  const pg::Bytes early = text_bytes("changed-synack");
  const std::string expected =
      "a reply to the Extended Connect carrying an Extended TCP Header equal to the SYN-ACK options as they reached "
      "the converter (the middlebox's NOPs or clamped MSS included)";
  cv::Message message;
  message.tlvs.emplace_back(scenario.connect_tlv(pg::tcp::sack_permitted()));
  auto encoded = cv::encode(message);
  pg::Bytes payload = encoded ? std::move(encoded.value()) : pg::Bytes{};
  pg::put_bytes(payload, early);
  scenario.connect(std::move(payload));
  const Reply reply = scenario.await_reply(2s);
  if (auto untouched = path_untouched(scenario, expected)) return *untouched;
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  const auto seen = synack_options_seen_by_put(scenario.wire());
  if (!seen) return CaseOutcome::error("the converter's reply came but no server SYN-ACK is in the log");
  if (auto problem = extended_header_problem(reply, *seen)) return CaseOutcome::violated(expected, *problem);
  // Keyword-free behaviour (CONV-I04): WARN, or FAIL under --strict.
  if (auto problem = early_data_problem(scenario, early)) return CaseOutcome::warn(expected, *problem);
  return CaseOutcome::pass(expected, fmt::format("Extended TCP Header {} as received; early data relayed",
                                                 hex(*seen)));
}

// A middlebox clamps the MSS of the client's SYN to 536: the converter's
// segments toward the client respect it, and the data arrives intact.
CaseOutcome client_mss_clamped(CaseContext& context) {
  constexpr std::uint16_t kClamp = 536;
  Scenario scenario(context);
  scenario.wire().add_middlebox({PathSide::ClientSide, Direction::ToPut, harness::emulate::ClampMss{kClamp}});
  harness::emulate::ServerScript script;
  script.speak_first.resize(1500);
  for (std::size_t i = 0; i < script.speak_first.size(); ++i)
    script.speak_first[i] = static_cast<std::uint8_t>('a' + i % 26);
  scenario.serve(script);
  const pg::Bytes early = text_bytes("clamped");
  const std::string expected = fmt::format(
      "no segment from the converter to the client carries more than {} payload bytes; the reply and the "
      "server's 1500 bytes arrive intact",
      kClamp);
  scenario.connect(scenario.base_connect(early), pg::tcp::mss(1460));
  const Reply reply = scenario.await_reply(2s);
  if (auto untouched = path_untouched(scenario, expected)) return *untouched;
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  const std::size_t total = reply.message->size + script.speak_first.size();
  if (!scenario.await_client_bytes(total, 2s))
    return CaseOutcome::violated(expected, fmt::format("the client stream holds {} of {} bytes\n{}",
                                                       scenario.client().tcp().received().size(), total,
                                                       scenario.recent()));
  const auto& stream = scenario.client().tcp().received();
  if (!std::equal(script.speak_first.begin(), script.speak_first.end(),
                  stream.begin() + static_cast<std::ptrdiff_t>(reply.message->size)))
    return CaseOutcome::violated(expected, "the server's bytes arrived altered after the reply");
  const auto oversized = harness::expect::matching(
      scenario.wire(), harness::expect::PacketFilter().from_put().side(PathSide::ClientSide).where(
                           "payload above the clamped MSS",
                           [](const harness::WireEvent& event) {
                             return event.tcp && event.tcp->segment.payload.size() > kClamp;
                           }));
  if (!oversized.empty())
    return CaseOutcome::violated(expected, "the converter exceeded the clamped MSS: " +
                                               harness::expect::describe_event(scenario.wire(), *oversized.front()));
  if (auto problem = early_data_problem(scenario, early)) return CaseOutcome::violated(expected, *problem);
  return CaseOutcome::pass(expected, fmt::format("{}; {} bytes relayed in segments of at most {} bytes",
                                                 reply.describe(), script.speak_first.size(), kClamp));
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
      .stimulus = "SYN with a TFO cookie request (22 02), a Base Connect and 12 bytes of early data; a middlebox "
                  "between client and converter removes the TFO option.",
      .expectation = "The converter's SYN-ACK acknowledges the whole SYN payload, its reply has no Error TLV, and "
                     "the server receives the 12 early bytes.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .run = tfo_option_stripped,
  });

  struct SynDataVariant {
    const char* id;
    const char* with;
    const char* stimulus;
    pg::Bytes options;
  };
  const pg::Bytes bogus_cookie{0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};
  for (auto variant : {SynDataVariant{"mbox-syn-data-without-tfo-option", "without TFO option",
                                      "no TFO option", {}},
                       SynDataVariant{"mbox-syn-data-with-tfo-request", "with a TFO cookie request (22 02)",
                                      "a TFO cookie request 22 02", pg::tcp::fast_open_request()},
                       SynDataVariant{"mbox-syn-data-with-bogus-tfo-cookie", "with a bogus TFO cookie (22 0A)",
                                      "a TFO option 22 0A with a cookie the converter never issued",
                                      pg::tcp::fast_open(bogus_cookie)}}) {
    registry.add({
        .id = variant.id,
        .requirements = {"CONV-I20", "AMB-13", "REF-06"},
        .section = "App. A.2",
        .level = Level::Behaviour,
        .case_class = CaseClass::Valid,
        .tags = {"tfo", "early-data"},
        .title = "A converter accepts data in the SYN regardless of the presence of a TFO option or cookie.",
        .stimulus = std::string("SYN with ") + variant.stimulus + ", a Base Connect and 8 bytes of early data.",
        .expectation = "The SYN-ACK acknowledges ISN + 1 + the SYN payload length; the reply has no Error TLV; the "
                       "server receives the 8 early bytes.",
        .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
        .run = [options = variant.options, with = std::string(variant.with)](CaseContext& context) {
          return syn_data_accepted(context, options, with);
        },
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
      .stimulus = "SYN with a Base Connect and 17 bytes of early data; a middlebox removes the SYN payload; the "
                  "client sends the unacknowledged bytes again after the handshake (RFC 7413).",
      .expectation = "No reply and nothing at the server; or a valid Convert reply and exactly the early data at "
                     "the server.",
      .accepted_outcomes = {"payload-less SYN ignored or connection closed without reply (AMB-13)",
                            "late Convert message taken: valid reply, early data relayed without Convert bytes"},
      .run = syn_payload_stripped,
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
      .stimulus = "SYN with a Base Connect and 16 bytes of early data, dropped on the path; the client then "
                  "sends a SYN without payload and the same message after the handshake.",
      .expectation = "No SYN at the server before the retry; then no reply and nothing at the server, or a valid "
                     "Convert reply and exactly the early data at the server.",
      .accepted_outcomes = {"payload-less SYN ignored or connection closed without reply (AMB-13)",
                            "late Convert message taken: valid reply, early data relayed without Convert bytes"},
      .run = syn_with_data_dropped,
  });

  struct SplitVariant {
    const char* id;
    const char* where;
    std::size_t keep;
    std::vector<std::size_t> cuts;
  };
  for (const auto& variant :
       {SplitVariant{"mbox-convert-split-at-byte-1", "after byte 1 (inside the header)", 1, {}},
        SplitVariant{"mbox-convert-split-at-byte-4", "after the fixed header (byte 4)", 4, {}},
        SplitVariant{"mbox-syn-payload-truncated-mid-tlv", "after byte 10 (inside the Connect TLV)", 10, {}},
        SplitVariant{"mbox-convert-resegmented", "after byte 1, the rest re-segmented at bytes 4, 10 and 26", 1,
                     {3, 9, 25}}}) {
    registry.add({
        .id = variant.id,
        .requirements = {"CONV-I20", "AMB-12", "AMB-13", "CONV-I04"},
        .section = "8",
        .level = Level::Behaviour,
        .case_class = CaseClass::Valid,
        .tags = {"middlebox", "early-data", "segmentation"},
        .title = "A converter acknowledges the part of the SYN payload that arrived and reassembles a Convert "
                 "message a middlebox split across segments.",
        .stimulus = std::string("SYN with a Base Connect and 24 bytes of early data; a middlebox cuts the SYN "
                                "payload ") +
                    variant.where + "; the client sends the rest after the handshake.",
        .expectation = "The SYN-ACK acknowledges exactly the bytes that arrived in the SYN; the reply has no Error "
                       "TLV; the server receives exactly the 24 early bytes.",
        .accepted_outcomes = {"reply in any segment after the message is complete"},
        .run = [keep = variant.keep, cuts = variant.cuts](CaseContext& context) {
          return convert_split(context, keep, cuts);
        },
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
      .stimulus = "MPTCP SYN (MP_CAPABLE) with a Base Connect and 12 bytes of early data; a middlebox removes "
                  "every MPTCP option on the way to the converter.",
      .expectation = "The converter's SYN-ACK has no MP_CAPABLE; the client falls back to TCP and gets a reply "
                     "without Error TLV; the server receives the 12 early bytes.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .run = mptcp_stripped_on_syn,
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
      .stimulus = "MPTCP SYN with a Base Connect and 19 bytes of early data; a middlebox removes every MPTCP "
                  "option the converter sends; the server sends 13 bytes first.",
      .expectation = "The client falls back (no MP_CAPABLE in the SYN-ACK it sees); it gets a reply without Error "
                     "TLV followed by the server's 13 bytes; the server receives the early data.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .run = mptcp_stripped_on_synack,
  });
  registry.add({
      .id = "mbox-synack-options-nop-overwritten",
      .requirements = {"CONV-028", "AMB-25"},
      .section = "6.2.6",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"middlebox", "options", "extended-tcp-header"},
      .title = "When a middlebox between converter and server overwrites options of the server's SYN-ACK with "
               "NOPs, the Extended TCP Header reports the options the converter received, verbatim.",
      .stimulus = "Extended Connect (04 02) with early data; the server's SYN-ACK carries MSS, SACK-Permitted, "
                  "Timestamps, NOP, Window Scale; a middlebox overwrites SACK-Permitted and Timestamps with NOPs.",
      .expectation = "The reply's Extended TCP Header TLV equals the SYN-ACK option bytes the converter received, "
                     "NOPs included.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .run = [](CaseContext& context) {
        return synack_options_changed(context, harness::emulate::NopOptions{{4, 8}});
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
      .stimulus = "Extended Connect (04 02) with early data; the server's SYN-ACK offers MSS 1460 and a middlebox "
                  "clamps it to 536.",
      .expectation = "The reply's Extended TCP Header TLV equals the SYN-ACK option bytes the converter received "
                     "(MSS 536).",
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .run = [](CaseContext& context) {
        return synack_options_changed(context, harness::emulate::ClampMss{536});
      },
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
      .stimulus = "SYN offering MSS 1460 with a Base Connect and early data; a middlebox clamps the MSS to 536; "
                  "the server sends 1500 bytes first.",
      .expectation = "No segment from the converter to the client carries more than 536 payload bytes; the client "
                     "receives the reply and then exactly the 1500 server bytes.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or a later segment"},
      .run = client_mss_clamped,
  });
}

}  // namespace convtest::cases
