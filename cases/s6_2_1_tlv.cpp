// RFC 8803 section 6.2.1 (and the framing check of section 9): the generic
// TLV rules, TLV types the converter must refuse, absent TLVs and messages
// whose TLVs are not framed within Total Length.

#include <fmt/format.h>

#include <array>
#include <functional>
#include <stdexcept>

#include "catalog.hpp"
#include "kit/judge.hpp"
#include "packetgen/convert_malformed.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;

// A second Connect or a Connect-shaped datum names this port, so that acting on it is visible.
constexpr std::uint16_t kOtherPort = 81;
constexpr std::uint8_t kTlvShapedUnknownType = 0x05;
// AMB-09: unassigned types from every gap of the registry, and private ones.
constexpr std::array<std::uint8_t, 9> kUnknownTypes{2, 11, 19, 23, 29, 31, 191, 192, 255};
constexpr std::uint8_t kFirstPrivateType = 192;
// Experimental option kinds (RFC 4727), each with a 2-byte value the converter cannot use.
constexpr std::uint8_t kExperimentA = 253;
constexpr std::uint8_t kExperimentB = 254;
const pg::Bytes kExperimentAOption = pg::tcp::raw_option(kExperimentA, pg::Bytes{0x01, 0x02});
const pg::Bytes kExperimentBOption = pg::tcp::raw_option(kExperimentB, pg::Bytes{0x03, 0x04});

cv::RawTlv one_word_tlv(std::uint8_t type) { return {type, {0x00, 0x00}}; }

using MessageOf = std::function<pg::Bytes(const Scenario&)>;

// How the converter must refuse a client message.
struct Rejection {
  std::vector<AcceptedError> accepted;  // the first one is the position of the catalog
  bool reset_accepted = false;          // unrecoverable framing: an RST without reply is fine
  Clock::duration reply_wait = 2s;
};

Rejection answered_with(std::vector<AcceptedError> accepted) { return {.accepted = std::move(accepted)}; }

// The converter waits a bounded time for the rest of the message (AMB-12).
Rejection answered_after_wait_or_reset(std::vector<AcceptedError> accepted, Clock::duration wait) {
  return {.accepted = std::move(accepted), .reset_accepted = true, .reply_wait = wait};
}

const AcceptedError kMalformed{cv::ErrorCode::MalformedMessage};
const AcceptedError kUnsupported{cv::ErrorCode::UnsupportedMessage};
const AcceptedError kMalformedForConverterTlv{
    .code = cv::ErrorCode::MalformedMessage,
    .warning =
        "Malformed Message for a converter-only TLV is accepted, Unsupported Message (2) is the position "
        "(AMB-08)"};

std::string expectation_text(const Rejection& rule) {
  std::vector<std::string> codes;
  for (const auto& accepted : rule.accepted)
    codes.push_back(fmt::format("{} ({}){}", static_cast<int>(accepted.code), cv::name(accepted.code),
                                accepted.warning.empty() ? "" : ", with a warning"));
  return fmt::format(
      "Error TLV {} with byte 3 zero and an echo that is a 32-bit-aligned slice of what was sent "
      "(AMB-05), then FIN (no RST before the client acknowledged it); no SYN toward the "
      "server{}",
      fmt::join(codes, " or "), rule.reset_accepted ? "; or an RST without any reply" : "");
}

std::vector<std::string> accepted_outcomes_text(const Rejection& rule) {
  std::vector<std::string> accepted;
  for (const auto& code : rule.accepted)
    accepted.push_back(fmt::format("Error {} in the SYN-ACK payload or a later segment, then FIN{}",
                                   static_cast<int>(code.code), code.warning.empty() ? "" : " (WARN)"));
  if (rule.reset_accepted) accepted.emplace_back("an RST after the converter's bounded wait, no reply");
  return accepted;
}

// The malformed builder's message of this label, toward `server`:kServerPort.
std::optional<pg::Bytes> malformed_message(std::string_view label, const cv::Ipv6Address& server) {
  for (auto& stimulus : cv::malformed::malformed_client_messages(kServerPort, server))
    if (stimulus.label == label) return std::move(stimulus.bytes);
  return std::nullopt;
}

