// RFC 8803 section 6.2.1 (and the framing check of section 9): the generic
// TLV rules, TLV types the converter must refuse, absent TLVs and messages
// whose TLVs are not framed within Total Length.

#include <functional>

#include <fmt/format.h>

#include "catalog.hpp"
#include "packetgen/convert_malformed.hpp"
#include "packetgen/tcp_options.hpp"
#include "legacy/scenario.hpp"

namespace convtest::cases {
using namespace legacy;  // TRANSITIONAL
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;

using MessageOf = std::function<pg::Bytes(const Scenario&)>;

// An error code the catalog accepts for a stimulus; `warning` set: accepted,
// but reported as a WARN with that text (e.g. Malformed for a T->C-only
// TLV, AMB-08).
struct Accepted {
  cv::ErrorCode code;
  std::string warning{};
};

struct Rejection {
  std::vector<Accepted> codes;          // the first one is the position of the catalog
  bool reset_accepted = false;          // unrecoverable framing: an RST without reply is fine
  Clock::duration reply_wait = 2s;
};

Rejection answered_with(std::vector<Accepted> codes) {
  Rejection rule;
  rule.codes = std::move(codes);
  return rule;
}

// The converter waits a bounded time for the rest of the message (AMB-12).
Rejection answered_after_wait_or_reset(std::vector<Accepted> codes, Clock::duration wait) {
  Rejection rule = answered_with(std::move(codes));
  rule.reset_accepted = true;
  rule.reply_wait = wait;
  return rule;
}

// "The converter returns <code>, echoing what it received, and closes; it
// does not open a connection to the server": the judgement of every
// malformed client message.
CaseOutcome rejected(CaseContext& context, const MessageOf& message_of, const Rejection& rule,
                     const std::string& expected) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes message = message_of(scenario);
  scenario.connect(message);
  const Reply reply = scenario.await_reply(rule.reply_wait);
  if (rule.reset_accepted && !reply.ok() && reply.closed_by_reset) {
    if (scenario.downstream_syn_seen(200ms))
      return CaseOutcome::violated(expected, "the PUT reset the connection but had sent a SYN to the server");
    return CaseOutcome::pass(expected, reply.describe());
  }
  const cv::ErrorTlv* error = reply.error_tlv();
  const auto chosen = std::find_if(rule.codes.begin(), rule.codes.end(),
                                   [error](const Accepted& accepted) { return error && error->code == accepted.code; });
  const Accepted& judged = chosen == rule.codes.end() ? rule.codes.front() : *chosen;
  CaseOutcome outcome = expect_error_reply(scenario, reply, judged.code, expected, message);
  if (outcome.verdict == reports::Verdict::Pass && !judged.warning.empty())
    return CaseOutcome::warn(expected, outcome.observed + ": " + judged.warning);
  return outcome;
}

std::string expectation_text(const Rejection& rule) {
  std::vector<std::string> codes;
  for (const auto& accepted : rule.codes)
    codes.push_back(fmt::format("{} ({}){}", static_cast<int>(accepted.code), cv::name(accepted.code),
                                accepted.warning.empty() ? "" : ", with a warning"));
  return fmt::format("Error TLV {} with byte 3 zero and an echo that is a 32-bit-aligned slice of what was sent "
                     "(AMB-05), then FIN (no RST before the client acknowledged it); no SYN toward the "
                     "server{}",
                     fmt::join(codes, " or "), rule.reset_accepted ? "; or an RST without any reply" : "");
}

// The malformed builder's stimuli this file turns into cases, by label.
struct BuilderCase {
  std::string label;
  std::string id;
  std::vector<std::string> requirements;
  std::string section;
  Level level;
  std::string title;
  Rejection rule;
  std::chrono::milliseconds timeout{0};
};

const Accepted kMalformed{cv::ErrorCode::MalformedMessage, {}};
const Accepted kUnsupported{cv::ErrorCode::UnsupportedMessage, {}};
const Accepted kMalformedForConverterTlv{
    cv::ErrorCode::MalformedMessage,
    "Malformed Message for a converter-only TLV is accepted, Unsupported Message (2) is the position (AMB-08)"};

