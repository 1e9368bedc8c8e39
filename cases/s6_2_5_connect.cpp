// RFC 8803 section 6.2.5: the Connect TLV.

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "catalog.hpp"
#include "harness/lab/host_service.hpp"
#include "harness/lab/lab.hpp"
#include "kit/judge.hpp"
#include "packetgen/convert_malformed.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;
namespace kind = pg::tcp::kind;

constexpr std::string_view kConnectEarlyData = "GET / HTTP/1.0\r\n\r\n";
constexpr std::string_view kServerData = "HTTP/1.0 200 OK\r\n\r\nhello from the legacy server";
constexpr std::string_view kLoopbackV4 = "127.0.0.1";
constexpr std::uint16_t kPortZero = 0;
// A service of the converter's own host (an HTTP admin page, say), bound to
// the wildcard address; the next port when the Convert port is this one.
constexpr std::uint16_t kHostServicePort = 8081;
constexpr std::string_view kHostServiceBanner = "host-service: private to the converter's host\r\n";
constexpr auto kHostServiceWatch = 500ms;

// The client's own SYN options a Base Connect must not carry downstream.
constexpr std::uint16_t kClientMss = 1400;
constexpr std::uint8_t kClientWindowShift = 14;
constexpr std::uint8_t kExperimentalKind = 253;
constexpr std::array<std::uint8_t, 4> kExperimentalValue{0xc0, 0x4e, 0x77, 0x01};

// The TFO cookie the emulated server grants, and the early data sent with it.
const pg::Bytes kServerTfoCookie{0x5e, 0x7f, 0x0c, 0x00, 0x4b, 0x1e, 0xd1, 0x02};
constexpr std::string_view kTfoEarlyData = "early";

pg::Bytes experimental_option() { return pg::tcp::raw_option(kExperimentalKind, kExperimentalValue); }

pg::Bytes client_syn_options() {
  pg::Bytes options = pg::tcp::mss(kClientMss);
  pg::put_bytes(options, pg::tcp::nop());
  pg::put_bytes(options, pg::tcp::window_scale(kClientWindowShift));
  pg::put_bytes(options, experimental_option());
  pg::put_bytes(options, pg::tcp::nop());
  pg::put_bytes(options, pg::tcp::nop());
  return options;
}

// The kind and length bytes of a TCP option, as prose writes them: "22 0A".
std::string option_head_text(pg::ByteView option) { return wire_text(option.first(2)); }

// A hand-made Base Connect: the encoder would refuse these destinations.
pg::Bytes raw_base_connect(std::uint16_t port, const cv::Ipv6Address& address) {
  return cv::MessageBuilder().add(cv::raw_connect(port, address)).build();
}

const std::vector<AcceptedError> kMalformedOnly{{cv::ErrorCode::MalformedMessage}};
// AMB-22 leaves both open for the destinations RFC 8803 itself does not list.
const std::vector<AcceptedError> kMalformedOrNotAuthorized{{cv::ErrorCode::MalformedMessage},
                                                           {cv::ErrorCode::NotAuthorized, 0}};

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

// AMB-22: a Connect to one of the converter's own addresses reaches its
// host's services (whatever listens on a wildcard address), not a server.
CaseOutcome own_host_service_refused(CaseContext& context) {
  Scenario scenario(context);
  const harness::Netns* netns = context.the_lab().netns();
  if (netns == nullptr) return CaseOutcome::skip("the PUT's host is remote: the harness cannot start a service on it");
  const std::uint16_t port = scenario.put_port() == kHostServicePort ? kHostServicePort + 1 : kHostServicePort;
  auto service = harness::HostService::open(*netns, port, text_bytes(kHostServiceBanner));
  if (!service)
    return CaseOutcome::inconclusive(
        fmt::format("no service could listen on port {} of the PUT's host: {}", port, service.error()));
  scenario.serve();
  const pg::Bytes message = raw_base_connect(port, cv::connect_address(scenario.put_address()));
  auto& client = scenario.connect(message);
  const Reply reply = client.await_reply(2s);
  const std::size_t banner_size = kHostServiceBanner.size();
  (void)scenario.await(
      "the host service's banner at the client",
      [&] { return (*service)->poll() > 0 && client.reply().after_message().size() >= banner_size; },
      kHostServiceWatch);
  if ((*service)->connections() > 0)
    return CaseOutcome::violated(
        fmt::format("the converter connected to its own host's service at {} port {} ({}); "
                    "the client then received {} bytes after the reply",
                    scenario.put_address().to_string(), port, reply.describe(), client.reply().after_message().size()));
  return judge_error_reply(client, reply, {.accepted = {{cv::ErrorCode::NotAuthorized, 0}}, .echo_of = message});
}

