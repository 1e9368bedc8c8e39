// RFC 8803 section 7: how each TCP option requested in a Connect TLV is handled.

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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

constexpr std::uint16_t kRequestedMss = 400;
constexpr std::uint8_t kRequestedShift = 14;
constexpr std::pair<std::uint32_t, std::uint32_t> kSackBlock{0x1000, 0x2000};
constexpr std::size_t kTcpAoMacSize = 12;
constexpr std::uint8_t kTcpAoKeyId = 0x01;
constexpr std::uint8_t kTcpAoRNextKeyId = 0x02;
constexpr std::uint8_t kTcpAoFirstMacByte = 0xA1;
constexpr std::size_t kTfoCookieSize = 16;
constexpr std::uint8_t kTfoFirstCookieByte = 0xC1;
constexpr std::uint32_t kRequestedTsval = 0x01020304;
constexpr std::uint64_t kRequestedMptcpKey = 0x1122334455667788ULL;
constexpr std::size_t kMaxSynOptions = 40;  // the TCP header's option space
constexpr auto kReplyTimeout = 2s;

pg::Bytes requested_mss() { return pg::tcp::mss(kRequestedMss); }
pg::Bytes requested_window_scale() { return pg::tcp::window_scale(kRequestedShift); }
pg::Bytes requested_sack() { return pg::tcp::sack({kSackBlock}); }
// Kinds a client asks for "without a value": only kind and length 2.
pg::Bytes without_value(std::uint8_t option_kind) { return pg::tcp::raw_option(option_kind, pg::ByteView{}); }

pg::Bytes counting_bytes(std::uint8_t first, std::size_t count) {
  pg::Bytes bytes(count);
  for (std::size_t i = 0; i < count; ++i) bytes[i] = static_cast<std::uint8_t>(first + i);
  return bytes;
}

pg::Bytes tcp_ao_with_mac() {
  pg::Bytes value{kTcpAoKeyId, kTcpAoRNextKeyId};
  pg::put_bytes(value, counting_bytes(kTcpAoFirstMacByte, kTcpAoMacSize));
  return pg::tcp::raw_option(kind::TcpAo, value);
}

pg::Bytes concatenated(std::initializer_list<pg::Bytes> parts) {
  pg::Bytes all;
  for (const auto& part : parts) pg::put_bytes(all, part);
  return all;
}

// Judges the options of the converter's SYN toward the server; returns what
// is wrong, or nothing. `supported` is the Supported TCP Extensions list when
// the client asked for it.
using DownstreamCheck = std::function<std::optional<std::string>(const pg::tcp::ParsedOptions& downstream,
                                                                 const std::vector<std::uint8_t>* supported)>;

struct Request {
  pg::Bytes options;       // the Connect's TCP Options field
  bool with_info = false;  // an Info TLV before the Connect
  // A refusal the case tolerates: Error 33 listing only this kind (the
  // converter does not offer it; a MAY).
  std::optional<std::uint8_t> may_refuse{};
};

pg::Bytes extended_connect(const Scenario& scenario, const Request& request) {
  std::vector<cv::Tlv> tlvs;
  if (request.with_info) tlvs.emplace_back(cv::InfoTlv{});
  tlvs.emplace_back(scenario.connect_tlv(request.options));
  return scenario.message(std::move(tlvs));
}

// An Extended Connect whose options are all to be ignored or all supported:
// the connection proceeds and the downstream SYN passes `check`.
CaseOutcome proceeds_with(CaseContext& context, const Request& request, const DownstreamCheck& check) {
  Scenario scenario(context);
  scenario.serve();
  Client& client = scenario.connect(extended_connect(scenario, request));
  const Reply reply = client.await_reply(kReplyTimeout);
  if (!reply.ok()) return CaseOutcome::violated(reply.describe() + "\n" + client.recent());
  if (const cv::ErrorTlv* error = reply.error_tlv()) {
    if (request.may_refuse && error->code == cv::ErrorCode::UnsupportedTcpOption &&
        error->list == std::vector<std::uint8_t>{*request.may_refuse})
      return CaseOutcome::pass(
          fmt::format("{}: the PUT does not offer kind {} (allowed)", reply.describe(), *request.may_refuse));
    return CaseOutcome::violated(reply.describe());
  }
  if (scenario.server().syn_count() == 0)
    return CaseOutcome::violated("a success reply but no SYN reached the server\n" + client.recent());
  const auto& syn = scenario.server().syns().front().segment.segment;
  const auto downstream = pg::tcp::parse_options(syn.options);
  const auto* supported_tlv = reply.find<cv::SupportedTcpExtensionsTlv>();
  if (request.with_info && supported_tlv == nullptr)
    return CaseOutcome::violated(reply.describe() + ": no Supported TCP Extensions TLV although Info was sent");
  if (auto wrong = check(downstream, supported_tlv ? &supported_tlv->kinds : nullptr))
    return CaseOutcome::violated(fmt::format("{}; downstream SYN options {}", *wrong, hex(syn.options, 60)));
  return CaseOutcome::pass(fmt::format("{}; downstream SYN options {}", reply.describe(), hex(syn.options, 60)));
}

