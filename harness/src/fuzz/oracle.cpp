#include "harness/fuzz/oracle.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "packetgen/tcp.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness::fuzz {
namespace {

namespace cv = packetgen::convert;
namespace kind = packetgen::tcp::kind;
using cv::DecodeRule;
using cv::ErrorCode;
using packetgen::Bytes;

// Requested options up to this size fit beside any converter's own SYN
// options (MSS, SACK-permitted, timestamps, window scale: 20 bytes); past
// it, whether they fit depends on the converter (AMB-24).
constexpr std::size_t kOptionsThatAlwaysFit = 20;

cv::DecodeOptions receiver_options(bool stream_complete) {
  // AMB-23: a receiver ignores non-zero "zero" fields.
  return {.direction = cv::Direction::ClientToConverter,
          .check_zero_fields = false,
          .accept_any_version = false,
          .stream_complete = stream_complete};
}

Expectation error(std::string rule, std::vector<AcceptedCode> codes) {
  Expectation expected;
  expected.outcome = Outcome::Error;
  expected.rule = std::move(rule);
  expected.codes = std::move(codes);
  return expected;
}

Expectation on_decode_error(const cv::DecodeError& found, const Input& input, const Bytes& stream) {
  const std::string rule(cv::name(found.rule));
  switch (found.rule) {
    case DecodeRule::BadMagic: {
      Expectation expected;
      expected.outcome = Outcome::Ignore;
      expected.rule = rule;
      // AMB-06: once the connection is established (the header came after
      // the SYN, or more data follows what the converter read), an RST is
      // allowed too.
      expected.reset_accepted = input.segments().size() > 1;
      return expected;
    }
    case DecodeRule::TotalLengthZero: {
      Expectation expected;
      expected.outcome = Outcome::Reset;
      expected.rule = rule;
      return expected;
    }
    case DecodeRule::UnsupportedVersion: {
      auto expected = error(rule, {{ErrorCode::UnsupportedVersion}});
      expected.kinds_required = {cv::kVersion};  // the list names the versions supported
      return expected;
    }
    default: break;
  }
  const auto code = cv::error_code_for(found.rule).value_or(ErrorCode::MalformedMessage);
  auto expected = error(rule, {{code}});
  if (found.rule == DecodeRule::WrongDirection) expected.codes.push_back({ErrorCode::MalformedMessage});  // AMB-08
  expected.reset_accepted = found.rule == DecodeRule::TlvTruncated;  // AMB-12: unrecoverable framing
  expected.echo_of = stream;
  return expected;
}

struct OptionVerdict {
  std::vector<std::uint8_t> refused;    // kinds the converter must refuse with Error 33
  std::vector<std::uint8_t> requested;  // every kind it must act on (not 2, 3, 5)
  std::size_t requested_bytes = 0;
  bool open = false;  // the RFC lets the converter refuse or proxy
};

bool ignored_kind(std::uint8_t option_kind) {
  return option_kind == kind::MSS || option_kind == kind::WindowScale || option_kind == kind::Sack;
}

bool commonly_supported(std::uint8_t option_kind) {
  return option_kind == kind::SackPermitted || option_kind == kind::Timestamps || option_kind == kind::Mptcp ||
         option_kind == kind::FastOpen;
}

// AMB-33: kinds 2, 3 and 5 are ignored; TCP-AO (29) and every kind the
// converter does not announce get Error 33 listing them.
OptionVerdict judge_options(const Bytes& options, const OraclePolicy& policy) {
  OptionVerdict verdict;
  for (const auto& option : packetgen::tcp::parse_options(options).options) {
    if (ignored_kind(option.kind)) continue;
    const bool repeated =
        std::find(verdict.requested.begin(), verdict.requested.end(), option.kind) != verdict.requested.end();
    verdict.open = verdict.open || repeated;  // a kind asked for twice: the RFC says nothing
    if (!repeated) verdict.requested.push_back(option.kind);
    verdict.requested_bytes += option.bytes.size();
    const bool announced = policy.supported_kinds && policy.supported_kinds->count(option.kind) != 0;
    if (option.kind == kind::TcpAo || (policy.supported_kinds && !announced)) {
      if (!repeated) verdict.refused.push_back(option.kind);
    } else if (!policy.supported_kinds && !commonly_supported(option.kind)) {
      verdict.open = true;  // without Info, what the converter supports is unknown
    }
  }
  verdict.open = verdict.open || verdict.requested_bytes > kOptionsThatAlwaysFit;
  return verdict;
}

Expectation refuse_options(const OptionVerdict& options) {
  auto expected = error("UnsupportedTcpOption", {{ErrorCode::UnsupportedTcpOption}});
  expected.kinds_required = options.refused;
  expected.kinds_allowed = options.refused;
  if (options.open || options.requested_bytes > packetgen::tcp::kMaxOptionsSize)
    expected.kinds_allowed = options.requested;  // AMB-24: the kinds that could not be placed
  if (options.requested_bytes > packetgen::tcp::kMaxOptionsSize) expected.rule = "OptionsDoNotFit";
  return expected;
}

bool requests_mptcp(const cv::ConnectTlv& connect) {
  const auto kinds = packetgen::tcp::parse_options(connect.tcp_options).kinds();
  return std::find(kinds.begin(), kinds.end(), kind::Mptcp) != kinds.end();
}

// A destination no emulated server answers for: unrouted (the converter's
// connect fails at once), or routed to the lab and answered by nobody.
Expectation unserved() {
  auto expected = error("UnservedDestination", {{ErrorCode::NetworkFailure},
                                                {ErrorCode::ConnectionReset, 0},
                                                {ErrorCode::DestinationUnreachable},
                                                {ErrorCode::ResourceExceeded}});
  expected.refused_up_front = false;
  expected.slow = true;
  return expected;
}

Expectation proxy(const cv::Decoded& decoded, const cv::ConnectTlv& connect, const Bytes& stream, const Input& input,
                  const OraclePolicy& policy) {
  Expectation expected;
  expected.rule = "valid";
  expected.destination = cv::ip_address(connect.address);
  expected.destination_port = connect.port;
  expected.refused_up_front = false;
  switch (input.server) {
    case ServerAnswer::SynAck:
      expected.outcome = Outcome::Proxy;
      expected.early_data.assign(stream.begin() + static_cast<std::ptrdiff_t>(decoded.size), stream.end());
      expected.extended_header_required = !connect.tcp_options.empty();
      expected.supported_required = policy.answers_info && decoded.message.find<cv::InfoTlv>() != nullptr;
      break;
    case ServerAnswer::Reset:
      expected.outcome = Outcome::Error;
      expected.rule = "ServerReset";
      expected.codes = {{ErrorCode::ConnectionReset, 0}};
      break;
    case ServerAnswer::Unreachable:
      expected.outcome = Outcome::Error;
      expected.rule = "ServerUnreachable";
      expected.codes = {{ErrorCode::DestinationUnreachable, input.icmp_code}};
      // Linux queues no ICMP error on an MPTCP socket: a converter that
      // connects over MPTCP as asked sees only a failed (or refused)
      // connect and cannot learn the code (docs/guide.md).
      if (requests_mptcp(connect)) {
        expected.codes.push_back({ErrorCode::NetworkFailure});
        expected.codes.push_back({ErrorCode::ConnectionReset, 0});
      }
      break;
  }
  expected.codes.push_back({ErrorCode::ResourceExceeded});  // a converter may run out of resources
  return expected;
}

bool is_served(const cv::ConnectTlv& connect, const std::optional<Served>& served) {
  return !served || (cv::ip_address(connect.address) == served->address && connect.port == served->port);
}

Expectation on_message(const cv::Decoded& decoded, const Bytes& stream, const Input& input, const OraclePolicy& policy,
                       const std::optional<Served>& served) {
  if (policy.cookie_required)  // no input carries a cookie this converter issued
    return error("CookieRequired", {{ErrorCode::MissingCookie}, {ErrorCode::NotAuthorized, 0}});
  const auto* connect = decoded.message.find<cv::ConnectTlv>();
  if (connect == nullptr) {
    Expectation expected;
    expected.outcome = Outcome::InfoReply;
    expected.rule = "InfoAlone";
    expected.supported_required = policy.answers_info;
    return expected;
  }
  if (connect->port == 0) {  // AMB-22: Malformed recommended; a failed connection is reported otherwise
    auto expected = error("PortZero", {{ErrorCode::MalformedMessage},
                                       {ErrorCode::NetworkFailure},
                                       {ErrorCode::DestinationUnreachable},
                                       {ErrorCode::ConnectionReset}});
    expected.proxy_accepted = true;
    expected.refused_up_front = false;
    return expected;
  }
  const OptionVerdict options = judge_options(connect->tcp_options, policy);
  if (!options.refused.empty() || options.requested_bytes > packetgen::tcp::kMaxOptionsSize)
    return refuse_options(options);
  if (!is_served(*connect, served)) return unserved();
  auto expected = proxy(decoded, *connect, stream, input, policy);
  if (options.open) {
    expected.codes.push_back({ErrorCode::UnsupportedTcpOption});
    expected.kinds_allowed = options.requested;
  }
  return expected;
}

std::string codes_text(const std::vector<AcceptedCode>& codes) {
  std::vector<std::string> parts;
  for (const auto& accepted : codes)
    parts.push_back(accepted.value ? fmt::format("{} ({}) with value {}", static_cast<int>(accepted.code),
                                                 cv::name(accepted.code), *accepted.value)
                                   : fmt::format("{} ({})", static_cast<int>(accepted.code), cv::name(accepted.code)));
  return fmt::format("{}", fmt::join(parts, " or "));
}

}  // namespace