// "A Base Connect makes the converter open the connection to the server
// named in the TLV, answer with a Convert message, relay the early data and
// then the server's bytes, with nothing of the Convert message leaking."
CaseOutcome base_connect_with_early_data(CaseContext& context, Family family) {
  Scenario scenario(context, family);
  const pg::Bytes early = text_bytes(kConnectEarlyData);
  const pg::Bytes server_data = text_bytes(kServerData);
  scenario.serve({.speak_first = server_data});
  auto& client = scenario.connect(scenario.base_connect(early));

  const Reply reply = client.await_reply(2s);
  if (auto failed = verify_success(client, reply)) return *failed;
  if (scenario.server().syn_count() == 0)
    return CaseOutcome::violated("a Convert reply but no SYN ever reached the server");
  if (auto failed = verify_client_received_after_reply(client, reply, server_data)) return *failed;

  // Keyword-free behaviour (section 4.3, App. A.2): WARN, or FAIL under --strict.
  if (client.tcp().syn_payload_acked() == false)
    return CaseOutcome::warn(
        "the PUT's SYN-ACK did not acknowledge the SYN payload (CONV-I20): a client must then "
        "stop using this converter (section 8)");
  if (auto failed = verify_server_received(scenario, early))
    return CaseOutcome::warn(failed->observed + " (CONV-I04: the Convert message must be stripped, data relayed once)");
  return CaseOutcome::pass(
      fmt::format("{}; the server got the {} early bytes once and the client the server's bytes "
                  "right after the reply",
                  reply.describe(), early.size()));
}

// A refused destination: an accepted Error TLV echoing the Connect, a
// close, and nothing sent toward any server.
CaseOutcome refused_destination(CaseContext& context, std::uint16_t port, const cv::Ipv6Address& address,
                                const std::vector<AcceptedError>& accepted) {
  Scenario scenario(context);
  scenario.serve();
  const pg::Bytes message = raw_base_connect(port, address);
  auto& client = scenario.connect(message);
  return judge_error_reply(client, client.await_reply(2s), {.accepted = accepted, .echo_of = message});
}

// What an Extended Connect asks for and how the downstream SYN must show it.
struct ExtendedRow {
  std::string id;
  std::vector<std::string> requirements;
  std::string title;
  std::string stimulus_start;  // followed by the option bytes and the rest of the stimulus
  std::string stimulus_end;
  pg::Bytes option;  // as placed in the Connect TLV
  std::string expectation;
  std::optional<std::string> (*violation)(const pg::tcp::ParsedOptions& syn);
  std::vector<Feature> needs;
};

std::optional<std::string> sack_missing(const pg::tcp::ParsedOptions& syn) {
  if (syn.find(kind::SackPermitted) == nullptr) return "no SACK-Permitted although the Connect asked for it";
  return std::nullopt;
}

std::optional<std::string> timestamps_not_generated(const pg::tcp::ParsedOptions& syn) {
  const auto* option = syn.find(kind::Timestamps);
  if (option == nullptr) return "no Timestamps option although the Connect asked for 08 02";
  const auto* value = std::get_if<pg::tcp::TimestampsOption>(&option->value);
  if (option->malformed || value == nullptr)
    return fmt::format("the Timestamps option {} is not 10 bytes long: the 08 02 was copied instead of generated",
                       hex(option->bytes));
  if (value->tsval == 0) return "TSval is 0: no value was generated";
  return std::nullopt;
}

std::optional<std::string> mp_capable_not_generated(const pg::tcp::ParsedOptions& syn) {
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
}

std::optional<std::string> tfo_not_generated(const pg::tcp::ParsedOptions& syn) {
  const auto* option = syn.find(kind::FastOpen);
  if (option == nullptr) return "no TCP Fast Open option although the Connect asked for 22 02";
  if (option->malformed) return "a malformed TCP Fast Open option: " + hex(option->bytes);
  return std::nullopt;
}