MessageOf builder_message(std::string label) {
  return [label = std::move(label)](const Scenario& scenario) {
    auto message = malformed_message(label, scenario.server_in_connect());
    if (!message) throw std::logic_error(fmt::format("packetgen has no malformed client message '{}'", label));
    return std::move(*message);
  };
}

// An unknown TLV (one word, value zero) in front of a valid Base Connect.
MessageOf unknown_type_message(std::uint8_t type) {
  return [type](const Scenario& scenario) {
    return cv::MessageBuilder().add(one_word_tlv(type)).add(scenario.connect_tlv()).build();
  };
}

// A client message the converter must refuse, and the case that sends it.
struct RejectionRow {
  std::string id;
  std::vector<std::string> requirements;
  std::string section;
  Level level;
  std::string title;
  std::string stimulus;
  Rejection rule;
  MessageOf message_of;
  std::chrono::milliseconds timeout{0};
};

// The malformed builder's stimuli this file turns into cases, by label.
std::vector<RejectionRow> builder_rows() {
  const std::string framing_title =
      "The converter checks that TLVs are framed within Total Length and refuses a message that is not, with "
      "Malformed Message, without opening any connection and without failing later requests.";
  struct Row {
    std::string label;
    RejectionRow row;
  };
  std::vector<Row> rows = {
      {"header-only",
       {"tlv-absent-header-only",
        {"CONV-037", "CONV-017", "AMB-07"},
        "6.2.1",
        Level::Behaviour,
        "A message with the fixed header only (Total Length 1, no TLV, no Connect) is answered with Malformed "
        "Message.",
        {},
        answered_with({kMalformed}),
        {}}},
      {"cookie-without-connect",
       {"tlv-absent-cookie-only",
        {"CONV-037", "CONV-017", "AMB-07"},
        "6.2.1",
        Level::Behaviour,
        "A message with a Cookie TLV but no Connect TLV (and no Info) is answered with Malformed Message.",
        {},
        answered_with({kMalformed}),
        {}}},
      {"total-length-shorter-than-connect",
       {"tlv-framing-total-length-shorter-than-connect",
        {"CONV-063", "CONV-037", "CONV-017"},
        "9",
        Level::Must,
        framing_title,
        {},
        answered_with({kMalformed}),
        {}}},
      {"total-length-beyond-bytes-sent",
       {"tlv-framing-total-length-beyond-bytes-sent",
        {"CONV-063", "CONV-037", "AMB-12"},
        "9",
        Level::Must,
        "A message announcing more bytes than the client ever sends is refused after a bounded wait (Malformed "
        "Message or a reset), never proxied and never left hanging.",
        {},
        answered_after_wait_or_reset({kMalformed}, 8s),
        {},
        12000ms}},
      {"connect-length-zero",
       {"tlv-framing-connect-length-zero",
        {"CONV-063", "CONV-037", "CONV-017"},
        "9",
        Level::Must,
        framing_title,
        {},
        answered_with({kMalformed}),
        {}}},
      {"connect-length-past-total-length",
       {"tlv-framing-connect-length-past-total-length",
        {"CONV-063", "CONV-037", "CONV-017"},
        "9",
        Level::Must,
        framing_title,
        {},
        answered_with({kMalformed}),
        {}}},
      {"zero-word-after-connect",
       {"tlv-framing-zero-word-after-connect",
        {"CONV-063", "CONV-037", "CONV-015"},
        "9",
        Level::Must,
        "Zero words between the last TLV and the Total Length boundary are not skipped: the word 00 00 00 00 is a "
        "TLV of Length 0 (Malformed Message; Unsupported Message for its type 0 is accepted too).",
        {},
        answered_with({kMalformed, kUnsupported}),
        {}}},
      {"connect-4-words",
       {"tlv-framing-connect-4-words",
        {"CONV-063", "CONV-037", "CONV-017"},
        "9",
        Level::Must,
        "A Connect TLV of 4 words (shorter than the 5 words of a Base Connect) is refused with Malformed Message.",
        {},
        answered_with({kMalformed}),
        {}}},
      {"reserved-type-0",
       {"tlv-reserved-type-0",
        {"CONV-015", "CONV-038", "CONV-017"},
        "6.2.2",
        Level::Must,
        "A TLV of the reserved type 0 is answered with Unsupported Message echoing it, then the connection is "
        "closed.",
        {},
        answered_with({kUnsupported}),
        {}}},
      {"client-sends-error",
       {"tlv-client-sends-error",
        {"CONV-038", "AMB-08", "CONV-017"},
        "6.2.2",
        Level::Must,
        "An Error TLV, which only a converter sends, is an unsupported message when a client sends it.",
        {},
        answered_with({kUnsupported, kMalformedForConverterTlv}),
        {}}},
      {"client-sends-extended-tcp-header",
       {"tlv-client-sends-extended-tcp-header",
        {"CONV-038", "AMB-08", "CONV-017"},
        "6.2.2",
        Level::Must,
        "An Extended TCP Header TLV, which only a converter sends, is an unsupported message when a client sends it.",
        {},
        answered_with({kUnsupported, kMalformedForConverterTlv}),
        {}}},
      {"client-sends-supported-tcp-extensions",
       {"tlv-client-sends-supported-tcp-extensions",
        {"CONV-038", "AMB-08", "CONV-017"},
        "6.2.2",
        Level::Must,
        "A Supported TCP Extensions TLV, which only a converter sends, is an unsupported message when a client "
        "sends it.",
        {},
        answered_with({kUnsupported, kMalformedForConverterTlv}),
        {}}},
      {"duplicate-info",
       {"tlv-duplicate-info",
        {"CONV-014", "CONV-037", "CONV-017"},
        "6.2.1",
        Level::Must,
        "Two Info TLVs in one message are answered with Malformed Message, then the connection is closed.",
        {},
        answered_with({kMalformed}),
        {}}},
      {"duplicate-cookie",
       {"tlv-duplicate-cookie",
        {"CONV-014", "CONV-037", "CONV-017"},
        "6.2.1",
        Level::Must,
        "Two Cookie TLVs in one message are answered with Malformed Message, then the connection is closed.",
        {},
        answered_with({kMalformed}),
        {}}},
  };
  const cv::Ipv6Address shown_server = server_in_connect(Family::V4);
  std::vector<RejectionRow> built;
  for (auto& [label, row] : rows) {
    const auto bytes = malformed_message(label, shown_server);
    row.stimulus =
        fmt::format("SYN carrying the malformed message '{}': {}", label, bytes ? hex(*bytes, 64) : std::string("?"));
    row.message_of = builder_message(label);
    built.push_back(std::move(row));
  }
  return built;
}

