#pragma once
// The Convert protocol of RFC 8803 section 6: fixed header and TLVs.
// Requirement ids (CONV-xxx, AMB-xx) refer to the project's requirement
// catalog. This is the only place that knows Convert byte offsets.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "packetgen/bytes.hpp"
#include "packetgen/ip.hpp"
#include "packetgen/result.hpp"

namespace convtest::packetgen::convert {

inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::uint16_t kMagic = 0x2263;
inline constexpr std::size_t kWord = 4;
inline constexpr std::size_t kHeaderSize = 4;
inline constexpr std::size_t kMaxMessageSize = 255 * kWord;  // Total Length is one byte
inline constexpr std::size_t kBaseConnectSize = 20;

enum class TlvType : std::uint8_t {
  Info = 1,
  Connect = 10,
  ExtendedTcpHeader = 20,
  SupportedTcpExtensions = 21,
  Cookie = 22,
  Error = 30,
};

enum class ErrorCode : std::uint8_t {
  UnsupportedVersion = 0,
  MalformedMessage = 1,
  UnsupportedMessage = 2,
  MissingCookie = 3,
  NotAuthorized = 32,
  UnsupportedTcpOption = 33,
  ResourceExceeded = 64,
  NetworkFailure = 65,
  ConnectionReset = 96,
  DestinationUnreachable = 97,
};

// How the Value of an Error TLV (from byte 3 on) is laid out for a code.
enum class ErrorValueShape : std::uint8_t {
  ByteList,       // 0, 33: one byte per version / option kind, zero-padded
  ZeroThenBytes,  // 1, 2, 3: byte 3 is zero, echo or cookie from byte 4
  SingleByte,     // 32, 96 (must be 0), 64, 65 (back-off s), 97 (ICMP code)
};

std::string_view name(TlvType type);
std::string_view name(ErrorCode code);
ErrorValueShape value_shape(ErrorCode code);
bool is_known_error_code(std::uint8_t code);
bool is_known_tlv_type(std::uint8_t type);

using Ipv6Address = std::array<std::uint8_t, 16>;

// Info (type 1): always one word; bytes 2-3 are zero.
struct InfoTlv {
  friend bool operator==(const InfoTlv&, const InfoTlv&) = default;
};

// Connect (type 10). Base Connect when tcp_options is empty, Extended Connect
// otherwise. tcp_options holds the option blocks without the zero padding
// (the decoder strips trailing zero bytes, the encoder adds them).
struct ConnectTlv {
  std::uint16_t port = 0;
  Ipv6Address address{};  // IPv4 destinations in IPv4-mapped form ::ffff:a.b.c.d
  Bytes tcp_options;
  friend bool operator==(const ConnectTlv&, const ConnectTlv&) = default;
};

// Extended TCP Header (type 20): the server's SYN-ACK option bytes, verbatim.
// A SYN-ACK's option area is always a whole number of words, so no padding
// is ever stripped or added.
struct ExtendedTcpHeaderTlv {
  Bytes options;
  friend bool operator==(const ExtendedTcpHeaderTlv&, const ExtendedTcpHeaderTlv&) = default;
};

// Supported TCP Extensions (type 21): one byte per option kind; trailing
// zero bytes are padding.
struct SupportedTcpExtensionsTlv {
  std::vector<std::uint8_t> kinds;
  friend bool operator==(const SupportedTcpExtensionsTlv&, const SupportedTcpExtensionsTlv&) = default;
};

// Cookie (type 22): opaque; its length is implicit (AMB-15), so the decoder
// keeps every byte after byte 4, padding included.
struct CookieTlv {
  Bytes cookie;
  friend bool operator==(const CookieTlv&, const CookieTlv&) = default;
};

// Error (type 30). Which members mean something depends on value_shape(code):
//   ByteList      -> list  (supported versions, unsupported option kinds)
//   ZeroThenBytes -> bytes (echo of the offending message, or the cookie)
//   SingleByte    -> value (back-off seconds, ICMP code, or 0)
struct ErrorTlv {
  ErrorCode code = ErrorCode::MalformedMessage;
  std::uint8_t value = 0;
  std::vector<std::uint8_t> list;
  Bytes bytes;
  friend bool operator==(const ErrorTlv&, const ErrorTlv&) = default;

