// RFC 8803 sections 6.2.3 and 6.2.4: the Info TLV and the Supported TCP Extensions TLV.

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "catalog.hpp"
#include "kit/judge.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;
namespace kind = pg::tcp::kind;

// A kind the Supported TCP Extensions TLV never lists, and the requirement saying so.
struct ForbiddenKind {
  std::uint8_t kind;
  std::string_view requirement;
};
constexpr ForbiddenKind kForbiddenKinds[] = {
    {kind::EOL, "CONV-048"},         {kind::NOP, "CONV-020/048"}, {kind::MSS, "CONV-020/048"},
    {kind::WindowScale, "CONV-052"}, {kind::Sack, "CONV-055"},    {kind::TcpAo, "CONV-061"},
};
// Kinds the converter may use in its SYNs but never announces (sections 7.1-7.3).
constexpr std::uint8_t kNeverAnnounced[] = {kind::EOL, kind::NOP, kind::MSS, kind::WindowScale, kind::Sack};

bool lists(const std::vector<std::uint8_t>& kinds, std::uint8_t wanted) {
  return std::find(kinds.begin(), kinds.end(), wanted) != kinds.end();
}

// "0 (before the trailing padding), 1, 2, 3, 5, 29"
std::string forbidden_kinds_text() {
  std::vector<std::uint8_t> after_eol;
  for (const auto& forbidden : kForbiddenKinds)
    if (forbidden.kind != kind::EOL) after_eol.push_back(forbidden.kind);
  return fmt::format("{} (before the trailing padding), {}", kind::EOL, fmt::join(after_eol, ", "));
}

pg::Bytes info_alone_message() { return must_encode(cv::Message{{cv::InfoTlv{}}}); }

const cv::SupportedTcpExtensionsTlv* supported_of(const Reply& reply) {
  return reply.find<cv::SupportedTcpExtensionsTlv>();
}

constexpr std::uint32_t kRequestTsval = 0x01020304;

// The listed kinds without the trailing zero padding.
std::vector<std::uint8_t> listed_kinds(const cv::SupportedTcpExtensionsTlv& supported) {
  std::vector<std::uint8_t> kinds = supported.kinds;
  while (!kinds.empty() && kinds.back() == kind::EOL) kinds.pop_back();
  return kinds;
}

// An option of `option_kind` as a client requests it in an Extended Connect:
// the form its RFC gives a SYN, or kind and length 2 for kinds without one.
pg::Bytes requested_option(std::uint8_t option_kind) {
  switch (option_kind) {
    case kind::SackPermitted: return pg::tcp::sack_permitted();
    case kind::Timestamps: return pg::tcp::timestamps(kRequestTsval, 0);
    case kind::Mptcp: return pg::tcp::mptcp::mp_capable_syn();
    case kind::FastOpen: return pg::tcp::fast_open_request();
    default: return pg::tcp::raw_option(option_kind, {});
  }
}

// Two clients asked the same question; what the converter supports must not
// depend on which client asked. The Extended TCP Header may differ: it copies
// each server SYN-ACK.
CaseOutcome same_supported_kinds(Client& first, std::string_view first_name, Client& second,
                                 std::string_view second_name) {
  const Reply first_reply = first.await_reply(2s);
  const Reply second_reply = second.await_reply(2s);
  if (auto failed = verify_success(first, first_reply)) return *failed;
  if (auto failed = verify_success(second, second_reply)) return *failed;
  const auto first_list = first_reply.tlv_bytes(cv::TlvType::SupportedTcpExtensions);
  const auto second_list = second_reply.tlv_bytes(cv::TlvType::SupportedTcpExtensions);
  if (!first_list || !second_list)
    return CaseOutcome::violated(
        fmt::format("no Supported TCP Extensions TLV in the reply over {}", first_list ? second_name : first_name));
  if (*first_list != *second_list)
    return CaseOutcome::violated(
        fmt::format("over {} {}\nover {} {}", first_name, hex(*first_list), second_name, hex(*second_list)));
  return CaseOutcome::pass(fmt::format("both list {}", hex(*first_list)));
}

}  // namespace

