#include "kit/judge.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "packetgen/convert_echo.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;

bool contains(const std::vector<std::uint8_t>& kinds, std::uint8_t kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::optional<std::string> listed_kinds_problem(const cv::ErrorTlv& error, const ListedKinds& kinds) {
  const std::string list = fmt::format("[{}]", fmt::join(error.list, ", "));
  if (error.list.empty()) return "Error 33 lists no kind";
  for (const auto kind : kinds.required)
    if (!contains(error.list, kind)) return fmt::format("Error 33 {} does not list kind {}", list, kind);
  for (const auto kind : error.list)
    if (!contains(kinds.allowed, kind))
      return fmt::format("Error 33 {} lists kind {}, which was not requested or is supported", list, kind);
  return std::nullopt;
}

// The Value rules each error code carries by itself (section 6.2.8).
std::optional<std::string> value_problem(const cv::ErrorTlv& error, const ErrorReplyRule& rule) {
  switch (error.code) {
    case cv::ErrorCode::UnsupportedVersion:
      // The reply itself is a version-1 message, so version 1 is one the converter supports (AMB-34).
      if (!contains(error.list, cv::kVersion))
        return fmt::format("Unsupported Version lists versions [{}] without version {} (CONV-036)",
                           fmt::join(error.list, ", "), cv::kVersion);
      return std::nullopt;
    case cv::ErrorCode::MalformedMessage:
    case cv::ErrorCode::UnsupportedMessage:
      if (!rule.echo_of.empty() && !is_aligned_echo(error.bytes, rule.echo_of))
        return fmt::format("the echo {} is not an aligned slice of the message sent ({}) (CONV-037/038, AMB-05)",
                           hex(error.bytes), hex(rule.echo_of));
      return std::nullopt;
    case cv::ErrorCode::MissingCookie:
      if (error.bytes.empty()) return "Missing Cookie without a cookie (CONV-039)";
      return std::nullopt;
    case cv::ErrorCode::NotAuthorized:
      if (error.value != 0) return fmt::format("Not Authorized with value {} instead of 0 (CONV-040)", error.value);
      return std::nullopt;
    case cv::ErrorCode::ConnectionReset:
      if (error.value != 0) return fmt::format("Connection Reset with value {} instead of 0 (CONV-045)", error.value);
      return std::nullopt;
    case cv::ErrorCode::UnsupportedTcpOption:
      if (rule.kinds) return listed_kinds_problem(error, *rule.kinds);
      return std::nullopt;
    default: return std::nullopt;
  }
}

const AcceptedError* accepted_match(const std::vector<AcceptedError>& accepted, const cv::ErrorTlv& error) {
  const auto found = std::find_if(accepted.begin(), accepted.end(), [&](const AcceptedError& one) {
    return one.code == error.code && (!one.value || *one.value == error.value);
  });
  return found == accepted.end() ? nullptr : &*found;
}

std::string error_text(const cv::ErrorTlv& error) {
  return fmt::format("Error {} ({}) with value {}", static_cast<int>(error.code), cv::name(error.code), error.value);
}

}  // namespace

CaseOutcome violated(const harness::expect::Outcome& missed) {
  return CaseOutcome::violated(fmt::format("{}\n(awaited: {})", missed.observed, missed.expected));
}

Verification verify_success(Client& client, const Reply& reply) {
  if (!reply.ok()) return CaseOutcome::violated(reply.describe() + "\n" + client.recent());
  if (reply.error_tlv() != nullptr)
    return CaseOutcome::violated(reply.describe() + " although nothing stood in the way of the connection");
  return std::nullopt;
}

Verification verify_server_received(Scenario& scenario, pg::ByteView bytes, Clock::duration timeout) {
  const auto arrived = scenario.await_server_bytes(bytes.size(), timeout);
  scenario.settle(150ms);
  const pg::Bytes at_server = scenario.server().received();
  if (arrived && std::equal(at_server.begin(), at_server.end(), bytes.begin(), bytes.end())) return std::nullopt;
  return CaseOutcome::violated(fmt::format("the server received {} ({} bytes) instead of exactly {} ({} bytes)",
                                           hex(at_server, 64), at_server.size(), hex(bytes, 64), bytes.size()));
}

Verification verify_client_received_after_reply(Client& client, const Reply& reply, pg::ByteView bytes,
                                                Clock::duration timeout) {
  const std::size_t reply_size = reply.message ? reply.message->size : 0;
  const auto arrived = client.await_stream_bytes(reply_size + bytes.size(), timeout);
  const pg::Bytes tail = client.reply().after_message();
  if (arrived && std::equal(tail.begin(), tail.end(), bytes.begin(), bytes.end())) return std::nullopt;
  return CaseOutcome::violated(
      fmt::format("after the reply the client received {} instead of exactly {}", hex(tail, 64), hex(bytes, 64)));
}

