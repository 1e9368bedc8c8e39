// RFC 8803 section 6.1: the Convert fixed header (Version, Total Length, Magic).

#include <fmt/format.h>

#include <array>

#include "catalog.hpp"
#include "kit/judge.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using harness::emulate::SynAnswer;
using reports::CaseClass;
using reports::Level;

constexpr std::array<std::uint8_t, 4> kUnsupportedVersions{0, 2, 127, 255};
// The version of the request whose error reply must still be a version-1 message.
constexpr std::uint8_t kReplyProbeVersion = 255;
constexpr std::uint8_t kZeroTotalLength = 0;
constexpr std::uint16_t kDefaultServerMss = 1460;  // the emulated server's SYN-ACK by default

cv::ErrorTlv version_one_only() { return cv::ErrorTlv::unsupported_version({cv::kVersion}); }

// A Base Connect to the scenario's server inside a message whose header says `version`.
pg::Bytes with_version(const Scenario& scenario, std::uint8_t version) {
  return cv::MessageBuilder::from(cv::Message{{scenario.connect_tlv()}}).version(version).build();
}

// The first bytes a header with Total Length 0 puts on the wire, for the metadata.
pg::Bytes zero_length_header() {
  const pg::Bytes header = cv::MessageBuilder().total_length_words(kZeroTotalLength).build();
  return pg::Bytes(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(cv::kHeaderSize));
}

// The kinds of converter message whose fixed header the catalog inspects:
// "both the client and the converter send the fixed header as the first
// four bytes of every Convert connection", with version 1 and the magic.
enum class ReplyKind : std::uint8_t { Success, InfoAnswer, UnsupportedVersion, ServerReset };

struct ReplyRow {
  ReplyKind kind;
  std::string suffix;  // of the case id
  std::string stimulus;
};

std::vector<ReplyRow> reply_rows() {
  return {
      {ReplyKind::Success, "success",
       fmt::format("SYN carrying a Base Connect; the server accepts (SYN-ACK with MSS {}).", kDefaultServerMss)},
      {ReplyKind::InfoAnswer, "info",
       fmt::format("SYN carrying only an Info TLV ({}): the converter answers without any server.",
                   wire_text(cv::encode_tlv(cv::InfoTlv{})))},
      {ReplyKind::UnsupportedVersion, "unsupported-version",
       fmt::format("SYN carrying a Convert message with Version {} and a Base Connect: the error reply must still "
                   "be version {}.",
                   kReplyProbeVersion, cv::kVersion)},
      {ReplyKind::ServerReset, "server-reset",
       fmt::format("SYN carrying a Base Connect; the server answers the converter's SYN with RST (Error {} "
                   "expected).",
                   static_cast<int>(cv::ErrorCode::ConnectionReset))},
  };
}

pg::Bytes request_for(ReplyKind kind, const Scenario& scenario) {
  switch (kind) {
    case ReplyKind::InfoAnswer: return scenario.message({cv::InfoTlv{}});
    case ReplyKind::UnsupportedVersion: return with_version(scenario, kReplyProbeVersion);
    case ReplyKind::Success:
    case ReplyKind::ServerReset: break;
  }
  return scenario.base_connect();
}

// Judges the first bytes of the client stream with a decoder that reads
// any version, so that a wrong version and a wrong magic are told apart
// from the rest of the message.
CaseOutcome reply_fixed_header(CaseContext& context, ReplyKind kind) {
  Scenario scenario(context);
  scenario.serve({.answer = kind == ReplyKind::ServerReset ? SynAnswer::Reset : SynAnswer::SynAck});
  auto& client = scenario.connect(request_for(kind, scenario));
  const Reply reply = client.await_reply(3s);
  if (reply.raw.size() < cv::kHeaderSize) return CaseOutcome::violated(reply.describe() + "\n" + client.recent());
  const auto decoded = cv::decode(reply.raw, {.direction = cv::Direction::ConverterToClient,
                                              .accept_any_version = true,
                                              .stream_complete = reply.closed_by_fin || reply.closed_by_reset});
  if (const auto* error = std::get_if<cv::DecodeError>(&decoded); error && error->rule == cv::DecodeRule::BadMagic)
    return CaseOutcome::violated(fmt::format("the converter's message does not carry the magic 0x{:04x} (CONV-010): {}",
                                             cv::kMagic, hex(reply.raw)));
  const auto* message = std::get_if<cv::Decoded>(&decoded);
  if (message == nullptr) return CaseOutcome::violated(reply.describe());
  if (message->version != cv::kVersion)
    return CaseOutcome::violated(fmt::format("the converter's message carries Version {} instead of {} (CONV-008): {}",
                                             message->version, cv::kVersion, hex(reply.raw)));
  if (!reply.ok()) return CaseOutcome::violated(reply.describe());
  if (kind == ReplyKind::ServerReset && reply.error_tlv() == nullptr)
    return CaseOutcome::inconclusive(reply.describe() + ": not the error reply the case meant to inspect");
  return CaseOutcome::pass(reply.describe());
}

}  // namespace

