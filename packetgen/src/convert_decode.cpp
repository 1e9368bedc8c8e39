// The strict incremental Convert decoder: message framing, TLV order and
// direction rules. The per-type value rules live in convert_decode_tlv.cpp.
#include <algorithm>
#include <array>

#include "convert_decode_tlv.hpp"

namespace convtest::packetgen::convert {
namespace {

bool allowed(Direction direction, TlvType type) {
  switch (direction) {
    case Direction::ClientToConverter:
      return type == TlvType::Info || type == TlvType::Connect || type == TlvType::Cookie;
    case Direction::ConverterToClient:
      return type == TlvType::Connect || type == TlvType::ExtendedTcpHeader ||
             type == TlvType::SupportedTcpExtensions || type == TlvType::Error;
    case Direction::Any: return true;
  }
  return false;
}

class Decoder {
 public:
  Decoder(ByteView stream, const DecodeOptions& options) : stream_(stream), options_(options) {}

  DecodeOutcome run() {
    if (stream_.size() < kHeaderSize) return incomplete(0, kHeaderSize);
    if (get_u16(stream_, 2) != kMagic) return header_error(DecodeRule::BadMagic, 2);
    if (stream_[0] != kVersion && !options_.accept_any_version) return header_error(DecodeRule::UnsupportedVersion, 0);
    if (stream_[1] == 0) return header_error(DecodeRule::TotalLengthZero, 1);
    size_ = std::size_t{stream_[1]} * kWord;
    if (size_ == kHeaderSize && options_.direction != Direction::ConverterToClient)
      return header_error(DecodeRule::NoTlvs, 1);
    return decode_tlvs();
  }

 private:
  DecodeOutcome decode_tlvs() {
    const std::size_t available = std::min(stream_.size(), size_);
    Decoded decoded{Message{}, stream_[0], size_};
    std::size_t pos = kHeaderSize;
    while (pos < size_) {
      if (available - pos < 2) return incomplete(pos, size_);
      const std::uint8_t type = stream_[pos];
      const std::size_t length = std::size_t{stream_[pos + 1]} * kWord;
      if (length == 0) return once_available(DecodeError{DecodeRule::TlvLengthZero, pos + 1, pos, kWord});
      if (pos + length > size_)
        return once_available(DecodeError{DecodeRule::TlvOverrunsMessage, pos + 1, pos, size_ - pos});
      if (auto rule = type_fault(type)) return once_available(DecodeError{*rule, pos, pos, length});
      if (pos + length > available) return incomplete(pos, size_);
      auto tlv = detail::decode_tlv_value(stream_.subspan(pos, length), pos, options_);
      if (auto* failed = std::get_if<DecodeError>(&tlv)) return *failed;
      decoded.message.tlvs.push_back(std::move(std::get<Tlv>(tlv)));
      pos += length;
    }
    if (options_.direction == Direction::ClientToConverter && !decoded.message.find<ConnectTlv>() &&
        !decoded.message.find<InfoTlv>())
      return error(DecodeRule::MissingConnect, kHeaderSize, 0, size_);
    return decoded;
  }

  std::optional<DecodeRule> type_fault(std::uint8_t type) {
    if (type == 0) return DecodeRule::ReservedType;
    if (!is_known_tlv_type(type)) return DecodeRule::UnknownType;
    if (!allowed(options_.direction, static_cast<TlvType>(type))) return DecodeRule::WrongDirection;
    if (seen_[type]) return DecodeRule::DuplicateTlv;
    seen_[type] = true;
    return std::nullopt;
  }

  // An error is reported once its culprit has fully arrived, so that it can
  // be echoed (AMB-05), and so that a prefix never reports what the whole
  // message would not.
  DecodeOutcome once_available(const DecodeError& found) const {
    const std::size_t available = std::min(stream_.size(), size_);
    if (found.culprit_offset + found.culprit_size > available) return incomplete(found.culprit_offset, size_);
    return found;
  }

  // A proper prefix: wait for more bytes, unless the stream has ended.
  DecodeOutcome incomplete(std::size_t culprit_offset, std::size_t needed) const {
    if (options_.stream_complete)
      return error(DecodeRule::TlvTruncated, stream_.size(), culprit_offset, stream_.size() - culprit_offset);
    return NeedMore{needed - stream_.size()};
  }

  static DecodeOutcome header_error(DecodeRule rule, std::size_t offset) { return error(rule, offset, 0, kHeaderSize); }

  static DecodeOutcome error(DecodeRule rule, std::size_t offset, std::size_t culprit_offset,
                             std::size_t culprit_size) {
    return DecodeError{rule, offset, culprit_offset, culprit_size};
  }

  ByteView stream_;
  const DecodeOptions& options_;
  std::size_t size_ = 0;
  std::array<bool, 256> seen_{};
};

}  // namespace

DecodeOutcome decode(ByteView stream, const DecodeOptions& options) { return Decoder(stream, options).run(); }

}  // namespace convtest::packetgen::convert