// Error 33 for options the converter must refuse, listing kinds `kinds` allows,
// before any SYN toward the server.
CaseOutcome refused_with_33(CaseContext& context, const pg::Bytes& options, ListedKinds kinds) {
  Scenario scenario(context);
  scenario.serve();
  Client& client = scenario.connect(extended_connect(scenario, Request{.options = options}));
  const Reply reply = client.await_reply(kReplyTimeout);
  return judge_error_reply(client, reply,
                           {.accepted = {{cv::ErrorCode::UnsupportedTcpOption}}, .kinds = std::move(kinds)});
}

std::optional<std::string> mss_is_own(const pg::tcp::ParsedOptions& downstream, const std::vector<std::uint8_t>*) {
  const auto* option = downstream.find(kind::MSS);
  const auto* mss = option ? std::get_if<pg::tcp::MssOption>(&option->value) : nullptr;
  if (mss != nullptr && mss->value == kRequestedMss)
    return fmt::format("the requested MSS {} was copied downstream", kRequestedMss);
  return std::nullopt;
}

std::optional<std::string> window_scale_is_own(const pg::tcp::ParsedOptions& downstream,
                                               const std::vector<std::uint8_t>*) {
  const auto* option = downstream.find(kind::WindowScale);
  const auto* ws = option ? std::get_if<pg::tcp::WindowScaleOption>(&option->value) : nullptr;
  if (ws != nullptr && ws->shift == kRequestedShift)
    return fmt::format("the requested window scale {} was forced downstream", kRequestedShift);
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
    return fmt::format(
        "Timestamps (kind 8) was requested{} but no well-formed Timestamps option is in the "
        "downstream SYN",
        lists(supported, kind::Timestamps) ? " and advertised" : "");
  if (ts->tsval == 0) return std::string("the downstream Timestamps option carries TSval 0 (no value generated)");
  return std::nullopt;
}

// The Error TLV alone (without the message header), as metadata writes it.
std::string error_tlv_text(const cv::ErrorTlv& error) {
  const pg::Bytes message = must_encode(cv::Message{{error}});
  return wire_text(pg::ByteView(message).subspan(cv::kHeaderSize));
}

// Options the client asks for in a Connect TLV that the converter ignores (section 7).
struct IgnoredOptions {
  std::string id;
  std::vector<std::string> requirements;
  std::string section;
  std::string title;
  std::string stimulus;
  std::string expectation;
  pg::Bytes options;
  DownstreamCheck check;
};

void add_ignored(harness::Registry& registry, IgnoredOptions row) {
  registry.add({
      .id = std::move(row.id),
      .requirements = std::move(row.requirements),
      .section = std::move(row.section),
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"options", "connect"},
      .title = std::move(row.title),
      .stimulus = std::move(row.stimulus),
      .expectation = std::move(row.expectation),
      .accepted_outcomes = {"success reply (header only or with Extended TCP Header), the converter's own value "
                            "or no such option downstream"},
      .dimensions = dimensions::kAnyClient,
      .run = [options = std::move(row.options), check = std::move(row.check)](
                 CaseContext& context) { return proceeds_with(context, Request{.options = options}, check); },
  });
}

}  // namespace

