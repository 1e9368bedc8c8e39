// The client role, RFC 8803 sections 6 to 6.2.5: what a client puts in its
// SYN. The harness answers as a converter that accepts everything, so that
// each case also sees the exchange through to the end.

#include <fmt/format.h>

#include <algorithm>

#include "catalog.hpp"
#include "kit/cut_judge.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::cases {
namespace {

using harness::ClientFeature;
using harness::PathFamily;
using harness::Role;
using reports::CaseClass;
using reports::Level;
namespace kind = pg::tcp::kind;

using SynCheck = std::function<Verification(const ClientSyn&)>;

// The client sends its request through a converter that accepts it; `check`
// judges the SYN, and the exchange must then complete.
CaseOutcome judge_client_syn(CaseContext& context, const SynCheck& check, std::string_view passed) {
  CutScenario scenario(context);
  if (auto not_started = scenario.launch()) return *not_started;
  auto syn = client_syn(scenario);
  if (auto* failed = std::get_if<CaseOutcome>(&syn)) return *failed;
  const ClientSyn& seen = std::get<ClientSyn>(syn);
  if (auto failed = check(seen)) return *failed;
  // A client that hangs or crashes passes nothing; one whose exchange fails
  // otherwise is judged by the reply cases.
  if (auto broken = verify_cut_ended(scenario)) return *broken;
  if (auto failed = verify_cut_completed(scenario))
    return CaseOutcome::inconclusive(
        fmt::format("{}, but the exchange did not complete: {}", passed, failed->observed));
  return CaseOutcome::pass(fmt::format("{}: SYN payload {}", passed, hex(seen.payload, 64)));
}

// The Connect TLV of a decoded message; a violation when there is none.
std::variant<const cv::ConnectTlv*, CaseOutcome> connect_of(const ClientSyn& syn,
                                                            std::initializer_list<cv::DecodeRule> owned = {}) {
  auto message = message_for(syn, owned);
  if (auto* refused = std::get_if<CaseOutcome>(&message)) return *refused;
  const cv::ConnectTlv* connect = std::get<const cv::Decoded*>(message)->message.find<cv::ConnectTlv>();
  if (connect == nullptr) return CaseOutcome::violated("no Connect TLV in the SYN: " + hex(syn.payload, 96));
  return connect;
}

// The TCP options of a Connect TLV as (kind, length) blocks.
std::vector<std::pair<std::uint8_t, std::size_t>> option_blocks(pg::ByteView options) {
  std::vector<std::pair<std::uint8_t, std::size_t>> blocks;
  for (std::size_t at = 0; at + 1 < options.size() && options[at + 1] >= 2; at += options[at + 1])
    blocks.emplace_back(options[at], options[at + 1]);
  return blocks;
}

bool has_magic(pg::ByteView payload) {
  return payload.size() >= cv::kHeaderSize && payload[2] == (cv::kMagic >> 8) && payload[3] == (cv::kMagic & 0xff);
}

struct SynRow {
  std::string_view id;
  std::vector<std::string> requirements;
  std::string_view section;
  std::string_view title;
  std::string_view expectation;
  std::string_view passed;
  SynCheck check;
};

std::vector<SynRow> syn_rows() {
  return {
      {"client-syn-starts-with-header",
       {"CLI-002", "CLI-004"},
       "6",
       "The client's Convert message is the first bytes of its stream, fixed header first.",
       "The SYN payload starts with a fixed header: bytes 2-3 are the magic 22 63.",
       "the SYN payload starts with the Convert header",
       [](const ClientSyn& syn) -> Verification {
         if (has_magic(syn.payload)) return std::nullopt;
         return CaseOutcome::violated("the SYN payload does not start with a Convert header: " + hex(syn.payload, 64));
       }},
      {"client-syn-version-1",
       {"CLI-005"},
       "6.1",
       "The client does not use version 0: it sends version 1.",
       "Byte 0 of the SYN payload's Convert header is 1.",
       "version 1",
       [](const ClientSyn& syn) -> Verification {
         if (!has_magic(syn.payload))
           return CaseOutcome::inconclusive("no Convert header to read a version from: " + hex(syn.payload, 64));
         if (syn.payload[0] == cv::kVersion) return std::nullopt;
         return CaseOutcome::violated(fmt::format("version byte {}", syn.payload[0]));
       }},
      {"client-syn-magic",
       {"CLI-007"},
       "6.1",
       "The client's fixed header carries the magic number 0x2263.",
       "Bytes 2-3 of the SYN payload are 22 63.",
       "magic 0x2263",
       [](const ClientSyn& syn) -> Verification {
         if (has_magic(syn.payload)) return std::nullopt;
         return CaseOutcome::violated("bytes 2-3 of the SYN payload are not 22 63: " + hex(syn.payload, 16));
       }},
      {"client-syn-tlvs-padded-once",
       {"CLI-008", "CLI-009"},
       "6.2.1",
       "The client zero-pads TLV values and sends each TLV type at most once.",
       "Every padding and zero field of the client's TLVs is zero; no TLV type appears twice.",
       "zero padding, each TLV once",
       [](const ClientSyn& syn) -> Verification {
         auto message = message_for(
             syn, {cv::DecodeRule::NonZeroPadding, cv::DecodeRule::NonZeroField, cv::DecodeRule::DuplicateTlv});
         if (auto* refused = std::get_if<CaseOutcome>(&message)) return *refused;
         return std::nullopt;
       }},
      {"client-syn-destination-ipv4-mapped",
       {"CLI-013", "CLI-014"},
       "6.2.5",
       "The client encodes the IPv4 destination as an IPv4-mapped IPv6 address (::ffff:a.b.c.d) with its port.",
       "A Connect TLV with port 80 and address ::ffff:198.51.100.10.",
       "Connect to ::ffff:198.51.100.10 port 80",
       [](const ClientSyn& syn) -> Verification {
         auto found = connect_of(syn);
         if (auto* refused = std::get_if<CaseOutcome>(&found)) return *refused;
         const cv::ConnectTlv& connect = *std::get<const cv::ConnectTlv*>(found);
         if (connect.address == server_in_connect(Family::V4) && connect.port == kCutDestinationPort)
           return std::nullopt;
         return CaseOutcome::violated(fmt::format("Connect to {} port {}", hex(connect.address), connect.port));
       }},
      {"client-syn-connect-options-well-formed",
       {"CLI-016", "CLI-024"},
       "6.2.5",
       "The client's Connect TLV carries no EOL or NOP blocks, and Timestamps only without a value.",
       "No option of kind 0 or 1 in the Connect TLV's TCP Options; a Timestamps option, if any, of length 2.",
       "the Connect TLV's options are well formed",
       [](const ClientSyn& syn) -> Verification {
         auto found = connect_of(syn, {cv::DecodeRule::BadConnectOptionKind, cv::DecodeRule::BadConnectOptionLength});
         if (auto* refused = std::get_if<CaseOutcome>(&found)) return *refused;
         const cv::ConnectTlv& connect = *std::get<const cv::ConnectTlv*>(found);
         for (const auto& [option_kind, length] : option_blocks(connect.tcp_options))
           if (option_kind == kind::Timestamps && length != 2)
             return CaseOutcome::violated(fmt::format("Timestamps with a value: {}", hex(connect.tcp_options)));
         return std::nullopt;
       }},
      {"client-syn-app-data-after-tlvs",
       {"CLI-003"},
       "6",
       "Application data in the client's SYN follows the TLVs immediately.",
       "The bytes after Total Length x 4 are the start of the application's request, with no gap or padding.",
       "the SYN's application data follows the TLVs",
       [](const ClientSyn& syn) -> Verification {
         auto message = message_for(syn, {});
         if (auto* refused = std::get_if<CaseOutcome>(&message)) return *refused;
         const pg::ByteView after = pg::ByteView(syn.payload).subspan(std::get<const cv::Decoded*>(message)->size);
         const std::string_view request = kCutRequest;
         const bool prefix = after.size() <= request.size() &&
                             std::equal(after.begin(), after.end(), request.begin(),
                                        [](std::uint8_t byte, char c) { return byte == static_cast<std::uint8_t>(c); });
         if (prefix) return std::nullopt;
         return CaseOutcome::violated(fmt::format("after the message: {}", hex(after, 64)));
       }},
  };
}

// Destinations a client must never ask a converter for (CLI-015).
struct ForbiddenDestination {
  std::string_view suffix;
  std::string_view address;
  std::string_view kind;
};
constexpr ForbiddenDestination kForbiddenDestinations[] = {
    {"loopback-v4", "127.0.0.1", "loopback"},         {"multicast-v4", "224.0.0.1", "multicast"},
    {"broadcast-v4", "255.255.255.255", "broadcast"}, {"loopback-v6", "::1", "loopback"},
    {"multicast-v6", "ff02::1", "multicast"},
};

CaseOutcome judge_not_sent_to_converter(CaseContext& context, std::string_view destination) {
  CutScenario scenario(context);
  if (auto not_started = scenario.launch(kCutRequest, std::string(destination))) return *not_started;
  if (auto broken = verify_cut_ended(scenario)) return *broken;
  const auto status = scenario.exit_status();
  if (const auto payload = scenario.first_syn_payload())
    return CaseOutcome::violated(
        fmt::format("the client asked the converter for {}: SYN payload {}", destination, hex(*payload, 64)));
  // Nothing listens there in the lab: a client that did anything at all
  // reports a failure; one that exits 0 never tried.
  if (status && status->success())
    return CaseOutcome::violated(
        fmt::format("the client exited 0 although nothing can serve {} in the lab: it did not try; it {}", destination,
                    scenario.describe_cut()));
  return CaseOutcome::pass(fmt::format("no SYN to the converter; the client {}", scenario.describe_cut()));
}

std::string_view family_name(Family family) { return family == Family::V6 ? "IPv6" : "IPv4"; }

// The client reaches the converter over the instance's first family and
// asks it for the emulated server of the second; the exchange completes.
CaseOutcome judge_reaches_destination(CaseContext& context) {
  CutScenario scenario(context);
  if (auto not_started = scenario.launch()) return *not_started;
  auto syn = client_syn(scenario);
  if (auto* failed = std::get_if<CaseOutcome>(&syn)) return *failed;
  const pg::ip::Address converter = scenario.converter_address();
  const pg::ip::Address& reached = scenario.emulator().syns().front().segment.addresses.destination;
  if (reached != converter)
    return CaseOutcome::violated(fmt::format("the SYN went to {}, not to the converter's {} address {}",
                                             reached.to_string(), family_name(scenario.converter_family()),
                                             converter.to_string()));
  auto found = connect_of(std::get<ClientSyn>(syn));
  if (auto* refused = std::get_if<CaseOutcome>(&found)) return *refused;
  const cv::ConnectTlv& connect = *std::get<const cv::ConnectTlv*>(found);
  const Family destination = scenario.destination_family();
  if (connect.address != server_in_connect(destination) || connect.port != kCutDestinationPort)
    return CaseOutcome::violated(fmt::format("Connect to {} port {}, not to {}", hex(connect.address), connect.port,
                                             server_endpoint_text(destination)));
  if (auto broken = verify_cut_ended(scenario)) return *broken;
  if (auto failed = verify_cut_completed(scenario)) return *failed;
  return CaseOutcome::pass(fmt::format("over {} to the converter, Connect to {}, the server's bytes printed",
                                       family_name(scenario.converter_family()), server_endpoint_text(destination)));
}

// How the client's first SYN carried its data: with a TFO option (a cookie
// or a cookie request) or without one (MSG_FASTOPEN and tcp_fastopen 0x5).
CaseOutcome judge_syn_data_carrier(CaseContext& context) {
  CutScenario scenario(context);
  if (auto not_started = scenario.launch()) return *not_started;
  auto syn = client_syn(scenario);
  if (auto* failed = std::get_if<CaseOutcome>(&syn)) return *failed;
  if (std::get<ClientSyn>(syn).payload.empty()) return CaseOutcome::violated("the client's first SYN carried no data");
  const auto options = pg::tcp::parse_options(scenario.emulator().syns().front().segment.segment.options);
  if (auto broken = verify_cut_ended(scenario)) return *broken;
  const pg::tcp::Option* fast_open = options.find(kind::FastOpen);
  if (fast_open == nullptr)
    return CaseOutcome::pass("SYN data without a TFO option (as with MSG_FASTOPEN and tcp_fastopen 0x5)");
  const auto* value = std::get_if<pg::tcp::FastOpenOption>(&fast_open->value);
  if (value == nullptr) return CaseOutcome::pass("SYN data with a malformed TFO option");
  if (value->cookie.empty()) return CaseOutcome::pass("SYN data with a TFO cookie request");
  return CaseOutcome::pass(fmt::format("SYN data with a {}-byte TFO cookie", value->cookie.size()));
}

}  // namespace

