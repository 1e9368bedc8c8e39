#include "convproxy/reply.hpp"

#include <algorithm>
#include <type_traits>
#include <variant>

#include "packetgen/convert_builder.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::convproxy {

namespace convert = packetgen::convert;
using packetgen::Bytes;

namespace {
constexpr std::uint8_t kPaddingFaultByte = 0xa5;
constexpr std::uint16_t kWrongMagic = 0x0000;
constexpr std::uint8_t kUnassignedFaultByte = 0xa5;
constexpr std::uint8_t kForbiddenVersion = 0;
// Kinds section 7 forbids announcing: MSS, Window Scale, SACK, TCP-AO.
constexpr std::uint8_t kForbiddenKinds[] = {2, 3, 5, 29};
constexpr std::uint8_t kMptcpKind = 30;
constexpr std::uint8_t kUnassignedKind = 99;  // "reserved" in IANA's TCP option kind registry
constexpr std::uint8_t kWrongVersion = 2;
constexpr std::uint8_t kWrongNotAuthorizedValue = 1;

// The bytes of a TLV before its zero padding (its content proper).
std::size_t content_size(const convert::Tlv& tlv) {
  constexpr std::size_t kHead = 4;  // Type, Length and two more header-ish bytes
  return std::visit(
      [](const auto& value) -> std::size_t {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, convert::SupportedTcpExtensionsTlv>)
          return kHead + value.kinds.size();
        else if constexpr (std::is_same_v<T, convert::ExtendedTcpHeaderTlv>)
          return kHead + value.options.size();
        else if constexpr (std::is_same_v<T, convert::CookieTlv>)
          return kHead + value.cookie.size();
        else if constexpr (std::is_same_v<T, convert::ErrorTlv>) {
          switch (convert::value_shape(value.code)) {
            case convert::ErrorValueShape::ByteList: return kHead - 1 + value.list.size();
            case convert::ErrorValueShape::ZeroThenBytes: return kHead + value.bytes.size();
            case convert::ErrorValueShape::SingleByte: return kHead;
          }
          return kHead;
        } else {
          return kHead;
        }
      },
      tlv);
}

constexpr std::size_t kTypeAndLength = 2;

// The TLV as encoded (padding included), to be altered byte by byte.
convert::RawTlv encoded_raw(const convert::Tlv& tlv) {
  const auto encoded = convert::encode_tlv(tlv);
  convert::RawTlv raw = convert::raw(tlv);
  raw.value.assign(encoded.begin() + kTypeAndLength, encoded.end());
  raw.pad = false;
  return raw;
}

// The TLV with its zero padding replaced by a non-zero byte.
convert::RawTlv with_nonzero_padding(const convert::Tlv& tlv) {
  convert::RawTlv raw = encoded_raw(tlv);
  for (std::size_t i = content_size(tlv); i < raw.value.size() + kTypeAndLength; ++i)
    raw.value[i - kTypeAndLength] = kPaddingFaultByte;
  return raw;
}

// The TLV with its Unassigned bytes (2-3) set, for the TLVs that have them.
convert::RawTlv with_nonzero_unassigned(const convert::RawTlv& tlv) {
  convert::RawTlv raw = tlv;
  const auto type = static_cast<convert::TlvType>(raw.type);
  const bool has_unassigned =
      type == convert::TlvType::SupportedTcpExtensions || type == convert::TlvType::ExtendedTcpHeader;
  if (has_unassigned && raw.value.size() >= 2) raw.value[0] = raw.value[1] = kUnassignedFaultByte;
  return raw;
}

void add_shaped(convert::MessageBuilder& builder, const convert::Tlv& tlv, const ReplyFaults& faults) {
  if (!faults.nonzero_padding && !faults.nonzero_unassigned) {
    builder.add(tlv);
    return;
  }
  const convert::RawTlv raw = faults.nonzero_padding ? with_nonzero_padding(tlv) : encoded_raw(tlv);
  builder.add(faults.nonzero_unassigned ? with_nonzero_unassigned(raw) : raw);
}

Bytes build(const convert::Message& message, const ReplyFaults& faults) {
  const bool shaped = faults.wrong_magic || faults.wrong_total_length || faults.nonzero_padding ||
                      faults.version_zero || faults.duplicate_tlvs || faults.nonzero_unassigned;
  if (!shaped && !message.tlvs.empty()) {
    auto encoded = convert::encode(message);
    if (encoded) return std::move(encoded).value();
  }
  convert::MessageBuilder builder;
  for (const auto& tlv : message.tlvs) {
    add_shaped(builder, tlv, faults);
    if (faults.duplicate_tlvs) add_shaped(builder, tlv, faults);
  }
  if (faults.wrong_magic) builder.magic(kWrongMagic);
  if (faults.version_zero) builder.version(kForbiddenVersion);
  if (faults.wrong_total_length) {
    const auto correct_words = builder.build().size() / convert::kWord;
    builder.total_length_words(static_cast<std::uint8_t>(correct_words + 1));
  }
  return builder.build();
}
}  // namespace

