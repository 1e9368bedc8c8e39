// RFC 8803 sections 6.2.3 and 6.2.4: the Info TLV and the Supported TCP Extensions TLV.

#include <algorithm>

#include <fmt/format.h>

#include "catalog.hpp"
#include "packetgen/tcp_options.hpp"
#include "legacy/scenario.hpp"

namespace convtest::cases {
using namespace legacy;  // TRANSITIONAL
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;

pg::Bytes info_message(const Scenario& scenario, bool with_connect) {
  cv::Message message;
  message.tlvs.emplace_back(cv::InfoTlv{});
  if (with_connect) message.tlvs.emplace_back(scenario.connect_tlv());
  auto encoded = cv::encode(message);
  return encoded ? std::move(encoded.value()) : pg::Bytes{};
}

const cv::SupportedTcpExtensionsTlv* supported_of(const Reply& reply) {
  return reply.ok() ? reply.message->message.find<cv::SupportedTcpExtensionsTlv>() : nullptr;
}

// "Info from an authorised client is answered with Supported TCP
// Extensions"; Info alone needs no downstream connection: the converter
// replies with the header and that TLV, then closes (AMB-10).
CaseOutcome info_alone(CaseContext& context) {
  Scenario scenario(context);
  scenario.serve({});
  const std::string expected =
      "a Convert reply holding a Supported TCP Extensions TLV and no Error TLV, then FIN; no SYN toward any server";
  scenario.connect(info_message(scenario, false));
  const Reply reply = scenario.await_reply(2s);
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  if (reply.error_tlv() != nullptr) return CaseOutcome::violated(expected, reply.describe());
  if (supported_of(reply) == nullptr)
    return CaseOutcome::violated(expected, reply.describe() + ": no Supported TCP Extensions TLV (CONV-I09)");
  if (scenario.downstream_syn_seen(100ms))
    return CaseOutcome::violated(expected, "the PUT opened a connection although the message held no Connect");
  if (!scenario.await_close(2s))
    return CaseOutcome::violated(expected, reply.describe() + "; the connection stayed open (AMB-10: then FIN)");
  if (scenario.client().tcp().reset_received() && !scenario.client().tcp().fin_received())
    return CaseOutcome::violated(expected, reply.describe() + "; closed with RST instead of FIN");
  return CaseOutcome::pass(expected, reply.describe());
}

// "Kinds 0, 1, 2 (section 7.1), 3 (7.2), 5 (7.3) and 29 (7.7) must never be
// announced"; unassigned bytes 2-3 are zero. The strict decoder already
// refuses non-zero bytes 2-3, so a reply that decodes has them zero.
CaseOutcome no_forbidden_kinds(CaseContext& context) {
  Scenario scenario(context);
  scenario.serve({});
  const std::string expected =
      "a Supported TCP Extensions TLV with bytes 2-3 zero listing none of the kinds 0 (except as trailing padding), "
      "1, 2, 3, 5, 29";
  scenario.connect(info_message(scenario, false));
  const Reply reply = scenario.await_reply(2s);
  if (reply.error && reply.error->rule == cv::DecodeRule::NonZeroField)
    return CaseOutcome::violated(expected, reply.describe() + " (CONV-019: bytes 2-3 must be zero)");
  const auto* supported = supported_of(reply);
  if (supported == nullptr)
    return CaseOutcome::inconclusive(expected, "no Supported TCP Extensions TLV to judge: " + reply.describe());
  const std::vector<std::pair<std::uint8_t, std::string_view>> forbidden{
      {0, "CONV-048"}, {1, "CONV-020/048"}, {2, "CONV-020/048"}, {3, "CONV-052"}, {5, "CONV-055"}, {29, "CONV-061"}};
  std::vector<std::string> found;
  for (const auto& [kind, requirement] : forbidden)
    if (std::find(supported->kinds.begin(), supported->kinds.end(), kind) != supported->kinds.end())
      found.push_back(fmt::format("kind {} ({})", kind, requirement));
  if (!found.empty())
    return CaseOutcome::violated(expected, fmt::format("Supported TCP Extensions lists {}: {}", fmt::join(found, ", "),
                                                       hex(supported->kinds)));
  return CaseOutcome::pass(expected, fmt::format("Supported TCP Extensions lists kinds {}", hex(supported->kinds)));
}

// AMB-10: Info together with a Connect: the success reply carries both the
// Supported TCP Extensions TLV and the result of the connection.
CaseOutcome info_with_connect(CaseContext& context) {
  Scenario scenario(context);
  scenario.serve({});
  const std::string expected =
      "a SYN at the server and a success reply (no Error TLV) holding the Supported TCP Extensions TLV";
  scenario.connect(info_message(scenario, true));
  const Reply reply = scenario.await_reply(2s);
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  if (scenario.server().syn_count() == 0)
    return CaseOutcome::violated(expected, "a reply but no SYN reached the server: " + reply.describe());
  if (supported_of(reply) == nullptr)
    return CaseOutcome::violated(expected, reply.describe() + ": the Info TLV was not answered (CONV-I09)");
  return CaseOutcome::pass(expected, reply.describe());
}

// "The converter lists the TCP options it uses in its SYNs": every kind of
// the downstream SYN, minus those never announced (0, 1, 2, 3, 5), is listed.
CaseOutcome lists_downstream_syn_options(CaseContext& context) {
  Scenario scenario(context);
  scenario.serve({});
  const std::string expected =
      "every option kind of the converter's SYN to the server (except 0, 1, 2, 3, 5) listed in Supported TCP "
      "Extensions";
  scenario.connect(info_message(scenario, true));
  const Reply reply = scenario.await_reply(2s);
  const auto* supported = supported_of(reply);
  if (supported == nullptr)
    return CaseOutcome::inconclusive(expected, "no Supported TCP Extensions TLV to compare: " + reply.describe());
  if (scenario.server().syn_count() == 0)
    return CaseOutcome::inconclusive(expected, "no SYN reached the server: " + reply.describe());
  const pg::Bytes& syn_options = scenario.server().syns().front().segment.segment.options;
  const auto used = pg::tcp::parse_options(syn_options).kinds();
  std::vector<std::uint8_t> unlisted;
  for (const std::uint8_t kind : used) {
    const bool never_listed = kind <= 3 || kind == 5;
    const bool listed = std::find(supported->kinds.begin(), supported->kinds.end(), kind) != supported->kinds.end();
    if (!never_listed && !listed && std::find(unlisted.begin(), unlisted.end(), kind) == unlisted.end())
      unlisted.push_back(kind);
  }
  if (!unlisted.empty())
    return CaseOutcome::violated(expected, fmt::format("the downstream SYN ({}) uses kind(s) {} that Supported TCP "
                                                       "Extensions ({}) does not list",
                                                       hex(syn_options), hex(unlisted), hex(supported->kinds)));
  return CaseOutcome::pass(expected, fmt::format("downstream SYN options {}; listed kinds {}", hex(syn_options),
                                                 hex(supported->kinds)));
}

}  // namespace