void register_c6_client_syn(harness::Registry& registry) {
  for (const SynRow& row : syn_rows()) {
    registry.add({
        .id = std::string(row.id),
        .requirements = row.requirements,
        .section = std::string(row.section),
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = {"client", "syn"},
        .role = Role::Client,
        .title = std::string(row.title),
        .stimulus = fmt::format("The client is started toward {} with '{}' on stdin; the converter accepts the SYN "
                                "data and answers a success reply and the server's answer.",
                                cut_destination_text(), escaped(kCutRequest)),
        .expectation = std::string(row.expectation) + " The client then ends by itself, without crashing.",
        .accepted_outcomes = {"as expected"},
        .run = [check = row.check, passed = std::string(row.passed)](
                   CaseContext& context) { return judge_client_syn(context, check, passed); },
    });
  }

  // RFC 8803 section 6.2.2: a client typically asks what the converter
  // supports the first time it uses it.
  registry.add({
      .id = "client-info-on-first-contact",
      .requirements = {"CLI-I01"},
      .section = "6.2.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"client", "syn", "info"},
      .role = Role::Client,
      .client_needs = {ClientFeature::Info},
      .title = "A client that declares Info sends an Info TLV on its first connection to a converter.",
      .stimulus = fmt::format("The client is started toward {} for the first time.", cut_destination_text()),
      .expectation = "The first SYN's Convert message holds an Info TLV.",
      .accepted_outcomes = {"Info in the first SYN"},
      .run =
          [](CaseContext& context) {
            return judge_client_syn(
                context,
                [](const ClientSyn& syn) -> Verification {
                  auto message = message_for(syn, {});
                  if (auto* refused = std::get_if<CaseOutcome>(&message)) return *refused;
                  if (std::get<const cv::Decoded*>(message)->message.find<cv::InfoTlv>() != nullptr)
                    return std::nullopt;
                  return CaseOutcome::violated("no Info TLV in the first SYN");
                },
                "Info in the first SYN");
          },
  });

  // RFC 8803 sections 5 and 6.2.5: a client reaches a converter over IPv4
  // or IPv6 and names a destination of either family in its Connect TLV.
  registry.add({
      .id = "client-reaches-destination-over-each-family",
      .requirements = {"CLI-013", "CLI-014", "CLI-I03"},
      .section = "6.2.5",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"client", "syn", "family"},
      .role = Role::Client,
      .title = "The client reaches the converter over either family and names a destination of either family, "
               "an IPv4 one as ::ffff:a.b.c.d, an IPv6 one as it is.",
      .stimulus = "The client is started toward the emulated server of the instance's destination family (" +
                  server_endpoint_text(Family::V4) + " or " + server_endpoint_text(Family::V6) +
                  ") through the converter's address of its first family; the converter answers a success reply "
                  "and the server's answer.",
      .expectation = "The SYN goes to the converter's address of that family, its Connect TLV names the server with "
                     "port 80, and the client prints exactly the server's bytes and exits 0.",
      .accepted_outcomes = {"as expected"},
      .dimensions = {.family = {PathFamily::V4, PathFamily::V6, PathFamily::V6ToV4, PathFamily::V4ToV6}},
      .run = judge_reaches_destination,
  });

  // RFC 8803 appendix A.1: a Linux client sends its SYN data with
  // MSG_FASTOPEN and tcp_fastopen 0x5, so without a TFO option; a client
  // using TFO itself sends one. Recorded for the interop matrix.
  registry.add({
      .id = "client-syn-data-tfo-option-recorded",
      .requirements = {"CLI-I06"},
      .section = "App. A.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"client", "syn", "tfo"},
      .role = Role::Client,
      .title = "The client carries its Convert message as SYN data, with or without a TFO option; which one is "
               "recorded.",
      .stimulus = fmt::format("The client is started toward {}; its first SYN is examined.", cut_destination_text()),
      .expectation = "The first SYN carries data; the verdict says whether it had no TFO option, a cookie request "
                     "or a cookie. The client then ends by itself, without crashing.",
      .accepted_outcomes = {"SYN data without a TFO option", "SYN data with a TFO cookie request",
                            "SYN data with a TFO cookie"},
      .run = judge_syn_data_carrier,
  });

  for (const ForbiddenDestination& forbidden : kForbiddenDestinations) {
    registry.add({
        .id = fmt::format("client-no-{}-destination", forbidden.suffix),
        .requirements = {"CLI-015"},
        .section = "6.2.5",
        .level = Level::Must,
        .case_class = CaseClass::Invalid,
        .tags = {"client", "syn", "destination"},
        .role = Role::Client,
        .title = fmt::format("The client does not ask the converter for a {} destination.", forbidden.kind),
        .stimulus = fmt::format("The client is started toward {} port {}.", forbidden.address, kCutDestinationPort),
        .expectation = "No SYN reaches the converter; the client ends by itself with an error (it may refuse, or "
                       "try the destination directly, where nothing answers in the lab).",
        .accepted_outcomes = {"refused", "reached directly"},
        .run = [address = std::string(forbidden.address)](
                   CaseContext& context) { return judge_not_sent_to_converter(context, address); },
    });
  }
}

}  // namespace convtest::cases