std::string_view name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Proxy: return "proxy";
    case Outcome::Error: return "error";
    case Outcome::InfoReply: return "info-reply";
    case Outcome::Ignore: return "ignore";
    case Outcome::Reset: return "reset";
  }
  return "unknown";
}

bool ends_inside_message(const Input& input) {
  return std::holds_alternative<cv::NeedMore>(cv::decode(input.stream(), receiver_options(false)));
}

Expectation expect(const Input& input, const OraclePolicy& policy, const std::optional<Served>& served) {
  const Bytes stream = input.stream();
  const auto decoded = cv::decode(stream, receiver_options(true));
  if (const auto* found = std::get_if<cv::DecodeError>(&decoded)) return on_decode_error(*found, input, stream);
  return on_message(std::get<cv::Decoded>(decoded), stream, input, policy, served);
}

std::string Expectation::text() const {
  switch (outcome) {
    case Outcome::Proxy:
      return fmt::format(
          "[{}] proxy to {}:{}: a reply without Error TLV{}{}, {} early bytes relayed and the server's "
          "bytes after the reply (also accepted: Error {})",
          rule, destination ? destination->to_string() : "?", destination_port,
          extended_header_required ? " with an Extended TCP Header" : "",
          supported_required ? " and Supported TCP Extensions" : "", early_data.size(), codes_text(codes));
    case Outcome::Error:
      return fmt::format("[{}] Error {}{}{}, then FIN{}{}{}", rule, codes_text(codes),
                         echo_of.empty() ? "" : " with an aligned echo of the message",
                         kinds_required.empty() ? "" : fmt::format(" listing {}", fmt::join(kinds_required, ",")),
                         refused_up_front ? "; no SYN toward a server" : "",
                         reset_accepted ? "; an RST is accepted too" : "",
                         proxy_accepted ? "; proxying is accepted too" : "");
    case Outcome::InfoReply:
      return fmt::format("[{}] a reply without Error TLV{}, then FIN; no SYN toward a server", rule,
                         supported_required ? " with Supported TCP Extensions" : "");
    case Outcome::Ignore:
      return fmt::format(
          "[{}] ignored: no byte to the client, {}no SYN toward a server (a SYN-ACK and a FIN are "
          "tolerated)",
          rule, reset_accepted ? "" : "no RST, ");
    case Outcome::Reset: return fmt::format("[{}] an RST; no SYN toward a server", rule);
  }
  return rule;
}

}  // namespace convtest::harness::fuzz