std::vector<ExtendedRow> extended_rows() {
  return {
      {"connect-extended-sack-permitted",
       {"CONV-023", "CONV-024"},
       "An Extended Connect whose options are all supported makes the converter attempt the connection, with the "
       "requested options in its SYN.",
       "SYN carrying an Extended Connect asking for SACK-Permitted",
       "; the server accepts.",
       pg::tcp::sack_permitted(),
       "a SYN at the server carrying SACK-Permitted (04 02), then a success reply",
       sack_missing,
       {}},
      {"connect-extended-timestamps-generated",
       {"CONV-025", "CONV-024"},
       "An option requested without a value (length 2) is generated by the converter: 08 02 becomes a 10-byte "
       "Timestamps option with the converter's own TSval.",
       "SYN carrying an Extended Connect asking for Timestamps without value",
       ".",
       pg::Bytes{kind::Timestamps, 2},
       "a SYN at the server carrying a Timestamps option of length 10 with a non-zero TSval the converter "
       "generated, then a success reply",
       timestamps_not_generated,
       {}},
      {"connect-extended-mp-capable-generated",
       {"CONV-025", "CONV-024"},
       "An Extended Connect asking for MPTCP without value (1E 02) makes the converter send its own MP_CAPABLE in "
       "the SYN to the server.",
       "SYN carrying an Extended Connect asking for MPTCP",
       "; the server is plain TCP.",
       pg::Bytes{kind::Mptcp, 2},
       "a SYN at the server carrying an MP_CAPABLE option (kind 30 subtype 0, version 1) the converter built, then "
       "a success reply (the plain-TCP server makes the converter fall back)",
       mp_capable_not_generated,
       {Feature::Mptcp}},
      {"connect-extended-tfo-request-generated",
       {"CONV-059", "CONV-058", "CONV-025", "CONV-024"},
       "An Extended Connect asking for TCP Fast Open without value (22 02) makes the converter send a TFO option "
       "of its own (a cookie request) in the SYN to the server.",
       "SYN carrying an Extended Connect asking for TFO",
       "; the converter has no cookie for the server yet.",
       pg::tcp::fast_open_request(),
       "a SYN at the server carrying a TCP Fast Open option (kind 34), here a cookie request of length 2, then a "
       "success reply",
       tfo_not_generated,
       {Feature::TfoUpstream}},
  };
}

// "An Extended Connect whose options are all supported makes the converter
// attempt the connection with the requested options (and its own); options
// requested without a value get a value the converter generates."
CaseOutcome extended_connect(CaseContext& context, const ExtendedRow& row) {
  Scenario scenario(context);
  scenario.serve();
  auto& client = scenario.connect(scenario.message({scenario.connect_tlv(row.option)}));
  const Reply reply = client.await_reply(2s);
  if (scenario.server().syn_count() == 0)
    return CaseOutcome::violated("no SYN reached the server (CONV-023): " + reply.describe() + "\n" + client.recent());
  const pg::Bytes& downstream = scenario.server().syns().front().segment.segment.options;
  if (auto violation = row.violation(pg::tcp::parse_options(downstream)))
    return CaseOutcome::violated(fmt::format("downstream SYN options {}: {}", hex(downstream), *violation));
  if (!reply.success()) return CaseOutcome::violated("the server accepted but the reply was " + reply.describe());
  return CaseOutcome::pass(
      fmt::format("Connect options {}; downstream SYN options {}", hex(row.option), hex(downstream)));
}

}  // namespace