  static ErrorTlv unsupported_version(std::vector<std::uint8_t> versions);
  static ErrorTlv malformed_message(Bytes echo);
  static ErrorTlv unsupported_message(Bytes echo);
  static ErrorTlv missing_cookie(Bytes cookie);
  static ErrorTlv not_authorized();
  static ErrorTlv unsupported_tcp_option(std::vector<std::uint8_t> kinds);
  static ErrorTlv resource_exceeded(std::uint8_t backoff_seconds);
  static ErrorTlv network_failure(std::uint8_t backoff_seconds);
  static ErrorTlv connection_reset();
  static ErrorTlv destination_unreachable(std::uint8_t icmp_code);
};

using Tlv = std::variant<InfoTlv, ConnectTlv, ExtendedTcpHeaderTlv, SupportedTcpExtensionsTlv, CookieTlv, ErrorTlv>;

TlvType type_of(const Tlv& tlv);

// A Convert message: the fixed header and its TLVs in wire order.
struct Message {
  std::vector<Tlv> tlvs;
  friend bool operator==(const Message&, const Message&) = default;

  template <class T>
  const T* find() const {
    for (const auto& tlv : tlvs)
      if (const T* found = std::get_if<T>(&tlv)) return found;
    return nullptr;
  }
};

// Which side sent the message; decides which TLV types are allowed.
enum class Direction : std::uint8_t {
  ClientToConverter,  // Info, Connect, Cookie
  ConverterToClient,  // Connect (incoming connections), Ext TCP Header, Supported, Error
  Any,                // framing and value rules only
};

// ---------------------------------------------------------------- encoder

// The rules the strict encoder enforces (it never writes what the decoder
// would refuse); the malformed builder (convert_builder.hpp) bypasses them.
enum class EncodeRule : std::uint8_t {
  NoTlvs,                // a message needs at least one TLV
  MessageTooLong,        // more than 1020 bytes
  TlvTooLong,            // a TLV longer than 255 words
  DuplicateTlv,          // a type appears twice
  ForbiddenDestination,  // multicast, broadcast, loopback or unspecified Connect address
  BadConnectOptions,     // option blocks not well formed (kind 0/1, len < 2, overrun)
  ErrorValueNotEmpty,    // a SingleByte code that must carry 0 carries something else
  UnknownErrorCode,      // an ErrorCode value RFC 8803 does not define
  UnusedErrorMember,     // an ErrorTlv member its code's value_shape() does not use is set
  ListEndsWithZero,      // a kind/version list ending in 0: the decoder reads that as padding
};
std::string_view name(EncodeRule rule);

struct EncodeError {
  EncodeRule rule;
  std::size_t tlv_index = 0;  // which TLV of Message::tlvs
};

Result<Bytes, EncodeError> encode(const Message& message);

// The bytes of one TLV, padded; no message-level rules. Used to build echoes.
Bytes encode_tlv(const Tlv& tlv);

// The bare header `01 01 22 63`: the header-only success reply clients must
// accept (AMB-02). encode() refuses a message without TLVs.
Bytes encode_header_only();

// ---------------------------------------------------------------- decoder

// Every rule the strict decoder checks, each reported with a byte offset.
enum class DecodeRule : std::uint8_t {
  BadMagic,                // bytes 2-3 are not 0x2263: not a Convert message (CONV-005/010)
  UnsupportedVersion,      // version byte is not 1 (CONV-035, AMB-06)
  TotalLengthZero,         // Total Length 0: reset (CONV-009)
  NoTlvs,                  // Total Length 1 (AMB-07); allowed ConverterToClient (AMB-02)
  TlvTruncated,            // the stream ends inside the message (DecodeOptions::stream_complete)
  TlvLengthZero,           // TLV Length 0 (CONV-063)
  TlvOverrunsMessage,      // TLV runs past Total Length (CONV-063)
  ReservedType,            // TLV type 0 (CONV-015)
  UnknownType,             // type not defined by RFC 8803 (AMB-09)
  WrongDirection,          // a type the sender may not send (AMB-08)
  DuplicateTlv,            // a type twice (CONV-014)
  BadInfoLength,           // Info with Length != 1 (AMB-10)
  ConnectTooShort,         // Connect shorter than 5 words
  ForbiddenDestination,    // multicast / broadcast / loopback / unspecified (CONV-021, AMB-22)
  BadConnectOptionKind,    // EOL or NOP in the TCP Options field (CLI-016)
  BadConnectOptionLength,  // option length < 2 or past the TLV end (CONV-063)
  NonZeroPadding,          // a padding byte that must be zero (CONV-012)
  NonZeroField,            // a field that must be zero (CONV-019/029/040, AMB-23)
  BadErrorCode,            // Error TLV with a code RFC 8803 does not define
  MissingConnect,          // client message without Connect and without Info (AMB-07)
};
std::string_view name(DecodeRule rule);

// The Convert error code a converter answers a rule with (AMB-06/07/08/09);
// nullopt where the answer is not an Error TLV (bad magic: ignore; Total
// Length 0: reset).
std::optional<ErrorCode> error_code_for(DecodeRule rule);

struct DecodeError {
  DecodeRule rule;
  std::size_t offset = 0;          // byte offset (from message start) where the rule breaks
  std::size_t culprit_offset = 0;  // the offending TLV (or the header) ...
  std::size_t culprit_size = 0;    // ... so that it can be echoed (AMB-05)
};

// What the decoder found in the first bytes of a stream.
struct Decoded {
  Message message;
  std::uint8_t version = kVersion;
  std::size_t size = 0;  // Total Length x 4: application data starts here
};

struct NeedMore {
  std::size_t bytes = 0;  // at least this many more bytes are needed
};

struct DecodeOptions {
  Direction direction = Direction::Any;
  // Receivers ignore non-zero "zero" fields (AMB-23) but a judge of the
  // sender's output wants them reported (CONV-012/019/029).
  bool check_zero_fields = true;
  // Only the version byte differs: lets a judge decode a v2 reply's TLVs.
  bool accept_any_version = false;
  // The stream will not grow (a whole SYN payload, a closed connection): a
  // message cut short is then TlvTruncated instead of NeedMore.
  bool stream_complete = false;
};

using DecodeOutcome = std::variant<Decoded, NeedMore, DecodeError>;

// Decodes the Convert message at the start of `stream`. Never reads outside
// `stream`, never throws on any input. Incremental: bytes that are a proper
// prefix of a message yield NeedMore, except that an error is reported as
// soon as its culprit has fully arrived (a prefix never reports anything the
// whole message would not). Checks run in wire order: magic, version, Total
// Length, then each TLV (framing, type, direction, duplicate, value), then
// the message-level MissingConnect. Bytes after Decoded::size are not read.
DecodeOutcome decode(ByteView stream, const DecodeOptions& options = {});

// Where each TLV of a message lies, from framing alone (Total Length, each
// TLV's Length): for locating the bytes of a TLV, also in a message whose
// values the decoder rejects. `message` starts at the header; bytes after
// Total Length are not read. Errors: BadMagic, TotalLengthZero, TlvTruncated (fewer bytes
// than the header or Total Length says), TlvLengthZero, TlvOverrunsMessage.
struct TlvSpan {
  std::uint8_t type = 0;
  std::size_t offset = 0;  // from the message start
  std::size_t size = 0;    // the whole TLV, Type and Length included
  friend bool operator==(const TlvSpan&, const TlvSpan&) = default;
};
Result<std::vector<TlvSpan>, DecodeError> tlv_spans(ByteView message);

// ---------------------------------------------------------------- addresses

Ipv6Address ipv4_mapped(std::uint32_t ipv4_host_order);
Ipv6Address ipv4_mapped(std::string_view dotted);                 // aborts on bad text: tests/tables only
std::optional<Ipv6Address> parse_address(std::string_view text);  // IPv4 (mapped) or IPv6
std::string format_address(const Ipv6Address& address);           // IPv4-mapped as a.b.c.d
bool is_ipv4_mapped(const Ipv6Address& address);
// The Connect TLV form of an address: IPv4 as ::ffff:a.b.c.d, IPv6 as is.
Ipv6Address connect_address(const ip::Address& address);
// Back to the IP layer's form: an IPv4-mapped address is IPv4.
ip::Address ip_address(const Ipv6Address& address);

enum class AddressClass : std::uint8_t {
  Ordinary,
  Multicast,
  Broadcast,
  Loopback,
  Unspecified,
};
// RFC 8803 6.2.5 forbidden classes (plus unspecified, AMB-22), both for IPv6
// and IPv4-mapped addresses.
AddressClass classify(const Ipv6Address& address);
std::string_view name(AddressClass cls);

}  // namespace convtest::packetgen::convert
