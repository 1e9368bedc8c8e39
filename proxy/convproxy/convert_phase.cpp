#include "convproxy/convert_phase.hpp"

#include <algorithm>

#include "convproxy/reply.hpp"
#include "packetgen/convert_builder.hpp"

namespace convtest::convproxy {

namespace convert = packetgen::convert;
using packetgen::Bytes;
using packetgen::ByteView;

namespace {

// Header fields, read only to rebuild a message for fault injection.
constexpr std::size_t kVersionByte = 0;
constexpr std::size_t kTotalLengthByte = 1;
// Connect TLV address field, read only for the accept-loopback fault.
constexpr std::size_t kConnectAddressOffset = 4;

struct FaultyDecode {
  convert::DecodeOutcome outcome;
  std::size_t skipped_bytes = 0;  // bytes of the message a fault made us drop
  std::optional<convert::Ipv6Address> restored_address;
};

// The stream without the TLV at [offset, offset + size), with Total Length
// reduced accordingly.
Bytes without_tlv(ByteView stream, std::size_t offset, std::size_t size) {
  const auto total_words = stream[kTotalLengthByte];
  const auto message_end = std::min<std::size_t>(stream.size(), total_words * convert::kWord);
  convert::MessageBuilder builder;
  builder.version(stream[kVersionByte]);
  builder.total_length_words(static_cast<std::uint8_t>(total_words - size / convert::kWord));
  builder.add_bytes(stream.subspan(convert::kHeaderSize, offset - convert::kHeaderSize));
  builder.add_bytes(stream.subspan(offset + size, message_end - offset - size));
  builder.app_data(stream.subspan(message_end));
  return builder.build();
}

bool droppable(const convert::DecodeError& error, const FaultSet& faults) {
  if (error.culprit_size == 0 || error.culprit_size % convert::kWord != 0) return false;
  if (error.culprit_offset < convert::kHeaderSize) return false;
  if (error.rule == convert::DecodeRule::UnknownType) return faults.has(Fault::SkipUnknownTlv);
  if (error.rule == convert::DecodeRule::ReservedType) return faults.has(Fault::SkipTypeZeroTlv);
  if (error.rule == convert::DecodeRule::DuplicateTlv) return faults.has(Fault::AcceptDuplicateConnect);
  return false;
}

std::optional<convert::Ipv6Address> loopback_culprit(ByteView stream, const convert::DecodeError& error) {
  if (error.rule != convert::DecodeRule::ForbiddenDestination) return std::nullopt;
  const auto at = error.culprit_offset + kConnectAddressOffset;
  if (at + 16 > stream.size()) return std::nullopt;
  convert::Ipv6Address address{};
  std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(at), 16, address.begin());
  if (convert::classify(address) != convert::AddressClass::Loopback) return std::nullopt;
  return address;
}

FaultyDecode decode_with_faults(ByteView stream, const FaultSet& faults) {
  convert::DecodeOptions options;
  options.direction = convert::Direction::ClientToConverter;
  options.check_zero_fields = false;  // AMB-23: receivers ignore non-zero "zero" fields
  options.accept_any_version = faults.has(Fault::AcceptVersion2);
  FaultyDecode result{convert::decode(stream, options), 0, std::nullopt};
  Bytes working(stream.begin(), stream.end());
  constexpr int kMaxRewrites = 64;
  for (int rewrite = 0; rewrite < kMaxRewrites; ++rewrite) {
    const auto* error = std::get_if<convert::DecodeError>(&result.outcome);
    if (error == nullptr) return result;
    if (droppable(*error, faults)) {
      working = without_tlv(working, error->culprit_offset, error->culprit_size);
      result.skipped_bytes += error->culprit_size;
    } else if (faults.has(Fault::AcceptLoopback) && !result.restored_address) {
      const auto loopback = loopback_culprit(working, *error);
      if (!loopback) return result;
      const auto stand_in = convert::ipv4_mapped("192.0.2.1");
      std::copy(stand_in.begin(), stand_in.end(),
                working.begin() + static_cast<std::ptrdiff_t>(error->culprit_offset + kConnectAddressOffset));
      result.restored_address = loopback;
    } else {
      return result;
    }
    result.outcome = convert::decode(working, options);
  }
  return result;
}

ByteView culprit_of(ByteView stream, const convert::DecodeError& error) {
  const auto begin = std::min(error.culprit_offset, stream.size());
  const auto size = std::min(error.culprit_size, stream.size() - begin);
  if (size > 0) return stream.subspan(begin, size);
  return stream.subspan(0, std::min(stream.size(), convert::kMaxMessageSize));
}

Decision decide_on_error(ByteView stream, const convert::DecodeError& error) {
  const auto code = convert::error_code_for(error.rule);
  if (!code) {
    if (error.rule == convert::DecodeRule::TotalLengthZero) return decision::ResetConnection{};
    return decision::IgnoreSilently{};
  }
  switch (*code) {
    case convert::ErrorCode::UnsupportedVersion:
      return decision::SendError{convert::ErrorTlv::unsupported_version({convert::kVersion})};
    case convert::ErrorCode::UnsupportedMessage:
      return decision::SendError{echo_error(*code, culprit_of(stream, error))};
    default: return decision::SendError{echo_error(convert::ErrorCode::MalformedMessage, culprit_of(stream, error))};
  }
}

// A service of the converter's own host, reached through any of its
// addresses (AMB-22); the relay-to-own-host fault lets it through.
bool refused_as_local(const Endpoint& destination, const PhaseContext& context) {
  if (context.local == nullptr || context.faults.has(Fault::RelayToOwnHost)) return false;
  return context.local->contains(destination.address);
}

bool version_accepted(std::uint8_t version, const FaultSet& faults) {
  constexpr std::uint8_t kFaultVersion = 2;
  return version == convert::kVersion || (version == kFaultVersion && faults.has(Fault::AcceptVersion2));
}

Decision decide_on_message(const convert::Decoded& decoded, const FaultyDecode& decode, const PhaseContext& context,
                           const ClientFacts& client) {
  const auto& message = decoded.message;
  if (!version_accepted(decoded.version, context.faults))
    return decision::SendError{convert::ErrorTlv::unsupported_version({convert::kVersion})};

  std::optional<convert::ConnectTlv> connect;
  if (const auto* found = message.find<convert::ConnectTlv>()) connect = *found;
  if (connect && decode.restored_address) connect->address = *decode.restored_address;
  if (connect && connect->port == 0)  // AMB-22
    return decision::SendError{echo_error(convert::ErrorCode::MalformedMessage, convert::encode_tlv(*connect))};

  if (!context.faults.has(Fault::IgnoreAcl) && context.acl != nullptr && !context.acl->allows(client.client))
    return decision::SendError{convert::ErrorTlv::not_authorized()};
  if (context.cookies != nullptr && context.cookies->required_for(client.client)) {
    const auto* cookie = message.find<convert::CookieTlv>();
    if (cookie == nullptr && !context.faults.has(Fault::AcceptMissingCookie))
      return decision::SendError{
          convert::ErrorTlv::missing_cookie(context.cookies->issue(client.client, client.unix_seconds))};
    const bool checked = cookie != nullptr && !context.faults.has(Fault::AcceptInvalidCookie);
    if (checked && !context.cookies->valid(cookie->cookie, client.client, client.unix_seconds))
      return decision::SendError{convert::ErrorTlv::not_authorized()};
  }
  if (!connect) return decision::AnswerInfo{};

  const Endpoint destination{connect->address, connect->port};
  if (context.self != nullptr && context.self->contains(destination))
    return decision::SendError{convert::ErrorTlv::not_authorized()};
  if (refused_as_local(destination, context)) return decision::SendError{convert::ErrorTlv::not_authorized()};

  auto options = evaluate_options(connect->tcp_options, context.option_policy);
  if (!options) return decision::SendError{convert::ErrorTlv::unsupported_tcp_option(options.error().kinds)};

  return decision::OpenDownstream{destination, std::move(options).value(), message.find<convert::InfoTlv>() != nullptr,
                                  decoded.size + decode.skipped_bytes};
}

}  // namespace

Decision decide(ByteView stream, const PhaseContext& context, const ClientFacts& client) {
  const auto decode = decode_with_faults(stream, context.faults);
  if (std::holds_alternative<convert::NeedMore>(decode.outcome)) return decision::WaitForMore{};
  if (const auto* error = std::get_if<convert::DecodeError>(&decode.outcome)) return decide_on_error(stream, *error);
  return decide_on_message(std::get<convert::Decoded>(decode.outcome), decode, context, client);
}

Decision decide_incomplete(ByteView stream) {
  if (stream.empty()) return decision::IgnoreSilently{};
  return decision::SendError{echo_error(convert::ErrorCode::MalformedMessage,
                                        stream.subspan(0, std::min(stream.size(), convert::kMaxMessageSize)))};
}

}  // namespace convtest::convproxy
