// The client role, RFC 8803 sections 6 to 6.2.8: how a client takes the
// converter's reply. Valid replies, however they arrive, give the
// application exactly the server's bytes; broken replies and Error TLVs make
// the client reset the connection and report an error.

#include <fmt/format.h>

#include "catalog.hpp"
#include "kit/cut_judge.hpp"
#include "packetgen/convert_builder.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::cases {
namespace {

using harness::Role;
using reports::CaseClass;
using reports::Level;

// The converter answers with `reply` and the server's answer; where the bytes
// travel is the script's business.
using ReplyScript = std::function<ConverterScript()>;

// A reader sees each piece on its own when they come this far apart.
constexpr auto kPieceGap = std::chrono::milliseconds(30);

ConverterScript after_handshake(pg::Bytes reply, std::vector<std::size_t> cuts = {}) {
  ConverterScript script = answering(std::move(reply));
  script.in_synack = 0;
  script.gap = cuts.empty() ? Clock::duration{} : kPieceGap;
  script.cuts = std::move(cuts);
  return script;
}

CaseOutcome judge_accepts(CaseContext& context, const ConverterScript& script, std::string_view what) {
  return run_cut(context, script, [what](CutScenario& scenario) {
    if (auto failed = verify_cut_completed(scenario)) return *failed;
    return CaseOutcome::pass(
        fmt::format("with {} the application got exactly the server's {} bytes", what, kServerAnswer.size()));
  });
}

CaseOutcome judge_refuses(CaseContext& context, const ConverterScript& script, std::string_view what) {
  return run_cut(context, script, [what](CutScenario& scenario) { return judge_cut_refuses(scenario, what); });
}

pg::Bytes header_then(std::uint8_t total_words, pg::ByteView tlv_area) {
  return cv::MessageBuilder().total_length_words(total_words).add_bytes(tlv_area).build();
}

// ---- valid replies the client must take

struct AcceptRow {
  std::string_view id;
  std::vector<std::string> requirements;
  std::string_view section;
  std::string_view title;
  std::string stimulus;
  std::string_view what;
  ConverterScript script;
};

std::vector<AcceptRow> accept_rows() {
  const pg::Bytes success = success_reply();
  cv::RawTlv supported_odd = cv::raw(cv::SupportedTcpExtensionsTlv{{30, 4, 8, 34}});
  supported_odd.value.at(0) = 0xab;  // the Unassigned bytes 2-3
  supported_odd.value.at(1) = 0xcd;
  cv::RawTlv header_odd = cv::raw(cv::ExtendedTcpHeaderTlv{pg::tcp::mss(1460)});
  header_odd.value.at(0) = 0xab;
  header_odd.value.at(1) = 0xcd;
  return {
      {"client-reply-in-synack-stripped",
       {"CLI-I03"},
       "6",
       "The client removes the converter's Convert message before it delivers data: the application sees the "
       "server's bytes only.",
       fmt::format("SYN-ACK payload: a success reply ({}) and the server's {} bytes.", hex(success),
                   kServerAnswer.size()),
       "the reply and the server's bytes in the SYN-ACK",
       answering(success)},
      {"client-reply-after-handshake",
       {"CLI-I03"},
       "6",
       "A reply that comes in the first data segment after the handshake is taken like one in the SYN-ACK.",
       fmt::format("A bare SYN-ACK; then one segment with the success reply ({}) and the server's bytes.",
                   hex(success)),
       "the reply in the first segment",
       after_handshake(success)},
      {"client-reply-split-across-segments",
       {"CLI-I03", "AMB-12"},
       "6",
       "A reply split across segments is reassembled: the application sees the server's bytes only.",
       fmt::format("The success reply ({}) cut after 2 and after 6 bytes, then the server's bytes, each part in its "
                   "own segment, 30 ms apart.",
                   hex(success)),
       "the reply in three segments",
       after_handshake(success, {2, 6, success.size()})},
      {"client-reply-header-only",
       {"CLI-I03", "AMB-02"},
       "6.1",
       "A bare fixed header (01 01 22 63) is a success reply.",
       fmt::format("SYN-ACK payload: {} and the server's bytes.", hex(cv::encode_header_only())),
       "a header-only reply",
       answering(cv::encode_header_only())},
      {"client-reply-supported-unassigned-ignored",
       {"CLI-012"},
       "6.2.4",
       "The client ignores the Unassigned field of a Supported TCP Extensions TLV.",
       fmt::format("SYN-ACK payload: a reply whose Supported TCP Extensions TLV has non-zero Unassigned bytes ({}), "
                   "then the server's bytes.",
                   hex(cv::encode_raw(supported_odd))),
       "non-zero Unassigned bytes in Supported TCP Extensions",
       answering(cv::MessageBuilder().add(supported_odd).build())},
      {"client-reply-ext-header-unassigned-ignored",
       {"CLI-017"},
       "6.2.6",
       "The client ignores the Unassigned field of an Extended TCP Header TLV.",
       fmt::format("SYN-ACK payload: a reply whose Extended TCP Header TLV has non-zero Unassigned bytes ({}), then "
                   "the server's bytes.",
                   hex(cv::encode_raw(header_odd))),
       "non-zero Unassigned bytes in the Extended TCP Header",
       answering(cv::MessageBuilder().add(header_odd).build())},
  };
}

// ---- broken replies the client must reset on

struct RefuseRow {
  std::string_view id;
  std::vector<std::string> requirements;
  std::string_view section;
  std::string_view title;
  pg::Bytes reply;
  std::string_view what;
};

std::vector<RefuseRow> refuse_rows() {
  const pg::Bytes ext_header = cv::encode_tlv(cv::ExtendedTcpHeaderTlv{pg::tcp::mss(1460)});
  pg::Bytes twice = ext_header;
  pg::put_bytes(twice, ext_header);
  return {
      {"client-reply-total-length-zero-reset",
       {"CLI-006"},
       "6.1",
       "A reply with Total Length 0 makes the client reset the connection.",
       header_then(0, {}),
       "a reply with Total Length 0"},
      {"client-reply-duplicate-tlv-reset",
       {"CLI-010"},
       "6.2.1",
       "A reply carrying the same TLV type twice makes the client reset the connection.",
       header_then(static_cast<std::uint8_t>(1 + twice.size() / 4), twice),
       "two Extended TCP Header TLVs"},
      {"client-reply-tlv-type-0-reset",
       {"CLI-011"},
       "6.2.2",
       "A reply carrying a TLV of type 0 makes the client reset the connection.",
       header_then(2, pg::Bytes{0x00, 0x01, 0x00, 0x00}),
       "a TLV of type 0"},
      {"client-reply-tlv-overruns-reset",
       {"CLI-027"},
       "9",
       "A reply whose TLV runs past Total Length makes the client reset, without misreading the bytes after it as "
       "application data.",
       header_then(2, pg::Bytes{20, 2, 0, 0, 2, 4, 5, 0xb4}),
       "a TLV running past Total Length"},
      {"client-reply-tlv-length-0-reset",
       {"CLI-027"},
       "9",
       "A reply with a TLV of Length 0 makes the client reset the connection.",
       header_then(2, pg::Bytes{20, 0, 0, 0}),
       "a TLV of Length 0"},
  };
}

// ---- Error TLVs (CLI-018), each in the SYN-ACK and in a later segment

struct ErrorRow {
  std::string_view suffix;
  cv::ErrorTlv error;
};

std::vector<ErrorRow> error_rows() {
  return {
      {"unsupported-version", cv::ErrorTlv::unsupported_version({1})},
      {"malformed-message", cv::ErrorTlv::malformed_message({})},
      {"unsupported-message", cv::ErrorTlv::unsupported_message({})},
      {"not-authorized", cv::ErrorTlv::not_authorized()},
      {"unsupported-tcp-option", cv::ErrorTlv::unsupported_tcp_option({8})},
      {"resource-exceeded", cv::ErrorTlv::resource_exceeded(1)},
      {"network-failure", cv::ErrorTlv::network_failure(1)},
      {"connection-reset", cv::ErrorTlv::connection_reset()},
      {"destination-unreachable", cv::ErrorTlv::destination_unreachable(1)},
  };
}

// CLI-019: the converter speaks only version 2; a version-1 client has no
// version in common with it and must not try again.
constexpr std::uint8_t kOnlyConverterVersion = 2;

CaseOutcome judge_no_retry_without_common_version(CutScenario& scenario) {
  CaseOutcome refused = judge_cut_refuses(scenario, "Unsupported Version listing version 2 only");
  if (refused.verdict != reports::Verdict::Pass) return refused;
  const auto& emulator = scenario.emulator();
  for (const auto& syn : emulator.syns()) {
    const auto& payload = syn.segment.segment.payload;
    const bool later_connection = harness::inbound_key(syn.segment) != emulator.connection(0).flow();
    if (later_connection && !payload.empty() && payload[0] != kOnlyConverterVersion)
      return CaseOutcome::violated(fmt::format("after {} the client tried again with version {}: {}",
                                               "Unsupported Version listing version 2 only", payload[0],
                                               hex(payload, 32)));
  }
  return refused;
}

}  // namespace