void register_s6_2_3_info(harness::Registry& registry) {
  // Info alone needs no downstream connection: the converter replies with
  // the header and that TLV, then closes (AMB-10).
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
      .stimulus = fmt::format("SYN carrying the header and an Info TLV only ({}).", wire_text(info_alone_message())),
      .expectation = "A Convert reply with a Supported TCP Extensions TLV and no Error TLV, then FIN; no SYN toward "
                     "any server.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or the first data segment, then FIN"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            auto& client = scenario.connect(info_alone_message());
            const Reply reply = client.await_reply(2s);
            if (auto failed = verify_success(client, reply)) return *failed;
            if (supported_of(reply) == nullptr)
              return CaseOutcome::violated(reply.describe() + ": no Supported TCP Extensions TLV (CONV-I09)");
            if (!client.no_downstream_syn(100ms))
              return CaseOutcome::violated("the PUT opened a connection although the message held no Connect");
            if (!client.await_close(2s))
              return CaseOutcome::violated(reply.describe() + "; the connection stayed open (AMB-10: then FIN)");
            if (client.tcp().reset_received() && !client.tcp().fin_received())
              return CaseOutcome::violated(reply.describe() + "; closed with RST instead of FIN");
            return CaseOutcome::pass(reply.describe());
          },
  });

  // The strict decoder already refuses non-zero bytes 2-3, so a reply that
  // decodes has them zero.
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
      .expectation = fmt::format("The Supported TCP Extensions TLV has bytes 2-3 zero and none of the kinds {}.",
                                 forbidden_kinds_text()),
      .accepted_outcomes = {"any list of other kinds, e.g. 30, 4, 8, 34"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const Reply reply = scenario.connect(info_alone_message()).await_reply(2s);
            if (reply.error && reply.error->rule == cv::DecodeRule::NonZeroField)
              return CaseOutcome::violated(reply.describe() + " (CONV-019: bytes 2-3 must be zero)");
            const auto* supported = supported_of(reply);
            if (supported == nullptr)
              return CaseOutcome::inconclusive("no Supported TCP Extensions TLV to judge: " + reply.describe());
            std::vector<std::string> found;
            for (const auto& forbidden : kForbiddenKinds)
              if (lists(supported->kinds, forbidden.kind))
                found.push_back(fmt::format("kind {} ({})", forbidden.kind, forbidden.requirement));
            if (!found.empty())
              return CaseOutcome::violated(
                  fmt::format("Supported TCP Extensions lists {}: {}", fmt::join(found, ", "), hex(supported->kinds)));
            return CaseOutcome::pass(fmt::format("Supported TCP Extensions lists kinds {}", hex(supported->kinds)));
          },
  });

  // AMB-10: the success reply carries both the Supported TCP Extensions TLV
  // and the result of the connection.
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
      .stimulus = fmt::format("SYN carrying the header, an Info TLV and a Base Connect to {}; the server accepts.",
                              server_endpoint_text(Family::V4)),
      .expectation = "A SYN reaches the server; the reply carries no Error TLV and holds the Supported TCP "
                     "Extensions TLV.",
      .accepted_outcomes = {"with or without Extended TCP Header (AMB-02)"},
      .dimensions = dimensions::kEveryPath,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            auto& client = scenario.connect(scenario.message({cv::InfoTlv{}, scenario.connect_tlv()}));
            const Reply reply = client.await_reply(2s);
            if (auto failed = verify_success(client, reply)) return *failed;
            if (scenario.server().syn_count() == 0)
              return CaseOutcome::violated("a reply but no SYN reached the server: " + reply.describe());
            if (supported_of(reply) == nullptr)
              return CaseOutcome::violated(reply.describe() + ": the Info TLV was not answered (CONV-I09)");
            return CaseOutcome::pass(reply.describe());
          },
  });

  // A consistency no single reply shows: what the converter supports does
  // not depend on the transport the question came over.
  registry.add({
      .id = "info-reply-same-over-tcp-and-mptcp",
      .requirements = {"CONV-I09", "CONV-057"},
      .section = "6.2.3",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"info", "mptcp", "consistency"},
      .needs = {Feature::Info, Feature::Mptcp},
      .title = "The same Info and Connect request gets the same Supported TCP Extensions over a TCP and over an "
               "MPTCP client.",
      .stimulus = "Two clients of one family send the header, an Info TLV and a Base Connect to the same server: one "
                  "over TCP, one over MPTCP; the server answers both alike.",
      .expectation = "Two success replies whose Supported TCP Extensions TLVs are byte for byte the same (the Extended "
                     "TCP Header may differ: it copies each server SYN-ACK).",
      .accepted_outcomes = {"identical Supported TCP Extensions"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const auto request = scenario.message({cv::InfoTlv{}, scenario.connect_tlv()});
            auto& tcp = scenario.connect(request, {.transport = Transport::Tcp});
            auto& mptcp = scenario.connect(request, {.transport = Transport::Mptcp});
            if (auto unconverted = verify_converted_over_mptcp(mptcp)) return *unconverted;
            return same_supported_kinds(tcp, "TCP", mptcp, "MPTCP");
          },
  });

  registry.add({
      .id = "info-reply-same-over-ipv4-and-ipv6",
      .requirements = {"CONV-I09"},
      .section = "6.2.3",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"info", "ipv6", "consistency"},
      .needs = {Feature::Info, Feature::Ipv6},
      .title = "The same Info and Connect request gets the same Supported TCP Extensions from an IPv4 and from an "
               "IPv6 client.",
      .stimulus = fmt::format("Two clients send the header, an Info TLV and a Base Connect to {}: one from an IPv4 "
                              "address to the converter's IPv4 address, one from an IPv6 address to its IPv6 "
                              "address; the server answers both alike.",
                              server_endpoint_text(Family::V4)),
      .expectation = "Two success replies whose Supported TCP Extensions TLVs are byte for byte the same (the Extended "
                     "TCP Header may differ: it copies each server SYN-ACK).",
      .accepted_outcomes = {"identical Supported TCP Extensions"},
      .dimensions = dimensions::kAnyTransport,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context, Family::V4);
            scenario.serve();
            const auto request = scenario.message({cv::InfoTlv{}, scenario.connect_tlv()});
            auto& over_v4 = scenario.connect(request);
            auto& over_v6 = scenario.connect(request, {.address = scenario.client_address_of(Family::V6)});
            return same_supported_kinds(over_v4, "IPv4", over_v6, "IPv6");
          },
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
      .stimulus = fmt::format("SYN carrying Info and a Base Connect to {}; the server accepts.",
                              server_endpoint_text(Family::V4)),
      .expectation = fmt::format("Every option kind of the converter's SYN to the server, except {} and {} which "
                                 "are never announced, appears in the list.",
                                 fmt::join(std::begin(kNeverAnnounced), std::end(kNeverAnnounced) - 1, ", "),
                                 std::end(kNeverAnnounced)[-1]),
      .accepted_outcomes = {"a list longer than what the SYN uses (options offered on request)"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const Reply reply =
                scenario.connect(scenario.message({cv::InfoTlv{}, scenario.connect_tlv()})).await_reply(2s);
            const auto* supported = supported_of(reply);
            if (supported == nullptr)
              return CaseOutcome::inconclusive("no Supported TCP Extensions TLV to compare: " + reply.describe());
            if (scenario.server().syn_count() == 0)
              return CaseOutcome::inconclusive("no SYN reached the server: " + reply.describe());
            const pg::Bytes& syn_options = scenario.server().syns().front().segment.segment.options;
            std::vector<std::uint8_t> unlisted;
            for (const std::uint8_t used : pg::tcp::parse_options(syn_options).kinds()) {
              const bool never_listed = std::ranges::find(kNeverAnnounced, used) != std::end(kNeverAnnounced);
              if (!never_listed && !lists(supported->kinds, used) && !lists(unlisted, used)) unlisted.push_back(used);
            }
            if (!unlisted.empty())
              return CaseOutcome::violated(
                  fmt::format("the downstream SYN ({}) uses kind(s) {} that Supported TCP "
                              "Extensions ({}) does not list",
                              hex(syn_options), hex(unlisted), hex(supported->kinds)));
            return CaseOutcome::pass(
                fmt::format("downstream SYN options {}; listed kinds {}", hex(syn_options), hex(supported->kinds)));
          },
  });

  // What no single message shows: the list and the refusals must agree
  // (AMB-33), and the list holds TCP option kinds.
  registry.add({
      .id = "info-listed-kinds-accepted-alone",
      .requirements = {"CONV-I10", "CONV-I09", "AMB-33"},
      .section = "6.2.4",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"info", "supported-extensions", "tcp-options", "extended-connect", "consistency"},
      .needs = {Feature::Info},
      .title = "Every kind the converter lists in Supported TCP Extensions is accepted when a client requests it "
               "alone in an Extended Connect, and every listed kind is an assigned TCP option kind.",
      .stimulus = fmt::format("SYN carrying Info alone ({}); then, for each listed kind, a SYN carrying an Extended "
                              "Connect to {} whose options field holds only that kind ({} for Timestamps, "
                              "MP_CAPABLE {} for MPTCP, {} for TFO, kind and length 2 otherwise); the server "
                              "accepts.",
                              wire_text(info_alone_message()), server_endpoint_text(Family::V4),
                              wire_text(pg::tcp::timestamps(kRequestTsval, 0)),
                              wire_text(pg::tcp::mptcp::mp_capable_syn()), wire_text(pg::tcp::fast_open_request())),
      .expectation = "No Extended Connect for a listed kind is answered with Error 33 (Unsupported TCP Option), and "
                     "IANA's TCP option kind registry assigns every listed kind.",
      .accepted_outcomes = {"success replies", "errors other than 33 (not judged here)"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const Reply info = scenario.connect(info_alone_message()).await_reply(2s);
            const auto* supported = supported_of(info);
            if (supported == nullptr)
              return CaseOutcome::inconclusive("no Supported TCP Extensions TLV to check: " + info.describe());
            const std::vector<std::uint8_t> kinds = listed_kinds(*supported);
            std::vector<Client*> requests;
            for (const std::uint8_t listed : kinds)
              requests.push_back(&scenario.connect(scenario.message({scenario.connect_tlv(requested_option(listed))})));
            if (auto answered = scenario.await_replies(requests, 3s); !answered)
              return CaseOutcome::inconclusive("not every Extended Connect was answered: " + answered.observed);
            std::vector<std::uint8_t> refused;
            for (std::size_t i = 0; i < kinds.size(); ++i) {
              const Reply reply = requests[i]->reply();
              scenario.log(fmt::format("kind {} requested alone: {}", kinds[i], reply.describe()));
              const auto* error = reply.error_tlv();
              if (error != nullptr && error->code == cv::ErrorCode::UnsupportedTcpOption) refused.push_back(kinds[i]);
            }
            if (!refused.empty())
              return CaseOutcome::violated(fmt::format(
                  "Supported TCP Extensions lists {}, yet an Extended Connect requesting kind(s) {} alone gets Error "
                  "33",
                  hex(kinds), hex(refused)));
            std::vector<std::uint8_t> unassigned;
            std::ranges::copy_if(kinds, std::back_inserter(unassigned),
                                 [](std::uint8_t listed) { return !pg::tcp::is_assigned_kind(listed); });
            if (!unassigned.empty())
              return CaseOutcome::warn(
                  fmt::format("Supported TCP Extensions lists {}, of which {} no TCP option registry assigns",
                              hex(kinds), hex(unassigned)));
            return CaseOutcome::pass(fmt::format("listed kinds {}: each accepted alone", hex(kinds)));
          },
  });
}

}  // namespace convtest::cases
