#include "packetgen/convert_malformed.hpp"

#include <initializer_list>
#include <utility>

#include "packetgen/convert_builder.hpp"

namespace convtest::packetgen::convert::malformed {
namespace {

constexpr std::size_t kFirstTlv = kHeaderSize;
constexpr std::size_t kSecondTlvAfterConnect = kHeaderSize + kBaseConnectSize;
constexpr std::size_t kLengthByte = 1;
constexpr std::size_t kAddressInConnect = 4;
constexpr std::size_t kOptionsInConnect = 20;

LabeledAddress labeled(AddressClass cls, std::string_view text, bool rfc_mandated = true) {
  const Ipv6Address address = *parse_address(text);
  const std::string form = is_ipv4_mapped(address) ? "ipv4-mapped" : "ipv6";
  return {std::string(name(cls)) + "-" + form + "-" + std::string(text), address, cls, rfc_mandated};
}

RawTlv with_length(RawTlv tlv, std::uint8_t words) {
  tlv.length_words = words;
  return tlv;
}

RawTlv raw_bytes_tlv(std::uint8_t type, Bytes value) {
  RawTlv tlv;
  tlv.type = type;
  tlv.value = std::move(value);
  return tlv;
}

class Catalog {
 public:
  Catalog(std::uint16_t port, const Ipv6Address& destination)
      : connect_{ConnectTlv{port, destination, {}}}, port_(port), destination_(destination) {}

  std::vector<Stimulus> build() && {
    header_faults();
    framing_faults();
    type_faults();
    duplicates();
    value_faults();
    for (const auto& forbidden : forbidden_destinations())
      add("forbidden-destination-" + forbidden.label, "CONV-021",
          MessageBuilder().add(ConnectTlv{port_, forbidden.address, {}}), DecodeRule::ForbiddenDestination,
          kFirstTlv + kAddressInConnect);
    for (const auto& block : bad_option_blocks()) {
      if (!block.rule) continue;
      add("connect-options-" + block.label, "CONV-063",
          MessageBuilder().add(raw_connect(port_, destination_, block.options)), *block.rule,
          kFirstTlv + kOptionsInConnect + block.offset_in_field);
    }
    return std::move(stimuli_);
  }

 private:
  MessageBuilder valid() const { return MessageBuilder().add(connect_); }

  void header_faults() {
    for (const std::uint8_t version : std::initializer_list<std::uint8_t>{0, 2, 255})
      add("version-" + std::to_string(version), "CONV-035", valid().version(version), DecodeRule::UnsupportedVersion,
          0);
    add("magic-0000-draft-06", "CONV-005", valid().magic(0x0000), DecodeRule::BadMagic, 2);
    add("magic-byte-swapped", "CONV-005", valid().magic(0x6322), DecodeRule::BadMagic, 2);
    add("total-length-zero", "CONV-009", valid().total_length_words(0), DecodeRule::TotalLengthZero, 1);
    add("header-only", "AMB-07", MessageBuilder(), DecodeRule::NoTlvs, 1);
  }

  void framing_faults() {
    add("total-length-shorter-than-connect", "CONV-063", valid().total_length_words(3), DecodeRule::TlvOverrunsMessage,
        kFirstTlv + kLengthByte);
    add("total-length-beyond-bytes-sent", "CONV-063", valid().total_length_words(10), DecodeRule::TlvTruncated,
        kSecondTlvAfterConnect);
    add("connect-length-zero", "CONV-063", MessageBuilder().add(with_length(raw(connect_), 0)),
        DecodeRule::TlvLengthZero, kFirstTlv + kLengthByte);
    add("connect-length-past-total-length", "CONV-063", MessageBuilder().add(with_length(raw(connect_), 6)),
        DecodeRule::TlvOverrunsMessage, kFirstTlv + kLengthByte);
    add("zero-word-after-connect", "CONV-063", valid().add_bytes(Bytes{0, 0, 0, 0}), DecodeRule::TlvLengthZero,
        kSecondTlvAfterConnect + kLengthByte);
  }

  void type_faults() {
    add("reserved-type-0", "CONV-015", MessageBuilder().add(raw_bytes_tlv(0, {0, 0})).add(connect_),
        DecodeRule::ReservedType, kFirstTlv);
    for (const std::uint8_t type : std::initializer_list<std::uint8_t>{5, 11, 23, 31, 192, 255})
      add("unknown-type-" + std::to_string(type), "CONV-038",
          MessageBuilder().add(raw_bytes_tlv(type, {0, 0})).add(connect_), DecodeRule::UnknownType, kFirstTlv);
    add("client-sends-error", "AMB-08", valid().add(ErrorTlv::not_authorized()), DecodeRule::WrongDirection,
        kSecondTlvAfterConnect);
    add("client-sends-extended-tcp-header", "AMB-08", valid().add(ExtendedTcpHeaderTlv{hex("02 04 05 b4")}),
        DecodeRule::WrongDirection, kSecondTlvAfterConnect);
    add("client-sends-supported-tcp-extensions", "AMB-08", valid().add(SupportedTcpExtensionsTlv{{4, 8}}),
        DecodeRule::WrongDirection, kSecondTlvAfterConnect);
  }