void register_s6_2_5_connect(harness::Registry& registry) {
  for (const Family family : {Family::V4, Family::V6}) {
    const bool v6 = family == Family::V6;
    registry.add({
        .id = v6 ? "connect-base-ipv6-early-data" : "connect-base-ipv4-early-data",
        .requirements = {"CONV-I11", "CONV-007", "CONV-010", "CONV-006", "CONV-011", "CONV-I04", "CONV-I20"},
        .section = "6.2.5",
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = {v6 ? "ipv6" : "ipv4", "connect", "early-data", "relay"},
        .needs = v6 ? std::vector<Feature>{Feature::Ipv6} : std::vector<Feature>{},
        .title = "A Base Connect is proxied: the converter connects to the server named in the TLV, replies "
                 "with a Convert message first, strips it from what it relays and relays the early data.",
        .stimulus = fmt::format("SYN to the converter carrying a Base Connect to the server {} followed by {} bytes "
                                "of early data; the server accepts (SYN-ACK with MSS) and sends {} bytes first.",
                                server_endpoint_text(family), kConnectEarlyData.size(), kServerData.size()),
        .expectation = "A SYN reaches the server; the client stream starts with a valid v1 Convert message without "
                       "Error TLV, followed exactly by the server's bytes; the SYN payload is acknowledged; the "
                       "server receives exactly the early data, once.",
        .accepted_outcomes = {"reply in the SYN-ACK payload or in the first data segment",
                              "header-only reply or header + Extended TCP Header (AMB-02)"},
        .dimensions = dimensions::kAnyTransport,
        .run = [family](CaseContext& context) { return base_connect_with_early_data(context, family); },
    });
  }

  // "The Remote Peer IP Address MUST NOT be a host loopback address."
  registry.add({
      .id = "connect-loopback-v4-mapped",
      .requirements = {"CONV-021", "CONV-037", "CONV-017"},
      .section = "6.2.5",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"ipv4", "connect", "address", "error"},
      .title = "A Connect TLV naming a host loopback address is answered with Malformed Message, then the "
               "connection is closed.",
      .stimulus = fmt::format("SYN carrying a Base Connect to ::ffff:{} port {}.", kLoopbackV4, kServerPort),
      .expectation = "Error TLV code 1 echoing the Connect TLV on a 32-bit boundary, a FIN (no RST before the "
                     "client acknowledged the error), and no SYN toward any server.",
      .accepted_outcomes = {"Error 1 in the SYN-ACK payload or in a later segment, then FIN"},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            return refused_destination(context, kServerPort, cv::ipv4_mapped(kLoopbackV4), kMalformedOnly);
          },
  });

  // "The Remote Peer IP Address MUST NOT be a multicast, broadcast or host
  // loopback address"; the unspecified address is refused by recommendation (AMB-22).
  for (const auto& forbidden : cv::malformed::forbidden_destinations()) {
    if (forbidden.label == fmt::format("loopback-ipv4-mapped-{}", kLoopbackV4)) continue;  // connect-loopback-v4-mapped
    registry.add({
        .id = "connect-forbidden-" + id_part(forbidden.label),
        .requirements = forbidden.rfc_mandated ? std::vector<std::string>{"CONV-021", "CONV-037", "CONV-017"}
                                               : std::vector<std::string>{"AMB-22", "CONV-017"},
        .section = "6.2.5",
        .level = forbidden.rfc_mandated ? Level::Must : Level::Should,
        .case_class = CaseClass::Invalid,
        .tags = {"connect", "address", "error", std::string(cv::name(forbidden.address_class))},
        .title = forbidden.rfc_mandated
                     ? fmt::format("A Connect TLV naming a {} address is answered with Malformed Message, then the "
                                   "connection is closed.",
                                   cv::name(forbidden.address_class))
                     : "A Connect TLV naming the unspecified address is refused (AMB-22: Malformed Message "
                       "recommended).",
        .stimulus = fmt::format("SYN carrying a Base Connect to {} ({}) port {}.", forbidden.label,
                                pg::to_hex(pg::ByteView(forbidden.address)), kServerPort),
        .expectation = "Error TLV code 1 echoing the Connect TLV on a 32-bit boundary, a FIN (no RST before the "
                       "client acknowledged the error), and no SYN toward any server.",
        .accepted_outcomes =
            forbidden.rfc_mandated
                ? std::vector<std::string>{"Error 1 in the SYN-ACK payload or a later segment, "
                                           "then FIN"}
                : std::vector<std::string>{"Error 1 echoing the Connect, then FIN", "Error 32 with value 0, then FIN"},
        .negative = true,
        .dimensions = dimensions::kAnyClient,
        .run =
            [forbidden](CaseContext& context) {
              return refused_destination(context, kServerPort, forbidden.address,
                                         forbidden.rfc_mandated ? kMalformedOnly : kMalformedOrNotAuthorized);
            },
    });
  }

  // AMB-22: port 0 is no destination (Malformed Message recommended).
  registry.add({
      .id = "connect-port-zero-refused",
      .requirements = {"AMB-22", "CONV-017"},
      .section = "6.2.5",
      .level = Level::Should,
      .case_class = CaseClass::Invalid,
      .tags = {"connect", "address", "error"},
      .title =
          fmt::format("A Connect TLV naming port {} is refused (AMB-22: Malformed Message recommended).", kPortZero),
      .stimulus = fmt::format("SYN carrying a Base Connect to ::ffff:{} port {}.",
                              server_address(Family::V4).to_string(), kPortZero),
      .expectation = "Error TLV code 1 echoing the Connect TLV (or 32), then FIN; no SYN toward the server.",
      .accepted_outcomes = {"Error 1 echoing the Connect, then FIN", "Error 32 with value 0, then FIN"},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            return refused_destination(context, kPortZero, cv::connect_address(server_address(Family::V4)),
                                       kMalformedOrNotAuthorized);
          },
  });

  // AMB-22: the converter's own Convert endpoint would loop through it.
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
      .expectation = fmt::format("Error TLV {}, then FIN.", wire_text(cv::encode_tlv(cv::ErrorTlv::not_authorized()))),
      .accepted_outcomes = {"Error 32 in the SYN-ACK payload or a later segment, then FIN"},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const pg::Bytes message =
                raw_base_connect(scenario.put_port(), cv::connect_address(scenario.put_address()));
            auto& client = scenario.connect(message);
            return judge_error_reply(client, client.await_reply(2s),
                                     {.accepted = {{cv::ErrorCode::NotAuthorized, 0}}, .echo_of = message});
          },
  });

  // AMB-22: not only the Convert endpoint: every address of the converter's
  // host, on any port, is its host and no server.
  registry.add({
      .id = "connect-own-host-service-not-authorized",
      .requirements = {"AMB-22", "CONV-041"},
      .section = "6.2.5",
      .level = Level::Should,
      .case_class = CaseClass::Invalid,
      .tags = {"connect", "address", "authorization", "error", "security"},
      .title = "A Connect TLV naming an address of the converter's own host, on a port other than the Convert "
               "port, is answered with Not Authorized: the converter does not open its host's services to its "
               "clients.",
      .stimulus = fmt::format("A TCP service listens on the converter's host on the wildcard address, port {} "
                              "(greeting each connection with {} bytes); a SYN carries a Base Connect to the "
                              "converter's own address (of the instance's family) and that port.",
                              kHostServicePort, kHostServiceBanner.size()),
      .expectation = fmt::format("Error TLV {}, then FIN; the host's service gets no connection and the client none "
                                 "of its bytes.",
                                 wire_text(cv::encode_tlv(cv::ErrorTlv::not_authorized()))),
      .accepted_outcomes = {"Error 32 in the SYN-ACK payload or a later segment, then FIN"},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run = own_host_service_refused,
  });

  // "For a Base Connect, the converter uses by default the TCP options of
  // its local policy": the client's own SYN options are not mirrored downstream.
  registry.add({
      .id = "connect-base-own-syn-options",
      .requirements = {"CONV-022"},
      .section = "6.2.5",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"connect", "tcp-options"},
      .title = "For a Base Connect the converter uses the TCP options of its own policy in the SYN to the server, "
               "not the options of the client's SYN.",
      .stimulus = fmt::format("Client SYN with options MSS {}, NOP, Window Scale {}, experimental kind {} ({}), NOP, "
                              "NOP, carrying a Base Connect to {}.",
                              kClientMss, kClientWindowShift, kExperimentalKind, wire_text(experimental_option()),
                              server_endpoint_text(Family::V4)),
      .expectation = fmt::format("The converter's SYN to the server carries neither kind {} nor Window Scale {}.",
                                 kExperimentalKind, kClientWindowShift),
      .accepted_outcomes = {"any option set of the converter's own (e.g. Linux: MSS, SACK-Permitted, TS, WS 7)"},
      .unkillable_reason = "convproxy's downstream SYN is built by the kernel, which cannot be made to copy the "
                           "client's SYN options",
      .dimensions = dimensions::kEveryPath,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const pg::Bytes client_options = client_syn_options();
            auto& client = scenario.connect(scenario.base_connect(), {.syn_options = client_options});
            const Reply reply = client.await_reply(2s);
            if (scenario.server().syn_count() == 0)
              return CaseOutcome::violated("no SYN reached the server: " + reply.describe());
            const pg::Bytes& downstream = scenario.server().syns().front().segment.segment.options;
            const auto parsed = pg::tcp::parse_options(downstream);
            if (parsed.find(kExperimentalKind) != nullptr)
              return CaseOutcome::violated(fmt::format("the downstream SYN options {} carry the client's kind {}",
                                                       hex(downstream), kExperimentalKind));
            if (const auto* scale = parsed.find(kind::WindowScale)) {
              const auto* shift = std::get_if<pg::tcp::WindowScaleOption>(&scale->value);
              if (shift != nullptr && shift->shift == kClientWindowShift)
                return CaseOutcome::violated(
                    fmt::format("the downstream SYN options {} carry the client's Window "
                                "Scale {}",
                                hex(downstream), kClientWindowShift));
            }
            return CaseOutcome::pass(
                fmt::format("client SYN options {}; downstream SYN options {}", hex(client_options), hex(downstream)));
          },
  });

  for (const ExtendedRow& row : extended_rows()) {
    std::vector<std::string> tags{"connect", "extended-connect", "tcp-options"};
    if (std::find(row.needs.begin(), row.needs.end(), Feature::Mptcp) != row.needs.end()) tags.emplace_back("mptcp");
    registry.add({
        .id = row.id,
        .requirements = row.requirements,
        .section = "6.2.5",
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = std::move(tags),
        .needs = row.needs,
        .title = row.title,
        .stimulus = fmt::format("{} ({}){}", row.stimulus_start, wire_text(row.option), row.stimulus_end),
        .expectation = row.expectation + ".",
        .accepted_outcomes = {"the requested option among the converter's own options, in any order"},
        .dimensions = dimensions::kAnyClient,
        .run = [row](CaseContext& context) { return extended_connect(context, row); },
    });
  }

  // "Options requested with a value are copied verbatim into the SYN": the
  // client presents the TFO cookie it learnt through this converter's
  // Extended TCP Header (RFC 8803 section 7.4), as a real client does.
  const pg::Bytes cookie_option = pg::tcp::fast_open(kServerTfoCookie);
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
      .stimulus = fmt::format("First connection: Extended Connect with {}; the server's SYN-ACK grants an {}-byte "
                              "TFO cookie, which the converter returns in its Extended TCP Header. Second connection "
                              "(same client address, new port): Extended Connect with {} <that cookie> and {} bytes "
                              "of early data.",
                              wire_text(pg::tcp::fast_open_request()), kServerTfoCookie.size(),
                              option_head_text(cookie_option), kTfoEarlyData.size()),
      .expectation = fmt::format("The converter's SYN for the second connection carries the {} bytes {} <cookie> "
                                 "exactly.",
                                 cookie_option.size(), option_head_text(cookie_option)),
      .accepted_outcomes = {"the TFO option anywhere among the converter's own options"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [cookie_option](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve({.synack_options = harness::emulate::synack_options::tfo_cookie(kServerTfoCookie)});
            auto& learner = scenario.connect(scenario.message({scenario.connect_tlv(pg::tcp::fast_open_request())}));
            const Reply first = learner.await_reply(2s);
            const auto* header = first.find<cv::ExtendedTcpHeaderTlv>();
            if (header == nullptr || std::search(header->options.begin(), header->options.end(), cookie_option.begin(),
                                                 cookie_option.end()) == header->options.end())
              return CaseOutcome::violated(
                  "the server's TFO cookie was not relayed in the Extended TCP Header of "
                  "the first reply (CONV-059): " +
                  first.describe());

            const std::size_t syns_before = scenario.server().syn_count();
            auto& user =
                scenario.connect(scenario.message({scenario.connect_tlv(cookie_option)}, text_bytes(kTfoEarlyData)));
            const Reply reply = user.await_reply(2s);
            if (scenario.server().syn_count() <= syns_before)
              return CaseOutcome::violated("no SYN reached the server for the second request: " + reply.describe());
            const pg::Bytes& downstream = scenario.server().syns()[syns_before].segment.segment.options;
            const auto parsed = pg::tcp::parse_options(downstream);
            const auto* tfo = parsed.find(kind::FastOpen);
            if (tfo == nullptr || tfo->bytes != cookie_option)
              return CaseOutcome::violated(fmt::format("the second downstream SYN carries {} (options {})",
                                                       tfo == nullptr ? "no TFO option" : hex(tfo->bytes),
                                                       hex(downstream)));
            return CaseOutcome::pass(fmt::format("second downstream SYN options {}", hex(downstream)));
          },
  });
}

}  // namespace convtest::cases
