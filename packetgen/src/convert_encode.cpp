// The strict Convert encoder: exact bytes, and never a message the strict
// decoder would refuse.
#include <array>
#include <optional>

#include "convert_internal.hpp"

namespace convtest::packetgen::convert {
namespace {

// Writes Type, a Length placeholder, the value, the padding, then the Length.
class TlvWriter {
 public:
  explicit TlvWriter(TlvType type) { out_ = {static_cast<std::uint8_t>(type), 0}; }
  Bytes& value() { return out_; }
  Bytes finish() && {
    pad_to(out_, kWord);
    // Over-long TLVs are refused by encode(); encode_tlv() keeps the low byte.
    out_[1] = static_cast<std::uint8_t>(out_.size() / kWord);
    return std::move(out_);
  }

 private:
  Bytes out_;
};

Bytes encode_error_value(const ErrorTlv& error, TlvWriter writer) {
  Bytes& out = writer.value();
  put_u8(out, static_cast<std::uint8_t>(error.code));
  switch (value_shape(error.code)) {
    case ErrorValueShape::ByteList: put_bytes(out, error.list); break;
    case ErrorValueShape::ZeroThenBytes:
      put_u8(out, 0);
      put_bytes(out, error.bytes);
      break;
    case ErrorValueShape::SingleByte: put_u8(out, error.value); break;
  }
  return std::move(writer).finish();
}

struct TlvEncoder {
  Bytes operator()(const InfoTlv&) const {
    TlvWriter writer(TlvType::Info);
    put_u16(writer.value(), 0);
    return std::move(writer).finish();
  }
  Bytes operator()(const ConnectTlv& connect) const {
    TlvWriter writer(TlvType::Connect);
    put_u16(writer.value(), connect.port);
    put_bytes(writer.value(), connect.address);
    put_bytes(writer.value(), connect.tcp_options);
    return std::move(writer).finish();
  }
  Bytes operator()(const ExtendedTcpHeaderTlv& header) const {
    return with_zero_field(TlvType::ExtendedTcpHeader, header.options);
  }
  Bytes operator()(const SupportedTcpExtensionsTlv& supported) const {
    return with_zero_field(TlvType::SupportedTcpExtensions, supported.kinds);
  }
  Bytes operator()(const CookieTlv& cookie) const { return with_zero_field(TlvType::Cookie, cookie.cookie); }
  Bytes operator()(const ErrorTlv& error) const { return encode_error_value(error, TlvWriter(TlvType::Error)); }

 private:
  static Bytes with_zero_field(TlvType type, ByteView tail) {
    TlvWriter writer(type);
    put_u16(writer.value(), 0);
    put_bytes(writer.value(), tail);
    return std::move(writer).finish();
  }
};

std::optional<EncodeRule> error_tlv_fault(const ErrorTlv& error) {
  if (!is_known_error_code(static_cast<std::uint8_t>(error.code))) return EncodeRule::UnknownErrorCode;
  switch (value_shape(error.code)) {
    case ErrorValueShape::ByteList:
      if (error.value != 0 || !error.bytes.empty()) return EncodeRule::UnusedErrorMember;
      if (!error.list.empty() && error.list.back() == 0) return EncodeRule::ListEndsWithZero;
      return std::nullopt;
    case ErrorValueShape::ZeroThenBytes:
      if (error.value != 0 || !error.list.empty()) return EncodeRule::UnusedErrorMember;
      return std::nullopt;
    case ErrorValueShape::SingleByte:
      if (!error.list.empty() || !error.bytes.empty()) return EncodeRule::UnusedErrorMember;
      if (error.value != 0 && (error.code == ErrorCode::NotAuthorized || error.code == ErrorCode::ConnectionReset))
        return EncodeRule::ErrorValueNotEmpty;
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<EncodeRule> value_fault(const Tlv& tlv) {
  if (const auto* connect = std::get_if<ConnectTlv>(&tlv)) {
    if (classify(connect->address) != AddressClass::Ordinary) return EncodeRule::ForbiddenDestination;
    if (detail::scan_option_blocks(connect->tcp_options, false, true).fault) return EncodeRule::BadConnectOptions;
  }
  if (const auto* supported = std::get_if<SupportedTcpExtensionsTlv>(&tlv)) {
    if (!supported->kinds.empty() && supported->kinds.back() == 0) return EncodeRule::ListEndsWithZero;
  }
  if (const auto* error = std::get_if<ErrorTlv>(&tlv)) return error_tlv_fault(*error);
  return std::nullopt;
}

}  // namespace

Bytes encode_tlv(const Tlv& tlv) { return std::visit(TlvEncoder{}, tlv); }

Bytes encode_header_only() {
  Bytes out;
  put_u8(out, kVersion);
  put_u8(out, 1);
  put_u16(out, kMagic);
  return out;
}

Result<Bytes, EncodeError> encode(const Message& message) {
  if (message.tlvs.empty()) return failure(EncodeError{EncodeRule::NoTlvs, 0});
  Bytes out = encode_header_only();
  std::array<bool, 256> seen{};
  for (std::size_t index = 0; index < message.tlvs.size(); ++index) {
    const Tlv& tlv = message.tlvs[index];
    if (auto rule = value_fault(tlv)) return failure(EncodeError{*rule, index});
    const auto type = static_cast<std::uint8_t>(type_of(tlv));
    if (seen[type]) return failure(EncodeError{EncodeRule::DuplicateTlv, index});
    seen[type] = true;
    const Bytes bytes = encode_tlv(tlv);
    if (bytes.size() > detail::kMaxTlvWords * kWord) return failure(EncodeError{EncodeRule::TlvTooLong, index});
    if (out.size() + bytes.size() > kMaxMessageSize) return failure(EncodeError{EncodeRule::MessageTooLong, index});
    put_bytes(out, bytes);
  }
  out[1] = static_cast<std::uint8_t>(out.size() / kWord);
  return out;
}

}  // namespace convtest::packetgen::convert