std::vector<BuilderCase> builder_cases() {
  const std::string framing_title =
      "The converter checks that TLVs are framed within Total Length and refuses a message that is not, with "
      "Malformed Message, without opening any connection and without failing later requests.";
  return {
      {"header-only", "tlv-absent-header-only", {"CONV-037", "CONV-017", "AMB-07"}, "6.2.1", Level::Behaviour,
       "A message with the fixed header only (Total Length 1, no TLV, no Connect) is answered with Malformed "
       "Message.",
       answered_with({kMalformed}), {}},
      {"cookie-without-connect", "tlv-absent-cookie-only", {"CONV-037", "CONV-017", "AMB-07"}, "6.2.1",
       Level::Behaviour,
       "A message with a Cookie TLV but no Connect TLV (and no Info) is answered with Malformed Message.",
       answered_with({kMalformed}), {}},
      {"total-length-shorter-than-connect", "tlv-framing-total-length-shorter-than-connect",
       {"CONV-063", "CONV-037", "CONV-017"}, "9", Level::Must, framing_title, answered_with({kMalformed}), {}},
      {"total-length-beyond-bytes-sent", "tlv-framing-total-length-beyond-bytes-sent",
       {"CONV-063", "CONV-037", "AMB-12"}, "9", Level::Must,
       "A message announcing more bytes than the client ever sends is refused after a bounded wait (Malformed "
       "Message or a reset), never proxied and never left hanging.",
       answered_after_wait_or_reset({kMalformed}, 8s), 12000ms},
      {"connect-length-zero", "tlv-framing-connect-length-zero", {"CONV-063", "CONV-037", "CONV-017"}, "9",
       Level::Must, framing_title, answered_with({kMalformed}), {}},
      {"connect-length-past-total-length", "tlv-framing-connect-length-past-total-length",
       {"CONV-063", "CONV-037", "CONV-017"}, "9", Level::Must, framing_title, answered_with({kMalformed}), {}},
      {"zero-word-after-connect", "tlv-framing-zero-word-after-connect", {"CONV-063", "CONV-037", "CONV-015"}, "9",
       Level::Must,
       "Zero words between the last TLV and the Total Length boundary are not skipped: the word 00 00 00 00 is a "
       "TLV of Length 0 (Malformed Message; Unsupported Message for its type 0 is accepted too).",
       answered_with({kMalformed, kUnsupported}), {}},
      {"connect-4-words", "tlv-framing-connect-4-words", {"CONV-063", "CONV-037", "CONV-017"}, "9", Level::Must,
       "A Connect TLV of 4 words (shorter than the 5 words of a Base Connect) is refused with Malformed Message.",
       answered_with({kMalformed}), {}},
      {"reserved-type-0", "tlv-reserved-type-0", {"CONV-015", "CONV-038", "CONV-017"}, "6.2.2", Level::Must,
       "A TLV of the reserved type 0 is answered with Unsupported Message echoing it, then the connection is "
       "closed.",
       answered_with({kUnsupported}), {}},
      {"client-sends-error", "tlv-client-sends-error", {"CONV-038", "AMB-08", "CONV-017"}, "6.2.2", Level::Must,
       "An Error TLV, which only a converter sends, is an unsupported message when a client sends it.",
       answered_with({kUnsupported, kMalformedForConverterTlv}), {}},
      {"client-sends-extended-tcp-header", "tlv-client-sends-extended-tcp-header", {"CONV-038", "AMB-08", "CONV-017"},
       "6.2.2", Level::Must,
       "An Extended TCP Header TLV, which only a converter sends, is an unsupported message when a client sends it.",
       answered_with({kUnsupported, kMalformedForConverterTlv}), {}},
      {"client-sends-supported-tcp-extensions", "tlv-client-sends-supported-tcp-extensions",
       {"CONV-038", "AMB-08", "CONV-017"}, "6.2.2", Level::Must,
       "A Supported TCP Extensions TLV, which only a converter sends, is an unsupported message when a client sends "
       "it.",
       answered_with({kUnsupported, kMalformedForConverterTlv}), {}},
      {"duplicate-info", "tlv-duplicate-info", {"CONV-014", "CONV-037", "CONV-017"}, "6.2.1", Level::Must,
       "Two Info TLVs in one message are answered with Malformed Message, then the connection is closed.",
       answered_with({kMalformed}), {}},
      {"duplicate-cookie", "tlv-duplicate-cookie", {"CONV-014", "CONV-037", "CONV-017"}, "6.2.1", Level::Must,
       "Two Cookie TLVs in one message are answered with Malformed Message, then the connection is closed.",
       answered_with({kMalformed}), {}},
  };
}