void register_c6_client_replies(harness::Registry& registry) {
  registry.add({
      .id = "client-unsupported-version-no-common-no-retry",
      .requirements = {"CLI-019", "CLI-018"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"client", "reply", "error", "version"},
      .role = Role::Client,
      .title = "After Unsupported Version the client uses the highest version both support; with none in common it "
               "does not try again.",
      .stimulus =
          fmt::format("Every SYN gets a SYN-ACK carrying {}, then the server's bytes.",
                      hex(must_encode(cv::Message{{cv::ErrorTlv::unsupported_version({kOnlyConverterVersion})}}))),
      .expectation = "The client resets, its application gets none of the server's bytes, it ends with an error, and "
                     "no later SYN to the converter carries a version other than 2.",
      .accepted_outcomes = {"RST, an application error and no retry", "a retry in version 2"},
      .run =
          [](CaseContext& context) {
            return run_cut(
                context,
                answering(must_encode(cv::Message{{cv::ErrorTlv::unsupported_version({kOnlyConverterVersion})}})),
                judge_no_retry_without_common_version);
          },
  });
  for (const AcceptRow& row : accept_rows()) {
    registry.add({
        .id = std::string(row.id),
        .requirements = row.requirements,
        .section = std::string(row.section),
        .level = Level::Must,
        .case_class = CaseClass::Valid,
        .tags = {"client", "reply"},
        .role = Role::Client,
        .title = std::string(row.title),
        .stimulus = row.stimulus,
        .expectation = "The client prints exactly the server's bytes and exits 0.",
        .accepted_outcomes = {"the exchange completes"},
        .run = [script = row.script,
                what = std::string(row.what)](CaseContext& context) { return judge_accepts(context, script, what); },
    });
  }
  for (const RefuseRow& row : refuse_rows()) {
    registry.add({
        .id = std::string(row.id),
        .requirements = row.requirements,
        .section = std::string(row.section),
        .level = Level::Must,
        .case_class = CaseClass::Invalid,
        .tags = {"client", "reply", "malformed"},
        .role = Role::Client,
        .title = std::string(row.title),
        .stimulus = fmt::format("SYN-ACK payload: {} followed by the server's bytes.", hex(row.reply)),
        .expectation = "The client resets the connection, its application gets none of the server's bytes, and it "
                       "ends with an error (not a crash).",
        .accepted_outcomes = {"RST and an application error"},
        .run = [script = answering(row.reply),
                what = std::string(row.what)](CaseContext& context) { return judge_refuses(context, script, what); },
    });
  }
  for (const ErrorRow& row : error_rows()) {
    const pg::Bytes reply = must_encode(cv::Message{{row.error}});
    const std::string what = fmt::format("an Error TLV {} ({})", static_cast<int>(row.error.code), row.suffix);
    for (const bool in_synack : {true, false}) {
      registry.add({
          .id = fmt::format("client-error-{}-{}-reset", row.suffix, in_synack ? "in-synack" : "after-handshake"),
          .requirements = {"CLI-018"},
          .section = "6.2.8",
          .level = Level::Must,
          .case_class = CaseClass::Valid,
          .tags = {"client", "reply", "error"},
          .role = Role::Client,
          .title = "An Error TLV from the converter makes the client reset the connection and report an error.",
          .stimulus = fmt::format("{}: {}, then the server's bytes.",
                                  in_synack ? "SYN-ACK payload" : "A bare SYN-ACK, then a segment", hex(reply)),
          .expectation = "The client resets the connection, its application gets none of the server's bytes, and "
                         "it ends with an error (not a crash).",
          .accepted_outcomes = {"RST and an application error"},
          .run = [script = in_synack ? answering(reply) : after_handshake(reply),
                  what](CaseContext& context) { return judge_refuses(context, script, what); },
      });
    }
  }
}

}  // namespace convtest::cases