std::vector<RejectionRow> unknown_type_rows() {
  std::vector<RejectionRow> rows;
  for (const std::uint8_t type : kUnknownTypes) {
    rows.push_back({
        .id = fmt::format("tlv-unknown-type-{}", type),
        .requirements = {"CONV-038", "AMB-09", "CONV-017"},
        .section = "6.2.2",
        .level = Level::Must,
        .title = fmt::format("A TLV of {} type {} is not skipped: the converter answers Unsupported Message echoing "
                             "it and closes.",
                             type >= kFirstPrivateType ? "the private-use" : "the unassigned", type),
        .stimulus = fmt::format("SYN carrying a Convert message with TLV {} before a valid Base Connect.",
                                pg::to_hex(cv::encode_raw(one_word_tlv(type)))),
        .rule = answered_with({kUnsupported}),
        .message_of = unknown_type_message(type),
    });
  }
  return rows;
}

// "The converter returns <code>, echoing what it received, and closes; it
// does not open a connection to the server": the judgement of every
// malformed client message.
void register_rejection(harness::Registry& registry, const RejectionRow& row) {
  registry.add({
      .id = row.id,
      .requirements = row.requirements,
      .section = row.section,
      .level = row.level,
      .case_class = CaseClass::Invalid,
      .tags = {"tlv", "malformed", "error"},
      .title = row.title,
      .stimulus = row.stimulus,
      .expectation = expectation_text(row.rule),
      .accepted_outcomes = accepted_outcomes_text(row.rule),
      .negative = true,
      .timeout = row.timeout,
      .dimensions = dimensions::kAnyClient,
      .run =
          [rule = row.rule, message_of = row.message_of](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const pg::Bytes message = message_of(scenario);
            auto& client = scenario.connect(message);
            return judge_error_reply(
                client, client.await_reply(rule.reply_wait),
                {.accepted = rule.accepted, .echo_of = message, .reset_accepted = rule.reset_accepted});
          },
  });
}