MessageOf builder_message(std::string label) {
  return [label = std::move(label)](const Scenario& scenario) {
    for (auto& stimulus :
         cv::malformed::malformed_client_messages(scenario.server_port(), scenario.server_in_connect()))
      if (stimulus.label == label) return std::move(stimulus.bytes);
    return pg::Bytes{};
  };
}

// "A given TLV MUST only appear once on a connection. If two or more
// instances of the same TLV are exchanged, the converter MUST return a
// Malformed Message error and close."
CaseOutcome duplicate_connect(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  cv::ConnectTlv second = scenario.connect_tlv();
  second.port = 81;  // so that proceeding with either Connect is visible
  const pg::Bytes message = cv::MessageBuilder().add(scenario.connect_tlv()).add(second).build();
  const std::string expected =
      "Error 1 (Malformed Message) with an aligned echo, then a close; no SYN toward the server";
  scenario.connect(message);
  const Reply reply = scenario.await_reply(2s);
  return expect_error_reply(scenario, reply, cv::ErrorCode::MalformedMessage, expected, message);
}

// An unknown TLV (one word, value zero) in front of a valid Base Connect.
MessageOf unknown_type_message(std::uint8_t type) {
  return [type](const Scenario& scenario) {
    cv::RawTlv unknown;
    unknown.type = type;
    unknown.value = {0x00, 0x00};
    return cv::MessageBuilder().add(unknown).add(scenario.connect_tlv()).build();
  };
}

// "Application data comes immediately after the last TLV": bytes after
// Total Length x 4 are the client's data, relayed as they are even when they
// look like TLVs.
CaseOutcome trailing_data_like_tlvs(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  cv::ConnectTlv elsewhere = scenario.connect_tlv();
  elsewhere.port = 81;
  cv::RawTlv unknown;
  unknown.type = 0x05;
  unknown.value = {0x00, 0x00};
  pg::Bytes early = cv::MessageBuilder().add(unknown).build();  // a whole message-shaped prefix
  pg::put_bytes(early, cv::encode_tlv(elsewhere));
  pg::put_bytes(early, cv::encode_tlv(cv::InfoTlv{}));
  const std::string expected = fmt::format(
      "a success reply without Error TLV, one connection to port {}, and the {} bytes after Total Length x 4 "
      "relayed to the server exactly once, unparsed",
      scenario.server_port(), early.size());
  scenario.connect(scenario.base_connect(early));
  const Reply reply = scenario.await_reply(2s);
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  const bool delivered = scenario.await_server_bytes(early.size(), 2s);
  scenario.settle(100ms);
  const pg::Bytes at_server = scenario.server().received();
  if (!delivered || at_server != early)
    return CaseOutcome::violated(expected, fmt::format("the server received {} instead of the early data {}",
                                                       hex(at_server, 96), hex(early, 96)));
  const auto second_connect = harness::expect::matching(
      scenario.wire(), harness::expect::PacketFilter()
                           .from_put()
                           .side(harness::PathSide::ServerSide)
                           .bare_syn()
                           .to(scenario.server_address(), elsewhere.port));
  if (!second_connect.empty() || scenario.server().connection_count() != 1)
    return CaseOutcome::violated(expected, fmt::format("the data after the boundary was read as a second Connect: "
                                                       "{} SYNs to port {}, {} connections at port {}",
                                                       second_connect.size(), elsewhere.port,
                                                       scenario.server().connection_count(), scenario.server_port()));
  return CaseOutcome::pass(expected, fmt::format("{}; the server got the {} TLV-shaped bytes as data, once",
                                                 reply.describe(), early.size()));
}

// "The Value field MUST be zero-padded": Unsupported TCP Option listing two
// kinds (two bytes of list, two bytes of padding after byte 3).
CaseOutcome padding_of_error_33(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const std::vector<std::uint8_t> kinds{253, 254};
  pg::Bytes options = pg::tcp::raw_option(253, pg::Bytes{0x01, 0x02});
  pg::put_bytes(options, pg::tcp::raw_option(254, pg::Bytes{0x03, 0x04}));
  cv::Message message;
  message.tlvs.emplace_back(scenario.connect_tlv(options));
  const auto encoded = cv::encode(message);
  if (!encoded) return CaseOutcome::error("could not encode the Extended Connect");
  const std::string expected =
      "Error 33 (Unsupported TCP Option) whose list is exactly FD FE followed by zero padding "
      "(1E 02 21 FD FE 00 00 00), then a close";
  scenario.connect(encoded.value());
  const Reply reply = scenario.await_reply(2s);
  const cv::ErrorTlv* error = reply.error_tlv();
  if (error != nullptr && error->code == cv::ErrorCode::UnsupportedTcpOption && error->list != kinds)
    return CaseOutcome::violated(expected, fmt::format("the list reads {} instead of FD FE: non-zero padding or "
                                                       "extra kinds (CONV-012): {}",
                                                       hex(error->list), reply.describe()));
  return expect_error_reply(scenario, reply, cv::ErrorCode::UnsupportedTcpOption, expected, encoded.value());
}