void register_s7_options(harness::Registry& registry) {
  const std::string option_text = "SYN carrying an Extended Connect with the option";
  add_ignored(
      registry,
      {
          .id = "opt-mss-ignored",
          .requirements = {"CONV-047", "AMB-33"},
          .section = "7.1",
          .title = "An MSS option (kind 2) in a Connect TLV is ignored: no error, and the converter uses its own MSS "
                   "toward the server.",
          .stimulus = fmt::format("{} {} (MSS {}).", option_text, wire_text(requested_mss()), kRequestedMss),
          .expectation = fmt::format("A success reply, a SYN at the server whose MSS is not {} (the converter's own).",
                                     kRequestedMss),
          .options = requested_mss(),
          .check = mss_is_own,
      });
  add_ignored(
      registry,
      {
          .id = "opt-window-scale-ignored",
          .requirements = {"CONV-051", "CONV-049", "AMB-33"},
          .section = "7.2",
          .title = "A Window Scale option (kind 3) in a Connect TLV is ignored: no error, and the downstream window "
                   "scale is the converter's own.",
          .stimulus =
              fmt::format("{} {} (shift {}).", option_text, wire_text(requested_window_scale()), kRequestedShift),
          .expectation =
              fmt::format("A success reply, a SYN at the server whose window scale shift is not {}.", kRequestedShift),
          .options = requested_window_scale(),
          .check = window_scale_is_own,
      });
  add_ignored(
      registry,
      {
          .id = "opt-sack-ignored",
          .requirements = {"CONV-054", "AMB-33"},
          .section = "7.3",
          .title = "A SACK option (kind 5) in a Connect TLV is ignored: no error, and no SACK block is copied into the "
                   "downstream SYN.",
          .stimulus = fmt::format("{} {} (one SACK block).", option_text, wire_text(requested_sack())),
          .expectation = "A success reply, a SYN at the server without any kind-5 option.",
          .options = requested_sack(),
          .check = no_sack_block,
      });
  add_ignored(
      registry,
      {
          .id = "opt-ignored-kinds-together",
          .requirements = {"CONV-047", "CONV-051", "CONV-054", "AMB-33"},
          .section = "7",
          .title = "Kinds 2, 3 and 5 together in one Connect TLV are all ignored, never answered with Unsupported TCP "
                   "Option.",
          .stimulus = fmt::format("SYN carrying an Extended Connect with {}, {} and {} <one SACK block>.",
                                  wire_text(requested_mss()), wire_text(requested_window_scale()),
                                  wire_text(pg::ByteView(requested_sack()).first(2))),
          .expectation = fmt::format("A success reply; the downstream SYN has neither MSS {}, nor shift {}, nor a SACK "
                                     "option.",
                                     kRequestedMss, kRequestedShift),
          .options = concatenated({requested_mss(), requested_window_scale(), requested_sack()}),
          .check = none_of_the_ignored,
      });

  const pg::Bytes tcp_ao_with_mac_option = tcp_ao_with_mac();
  const std::string tcp_ao_with_mac_text = fmt::format(
      "{} {:02X}..{:02X} (KeyID, RNextKeyID, {}-byte MAC)", wire_text(pg::ByteView(tcp_ao_with_mac_option).first(4)),
      tcp_ao_with_mac_option[4], tcp_ao_with_mac_option.back(), kTcpAoMacSize);
  const std::string ao_refusal =
      error_tlv_text(cv::ErrorTlv{.code = cv::ErrorCode::UnsupportedTcpOption, .list = {kind::TcpAo}, .bytes = {}});
  for (const auto& [suffix, options, text] :
       {std::tuple{std::string("empty"), without_value(kind::TcpAo), wire_text(without_value(kind::TcpAo))},
        std::tuple{std::string("with-mac"), tcp_ao_with_mac_option, tcp_ao_with_mac_text}}) {
    registry.add({
        .id = "opt-tcp-ao-" + suffix + "-33",
        .requirements = {"CONV-062", "CONV-042", "AMB-33"},
        .section = "7.7",
        .level = Level::Must,
        .case_class = CaseClass::Invalid,
        .tags = {"options", "connect", "tcp-ao", "error"},
        .title = "A Connect TLV asking for TCP-AO (kind 29) is refused with Unsupported TCP Option listing kind 29.",
        .stimulus = fmt::format("{} {}.", option_text, text),
        .expectation =
            fmt::format("Error TLV {}, then FIN; no SYN toward the server, so no AO option downstream.", ao_refusal),
        .accepted_outcomes = {fmt::format("Error 33 listing 0x{:02X} in the SYN-ACK payload or a later segment, then "
                                          "FIN",
                                          kind::TcpAo)},
        .negative = true,
        .dimensions = dimensions::kAnyClient,
        .run =
            [options = options](CaseContext& context) {
              return refused_with_33(context, options, {.required = {kind::TcpAo}, .allowed = {kind::TcpAo}});
            },
    });
  }

  const pg::Bytes timestamps = pg::tcp::timestamps(kRequestedTsval, 0);
  const pg::Bytes tfo_cookie = pg::tcp::fast_open(counting_bytes(kTfoFirstCookieByte, kTfoCookieSize));
  const pg::Bytes mp_capable = pg::tcp::mptcp::mp_capable_synack(kRequestedMptcpKey);
  const pg::Bytes sack_permitted = pg::tcp::sack_permitted();
  const pg::Bytes too_long = concatenated({timestamps, tfo_cookie, mp_capable, sack_permitted});
  const std::vector<std::uint8_t> too_long_kinds{kind::Timestamps, kind::FastOpen, kind::Mptcp, kind::SackPermitted};
  registry.add({
      .id = "opt-too-long-for-syn-33",
      .requirements = {"CONV-042", "AMB-24"},
      .section = "7",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"options", "connect", "error"},
      .title = fmt::format("Requested options that cannot fit in a SYN (more than {} bytes) are refused with "
                           "Unsupported TCP Option listing the kinds that could not be placed (AMB-24).",
                           kMaxSynOptions),
      .stimulus = fmt::format("SYN carrying an Extended Connect with {} bytes of supported options: Timestamps with "
                              "a value ({}), a {}-byte TFO cookie ({}), an MP_CAPABLE of length {} and "
                              "SACK-Permitted ({}).",
                              too_long.size(), timestamps.size(), kTfoCookieSize, tfo_cookie.size(), mp_capable.size(),
                              sack_permitted.size()),
      .expectation = fmt::format("Error 33 listing one or more of the requested kinds ({}), zero-padded, then FIN; "
                                 "no SYN toward the server.",
                                 fmt::join(too_long_kinds, ", ")),
      .accepted_outcomes = {fmt::format("any non-empty subset of {:02X} in the list", fmt::join(too_long_kinds, ", "))},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run =
          [too_long, too_long_kinds](CaseContext& context) {
            return refused_with_33(context, too_long, {.required = {}, .allowed = too_long_kinds});
          },
  });

  registry.add({
      .id = "opt-sack-permitted-requested",
      .requirements = {"CONV-053", "CONV-024", "CONV-025", "AMB-33"},
      .section = "7.3",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"options", "connect", "info"},
      .needs = {Feature::Info},
      .title = "SACK-Permitted (kind 4) requested in a Connect TLV appears in the SYN to the server when the "
               "converter offers it (it MAY advertise it in Supported TCP Extensions).",
      .stimulus = fmt::format("SYN carrying Info and an Extended Connect with the option {}.",
                              wire_text(without_value(kind::SackPermitted))),
      .expectation = "A success reply with Supported TCP Extensions and a downstream SYN carrying SACK-Permitted; "
                     "or Error 33 listing only kind 4 (the converter does not offer it).",
      .accepted_outcomes = {"success with kind 4 downstream", "Error 33 listing kind 4 only"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            return proceeds_with(context,
                                 Request{.options = without_value(kind::SackPermitted),
                                         .with_info = true,
                                         .may_refuse = kind::SackPermitted},
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
      .needs = {Feature::Info},
      .title = "Timestamps (kind 8) requested without a value appear in the SYN to the server with a value the "
               "converter generates (it MAY advertise kind 8).",
      .stimulus = fmt::format("SYN carrying Info and an Extended Connect with the option {}.",
                              wire_text(without_value(kind::Timestamps))),
      .expectation = fmt::format("A success reply with Supported TCP Extensions and a downstream SYN with a "
                                 "Timestamps option of length {} and a non-zero TSval; or Error 33 listing only "
                                 "kind 8.",
                                 timestamps.size()),
      .accepted_outcomes = {"success with a generated Timestamps option downstream", "Error 33 listing kind 8 only"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            return proceeds_with(
                context,
                Request{.options = without_value(kind::Timestamps), .with_info = true, .may_refuse = kind::Timestamps},
                timestamps_generated);
          },
  });
}

}  // namespace convtest::cases