void register_s6_1_fixed_header(harness::Registry& registry) {
  for (const std::uint8_t version : kUnsupportedVersions) {
    registry.add({
        .id = fmt::format("hdr-version-{}", version),
        .requirements = {"CONV-035", "CONV-036", "CONV-017", "AMB-06"},
        .section = "6.1",
        .level = Level::Must,
        .case_class = CaseClass::Invalid,
        .tags = {"header", "version", "error"},
        .title = version == 0
                     ? fmt::format("Version 0 is reserved and not supported: a request with Version 0 gets Error 0 "
                                   "(Unsupported Version) listing version {0}, inside a version-{0} message, and the "
                                   "connection is closed.",
                                   cv::kVersion)
                     : fmt::format("A request with an unsupported version gets Error 0 (Unsupported Version) listing "
                                   "the supported versions, inside a version-{} message, and the connection is "
                                   "closed.",
                                   cv::kVersion),
        .stimulus =
            fmt::format("SYN carrying a Convert message with Version {} (magic and Base Connect valid).", version),
        .expectation = fmt::format("Reply {}: Error 0 with value {:02X} (padding zero), then FIN; no SYN toward the "
                                   "server.",
                                   error_reply_text(version_one_only()), cv::kVersion),
        .accepted_outcomes = {"Error 0 in the SYN-ACK payload or a later segment, then FIN"},
        .negative = true,
        .dimensions = dimensions::kAnyClient,
        .run =
            [version](CaseContext& context) {
              Scenario scenario(context);
              scenario.serve();
              const pg::Bytes message = with_version(scenario, version);
              auto& client = scenario.connect(message);
              const Reply reply = client.await_reply(2s);
              // A version-1 converter supports version 1 only: the list says exactly that.
              const cv::ErrorTlv* error = reply.error_tlv();
              if (error != nullptr && error->code == cv::ErrorCode::UnsupportedVersion &&
                  error->list != version_one_only().list)
                return CaseOutcome::violated(fmt::format("Unsupported Version lists versions [{}] instead of [{}]",
                                                         hex(error->list), cv::kVersion));
              return judge_error_reply(client, reply,
                                       {.accepted = {{cv::ErrorCode::UnsupportedVersion}}, .echo_of = message});
            },
    });
  }

  const pg::Bytes zero_length = zero_length_header();
  registry.add({
      .id = "hdr-total-length-0",
      .requirements = {"CONV-009", "AMB-06"},
      .section = "6.1",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"header", "total-length", "reset"},
      .title = "A Convert message with Total Length 0 makes the converter reset the connection.",
      .stimulus = fmt::format("SYN carrying {} followed by a valid Base Connect TLV.", wire_text(zero_length)),
      .expectation = "An RST from the converter (to the SYN or after its SYN-ACK); no SYN toward the server.",
      .accepted_outcomes = {"RST instead of a SYN-ACK", "SYN-ACK, then RST"},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const pg::Bytes message = cv::MessageBuilder::from(cv::Message{{scenario.connect_tlv()}})
                                          .total_length_words(kZeroTotalLength)
                                          .build();
            auto& client = scenario.connect(message);
            const Reply reply = client.await_reply(2s);
            if (auto syn = client.no_downstream_syn(200ms); !syn)
              return CaseOutcome::violated("the PUT sent a SYN to the server for Total Length 0: " + syn.observed);
            if (reply.closed_by_reset) return CaseOutcome::pass(reply.describe());
            if (reply.ok()) return CaseOutcome::violated(reply.describe() + " instead of a reset");
            return CaseOutcome::violated(reply.describe() + " (no RST)\n" + client.recent());
          },
  });

  for (const auto& row : reply_rows()) {
    const bool invalid_request = row.kind == ReplyKind::UnsupportedVersion;
    registry.add({
        .id = "hdr-reply-fixed-header-" + row.suffix,
        .requirements = {"CONV-007", "CONV-008", "CONV-010", "AMB-06"},
        .section = "6.1",
        .level = Level::Must,
        .case_class = invalid_request ? CaseClass::Invalid : CaseClass::Valid,
        .tags = {"header", "version", "magic", "reply"},
        .needs = row.kind == ReplyKind::InfoAnswer ? std::vector{Feature::Info} : std::vector<Feature>{},
        .title = fmt::format("Every Convert message of the converter starts with the fixed header: Version {} (never "
                             "0), then Total Length, then the Magic Number 0x{:04X}.",
                             cv::kVersion, cv::kMagic),
        .stimulus = row.stimulus,
        .expectation = fmt::format("The client stream starts with {:02X} LL {:02X} {:02X} and a well-formed message "
                                   "of LL words.",
                                   cv::kVersion, cv::kMagic >> 8, cv::kMagic & 0xFF),
        .accepted_outcomes = {"the message in the SYN-ACK payload or in a later segment"},
        .negative = invalid_request,
        .dimensions = row.kind == ReplyKind::Success ? dimensions::kEveryPath : dimensions::kAnyClient,
        .run = [kind = row.kind](CaseContext& context) { return reply_fixed_header(context, kind); },
    });
  }
}

}  // namespace convtest::cases