// The converter's TLVs as a strict reader sees them: zero padding and zero
// "Unassigned" bytes (CONV-012, CONV-019, CONV-029), each type once
// (CONV-013). The reply decoder checks all of it.
CaseOutcome reply_tlvs_well_formed(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  script.synack_options = harness::emulate::synack_options::linux_full(0x01020304, 0, 1460, 7);
  scenario.serve(script);
  cv::Message request;
  request.tlvs.emplace_back(cv::InfoTlv{});
  request.tlvs.emplace_back(scenario.connect_tlv(pg::tcp::sack_permitted()));
  const auto encoded = cv::encode(request);
  if (!encoded) return CaseOutcome::error("could not encode the request");
  const std::string expected =
      "a success reply whose TLVs (Supported TCP Extensions, Extended TCP Header) each appear once, with zero "
      "padding and zero unassigned bytes";
  scenario.connect(encoded.value());
  const Reply reply = scenario.await_reply(2s);
  if (reply.error && reply.error->rule == cv::DecodeRule::DuplicateTlv)
    return CaseOutcome::violated(expected, fmt::format("a TLV type appears twice in the converter's message "
                                                       "(CONV-013): {}",
                                                       reply.describe()));
  if (reply.error && (reply.error->rule == cv::DecodeRule::NonZeroPadding ||
                      reply.error->rule == cv::DecodeRule::NonZeroField))
    return CaseOutcome::violated(expected, fmt::format("a padding or unassigned byte is not zero (CONV-012): {}",
                                                       reply.describe()));
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  if (reply.message->message.find<cv::SupportedTcpExtensionsTlv>() == nullptr ||
      reply.message->message.find<cv::ExtendedTcpHeaderTlv>() == nullptr)
    return CaseOutcome::inconclusive(expected, reply.describe() + ": the reply lacks a TLV the case meant to inspect");
  return CaseOutcome::pass(expected, reply.describe());
}

harness::CaseSpec malformed_spec(std::string id, std::vector<std::string> requirements, std::string section,
                                 Level level, std::string title, std::string stimulus, const Rejection& rule,
                                 MessageOf message_of) {
  const std::string expectation = expectation_text(rule);
  std::vector<std::string> accepted;
  for (const auto& code : rule.codes)
    accepted.push_back(fmt::format("Error {} in the SYN-ACK payload or a later segment, then FIN{}",
                                   static_cast<int>(code.code), code.warning.empty() ? "" : " (WARN)"));
  if (rule.reset_accepted) accepted.emplace_back("an RST after the converter's bounded wait, no reply");
  return harness::CaseSpec{
      .id = std::move(id),
      .requirements = std::move(requirements),
      .section = std::move(section),
      .level = level,
      .case_class = CaseClass::Invalid,
      .tags = {"tlv", "malformed", "error"},
      .title = std::move(title),
      .stimulus = std::move(stimulus),
      .expectation = expectation,
      .accepted_outcomes = std::move(accepted),
      .negative = true,
      .run = [rule, message_of = std::move(message_of), expectation](CaseContext& context) {
        return rejected(context, message_of, rule, expectation);
      },
  };
}

}  // namespace

