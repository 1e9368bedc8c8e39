// RFC 8803 section 7: how each TCP option requested in a Connect TLV is handled.

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "catalog.hpp"
#include "packetgen/tcp_options.hpp"
#include "legacy/scenario.hpp"

namespace convtest::cases {
using namespace legacy;  // TRANSITIONAL
namespace {

using namespace std::chrono_literals;
using reports::CaseClass;
using reports::Level;
namespace kind = pg::tcp::kind;

// Judges the options of the converter's SYN toward the server; returns what
// is wrong, or nothing. `supported` is the Supported TCP Extensions list when
// the client asked for it.
using DownstreamCheck =
    std::function<std::optional<std::string>(const pg::tcp::ParsedOptions& downstream,
                                              const std::vector<std::uint8_t>* supported)>;

struct Request {
  pg::Bytes options;       // the Connect's TCP Options field
  bool with_info = false;  // an Info TLV before the Connect
  // A refusal the case tolerates: Error 33 listing only this kind (the
  // converter does not offer it; a MAY).
  std::optional<std::uint8_t> may_refuse;
};

std::optional<pg::Bytes> extended_connect(const Scenario& scenario, const Request& request) {
  cv::Message message;
  if (request.with_info) message.tlvs.emplace_back(cv::InfoTlv{});
  message.tlvs.emplace_back(scenario.connect_tlv(request.options));
  auto encoded = cv::encode(message);
  if (!encoded) return std::nullopt;
  return std::move(encoded.value());
}

// An Extended Connect whose options are all to be ignored or all supported:
// the connection proceeds and the downstream SYN passes `check`.
CaseOutcome proceeds_with(CaseContext& context, const Request& request, const std::string& expected,
                          const DownstreamCheck& check) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const auto message = extended_connect(scenario, request);
  if (!message) return CaseOutcome::error("could not encode the Extended Connect");
  scenario.connect(*message);
  const Reply reply = scenario.await_reply(2s);
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  if (const cv::ErrorTlv* error = reply.error_tlv()) {
    if (request.may_refuse && error->code == cv::ErrorCode::UnsupportedTcpOption &&
        error->list == std::vector<std::uint8_t>{*request.may_refuse})
      return CaseOutcome::pass(expected, fmt::format("{}: the PUT does not offer kind {} (allowed)", reply.describe(),
                                                     *request.may_refuse));
    return CaseOutcome::violated(expected, reply.describe());
  }
  if (scenario.server().syn_count() == 0)
    return CaseOutcome::violated(expected, "a success reply but no SYN reached the server\n" + scenario.recent());
  const auto& syn = scenario.server().syns().front().segment.segment;
  const auto downstream = pg::tcp::parse_options(syn.options);
  const auto* supported_tlv = reply.message->message.find<cv::SupportedTcpExtensionsTlv>();
  if (request.with_info && supported_tlv == nullptr)
    return CaseOutcome::violated(expected, reply.describe() + ": no Supported TCP Extensions TLV although Info was "
                                                              "sent");
  if (auto wrong = check(downstream, supported_tlv ? &supported_tlv->kinds : nullptr))
    return CaseOutcome::violated(expected, fmt::format("{}; downstream SYN options {}", *wrong, hex(syn.options, 60)));
  return CaseOutcome::pass(expected, fmt::format("{}; downstream SYN options {}", reply.describe(), hex(syn.options, 60)));
}

std::optional<std::string> mss_is_own(const pg::tcp::ParsedOptions& downstream, const std::vector<std::uint8_t>*) {
  const auto* option = downstream.find(kind::MSS);
  const auto* mss = option ? std::get_if<pg::tcp::MssOption>(&option->value) : nullptr;
  if (mss != nullptr && mss->value == 400) return std::string("the requested MSS 400 was copied downstream");
  return std::nullopt;
}

std::optional<std::string> window_scale_is_own(const pg::tcp::ParsedOptions& downstream,
                                               const std::vector<std::uint8_t>*) {
  const auto* option = downstream.find(kind::WindowScale);
  const auto* ws = option ? std::get_if<pg::tcp::WindowScaleOption>(&option->value) : nullptr;
  if (ws != nullptr && ws->shift == 14) return std::string("the requested window scale 14 was forced downstream");
  return std::nullopt;
}

std::optional<std::string> no_sack_block(const pg::tcp::ParsedOptions& downstream, const std::vector<std::uint8_t>*) {
  if (downstream.find(kind::Sack) != nullptr) return std::string("a SACK option (kind 5) was copied downstream");
  return std::nullopt;
}

std::optional<std::string> none_of_the_ignored(const pg::tcp::ParsedOptions& downstream,
                                               const std::vector<std::uint8_t>* supported) {
  if (auto wrong = mss_is_own(downstream, supported)) return wrong;
  if (auto wrong = window_scale_is_own(downstream, supported)) return wrong;
  return no_sack_block(downstream, supported);
}

bool lists(const std::vector<std::uint8_t>* supported, std::uint8_t option_kind) {
  return supported != nullptr && std::find(supported->begin(), supported->end(), option_kind) != supported->end();
}

// A kind the converter advertises and the client asks for without a value
// must be in the downstream SYN (CONV-024), with a value of the converter's
// own making (CONV-025).
std::optional<std::string> sack_permitted_present(const pg::tcp::ParsedOptions& downstream,
                                                  const std::vector<std::uint8_t>* supported) {
  if (downstream.find(kind::SackPermitted) != nullptr) return std::nullopt;
  return fmt::format("SACK-Permitted (kind 4) was requested{} but is missing from the downstream SYN",
                     lists(supported, kind::SackPermitted) ? " and advertised" : "");
}

std::optional<std::string> timestamps_generated(const pg::tcp::ParsedOptions& downstream,
                                                const std::vector<std::uint8_t>* supported) {
  const auto* option = downstream.find(kind::Timestamps);
  const auto* ts = option ? std::get_if<pg::tcp::TimestampsOption>(&option->value) : nullptr;
  if (ts == nullptr)
    return fmt::format("Timestamps (kind 8) was requested{} but no well-formed Timestamps option is in the "
                       "downstream SYN",
                       lists(supported, kind::Timestamps) ? " and advertised" : "");
  if (ts->tsval == 0) return std::string("the downstream Timestamps option carries TSval 0 (no value generated)");
  return std::nullopt;
}

pg::Bytes bytes_of(std::initializer_list<std::uint8_t> list) { return pg::Bytes(list); }

// Error 33 for options the converter must refuse; the kinds allowed in the list.
CaseOutcome refused_with_33(CaseContext& context, const pg::Bytes& options, const std::vector<std::uint8_t>& required,
                            const std::vector<std::uint8_t>& allowed, const std::string& expected) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const auto message = extended_connect(scenario, Request{options, false, std::nullopt});
  if (!message) return CaseOutcome::error("could not encode the Extended Connect");
  scenario.connect(*message);
  const Reply reply = scenario.await_reply(2s);
  auto outcome = expect_unsupported_option(scenario, reply, required, allowed, expected);
  if (outcome.verdict == reports::Verdict::Pass && scenario.server().syn_count() != 0)
    return CaseOutcome::violated(expected, "Error 33, but a SYN reached the server");
  return outcome;
}