// Bytes that look like a second Convert message (a header, an unknown TLV,
// a Connect to kOtherPort of `server`, an Info TLV), sent as early data.
pg::Bytes tlv_shaped_early_data(const cv::Ipv6Address& server) {
  cv::ConnectTlv elsewhere;
  elsewhere.port = kOtherPort;
  elsewhere.address = server;
  pg::Bytes early = cv::MessageBuilder().add(one_word_tlv(kTlvShapedUnknownType)).build();
  pg::put_bytes(early, cv::encode_tlv(elsewhere));
  pg::put_bytes(early, cv::encode_tlv(cv::InfoTlv{}));
  return early;
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
      .stimulus = fmt::format("SYN carrying a Convert message with two Base Connect TLVs (ports {} and {}, same "
                              "server).",
                              kServerPort, kOtherPort),
      .expectation = fmt::format("Error TLV code {} whose echo is a 32-bit-aligned slice of the message, a FIN, and no "
                                 "SYN toward the server.",
                                 static_cast<int>(cv::ErrorCode::MalformedMessage)),
      .accepted_outcomes = {"Error 1 echoing the second Connect or the whole message (AMB-05)"},
      .negative = true,
      // "A given TLV MUST only appear once on a connection. If two or more
      // instances of the same TLV are exchanged, the converter MUST return a
      // Malformed Message error and close."
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            cv::ConnectTlv second = scenario.connect_tlv();
            second.port = kOtherPort;
            const pg::Bytes message = cv::MessageBuilder().add(scenario.connect_tlv()).add(second).build();
            auto& client = scenario.connect(message);
            return judge_error_reply(client, client.await_reply(2s), {.accepted = {kMalformed}, .echo_of = message});
          },
  });

  for (const auto& row : builder_rows()) register_rejection(registry, row);
  for (const auto& row : unknown_type_rows()) register_rejection(registry, row);

  const pg::Bytes shown_early = tlv_shaped_early_data(server_in_connect(Family::V4));
  registry.add({
      .id = "tlv-framing-trailing-data-like-tlvs",
      .requirements = {"CONV-063", "CONV-011", "CONV-I04"},
      .section = "9",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"tlv", "total-length", "early-data", "relay"},
      .title = "Bytes after Total Length x 4 are application data: TLV-shaped early data is relayed to the server, "
               "never parsed as TLVs.",
      .stimulus = fmt::format("SYN carrying a Base Connect to port {} followed by {} bytes of early data that look "
                              "like a second Convert message: a header {}, an unknown TLV, a Connect to port {} and "
                              "an Info TLV.",
                              kServerPort, shown_early.size(),
                              wire_text(pg::ByteView(shown_early).first(cv::kHeaderSize)), kOtherPort),
      .expectation = fmt::format("A success reply, one connection to port {} only, and the server receiving the {} "
                                 "bytes exactly once.",
                                 kServerPort, shown_early.size()),
      .accepted_outcomes = {"reply in the SYN-ACK payload or in the first data segment"},
      // "Application data comes immediately after the last TLV": bytes after
      // Total Length x 4 are the client's data, relayed as they are even when
      // they look like TLVs.
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const pg::Bytes early = tlv_shaped_early_data(scenario.server_in_connect());
            auto& client = scenario.connect(scenario.base_connect(early));
            const Reply reply = client.await_reply(2s);
            if (auto failed = verify_success(client, reply)) return *failed;
            if (auto failed = verify_server_received(scenario, early)) return *failed;
            const auto second_connect =
                harness::expect::matching(scenario.wire(), harness::expect::PacketFilter()
                                                               .from_put()
                                                               .side(harness::PathSide::ServerSide)
                                                               .bare_syn()
                                                               .to(scenario.server_address(), kOtherPort));
            if (!second_connect.empty() || scenario.server().connection_count() != 1)
              return CaseOutcome::violated(fmt::format(
                  "the data after the boundary was read as a second Connect: "
                  "{} SYNs to port {}, {} connections at port {}",
                  second_connect.size(), kOtherPort, scenario.server().connection_count(), scenario.server_port()));
            return CaseOutcome::pass(fmt::format("{}; the server got the {} TLV-shaped bytes as data, once",
                                                 reply.describe(), early.size()));
          },
  });

  const std::vector<std::uint8_t> experimental_kinds{kExperimentA, kExperimentB};
  registry.add({
      .id = "tlv-padding-zero-error-33",
      .requirements = {"CONV-012", "CONV-042", "CONV-017"},
      .section = "6.2.1",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"tlv", "padding", "error"},
      .title = "The converter zero-pads the Value of its TLVs to a 32-bit multiple.",
      .stimulus = fmt::format("SYN carrying an Extended Connect with the experimental options {} and {}, which the "
                              "converter cannot use.",
                              wire_text(kExperimentAOption), wire_text(kExperimentBOption)),
      .expectation = fmt::format("Error 33 whose value is {} then two zero padding bytes ({}), then FIN.",
                                 wire_text(experimental_kinds),
                                 wire_text(cv::encode_tlv(cv::ErrorTlv::unsupported_tcp_option(experimental_kinds)))),
      .accepted_outcomes = {"Error 33 in the SYN-ACK payload or a later segment, then FIN"},
      .negative = true,
      // "The Value field MUST be zero-padded": Unsupported TCP Option listing
      // two kinds (two bytes of list, two bytes of padding after byte 3).
      .dimensions = dimensions::kAnyClient,
      .run =
          [experimental_kinds](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            pg::Bytes options = kExperimentAOption;
            pg::put_bytes(options, kExperimentBOption);
            auto& client = scenario.connect(scenario.message({scenario.connect_tlv(options)}));
            const Reply reply = client.await_reply(2s);
            const cv::ErrorTlv* error = reply.error_tlv();
            if (error != nullptr && error->code == cv::ErrorCode::UnsupportedTcpOption &&
                error->list != experimental_kinds)
              return CaseOutcome::violated(
                  fmt::format("the list reads {} instead of {}: non-zero padding or extra "
                              "kinds (CONV-012): {}",
                              hex(error->list), wire_text(experimental_kinds), reply.describe()));
            return judge_error_reply(client, reply, {.accepted = {{cv::ErrorCode::UnsupportedTcpOption}}});
          },
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
      // The converter's TLVs as a strict reader sees them: zero padding and
      // zero "Unassigned" bytes (CONV-012, CONV-019, CONV-029), each type once
      // (CONV-013). The reply decoder checks all of it.
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve({.synack_options = harness::emulate::synack_options::linux_full(0x01020304, 0, 1460, 7)});
            auto& client =
                scenario.connect(scenario.message({cv::InfoTlv{}, scenario.connect_tlv(pg::tcp::sack_permitted())}));
            const Reply reply = client.await_reply(2s);
            if (reply.error && reply.error->rule == cv::DecodeRule::DuplicateTlv)
              return CaseOutcome::violated(
                  fmt::format("a TLV type appears twice in the converter's message (CONV-013): {}", reply.describe()));
            if (reply.error && (reply.error->rule == cv::DecodeRule::NonZeroPadding ||
                                reply.error->rule == cv::DecodeRule::NonZeroField))
              return CaseOutcome::violated(
                  fmt::format("a padding or unassigned byte is not zero (CONV-012): {}", reply.describe()));
            if (auto failed = verify_success(client, reply)) return *failed;
            if (reply.find<cv::SupportedTcpExtensionsTlv>() == nullptr ||
                reply.find<cv::ExtendedTcpHeaderTlv>() == nullptr)
              return CaseOutcome::inconclusive(reply.describe() + ": the reply lacks a TLV the case meant to inspect");
            return CaseOutcome::pass(reply.describe());
          },
  });
}

}  // namespace convtest::cases