void register_s6_2_1_tlv(harness::Registry& registry) {
  registry.add({
      .id = "tlv-duplicate-connect",
      .requirements = {"CONV-014", "CONV-037", "CONV-017"},
      .section = "6.2.1",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"tlv", "duplicate", "error"},
      .title = "Two instances of the same TLV (two Connect TLVs) are answered with Malformed Message, then the "
               "connection is closed.",
      .stimulus = "SYN carrying a Convert message with two Base Connect TLVs (ports 80 and 81, same server).",
      .expectation = "Error TLV code 1 whose echo is a 32-bit-aligned slice of the message, a FIN, and no SYN "
                     "toward the server.",
      .accepted_outcomes = {"Error 1 echoing the second Connect or the whole message (AMB-05)"},
      .negative = true,
      .run = duplicate_connect,
  });

  const auto shown = cv::malformed::malformed_client_messages(80, cv::ipv4_mapped("198.51.100.10"));
  for (const auto& entry : builder_cases()) {
    const auto found = std::find_if(shown.begin(), shown.end(),
                                    [&entry](const auto& stimulus) { return stimulus.label == entry.label; });
    const std::string bytes = found == shown.end() ? std::string("?") : hex(found->bytes, 64);
    auto spec = malformed_spec(entry.id, entry.requirements, entry.section, entry.level, entry.title,
                               fmt::format("SYN carrying the malformed message '{}': {}", entry.label, bytes),
                               entry.rule, builder_message(entry.label));
    spec.timeout = entry.timeout;
    registry.add(std::move(spec));
  }

  // AMB-09: unassigned types from every gap of the registry, and private ones.
  for (const std::uint8_t type : std::initializer_list<std::uint8_t>{2, 11, 19, 23, 29, 31, 191, 192, 255}) {
    const bool private_use = type >= 192;
    registry.add(malformed_spec(
        fmt::format("tlv-unknown-type-{}", type), {"CONV-038", "AMB-09", "CONV-017"}, "6.2.2", Level::Must,
        fmt::format("A TLV of {} type {} is not skipped: the converter answers Unsupported Message echoing it and "
                    "closes.",
                    private_use ? "the private-use" : "the unassigned", type),
        fmt::format("SYN carrying a Convert message with TLV {:02x} 01 00 00 before a valid Base Connect.", type),
        answered_with({kUnsupported}), unknown_type_message(type)));
  }

  registry.add({
      .id = "tlv-framing-trailing-data-like-tlvs",
      .requirements = {"CONV-063", "CONV-011", "CONV-I04"},
      .section = "9",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"tlv", "total-length", "early-data", "relay"},
      .title = "Bytes after Total Length x 4 are application data: TLV-shaped early data is relayed to the server, "
               "never parsed as TLVs.",
      .stimulus = "SYN carrying a Base Connect to port 80 followed by 32 bytes of early data that look like a second "
                  "Convert message: a header 01 02 22 63, an unknown TLV, a Connect to port 81 and an Info TLV.",
      .expectation = "A success reply, one connection to port 80 only, and the server receiving the 32 bytes "
                     "exactly once.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or in the first data segment"},
      .run = trailing_data_like_tlvs,
  });
  registry.add({
      .id = "tlv-padding-zero-error-33",
      .requirements = {"CONV-012", "CONV-042", "CONV-017"},
      .section = "6.2.1",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"tlv", "padding", "error"},
      .title = "The converter zero-pads the Value of its TLVs to a 32-bit multiple.",
      .stimulus = "SYN carrying an Extended Connect with the experimental options FD 04 01 02 and FE 04 03 04, "
                  "which the converter cannot use.",
      .expectation = "Error 33 whose value is FD FE then two zero padding bytes (1E 02 21 FD FE 00 00 00), then FIN.",
      .accepted_outcomes = {"Error 33 in the SYN-ACK payload or a later segment, then FIN"},
      .negative = true,
      .run = padding_of_error_33,
  });
  registry.add({
      .id = "tlv-reply-each-type-once-zero-padded",
      .requirements = {"CONV-013", "CONV-012", "CONV-019", "CONV-029"},
      .section = "6.2.1",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"tlv", "padding", "info", "extended-connect"},
      .needs = {Feature::Info},
      .title = "A TLV type appears at most once in the converter's message, and every padding and unassigned byte "
               "of its TLVs is zero.",
      .stimulus = "SYN carrying an Info TLV and an Extended Connect asking for SACK-Permitted; the server's SYN-ACK "
                  "carries MSS, SACK-Permitted, Timestamps, NOP, Window Scale.",
      .expectation = "One Supported TCP Extensions and one Extended TCP Header TLV, bytes 2-3 of each zero, list "
                     "padding zero.",
      .accepted_outcomes = {"reply in the SYN-ACK payload or in the first data segment"},
      .run = reply_tlvs_well_formed,
  });
}

}  // namespace convtest::cases