ReplyFaults ReplyFaults::from(const FaultSet& faults) {
  ReplyFaults out;
  out.wrong_magic = faults.has(Fault::WrongMagicInReply);
  out.wrong_total_length = faults.has(Fault::WrongTotalLength);
  out.nonzero_padding = faults.has(Fault::NonzeroPadding);
  out.reorder_extended_header = faults.has(Fault::ReorderExtHeaderOptions);
  out.no_extended_header = faults.has(Fault::NoExtendedTcpHeader);
  out.version_zero = faults.has(Fault::Version0InReply);
  out.duplicate_tlvs = faults.has(Fault::DuplicateReplyTlv);
  out.nonzero_unassigned = faults.has(Fault::NonzeroUnassigned);
  out.advertise_forbidden_kinds = faults.has(Fault::AdvertiseForbiddenKinds);
  out.no_mptcp_in_supported = faults.has(Fault::NoMptcpInSupported);
  out.advertise_unassigned_kind = faults.has(Fault::AdvertiseUnassignedKind);
  out.no_error_echo = faults.has(Fault::NoErrorEcho);
  out.wrong_version_list = faults.has(Fault::WrongVersionList);
  out.nonzero_not_authorized = faults.has(Fault::NonzeroNotAuthorizedValue);
  out.empty_missing_cookie = faults.has(Fault::EmptyMissingCookie);
  return out;
}

convert::ErrorTlv echo_error(convert::ErrorCode code, packetgen::ByteView culprit) {
  const auto echo_size = culprit.size() > kMaxEcho ? kMaxEcho : culprit.size();
  Bytes echo(culprit.begin(), culprit.begin() + static_cast<std::ptrdiff_t>(echo_size));
  if (code == convert::ErrorCode::UnsupportedMessage) return convert::ErrorTlv::unsupported_message(std::move(echo));
  return convert::ErrorTlv::malformed_message(std::move(echo));
}

Bytes reversed_options(packetgen::ByteView options) {
  const auto parsed = packetgen::tcp::parse_options(options);
  std::vector<const packetgen::tcp::Option*> blocks;
  std::size_t consumed = 0;
  for (const auto& option : parsed.options) {
    if (option.kind == packetgen::tcp::kind::EOL) break;
    blocks.push_back(&option);
    consumed += option.bytes.size();
  }
  Bytes out;
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it)
    out.insert(out.end(), (*it)->bytes.begin(), (*it)->bytes.end());
  out.insert(out.end(), options.begin() + static_cast<std::ptrdiff_t>(std::min(consumed, options.size())),
             options.end());
  return out;
}

namespace {
std::vector<std::uint8_t> announced_kinds(std::vector<std::uint8_t> kinds, const ReplyFaults& faults) {
  if (faults.no_mptcp_in_supported) std::erase(kinds, kMptcpKind);
  if (faults.advertise_forbidden_kinds)
    kinds.insert(kinds.end(), std::begin(kForbiddenKinds), std::end(kForbiddenKinds));
  if (faults.advertise_unassigned_kind) kinds.push_back(kUnassignedKind);
  return kinds;
}

convert::ErrorTlv with_error_faults(convert::ErrorTlv error, const ReplyFaults& faults) {
  using convert::ErrorCode;
  const bool echoes = error.code == ErrorCode::MalformedMessage || error.code == ErrorCode::UnsupportedMessage;
  if (faults.no_error_echo && echoes) error.bytes.clear();
  if (faults.wrong_version_list && error.code == ErrorCode::UnsupportedVersion) error.list = {kWrongVersion};
  if (faults.nonzero_not_authorized && error.code == ErrorCode::NotAuthorized) error.value = kWrongNotAuthorizedValue;
  if (faults.empty_missing_cookie && error.code == ErrorCode::MissingCookie) error.bytes.clear();
  return error;
}
}  // namespace

Bytes success_reply(const std::optional<std::vector<std::uint8_t>>& supported,
                    const std::optional<Bytes>& extended_header, const ReplyFaults& faults) {
  convert::Message message;
  if (supported) message.tlvs.emplace_back(convert::SupportedTcpExtensionsTlv{announced_kinds(*supported, faults)});
  if (extended_header && !faults.no_extended_header) {
    Bytes options = faults.reorder_extended_header ? reversed_options(*extended_header) : *extended_header;
    message.tlvs.emplace_back(convert::ExtendedTcpHeaderTlv{std::move(options)});
  }
  return build(message, faults);
}

Bytes error_reply(const convert::ErrorTlv& error, const ReplyFaults& faults) {
  convert::Message message;
  message.tlvs.emplace_back(with_error_faults(error, faults));
  return build(message, faults);
}

}  // namespace convtest::convproxy
