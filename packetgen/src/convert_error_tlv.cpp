// ErrorTlv factories: one per error code of RFC 8803 section 6.2.8.
#include <utility>

#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert {
namespace {

ErrorTlv with_list(ErrorCode code, std::vector<std::uint8_t> list) {
  ErrorTlv error;
  error.code = code;
  error.list = std::move(list);
  return error;
}

ErrorTlv with_bytes(ErrorCode code, Bytes bytes) {
  ErrorTlv error;
  error.code = code;
  error.bytes = std::move(bytes);
  return error;
}

ErrorTlv with_value(ErrorCode code, std::uint8_t value) {
  ErrorTlv error;
  error.code = code;
  error.value = value;
  return error;
}

}  // namespace

ErrorTlv ErrorTlv::unsupported_version(std::vector<std::uint8_t> versions) {
  return with_list(ErrorCode::UnsupportedVersion, std::move(versions));
}
ErrorTlv ErrorTlv::malformed_message(Bytes echo) { return with_bytes(ErrorCode::MalformedMessage, std::move(echo)); }
ErrorTlv ErrorTlv::unsupported_message(Bytes echo) {
  return with_bytes(ErrorCode::UnsupportedMessage, std::move(echo));
}
ErrorTlv ErrorTlv::missing_cookie(Bytes cookie) { return with_bytes(ErrorCode::MissingCookie, std::move(cookie)); }
ErrorTlv ErrorTlv::not_authorized() { return with_value(ErrorCode::NotAuthorized, 0); }
ErrorTlv ErrorTlv::unsupported_tcp_option(std::vector<std::uint8_t> kinds) {
  return with_list(ErrorCode::UnsupportedTcpOption, std::move(kinds));
}
ErrorTlv ErrorTlv::resource_exceeded(std::uint8_t backoff_seconds) {
  return with_value(ErrorCode::ResourceExceeded, backoff_seconds);
}
ErrorTlv ErrorTlv::network_failure(std::uint8_t backoff_seconds) {
  return with_value(ErrorCode::NetworkFailure, backoff_seconds);
}
ErrorTlv ErrorTlv::connection_reset() { return with_value(ErrorCode::ConnectionReset, 0); }
ErrorTlv ErrorTlv::destination_unreachable(std::uint8_t icmp_code) {
  return with_value(ErrorCode::DestinationUnreachable, icmp_code);
}

}  // namespace convtest::packetgen::convert