Verification verify_converted_over_mptcp(Client& client, Clock::duration timeout) {
  const Reply reply = client.await_reply(timeout);
  const auto& mptcp = client.mptcp();
  if (!mptcp.synack_had_mp_capable() || !mptcp.remote())
    return CaseOutcome::inconclusive(
        "the converter did not speak MPTCP on this connection (no MP_CAPABLE in its "
        "SYN-ACK" +
        (mptcp.fallen_back() ? ": " + mptcp.fallback_reason() : std::string()) + ")");
  if (!reply.success()) return CaseOutcome::inconclusive("the connection was not converted: " + reply.describe());
  return std::nullopt;
}

Verification verify_path_altered(Scenario& scenario) {
  if (!scenario.wire().path_altered())
    return CaseOutcome::inconclusive(
        "the emulated middlebox found nothing to change: the case did not test what it "
        "meant to\n" +
        scenario.recent());
  for (const auto& change : scenario.wire().alterations()) scenario.log("middlebox: " + change);
  return std::nullopt;
}

std::string describe(const std::vector<AcceptedError>& accepted) {
  std::vector<std::string> texts;
  for (const auto& one : accepted)
    texts.push_back(one.value ? fmt::format("{} with value {}", static_cast<int>(one.code), *one.value)
                              : fmt::format("{} (any value)", static_cast<int>(one.code)));
  return fmt::format("{}", fmt::join(texts, " or "));
}

CaseOutcome judge_error_reply(Client& client, const Reply& reply, const ErrorReplyRule& rule) {
  if (rule.reset_accepted && !reply.ok() && reply.closed_by_reset) {
    if (auto syn = client.no_downstream_syn(200ms); !syn)
      return CaseOutcome::violated("the PUT reset the connection but had sent a SYN toward the server: " +
                                   syn.observed);
    return CaseOutcome::pass(reply.describe());
  }
  if (!reply.ok()) return CaseOutcome::violated(reply.describe() + "\n" + client.recent());
  const cv::ErrorTlv* error = reply.error_tlv();
  if (error == nullptr) {
    const bool syn = rule.before_downstream && !client.no_downstream_syn(0ms);
    return CaseOutcome::violated(reply.describe() + (syn ? "; the PUT sent a SYN toward the server" : ""));
  }
  const AcceptedError* accepted = accepted_match(rule.accepted, *error);
  if (accepted == nullptr)
    return CaseOutcome::violated(
        fmt::format("{} instead of {}: {}", error_text(*error), describe(rule.accepted), reply.describe()));
  if (auto problem = value_problem(*error, rule)) return CaseOutcome::violated(*problem + ": " + reply.describe());
  if (rule.before_downstream)
    if (auto syn = client.no_downstream_syn(200ms); !syn)
      return CaseOutcome::violated("the PUT answered with the Error TLV but also sent a SYN toward the server: " +
                                   syn.observed);
  if (auto closed = client.await_close(2s); !closed)
    return CaseOutcome::violated("the PUT left the connection open after the Error TLV: " + closed.observed);
  if (auto early = client.early_reset_after_error(reply)) return CaseOutcome::violated(*early);
  if (!accepted->warning.empty()) return CaseOutcome::warn(reply.describe() + ": " + accepted->warning);
  return CaseOutcome::pass(reply.describe());
}

bool is_aligned_echo(pg::ByteView echo, pg::ByteView sent) { return cv::is_aligned_echo(echo, sent); }

std::optional<pg::Bytes> synack_options_at_put(const Scenario& scenario) {
  const auto synacks = harness::expect::matching(
      scenario.wire(), harness::expect::PacketFilter().to_put().side(harness::PathSide::ServerSide).syn_ack());
  if (synacks.empty() || !synacks.front()->tcp) return std::nullopt;
  return synacks.front()->tcp->segment.options;
}

Verification verify_extended_tcp_header(const Scenario& scenario, const Reply& reply, const ExtendedHeaderRule& rule) {
  const auto synack_options = synack_options_at_put(scenario);
  if (!synack_options)
    return CaseOutcome::inconclusive("the emulated server's SYN-ACK never reached the PUT\n" + scenario.recent());
  const auto* header = reply.find<cv::ExtendedTcpHeaderTlv>();
  if (header == nullptr)
    return CaseOutcome::violated("no Extended TCP Header TLV in the reply to an Extended Connect (CONV-028): " +
                                 reply.describe());
  const pg::Bytes& got = header->options;
  const auto without_trailing_zeros = [](pg::ByteView bytes) {
    while (!bytes.empty() && bytes.back() == 0) bytes = bytes.first(bytes.size() - 1);
    return pg::Bytes(bytes.begin(), bytes.end());
  };
  const bool verbatim = got == *synack_options;
  const bool padded =
      rule.trailing_zeros_accepted && without_trailing_zeros(got) == without_trailing_zeros(*synack_options);
  if (verbatim || padded) return std::nullopt;
  return CaseOutcome::violated(
      fmt::format("the Extended TCP Header holds {} but the SYN-ACK the converter received "
                  "carried {} (AMB-25: verbatim)",
                  hex(got, 64), hex(*synack_options, 64)));
}

}  // namespace convtest::cases