void register_s6_2_3_info(harness::Registry& registry) {
  registry.add({
      .id = "info-alone-supported-then-fin",
      .requirements = {"CONV-I09", "AMB-10"},
      .section = "6.2.3",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"info", "supported-extensions"},
      .needs = {Feature::Info},
      .title = "An Info TLV from an authorised client is answered with the Supported TCP Extensions TLV; Info "
               "alone asks for no connection, so the converter replies at once and closes.",
      .stimulus = "SYN carrying the header and an Info TLV only (01 02 22 63 01 01 00 00).",
      .expectation = "A Convert reply with a Supported TCP Extensions TLV and no Error TLV, then FIN; no SYN toward "
                     "any server.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or the first data segment, then FIN"},
      .run = info_alone,
  });
  registry.add({
      .id = "info-supported-no-forbidden-kinds",
      .requirements = {"CONV-019", "CONV-020", "CONV-048", "CONV-052", "CONV-055", "CONV-061"},
      .section = "6.2.4",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"info", "supported-extensions", "tcp-options"},
      .needs = {Feature::Info},
      .title = "The Supported TCP Extensions TLV never lists kinds 0, 1, 2 (EOL, NOP, MSS), 3 (Window Scale), 5 "
               "(SACK) or 29 (TCP-AO), and its unassigned bytes are zero.",
      .stimulus = "SYN carrying the header and an Info TLV only.",
      .expectation = "The Supported TCP Extensions TLV has bytes 2-3 zero and none of the kinds 0 (before the "
                     "trailing padding), 1, 2, 3, 5, 29.",
      .accepted_outcomes = {"any list of other kinds, e.g. 30, 4, 8, 34"},
      .run = no_forbidden_kinds,
  });
  registry.add({
      .id = "info-with-connect-both",
      .requirements = {"CONV-I09", "AMB-10"},
      .section = "6.2.3",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"info", "connect", "supported-extensions"},
      .needs = {Feature::Info},
      .title = "Info sent together with a Connect is answered in the success reply: Supported TCP Extensions "
               "alongside the result of the connection.",
      .stimulus = "SYN carrying the header, an Info TLV and a Base Connect to 198.51.100.10:80; the server "
                  "accepts.",
      .expectation = "A SYN reaches the server; the reply carries no Error TLV and holds the Supported TCP "
                     "Extensions TLV.",
      .accepted_outcomes = {"with or without Extended TCP Header (AMB-02)"},
      .run = info_with_connect,
  });
  registry.add({
      .id = "info-supported-lists-syn-options",
      .requirements = {"CONV-018"},
      .section = "6.2.4",
      .level = Level::Should,
      .case_class = CaseClass::Valid,
      .tags = {"info", "supported-extensions", "tcp-options"},
      .needs = {Feature::Info},
      .title = "The Supported TCP Extensions TLV lists the TCP options the converter uses in its SYNs toward "
               "servers.",
      .stimulus = "SYN carrying Info and a Base Connect to 198.51.100.10:80; the server accepts.",
      .expectation = "Every option kind of the converter's SYN to the server, except 0, 1, 2, 3 and 5 which are "
                     "never announced, appears in the list.",
      .accepted_outcomes = {"a list longer than what the SYN uses (options offered on request)"},
      .run = lists_downstream_syn_options,
  });
}

}  // namespace convtest::cases
