#include "convert_decode_tlv.hpp"

#include <algorithm>

namespace convtest::packetgen::convert::detail {
namespace {

using TlvOutcome = std::variant<Tlv, DecodeError>;

constexpr std::size_t kZeroFieldOffset = 2;  // bytes 2-3 of Info, Cookie, Supported, Ext TCP Header
constexpr std::size_t kValueOffset = 4;
constexpr std::size_t kErrorCodeOffset = 2;
constexpr std::size_t kErrorValueOffset = 3;
constexpr std::size_t kConnectPortOffset = 2;
constexpr std::size_t kConnectAddressOffset = 4;

class TlvValueDecoder {
 public:
  TlvValueDecoder(ByteView tlv, std::size_t offset, const DecodeOptions& options)
      : tlv_(tlv), offset_(offset), options_(options) {}

  TlvOutcome run() {
    switch (static_cast<TlvType>(tlv_[0])) {
      case TlvType::Info: return info();
      case TlvType::Connect: return connect();
      case TlvType::ExtendedTcpHeader: return with_zero_field(ExtendedTcpHeaderTlv{tail(kValueOffset)});
      case TlvType::SupportedTcpExtensions:
        return with_zero_field(SupportedTcpExtensionsTlv{strip_trailing_zeros(tail(kValueOffset))});
      case TlvType::Cookie: return with_zero_field(CookieTlv{tail(kValueOffset)});
      case TlvType::Error: return error_tlv();
    }
    return fault(DecodeRule::UnknownType, 0);  // the caller filters types; kept for safety
  }

 private:
  TlvOutcome info() {
    if (tlv_.size() != kWord) return fault(DecodeRule::BadInfoLength, 1);
    return with_zero_field(InfoTlv{});
  }

  TlvOutcome connect() {
    if (tlv_.size() < kBaseConnectSize) return fault(DecodeRule::ConnectTooShort, 1);
    ConnectTlv connect;
    connect.port = get_u16(tlv_, kConnectPortOffset);
    std::copy_n(tlv_.begin() + kConnectAddressOffset, connect.address.size(), connect.address.begin());
    if (options_.direction == Direction::ClientToConverter && classify(connect.address) != AddressClass::Ordinary)
      return fault(DecodeRule::ForbiddenDestination, kConnectAddressOffset);
    const ByteView field = tlv_.subspan(kConnectOptionsOffset);
    const OptionScan scan = scan_option_blocks(field, true, options_.check_zero_fields);
    if (scan.fault) return fault(scan.fault->rule, kConnectOptionsOffset + scan.fault->offset);
    connect.tcp_options.assign(field.begin(), field.begin() + static_cast<std::ptrdiff_t>(scan.blocks_end));
    return connect;
  }

  TlvOutcome error_tlv() {
    const std::uint8_t raw_code = tlv_[kErrorCodeOffset];
    if (!is_known_error_code(raw_code)) return fault(DecodeRule::BadErrorCode, kErrorCodeOffset);
    ErrorTlv error;
    error.code = static_cast<ErrorCode>(raw_code);
    switch (value_shape(error.code)) {
      case ErrorValueShape::ByteList: error.list = strip_trailing_zeros(tail(kErrorValueOffset)); break;
      case ErrorValueShape::ZeroThenBytes:
        if (auto bad = non_zero(kErrorValueOffset, kValueOffset)) return fault(DecodeRule::NonZeroField, *bad);
        error.bytes = tail(kValueOffset);
        break;
      case ErrorValueShape::SingleByte:
        error.value = tlv_[kErrorValueOffset];
        if (error.code == ErrorCode::NotAuthorized || error.code == ErrorCode::ConnectionReset) {
          if (auto bad = non_zero(kErrorValueOffset, kValueOffset)) return fault(DecodeRule::NonZeroField, *bad);
        }
        if (auto bad = non_zero(kValueOffset, tlv_.size())) return fault(DecodeRule::NonZeroPadding, *bad);
        break;
    }
    return error;
  }

  template <class T>
  TlvOutcome with_zero_field(T value) {
    if (auto bad = non_zero(kZeroFieldOffset, kValueOffset)) return fault(DecodeRule::NonZeroField, *bad);
    return Tlv{std::move(value)};
  }

  // The first non-zero byte in tlv[from, to) when zero fields are checked.
  std::optional<std::size_t> non_zero(std::size_t from, std::size_t to) const {
    if (!options_.check_zero_fields) return std::nullopt;
    return first_non_zero(tlv_, from, to);
  }

  Bytes tail(std::size_t from) const { return {tlv_.begin() + static_cast<std::ptrdiff_t>(from), tlv_.end()}; }

  TlvOutcome fault(DecodeRule rule, std::size_t offset_in_tlv) const {
    return DecodeError{rule, offset_ + offset_in_tlv, offset_, tlv_.size()};
  }

  ByteView tlv_;
  std::size_t offset_;
  const DecodeOptions& options_;
};

}  // namespace

std::variant<Tlv, DecodeError> decode_tlv_value(ByteView tlv, std::size_t offset, const DecodeOptions& options) {
  return TlvValueDecoder(tlv, offset, options).run();
}

}  // namespace convtest::packetgen::convert::detail
