#include "harness/fuzz/judge.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "packetgen/convert_echo.hpp"

namespace convtest::harness::fuzz {
namespace {

namespace cv = packetgen::convert;
using cv::ErrorCode;
using packetgen::Bytes;
using Problem = std::optional<std::string>;

// AMB-03: an RST this long after the Error TLV no longer hides it.
constexpr std::chrono::milliseconds kResetGrace{1000};
constexpr std::size_t kHexLimit = 40;

cv::DecodeOutcome decode_reply(const Observation& observed, bool complete) {
  // A judge of the converter's output: every "zero" field must be zero.
  return cv::decode(observed.stream, {.direction = cv::Direction::ConverterToClient,
                                      .check_zero_fields = true,
                                      .accept_any_version = false,
                                      .stream_complete = complete});
}

bool complete(const Observation& observed) { return observed.fin || observed.reset || observed.timed_out; }

std::string hex_prefix(const Bytes& bytes) {
  const auto shown = packetgen::ByteView(bytes).first(std::min(bytes.size(), kHexLimit));
  return packetgen::to_hex(shown) + (bytes.size() > kHexLimit ? " ..." : "");
}

Bytes after(const Bytes& stream, std::size_t offset) {
  if (offset >= stream.size()) return {};
  return {stream.begin() + static_cast<std::ptrdiff_t>(offset), stream.end()};
}

bool relay_done(const Expectation& expected, const Observation& observed, std::size_t reply_size) {
  return observed.downstream_syns > 0 && observed.server_received.size() >= expected.early_data.size() &&
         after(observed.stream, reply_size).size() >= observed.greeting.size();
}

bool contains(const std::vector<std::uint8_t>& list, std::uint8_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Problem listed_kinds_problem(const Expectation& expected, const cv::ErrorTlv& error) {
  if (error.list.empty()) return "Error 33 lists no option kind";
  for (auto required : expected.kinds_required)
    if (!contains(error.list, required))
      return fmt::format("Error 33 lists [{}] without kind {} (CONV-062, AMB-33)", fmt::join(error.list, ","),
                         required);
  for (auto listed : error.list)
    if (!expected.kinds_allowed.empty() && !contains(expected.kinds_allowed, listed))
      return fmt::format("Error 33 lists kind {} that was not requested or must be accepted (AMB-33)", listed);
  return std::nullopt;
}

// The Value rules of each code (CONV-036/037/038/039/040/045/046).
Problem error_value_problem(const Expectation& expected, const cv::ErrorTlv& error) {
  const auto accepted = std::find_if(expected.codes.begin(), expected.codes.end(),
                                     [&](const AcceptedCode& code) { return code.code == error.code; });
  if (accepted == expected.codes.end())
    return fmt::format("Error {} ({}) is not an answer the oracle accepts", static_cast<int>(error.code),
                       cv::name(error.code));
  if (accepted->value && error.value != *accepted->value)
    return fmt::format("Error {} carries value {} instead of {}", static_cast<int>(error.code), error.value,
                       *accepted->value);
  switch (error.code) {
    case ErrorCode::UnsupportedVersion:
      for (auto version : expected.kinds_required)
        if (!contains(error.list, version))
          return fmt::format("Unsupported Version lists [{}] without version {} (CONV-036)", fmt::join(error.list, ","),
                             version);
      return std::nullopt;
    case ErrorCode::MalformedMessage:
    case ErrorCode::UnsupportedMessage:
      if (!expected.echo_of.empty() && !cv::is_aligned_echo(error.bytes, expected.echo_of))
        return fmt::format("the echo [{}] is not an aligned slice of the message (CONV-037/038, AMB-05)",
                           hex_prefix(error.bytes));
      return std::nullopt;
    case ErrorCode::MissingCookie:
      if (error.bytes.empty()) return "Missing Cookie without a cookie (CONV-039)";
      return std::nullopt;
    case ErrorCode::UnsupportedTcpOption: return listed_kinds_problem(expected, error);
    default: return std::nullopt;
  }
}

// After an Error TLV or an Info reply: a FIN, never an RST that could hide the reply.
Problem close_problem(const Observation& observed) {
  if (observed.fin && !observed.reset_before_fin) return std::nullopt;
  if (observed.reset) {
    if (observed.reset_after_reply && *observed.reset_after_reply >= kResetGrace) return std::nullopt;
    return "an RST instead of a FIN right after the reply (CONV-017, AMB-03)";
  }
  return fmt::format("no FIN after the reply within {} ms", observed.waited.count());
}

Problem error_problem(const Expectation& expected, const Observation& observed, const cv::DecodeOutcome& reply) {
  if (expected.reset_accepted && observed.reset && observed.stream.empty() && observed.downstream_syns == 0)
    return std::nullopt;
  const auto* decoded = std::get_if<cv::Decoded>(&reply);
  const cv::ErrorTlv* error = decoded ? decoded->message.find<cv::ErrorTlv>() : nullptr;
  if (expected.proxy_accepted && decoded && !error && observed.downstream_syns > 0) return std::nullopt;
  if (expected.refused_up_front && observed.downstream_syns > 0)
    return "the PUT opened a connection toward the server instead of refusing";
  if (!error) return "no Error TLV in the reply";
  if (auto problem = error_value_problem(expected, *error)) return problem;
  const bool about_the_server =
      error->code == ErrorCode::ConnectionReset || error->code == ErrorCode::DestinationUnreachable;
  if (expected.destination && about_the_server && observed.downstream_syns == 0)
    return "an error about the server, but no SYN toward the server";
  return close_problem(observed);
}

Problem proxy_problem(const Expectation& expected, const Observation& observed, const cv::DecodeOutcome& reply) {
  const auto* decoded = std::get_if<cv::Decoded>(&reply);
  if (!decoded) return "no complete Convert reply";
  if (const auto* error = decoded->message.find<cv::ErrorTlv>()) {
    if (auto problem = error_value_problem(expected, *error)) return problem;
    return close_problem(observed);
  }
  if (observed.downstream_syns == 0) return "a success reply without any SYN toward the server";
  if (expected.extended_header_required && !decoded->message.find<cv::ExtendedTcpHeaderTlv>())
    return "no Extended TCP Header TLV after an Extended Connect (CONV-028)";
  if (expected.supported_required && !decoded->message.find<cv::SupportedTcpExtensionsTlv>())
    return "no Supported TCP Extensions TLV although the request carried Info (AMB-10)";
  if (observed.server_received != expected.early_data)
    return fmt::format("the server read [{}] instead of the {} early bytes [{}] (CONV-I04)",
                       hex_prefix(observed.server_received), expected.early_data.size(),
                       hex_prefix(expected.early_data));
  const Bytes relayed = after(observed.stream, decoded->size);
  if (relayed != observed.greeting)
    return fmt::format("after the reply the client read [{}] instead of the server's bytes [{}] (CONV-006)",
                       hex_prefix(relayed), hex_prefix(observed.greeting));
  return std::nullopt;
}

Problem info_problem(const Expectation& expected, const Observation& observed, const cv::DecodeOutcome& reply) {
  if (observed.downstream_syns > 0) return "the PUT opened a connection toward a server";
  const auto* decoded = std::get_if<cv::Decoded>(&reply);
  if (!decoded) return "no complete Convert reply";
  if (decoded->message.find<cv::ErrorTlv>()) return "an Error TLV instead of the Info reply (AMB-10)";
  if (expected.supported_required && !decoded->message.find<cv::SupportedTcpExtensionsTlv>())
    return "no Supported TCP Extensions TLV (AMB-10)";
  return close_problem(observed);
}

Problem mismatch(const Expectation& expected, const Observation& observed, const cv::DecodeOutcome& reply) {
  if (const auto* bad = std::get_if<cv::DecodeError>(&reply); bad && !observed.stream.empty()) {
    const bool tolerated = expected.outcome == Outcome::Reset && observed.reset;
    if (!tolerated)
      return fmt::format("the reply breaks {} at byte {}: {}", cv::name(bad->rule), bad->offset,
                         hex_prefix(observed.stream));
  }
  switch (expected.outcome) {
    case Outcome::Ignore:
      if (observed.downstream_syns > 0) return "the PUT opened a connection toward the server (CONV-005)";
      if (!observed.stream.empty()) return "the PUT sent bytes to the client (CONV-005)";
      if (observed.reset && observed.reset_before_fin && !expected.reset_accepted)
        return "the PUT reset the connection (CONV-005)";
      return std::nullopt;
    case Outcome::Reset:
      if (observed.downstream_syns > 0) return "the PUT opened a connection toward the server (CONV-009)";
      if (!observed.reset) return "no RST (CONV-009)";
      return std::nullopt;
    case Outcome::Error: return error_problem(expected, observed, reply);
    case Outcome::Proxy: return proxy_problem(expected, observed, reply);
    case Outcome::InfoReply: return info_problem(expected, observed, reply);
  }
  return std::nullopt;
}

std::string observed_class(const Observation& observed, const cv::DecodeOutcome& reply) {
  if (observed.stream.empty()) {
    if (observed.reset) return "reset";
    if (observed.fin) return "closed";
    return observed.downstream_syns > 0 ? "connect-only" : "silence";
  }
  if (std::holds_alternative<cv::DecodeError>(reply)) return "bad-reply";
  if (std::holds_alternative<cv::NeedMore>(reply)) return "partial-reply";
  const auto& decoded = std::get<cv::Decoded>(reply);
  if (const auto* error = decoded.message.find<cv::ErrorTlv>())
    return fmt::format("error-{}", static_cast<int>(error->code));
  return observed.downstream_syns > 0 ? "proxy" : "reply";
}

}  // namespace

bool settled(const Expectation& expected, const Observation& observed) {
  if (observed.reset) return true;
  if (expected.outcome == Outcome::Ignore || expected.outcome == Outcome::Reset)
    return observed.fin || !observed.stream.empty() || observed.downstream_syns > 0;
  if (observed.fin) return true;
  const auto reply = decode_reply(observed, false);
  if (std::holds_alternative<cv::DecodeError>(reply)) return true;
  const auto* decoded = std::get_if<cv::Decoded>(&reply);
  if (!decoded || decoded->message.find<cv::ErrorTlv>()) return false;  // an error is judged with its FIN
  const bool may_proxy = expected.outcome == Outcome::Proxy || expected.proxy_accepted;
  if (may_proxy) return relay_done(expected, observed, decoded->size);
  return expected.outcome == Outcome::Error;  // a success reply where an error was due
}

Judgement judge(const Expectation& expected, const Observation& observed) {
  const auto reply = decode_reply(observed, complete(observed));
  Judgement judgement;
  judgement.observed = observed_class(observed, reply);
  judgement.detail = fmt::format(
      "{}: {} byte(s) to the client [{}], {} SYN(s) toward the server, {} byte(s) relayed "
      "to it{}{}{}",
      judgement.observed, observed.stream.size(), hex_prefix(observed.stream), observed.downstream_syns,
      observed.server_received.size(), observed.fin ? ", FIN" : "", observed.reset ? ", RST" : "",
      observed.timed_out ? fmt::format(", still open after {} ms", observed.waited.count()) : "");
  judgement.problem = mismatch(expected, observed, reply);
  return judgement;
}

}  // namespace convtest::harness::fuzz