  void duplicates() {
    add("duplicate-connect", "CONV-014", valid().add(connect_), DecodeRule::DuplicateTlv, kSecondTlvAfterConnect);
    add("duplicate-info", "CONV-014", MessageBuilder().add(InfoTlv{}).add(InfoTlv{}).add(connect_),
        DecodeRule::DuplicateTlv, kFirstTlv + kWord);
    const CookieTlv cookie{hex("c1 c2 c3 c4")};
    add("duplicate-cookie", "CONV-014", valid().add(cookie).add(cookie), DecodeRule::DuplicateTlv,
        kSecondTlvAfterConnect + 2 * kWord);
  }

  void value_faults() {
    add("info-length-2", "AMB-10", MessageBuilder().add(raw_bytes_tlv(1, Bytes(6, 0))).add(connect_),
        DecodeRule::BadInfoLength, kFirstTlv + kLengthByte);
    RawTlv short_connect = raw(connect_);
    short_connect.value.resize(12);  // port and 10 address bytes: 4 words
    add("connect-4-words", "CONV-063", MessageBuilder().add(short_connect), DecodeRule::ConnectTooShort,
        kFirstTlv + kLengthByte);
    add("cookie-without-connect", "AMB-07", MessageBuilder().add(CookieTlv{hex("c1 c2 c3 c4")}),
        DecodeRule::MissingConnect, kFirstTlv);
  }

  void add(std::string label, std::string requirement, const MessageBuilder& builder, DecodeRule rule,
           std::size_t offset) {
    stimuli_.push_back({std::move(label), std::move(requirement), builder.build(), rule, offset, error_code_for(rule)});
  }

  Tlv connect_;
  std::uint16_t port_;
  Ipv6Address destination_;
  std::vector<Stimulus> stimuli_;
};

}  // namespace

std::vector<LabeledAddress> forbidden_destinations() {
  return {
      labeled(AddressClass::Loopback, "::1"),          labeled(AddressClass::Loopback, "127.0.0.1"),
      labeled(AddressClass::Loopback, "127.9.9.9"),    labeled(AddressClass::Multicast, "ff02::1"),
      labeled(AddressClass::Multicast, "ff0e::1"),     labeled(AddressClass::Multicast, "224.0.0.251"),
      labeled(AddressClass::Multicast, "239.1.1.1"),   labeled(AddressClass::Broadcast, "255.255.255.255"),
      labeled(AddressClass::Unspecified, "::", false), labeled(AddressClass::Unspecified, "0.0.0.0", false),
  };
}

std::vector<OptionBlockStimulus> bad_option_blocks() {
  using R = DecodeRule;
  const ErrorCode malformed = ErrorCode::MalformedMessage;
  const ErrorCode unsupported = ErrorCode::UnsupportedTcpOption;
  return {
      {"eol-before-sack-permitted", hex("00 04 02"), R::BadConnectOptionKind, 0, malformed},
      {"nop-before-sack-permitted", hex("01 04 02"), R::BadConnectOptionKind, 0, malformed},
      {"nop-nop-after-sack-permitted", hex("04 02 01 01"), R::BadConnectOptionKind, 2, malformed},
      {"length-0", hex("04 00"), R::BadConnectOptionLength, 1, malformed},
      {"length-1", hex("08 01"), R::BadConnectOptionLength, 1, malformed},
      {"length-past-tlv-end", hex("22 0a 01 02 03 04"), R::BadConnectOptionLength, 1, malformed},
      {"kind-without-length-byte", hex("03 03 0e 22"), R::BadConnectOptionLength, 3, malformed},
      {"non-zero-padding", hex("04 02 00 07"), R::NonZeroPadding, 3, malformed},
      {"tcp-ao-empty", hex("1d 02"), std::nullopt, 0, unsupported},
      {"tcp-ao-with-mac", hex("1d 10 01 02 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac"), std::nullopt, 0, unsupported},
      {"options-exceed-syn-space",
       hex("22 12 c1 c2 c3 c4 c5 c6 c7 c8 c9 ca cb cc cd ce cf d0 1e 02 08 02"
           " fd 14 e1 e2 e3 e4 e5 e6 e7 e8 e9 ea eb ec ed ee ef f0 f1 f2"),
       std::nullopt, 0, unsupported},
  };
}

std::vector<Stimulus> malformed_client_messages(std::uint16_t port, const Ipv6Address& destination) {
  return Catalog(port, destination).build();
}

}  // namespace convtest::packetgen::convert::malformed
