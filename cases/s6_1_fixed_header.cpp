// RFC 8803 section 6.1: the Convert fixed header (Version, Total Length, Magic).

#include <fmt/format.h>

#include "catalog.hpp"
#include "legacy/scenario.hpp"

namespace convtest::cases {
using namespace legacy;  // TRANSITIONAL
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;

// "A request with a version the converter does not support gets an
// Unsupported Version error listing the versions it supports."
CaseOutcome unsupported_version(CaseContext& context, std::uint8_t version) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  cv::Message valid;
  valid.tlvs.emplace_back(scenario.connect_tlv());
  const pg::Bytes message = cv::MessageBuilder::from(valid).version(version).build();
  const std::string expected = fmt::format(
      "a version-1 Convert reply with Error 0 (Unsupported Version) whose value lists version 1 (1E 01 00 01), "
      "then a close; no SYN to the server (the request said version {})",
      version);
  scenario.connect(message);
  const Reply reply = scenario.await_reply(2s);
  return expect_error_reply(scenario, reply, cv::ErrorCode::UnsupportedVersion, expected, message);
}

// "If Total Length is 0, the connection MUST be reset."
CaseOutcome total_length_zero(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  cv::Message valid;
  valid.tlvs.emplace_back(scenario.connect_tlv());
  const pg::Bytes message = cv::MessageBuilder::from(valid).total_length_words(0).build();
  const std::string expected = "an RST (to the SYN or after the SYN-ACK) and no SYN toward the server";
  scenario.connect(message);
  const Reply reply = scenario.await_reply(2s);
  const bool downstream = scenario.downstream_syn_seen(200ms);
  if (downstream) return CaseOutcome::violated(expected, "the PUT sent a SYN to the server for Total Length 0");
  if (!reply.closed_by_reset) {
    if (reply.ok()) return CaseOutcome::violated(expected, reply.describe() + " instead of a reset");
    return CaseOutcome::violated(expected, reply.describe() + " (no RST)\n" + scenario.recent());
  }
  return CaseOutcome::pass(expected, reply.describe());
}

// The kinds of converter message whose fixed header the catalog inspects:
// "both the client and the converter send the fixed header as the first
// four bytes of every Convert connection", with version 1 and the magic.
enum class ReplyKind : std::uint8_t { Success, InfoAnswer, UnsupportedVersion, ServerReset };

struct ReplyStimulus {
  ReplyKind kind;
  std::string suffix;  // of the case id
  std::string stimulus;
  bool needs_info = false;
};

std::vector<ReplyStimulus> reply_stimuli() {
  return {
      {ReplyKind::Success, "success",
       "SYN carrying a Base Connect; the server accepts (SYN-ACK with MSS 1460).", false},
      {ReplyKind::InfoAnswer, "info",
       "SYN carrying only an Info TLV (01 01 00 00): the converter answers without any server.", true},
      {ReplyKind::UnsupportedVersion, "unsupported-version",
       "SYN carrying a Convert message with Version 255 and a Base Connect: the error reply must still be "
       "version 1.",
       false},
      {ReplyKind::ServerReset, "server-reset",
       "SYN carrying a Base Connect; the server answers the converter's SYN with RST (Error 96 expected).",
       false},
  };
}

pg::Bytes request_for(ReplyKind kind, const Scenario& scenario) {
  switch (kind) {
    case ReplyKind::InfoAnswer: {
      cv::Message info;
      info.tlvs.emplace_back(cv::InfoTlv{});
      auto bytes = cv::encode(info);
      return bytes ? std::move(bytes.value()) : pg::Bytes{};
    }
    case ReplyKind::UnsupportedVersion: {
      cv::Message valid;
      valid.tlvs.emplace_back(scenario.connect_tlv());
      return cv::MessageBuilder::from(valid).version(255).build();
    }
    case ReplyKind::Success:
    case ReplyKind::ServerReset:
      break;
  }
  return scenario.base_connect();
}