harness::CaseSpec ignored_spec(std::string id, std::vector<std::string> requirements, std::string title,
                               std::string stimulus, std::string expectation, pg::Bytes options,
                               DownstreamCheck check) {
  const std::string expected = expectation;
  return harness::CaseSpec{
      .id = std::move(id),
      .requirements = std::move(requirements),
      .section = "7",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"options", "connect"},
      .title = std::move(title),
      .stimulus = std::move(stimulus),
      .expectation = std::move(expectation),
      .accepted_outcomes = {"success reply (header only or with Extended TCP Header), the converter's own value "
                            "or no such option downstream"},
      .run =
          [options = std::move(options), check = std::move(check), expected](CaseContext& context) {
            return proceeds_with(context, Request{options, false, std::nullopt}, expected, check);
          },
  };
}

}  // namespace

void register_s7_options(harness::Registry& registry) {
  auto mss = ignored_spec(
      "opt-mss-ignored", {"CONV-047", "AMB-33"},
      "An MSS option (kind 2) in a Connect TLV is ignored: no error, and the converter uses its own MSS toward the "
      "server.",
      "SYN carrying an Extended Connect with the option 02 04 01 90 (MSS 400).",
      "A success reply, a SYN at the server whose MSS is not 400 (the converter's own).", bytes_of({2, 4, 1, 0x90}),
      mss_is_own);
  mss.section = "7.1";
  registry.add(std::move(mss));

  auto ws = ignored_spec(
      "opt-window-scale-ignored", {"CONV-051", "CONV-049", "AMB-33"},
      "A Window Scale option (kind 3) in a Connect TLV is ignored: no error, and the downstream window scale is the "
      "converter's own.",
      "SYN carrying an Extended Connect with the option 03 03 0E (shift 14).",
      "A success reply, a SYN at the server whose window scale shift is not 14.", bytes_of({3, 3, 14}),
      window_scale_is_own);
  ws.section = "7.2";
  registry.add(std::move(ws));

  auto sack = ignored_spec(
      "opt-sack-ignored", {"CONV-054", "AMB-33"},
      "A SACK option (kind 5) in a Connect TLV is ignored: no error, and no SACK block is copied into the "
      "downstream SYN.",
      "SYN carrying an Extended Connect with the option 05 0A 00 00 10 00 00 00 20 00 (one SACK block).",
      "A success reply, a SYN at the server without any kind-5 option.",
      bytes_of({5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0}), no_sack_block);
  sack.section = "7.3";
  registry.add(std::move(sack));

  registry.add(ignored_spec(
      "opt-ignored-kinds-together", {"CONV-047", "CONV-051", "CONV-054", "AMB-33"},
      "Kinds 2, 3 and 5 together in one Connect TLV are all ignored, never answered with Unsupported TCP Option.",
      "SYN carrying an Extended Connect with 02 04 01 90, 03 03 0E and 05 0A <one SACK block>.",
      "A success reply; the downstream SYN has neither MSS 400, nor shift 14, nor a SACK option.",
      bytes_of({2, 4, 1, 0x90, 3, 3, 14, 5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0}), none_of_the_ignored));

  for (const auto& [suffix, options, text] :
       {std::tuple{std::string("empty"), bytes_of({0x1D, 0x02}), std::string("1D 02")},
        std::tuple{std::string("with-mac"),
                   bytes_of({0x1D, 0x10, 0x01, 0x02, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA,
                             0xAB, 0xAC}),
                   std::string("1D 10 01 02 A1..AC (KeyID, RNextKeyID, 12-byte MAC)")}}) {
    registry.add({
        .id = "opt-tcp-ao-" + suffix + "-33",
        .requirements = {"CONV-062", "CONV-042", "AMB-33"},
        .section = "7.7",
        .level = Level::Must,
        .case_class = CaseClass::Invalid,
        .tags = {"options", "connect", "tcp-ao", "error"},
        .title = "A Connect TLV asking for TCP-AO (kind 29) is refused with Unsupported TCP Option listing kind 29.",
        .stimulus = "SYN carrying an Extended Connect with the option " + text + ".",
        .expectation = "Error TLV 1E 01 21 1D, then FIN; no SYN toward the server, so no AO option downstream.",
        .accepted_outcomes = {"Error 33 listing 0x1D in the SYN-ACK payload or a later segment, then FIN"},
        .negative = true,
        .run =
            [options = options, text = text](CaseContext& context) {
              return refused_with_33(context, options, {kind::TcpAo}, {kind::TcpAo},
                                     "Error 33 (Unsupported TCP Option) listing 0x1D for " + text +
                                         ", then a close; no SYN toward the server");
            },
    });
  }

  registry.add({
      .id = "opt-too-long-for-syn-33",
      .requirements = {"CONV-042", "AMB-24"},
      .section = "7",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"options", "connect", "error"},
      .title = "Requested options that cannot fit in a SYN (more than 40 bytes) are refused with Unsupported TCP "
               "Option listing the kinds that could not be placed (AMB-24).",
      .stimulus = "SYN carrying an Extended Connect with 42 bytes of supported options: Timestamps with a value "
                  "(10), a 16-byte TFO cookie (18), an MP_CAPABLE of length 12 and SACK-Permitted (2).",
      .expectation = "Error 33 listing one or more of the requested kinds (8, 34, 30, 4), zero-padded, then FIN; no "
                     "SYN toward the server.",
      .accepted_outcomes = {"any non-empty subset of 08, 22, 1E, 04 in the list"},
      .negative = true,
      .run =
          [](CaseContext& context) {
            pg::Bytes options = pg::tcp::timestamps(0x01020304, 0);
            const pg::Bytes cookie{0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8,
                                   0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, 0xD0};
            pg::put_bytes(options, pg::tcp::fast_open(cookie));
            pg::put_bytes(options, pg::tcp::mptcp::mp_capable_synack(0x1122334455667788ULL));
            pg::put_bytes(options, pg::tcp::sack_permitted());
            const std::vector<std::uint8_t> requested{kind::Timestamps, kind::FastOpen, kind::Mptcp,
                                                      kind::SackPermitted};
            return refused_with_33(context, options, {}, requested,
                                   "Error 33 listing kinds that do not fit in 40 bytes of SYN options, then a "
                                   "close; no SYN toward the server");
          },
  });

  registry.add({
      .id = "opt-sack-permitted-requested",
      .requirements = {"CONV-053", "CONV-024", "CONV-025", "AMB-33"},
      .section = "7.3",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"options", "connect", "info"},
      .needs = {harness::Feature::Info},
      .title = "SACK-Permitted (kind 4) requested in a Connect TLV appears in the SYN to the server when the "
               "converter offers it (it MAY advertise it in Supported TCP Extensions).",
      .stimulus = "SYN carrying Info and an Extended Connect with the option 04 02.",
      .expectation = "A success reply with Supported TCP Extensions and a downstream SYN carrying SACK-Permitted; "
                     "or Error 33 listing only kind 4 (the converter does not offer it).",
      .accepted_outcomes = {"success with kind 4 downstream", "Error 33 listing kind 4 only"},
      .run =
          [](CaseContext& context) {
            return proceeds_with(context, Request{bytes_of({4, 2}), true, kind::SackPermitted},
                                 "kind 4 in the downstream SYN, or Error 33 listing kind 4",
                                 sack_permitted_present);
          },
  });
  registry.add({
      .id = "opt-timestamps-requested",
      .requirements = {"CONV-056", "CONV-024", "CONV-025", "AMB-33"},
      .section = "7.4",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"options", "connect", "info"},
      .needs = {harness::Feature::Info},
      .title = "Timestamps (kind 8) requested without a value appear in the SYN to the server with a value the "
               "converter generates (it MAY advertise kind 8).",
      .stimulus = "SYN carrying Info and an Extended Connect with the option 08 02.",
      .expectation = "A success reply with Supported TCP Extensions and a downstream SYN with a Timestamps option "
                     "of length 10 and a non-zero TSval; or Error 33 listing only kind 8.",
      .accepted_outcomes = {"success with a generated Timestamps option downstream", "Error 33 listing kind 8 only"},
      .run =
          [](CaseContext& context) {
            return proceeds_with(context, Request{bytes_of({8, 2}), true, kind::Timestamps},
                                 "a generated Timestamps option in the downstream SYN, or Error 33 listing kind 8",
                                 timestamps_generated);
          },
  });
}

}  // namespace convtest::cases
