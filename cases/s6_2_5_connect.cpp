// RFC 8803 section 6.2.5: the Connect TLV.

#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include "legacy/addressed_client.hpp"
#include "catalog.hpp"
#include "packetgen/convert_malformed.hpp"
#include "packetgen/tcp_options.hpp"
#include "legacy/scenario.hpp"

namespace convtest::cases {
using namespace legacy;  // TRANSITIONAL
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;
namespace kind = pg::tcp::kind;


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


// A refusal the converter may express as Malformed Message (echoing the
// Connect) or Not Authorized (value 0): AMB-22 leaves both open for the
// destinations RFC 8803 itself does not list.
CaseOutcome expect_malformed_or_not_authorized(Scenario& scenario, const Reply& reply, const std::string& expected,
                                               pg::ByteView sent) {
  const cv::ErrorTlv* error = reply.error_tlv();
  if (error == nullptr || error->code != cv::ErrorCode::NotAuthorized)
    return expect_error_reply(scenario, reply, cv::ErrorCode::MalformedMessage, expected, sent);
  if (error->value != 0)
    return CaseOutcome::violated(expected, fmt::format("Not Authorized with value {} instead of 0", error->value));
  if (scenario.downstream_syn_seen(200ms))
    return CaseOutcome::violated(expected, "the PUT answered with the Error TLV but also sent a SYN to the server");
  if (!scenario.await_close(2s))
    return CaseOutcome::violated(expected, "the PUT left the connection open after the Error TLV");
  if (auto early = scenario.early_reset_after_error(reply)) return CaseOutcome::violated(expected, *early);
  return CaseOutcome::pass(expected, reply.describe());
}

// "The Remote Peer IP Address MUST NOT be a multicast, broadcast or host
// loopback address": Malformed Message, a close, nothing sent there. The
// unspecified address is refused by recommendation (AMB-22).
CaseOutcome forbidden_destination(CaseContext& context, const cv::malformed::LabeledAddress& forbidden) {
  Scenario scenario(context);
  scenario.serve({});
  const pg::Bytes message =
      cv::MessageBuilder().add(cv::raw_connect(scenario.server_port(), forbidden.address)).build();
  const std::string expected = fmt::format(
      "Error 1 (Malformed Message) echoing the Connect TLV{}, then a close; no SYN toward any server ({})",
      forbidden.rfc_mandated ? "" : " (or Not Authorized, AMB-22)", forbidden.label);
  scenario.connect(message);
  const Reply reply = scenario.await_reply(2s);
  if (forbidden.rfc_mandated)
    return expect_error_reply(scenario, reply, cv::ErrorCode::MalformedMessage, expected, message);
  return expect_malformed_or_not_authorized(scenario, reply, expected, message);
}

// AMB-22: port 0 is no destination (Malformed Message); the converter's
// own Convert endpoint would loop through it (Not Authorized).
CaseOutcome unusable_destination(CaseContext& context, bool own_endpoint) {
  Scenario scenario(context);
  scenario.serve({});
  cv::Ipv6Address address = scenario.server_in_connect();
  std::uint16_t port = 0;
  if (own_endpoint) {
    const auto bytes = scenario.put_address().view();
    address = cv::ipv4_mapped((std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                              (std::uint32_t{bytes[2]} << 8) | bytes[3]);
    port = scenario.put_port();
  }
  const pg::Bytes message = cv::MessageBuilder().add(cv::raw_connect(port, address)).build();
  scenario.connect(message);
  const Reply reply = scenario.await_reply(2s);
  if (own_endpoint) {
    const std::string expected = fmt::format(
        "Error 32 (Not Authorized, value 0) for a Connect to the converter's own {}.{}, then a close; no new "
        "connection to the converter",
        scenario.put_address().to_string(), scenario.put_port());
    const cv::ErrorTlv* error = reply.error_tlv();
    if (error == nullptr || error->code != cv::ErrorCode::NotAuthorized || error->value != 0)
      return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
    if (!scenario.await_close(2s))
      return CaseOutcome::violated(expected, "the PUT left the connection open after the Error TLV");
    return CaseOutcome::pass(expected, reply.describe());
  }
  const std::string expected = "Error 1 (Malformed Message) echoing the Connect to port 0 (or Not Authorized), then "
                               "a close; no SYN toward the server";
  return expect_malformed_or_not_authorized(scenario, reply, expected, message);
}

// "For a Base Connect, the converter uses by default the TCP options of its
// local policy": the client's own SYN options are not mirrored downstream.
CaseOutcome base_connect_own_options(CaseContext& context) {
  Scenario scenario(context);
  scenario.serve({});
  pg::Bytes client_options = pg::tcp::mss(1400);
  pg::put_bytes(client_options, pg::tcp::nop());
  pg::put_bytes(client_options, pg::tcp::window_scale(14));
  pg::put_bytes(client_options, pg::tcp::raw_option(253, pg::Bytes{0xc0, 0x4e, 0x77, 0x01}));
  pg::put_bytes(client_options, pg::tcp::nop());
  pg::put_bytes(client_options, pg::tcp::nop());
  const std::string expected =
      "the converter's SYN to the server carries its own options: no experimental kind 253 and no Window Scale 14 "
      "copied from the client's SYN";
  scenario.connect(scenario.base_connect(), client_options);
  const Reply reply = scenario.await_reply(2s);
  if (scenario.server().syn_count() == 0)
    return CaseOutcome::violated(expected, "no SYN reached the server: " + reply.describe());
  const pg::Bytes& downstream = scenario.server().syns().front().segment.segment.options;
  const auto parsed = pg::tcp::parse_options(downstream);
  if (parsed.find(253) != nullptr)
    return CaseOutcome::violated(expected, fmt::format("the downstream SYN options {} carry the client's kind 253",
                                                       hex(downstream)));
  if (const auto* scale = parsed.find(kind::WindowScale)) {
    const auto* shift = std::get_if<pg::tcp::WindowScaleOption>(&scale->value);
    if (shift != nullptr && shift->shift == 14)
      return CaseOutcome::violated(expected, fmt::format("the downstream SYN options {} carry the client's Window "
                                                         "Scale 14",
                                                         hex(downstream)));
  }
  return CaseOutcome::pass(expected, fmt::format("client SYN options {}; downstream SYN options {}",
                                                 hex(client_options), hex(downstream)));
}

// What an Extended Connect asked for and how the downstream SYN must show it.
struct Requested {
  pg::Bytes option;  // as placed in the Connect TLV
  std::string expected;
  std::function<std::optional<std::string>(const pg::tcp::ParsedOptions&)> violation;
};

// "An Extended Connect whose options are all supported makes the converter
// attempt the connection with the requested options (and its own); options
// requested without a value get a value the converter generates."
CaseOutcome extended_connect(CaseContext& context, const Requested& requested) {
  Scenario scenario(context);
  scenario.serve({});
  cv::Message message;
  message.tlvs.emplace_back(scenario.connect_tlv(requested.option));
  const auto encoded = cv::encode(message);
  if (!encoded) return CaseOutcome::error("could not encode the Extended Connect");
  scenario.connect(encoded.value());
  const Reply reply = scenario.await_reply(2s);
  if (scenario.server().syn_count() == 0)
    return CaseOutcome::violated(requested.expected, "no SYN reached the server (CONV-023): " + reply.describe() +
                                                         "\n" + scenario.recent());
  const pg::Bytes& downstream = scenario.server().syns().front().segment.segment.options;
  if (auto violation = requested.violation(pg::tcp::parse_options(downstream)))
    return CaseOutcome::violated(requested.expected,
                                 fmt::format("downstream SYN options {}: {}", hex(downstream), *violation));
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(requested.expected, "the server accepted but the reply was " + reply.describe());
  return CaseOutcome::pass(requested.expected, fmt::format("Connect options {}; downstream SYN options {}",
                                                           hex(requested.option), hex(downstream)));
}

Requested sack_requested() {
  return {pg::tcp::sack_permitted(), "a SYN at the server carrying SACK-Permitted (04 02), then a success reply",
          [](const pg::tcp::ParsedOptions& syn) -> std::optional<std::string> {
            if (syn.find(kind::SackPermitted) == nullptr) return "no SACK-Permitted although the Connect asked for it";
            return std::nullopt;
          }};
}

Requested timestamps_generated() {
  return {pg::Bytes{kind::Timestamps, 2},
          "a SYN at the server carrying a Timestamps option of length 10 with a non-zero TSval the converter "
          "generated, then a success reply",
          [](const pg::tcp::ParsedOptions& syn) -> std::optional<std::string> {
            const auto* option = syn.find(kind::Timestamps);
            if (option == nullptr) return "no Timestamps option although the Connect asked for 08 02";
            const auto* value = std::get_if<pg::tcp::TimestampsOption>(&option->value);
            if (option->malformed || value == nullptr)
              return fmt::format("the Timestamps option {} is not 10 bytes long: the 08 02 was copied instead of "
                                 "generated",
                                 hex(option->bytes));
            if (value->tsval == 0) return "TSval is 0: no value was generated";
            return std::nullopt;
          }};
}

Requested mp_capable_generated() {
  return {pg::Bytes{kind::Mptcp, 2},
          "a SYN at the server carrying an MP_CAPABLE option (kind 30 subtype 0, version 1) the converter built, "
          "then a success reply (the plain-TCP server makes the converter fall back)",
          [](const pg::tcp::ParsedOptions& syn) -> std::optional<std::string> {
            const auto* option = syn.find_mptcp(pg::tcp::mptcp::Subtype::MpCapable);
            if (option == nullptr) {
              const auto* raw = syn.find(kind::Mptcp);
              if (raw != nullptr) return fmt::format("kind 30 present but no MP_CAPABLE: {}", hex(raw->bytes));
              return "no MP_CAPABLE although the Connect asked for 1E 02";
            }
            const auto* value = std::get_if<pg::tcp::MpCapableOption>(&option->value);
            if (option->malformed || value == nullptr) return "a malformed MP_CAPABLE: " + hex(option->bytes);
            if (value->version == 0) return "MP_CAPABLE version 0 (RFC 6824), not the RFC 8684 version 1";
            return std::nullopt;
          }};
}

Requested tfo_request_generated() {
  return {pg::tcp::fast_open_request(),
          "a SYN at the server carrying a TCP Fast Open option (kind 34), here a cookie request of length 2, then a "
          "success reply",
          [](const pg::tcp::ParsedOptions& syn) -> std::optional<std::string> {
            const auto* option = syn.find(kind::FastOpen);
            if (option == nullptr) return "no TCP Fast Open option although the Connect asked for 22 02";
            if (option->malformed) return "a malformed TCP Fast Open option: " + hex(option->bytes);
            return std::nullopt;
          }};
}

// "Options requested with a value are copied verbatim into the SYN": the
// client presents the TFO cookie it learnt through this converter's
// Extended TCP Header (RFC 8803 section 7.4), as a real client does.
CaseOutcome tfo_cookie_copied(CaseContext& context) {
  Scenario scenario(context);
  const pg::Bytes server_cookie{0x5e, 0x7f, 0x0c, 0x00, 0x4b, 0x1e, 0xd1, 0x02};
  harness::emulate::ServerScript script;
  script.synack_options = harness::emulate::synack_options::tfo_cookie(server_cookie);
  scenario.serve(script);
  const pg::Bytes cookie_option = pg::tcp::fast_open(server_cookie);
  const std::string expected = fmt::format(
      "after a first Extended Connect with 22 02 (the server's SYN-ACK grants cookie {}), a second Extended Connect "
      "with {} makes the converter send a SYN carrying exactly those {} bytes",
      hex(server_cookie), hex(cookie_option), cookie_option.size());

  const pg::Bytes early = text_bytes("early");
  cv::Message learn;
  learn.tlvs.emplace_back(scenario.connect_tlv(pg::tcp::fast_open_request()));
  auto first_message = cv::encode(learn);
  if (!first_message) return CaseOutcome::error("could not encode the Extended Connect");
  scenario.connect(first_message.value());
  const Reply first = scenario.await_reply(2s);
  const auto* header = first.ok() ? first.message->message.find<cv::ExtendedTcpHeaderTlv>() : nullptr;
  if (header == nullptr ||
      std::search(header->options.begin(), header->options.end(), cookie_option.begin(), cookie_option.end()) ==
          header->options.end())
    return CaseOutcome::violated(expected, "the server's TFO cookie was not relayed in the Extended TCP Header of "
                                           "the first reply (CONV-059): " + first.describe());

  const std::size_t syns_before = scenario.server().syn_count();
  cv::Message use;
  use.tlvs.emplace_back(scenario.connect_tlv(cookie_option));
  auto second_message = cv::encode(use);
  if (!second_message) return CaseOutcome::error("could not encode the Extended Connect");
  pg::put_bytes(second_message.value(), early);
  AddressedClient second(scenario, scenario.client_address());
  second.connect(second_message.value());
  const Reply reply = second.await_reply(2s);
  if (scenario.server().syn_count() <= syns_before)
    return CaseOutcome::violated(expected, "no SYN reached the server for the second request: " + reply.describe());
  const pg::Bytes& downstream = scenario.server().syns()[syns_before].segment.segment.options;
  const auto parsed = pg::tcp::parse_options(downstream);
  const auto* tfo = parsed.find(kind::FastOpen);
  if (tfo == nullptr || tfo->bytes != cookie_option)
    return CaseOutcome::violated(expected, fmt::format("the second downstream SYN carries {} (options {})",
                                                       tfo == nullptr ? "no TFO option" : hex(tfo->bytes),
                                                       hex(downstream)));
  return CaseOutcome::pass(expected, fmt::format("second downstream SYN options {}", hex(downstream)));
}

std::string id_part(std::string_view label) {
  std::string out;
  for (const char c : label) {
    const char mapped = (c == '.' || c == ':') ? '-' : c;
    if (mapped == '-' && (out.empty() || out.back() == '-')) continue;
    out += mapped;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
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

  for (const auto& forbidden : cv::malformed::forbidden_destinations()) {
    if (forbidden.label == "loopback-ipv4-mapped-127.0.0.1") continue;  // connect-loopback-v4-mapped
    const std::string address = pg::to_hex(pg::ByteView(forbidden.address));
    registry.add({
        .id = "connect-forbidden-" + id_part(forbidden.label),
        .requirements = forbidden.rfc_mandated ? std::vector<std::string>{"CONV-021", "CONV-037", "CONV-017"}
                                               : std::vector<std::string>{"AMB-22", "CONV-017"},
        .section = "6.2.5",
        .level = forbidden.rfc_mandated ? Level::Must : Level::Should,
        .case_class = CaseClass::Invalid,
        .tags = {"connect", "address", "error", std::string(cv::name(forbidden.address_class))},
        .title = forbidden.rfc_mandated
                     ? "A Connect TLV naming a " + std::string(cv::name(forbidden.address_class)) +
                           " address is answered with Malformed Message, then the connection is closed."
                     : "A Connect TLV naming the unspecified address is refused (AMB-22: Malformed Message "
                       "recommended).",
        .stimulus = "SYN carrying a Base Connect to " + forbidden.label + " (" + address + ") port 80.",
        .expectation = "Error TLV code 1 echoing the Connect TLV on a 32-bit boundary, a FIN (no RST before the "
                       "client acknowledged the error), and no SYN toward any server.",
        .accepted_outcomes = forbidden.rfc_mandated
                                 ? std::vector<std::string>{"Error 1 in the SYN-ACK payload or a later segment, "
                                                            "then FIN"}
                                 : std::vector<std::string>{"Error 1 echoing the Connect, then FIN",
                                                            "Error 32 with value 0, then FIN"},
        .negative = true,
        .run = [forbidden](CaseContext& context) { return forbidden_destination(context, forbidden); },
    });
  }

  registry.add({
      .id = "connect-port-zero-refused",
      .requirements = {"AMB-22", "CONV-017"},
      .section = "6.2.5",
      .level = Level::Should,
      .case_class = CaseClass::Invalid,
      .tags = {"connect", "address", "error"},
      .title = "A Connect TLV naming port 0 is refused (AMB-22: Malformed Message recommended).",
      .stimulus = "SYN carrying a Base Connect to ::ffff:198.51.100.10 port 0.",
      .expectation = "Error TLV code 1 echoing the Connect TLV (or 32), then FIN; no SYN toward the server.",
      .accepted_outcomes = {"Error 1 echoing the Connect, then FIN", "Error 32 with value 0, then FIN"},
      .negative = true,
      .run = [](CaseContext& context) { return unusable_destination(context, false); },
  });
  registry.add({
      .id = "connect-own-endpoint-not-authorized",
      .requirements = {"AMB-22", "CONV-041"},
      .section = "6.2.5",
      .level = Level::Should,
      .case_class = CaseClass::Invalid,
      .tags = {"connect", "address", "authorization", "error"},
      .title = "A Connect TLV naming the converter's own address and Convert port (a proxy loop) is answered with "
               "Not Authorized.",
      .stimulus = "SYN carrying a Base Connect to the converter's own IPv4 address (IPv4-mapped) and Convert port.",
      .expectation = "Error TLV 1E 01 20 00, then FIN.",
      .accepted_outcomes = {"Error 32 in the SYN-ACK payload or a later segment, then FIN"},
      .negative = true,
      .run = [](CaseContext& context) { return unusable_destination(context, true); },
  });
  registry.add({
      .id = "connect-base-own-syn-options",
      .requirements = {"CONV-022"},
      .section = "6.2.5",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"connect", "tcp-options"},
      .title = "For a Base Connect the converter uses the TCP options of its own policy in the SYN to the server, "
               "not the options of the client's SYN.",
      .stimulus = "Client SYN with options MSS 1400, NOP, Window Scale 14, experimental kind 253 (FD 06 C0 4E 77 "
                  "01), NOP, NOP, carrying a Base Connect to 198.51.100.10:80.",
      .expectation = "The converter's SYN to the server carries neither kind 253 nor Window Scale 14.",
      .accepted_outcomes = {"any option set of the converter's own (e.g. Linux: MSS, SACK-Permitted, TS, WS 7)"},
      .unkillable_reason = "convproxy's downstream SYN is built by the kernel, which cannot be made to copy the "
                           "client's SYN options",
      .run = base_connect_own_options,
  });

  const auto extended = [](std::string id, std::vector<std::string> requirements, std::string title,
                           std::string stimulus, Requested (*requested)(), std::vector<Feature> needs) {
    harness::CaseSpec spec{
        .id = std::move(id),
        .requirements = std::move(requirements),
        .section = "6.2.5",
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = {"connect", "extended-connect", "tcp-options"},
        .needs = needs,
        .title = std::move(title),
        .stimulus = std::move(stimulus),
        .expectation = requested().expected + ".",
        .accepted_outcomes = {"the requested option among the converter's own options, in any order"},
    };
    for (Feature feature : needs)
      if (feature == Feature::Mptcp) spec.tags.emplace_back("mptcp");
    spec.run = [requested](CaseContext& context) { return extended_connect(context, requested()); };
    return spec;
  };
  registry.add(extended("connect-extended-sack-permitted", {"CONV-023", "CONV-024"},
                        "An Extended Connect whose options are all supported makes the converter attempt the "
                        "connection, with the requested options in its SYN.",
                        "SYN carrying an Extended Connect asking for SACK-Permitted (04 02); the server accepts.",
                        sack_requested, {}));
  registry.add(extended("connect-extended-timestamps-generated", {"CONV-025", "CONV-024"},
                        "An option requested without a value (length 2) is generated by the converter: 08 02 "
                        "becomes a 10-byte Timestamps option with the converter's own TSval.",
                        "SYN carrying an Extended Connect asking for Timestamps without value (08 02).",
                        timestamps_generated, {}));
  registry.add(extended("connect-extended-mp-capable-generated", {"CONV-025", "CONV-024"},
                        "An Extended Connect asking for MPTCP without value (1E 02) makes the converter send its "
                        "own MP_CAPABLE in the SYN to the server.",
                        "SYN carrying an Extended Connect asking for MPTCP (1E 02); the server is plain TCP.",
                        mp_capable_generated, {Feature::Mptcp}));
  registry.add(extended("connect-extended-tfo-request-generated", {"CONV-059", "CONV-058", "CONV-025", "CONV-024"},
                        "An Extended Connect asking for TCP Fast Open without value (22 02) makes the converter "
                        "send a TFO option of its own (a cookie request) in the SYN to the server.",
                        "SYN carrying an Extended Connect asking for TFO (22 02); the converter has no cookie for "
                        "the server yet.",
                        tfo_request_generated, {Feature::TfoUpstream}));
  registry.add({
      .id = "connect-extended-tfo-cookie-copied",
      .requirements = {"CONV-060", "CONV-059", "CONV-026", "CONV-024"},
      .section = "6.2.5",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"connect", "extended-connect", "tcp-options", "tfo"},
      .needs = {Feature::TfoUpstream},
      .title = "An option requested with a value is copied verbatim into the SYN to the server: the TFO cookie "
               "the client learnt through the converter.",
      .stimulus = "First connection: Extended Connect with 22 02; the server's SYN-ACK grants an 8-byte TFO "
                  "cookie, which the converter returns in its Extended TCP Header. Second connection (same client "
                  "address, new port): Extended Connect with 22 0A <that cookie> and 5 bytes of early data.",
      .expectation = "The converter's SYN for the second connection carries the 10 bytes 22 0A <cookie> exactly.",
      .accepted_outcomes = {"the TFO option anywhere among the converter's own options"},
      .run = tfo_cookie_copied,
  });
}

}  // namespace convtest::cases