// Judges the first bytes of the client stream with a decoder that reads
// any version, so that a wrong version and a wrong magic are told apart
// from the rest of the message.
CaseOutcome reply_fixed_header(CaseContext& context, ReplyKind kind) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  if (kind == ReplyKind::ServerReset) script.answer = harness::emulate::SynAnswer::Reset;
  scenario.serve(script);
  const std::string expected =
      "the converter's message starts the client stream with the 4-byte fixed header: Version 1, a Total Length "
      "covering the message, Magic 0x2263 (wire bytes 01 LL 22 63)";
  scenario.connect(request_for(kind, scenario));
  const Reply reply = scenario.await_reply(3s);
  if (reply.raw.size() < cv::kHeaderSize)
    return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  cv::DecodeOptions options;
  options.direction = cv::Direction::ConverterToClient;
  options.accept_any_version = true;
  options.stream_complete = reply.closed_by_fin || reply.closed_by_reset;
  const auto decoded = cv::decode(reply.raw, options);
  if (const auto* error = std::get_if<cv::DecodeError>(&decoded); error && error->rule == cv::DecodeRule::BadMagic)
    return CaseOutcome::violated(expected, fmt::format("the converter's message does not carry the magic 0x2263 "
                                                       "(CONV-010): {}",
                                                       hex(reply.raw)));
  const auto* message = std::get_if<cv::Decoded>(&decoded);
  if (message == nullptr) return CaseOutcome::violated(expected, reply.describe());
  if (message->version != cv::kVersion)
    return CaseOutcome::violated(expected, fmt::format("the converter's message carries Version {} instead of 1 "
                                                       "(CONV-008): {}",
                                                       message->version, hex(reply.raw)));
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe());
  if (kind == ReplyKind::ServerReset && reply.error_tlv() == nullptr)
    return CaseOutcome::inconclusive(expected, reply.describe() + ": not the error reply the case meant to inspect");
  return CaseOutcome::pass(expected, reply.describe());
}

}  // namespace

void register_s6_1_fixed_header(harness::Registry& registry) {
  for (const std::uint8_t version : {std::uint8_t{0}, std::uint8_t{2}, std::uint8_t{127}, std::uint8_t{255}}) {
    registry.add({
        .id = fmt::format("hdr-version-{}", version),
        .requirements = {"CONV-035", "CONV-036", "CONV-017", "AMB-06"},
        .section = "6.1",
        .level = Level::Must,
        .case_class = CaseClass::Invalid,
        .tags = {"header", "version", "error"},
        .title = version == 0
                     ? "Version 0 is reserved and not supported: a request with Version 0 gets Error 0 (Unsupported "
                       "Version) listing version 1, inside a version-1 message, and the connection is closed."
                     : "A request with an unsupported version gets Error 0 (Unsupported Version) listing the "
                       "supported versions, inside a version-1 message, and the connection is closed.",
        .stimulus = fmt::format("SYN carrying a Convert message with Version {} (magic and Base Connect valid).",
                                version),
        .expectation = "Reply 01 02 22 63 1E 01 00 01: Error 0 with value 01 (padding zero), then FIN; no SYN "
                       "toward the server.",
        .accepted_outcomes = {"Error 0 in the SYN-ACK payload or a later segment, then FIN"},
        .negative = true,
        .run = [version](CaseContext& context) { return unsupported_version(context, version); },
    });
  }
  registry.add({
      .id = "hdr-total-length-0",
      .requirements = {"CONV-009", "AMB-06"},
      .section = "6.1",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"header", "total-length", "reset"},
      .title = "A Convert message with Total Length 0 makes the converter reset the connection.",
      .stimulus = "SYN carrying 01 00 22 63 followed by a valid Base Connect TLV.",
      .expectation = "An RST from the converter (to the SYN or after its SYN-ACK); no SYN toward the server.",
      .accepted_outcomes = {"RST instead of a SYN-ACK", "SYN-ACK, then RST"},
      .negative = true,
      .run = total_length_zero,
  });
  for (const auto& stimulus : reply_stimuli()) {
    harness::CaseSpec spec{
        .id = "hdr-reply-fixed-header-" + stimulus.suffix,
        .requirements = {"CONV-007", "CONV-008", "CONV-010", "AMB-06"},
        .section = "6.1",
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = {"header", "version", "magic", "reply"},
        .title = "Every Convert message of the converter starts with the fixed header: Version 1 (never 0), "
                 "then Total Length, then the Magic Number 0x2263.",
        .stimulus = stimulus.stimulus,
        .expectation = "The client stream starts with 01 LL 22 63 and a well-formed message of LL words.",
        .accepted_outcomes = {"the message in the SYN-ACK payload or in a later segment"},
    };
    if (stimulus.needs_info) spec.needs.push_back(Feature::Info);
    if (stimulus.kind == ReplyKind::UnsupportedVersion) {
      spec.case_class = CaseClass::Invalid;
      spec.negative = true;
    }
    spec.run = [kind = stimulus.kind](CaseContext& context) { return reply_fixed_header(context, kind); };
    registry.add(std::move(spec));
  }
}

}  // namespace convtest::cases
