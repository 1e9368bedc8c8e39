// RFC 8803 section 6.1: the Convert fixed header (Version, Total Length, Magic).

#include <fmt/format.h>

#include "catalog.hpp"
#include "scenario.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::PathSide;
using harness::expect::PacketFilter;
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

}  // namespace

void register_s6_1_fixed_header(harness::Registry& registry) {
  for (const std::uint8_t version : {std::uint8_t{2}, std::uint8_t{255}}) {
    registry.add({
        .id = fmt::format("hdr-version-{}", version),
        .requirements = {"CONV-035", "CONV-036", "CONV-017", "AMB-06"},
        .section = "6.1",
        .level = Level::Must,
        .case_class = CaseClass::Invalid,
        .tags = {"header", "version", "error"},
        .title = "A request with an unsupported version gets Error 0 (Unsupported Version) listing the "
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
}

}  // namespace convtest::cases
