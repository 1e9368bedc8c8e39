// Names, classification tables and the rule -> error code mapping.
#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert {

std::string_view name(TlvType type) {
  switch (type) {
    case TlvType::Info: return "Info";
    case TlvType::Connect: return "Connect";
    case TlvType::ExtendedTcpHeader: return "Extended TCP Header";
    case TlvType::SupportedTcpExtensions: return "Supported TCP Extensions";
    case TlvType::Cookie: return "Cookie";
    case TlvType::Error: return "Error";
  }
  return "unknown TLV type";
}

std::string_view name(ErrorCode code) {
  switch (code) {
    case ErrorCode::UnsupportedVersion: return "Unsupported Version";
    case ErrorCode::MalformedMessage: return "Malformed Message";
    case ErrorCode::UnsupportedMessage: return "Unsupported Message";
    case ErrorCode::MissingCookie: return "Missing Cookie";
    case ErrorCode::NotAuthorized: return "Not Authorized";
    case ErrorCode::UnsupportedTcpOption: return "Unsupported TCP Option";
    case ErrorCode::ResourceExceeded: return "Resource Exceeded";
    case ErrorCode::NetworkFailure: return "Network Failure";
    case ErrorCode::ConnectionReset: return "Connection Reset";
    case ErrorCode::DestinationUnreachable: return "Destination Unreachable";
  }
  return "unknown error code";
}

ErrorValueShape value_shape(ErrorCode code) {
  switch (code) {
    case ErrorCode::UnsupportedVersion:
    case ErrorCode::UnsupportedTcpOption: return ErrorValueShape::ByteList;
    case ErrorCode::MalformedMessage:
    case ErrorCode::UnsupportedMessage:
    case ErrorCode::MissingCookie: return ErrorValueShape::ZeroThenBytes;
    case ErrorCode::NotAuthorized:
    case ErrorCode::ResourceExceeded:
    case ErrorCode::NetworkFailure:
    case ErrorCode::ConnectionReset:
    case ErrorCode::DestinationUnreachable: return ErrorValueShape::SingleByte;
  }
  return ErrorValueShape::SingleByte;
}

bool is_known_error_code(std::uint8_t code) {
  switch (static_cast<ErrorCode>(code)) {
    case ErrorCode::UnsupportedVersion:
    case ErrorCode::MalformedMessage:
    case ErrorCode::UnsupportedMessage:
    case ErrorCode::MissingCookie:
    case ErrorCode::NotAuthorized:
    case ErrorCode::UnsupportedTcpOption:
    case ErrorCode::ResourceExceeded:
    case ErrorCode::NetworkFailure:
    case ErrorCode::ConnectionReset:
    case ErrorCode::DestinationUnreachable: return true;
  }
  return false;
}

bool is_known_tlv_type(std::uint8_t type) {
  switch (static_cast<TlvType>(type)) {
    case TlvType::Info:
    case TlvType::Connect:
    case TlvType::ExtendedTcpHeader:
    case TlvType::SupportedTcpExtensions:
    case TlvType::Cookie:
    case TlvType::Error: return true;
  }
  return false;
}

TlvType type_of(const Tlv& tlv) {
  struct Visitor {
    TlvType operator()(const InfoTlv&) const { return TlvType::Info; }
    TlvType operator()(const ConnectTlv&) const { return TlvType::Connect; }
    TlvType operator()(const ExtendedTcpHeaderTlv&) const { return TlvType::ExtendedTcpHeader; }
    TlvType operator()(const SupportedTcpExtensionsTlv&) const { return TlvType::SupportedTcpExtensions; }
    TlvType operator()(const CookieTlv&) const { return TlvType::Cookie; }
    TlvType operator()(const ErrorTlv&) const { return TlvType::Error; }
  };
  return std::visit(Visitor{}, tlv);
}

std::string_view name(EncodeRule rule) {
  switch (rule) {
    case EncodeRule::NoTlvs: return "NoTlvs";
    case EncodeRule::MessageTooLong: return "MessageTooLong";
    case EncodeRule::TlvTooLong: return "TlvTooLong";
    case EncodeRule::DuplicateTlv: return "DuplicateTlv";
    case EncodeRule::ForbiddenDestination: return "ForbiddenDestination";
    case EncodeRule::BadConnectOptions: return "BadConnectOptions";
    case EncodeRule::ErrorValueNotEmpty: return "ErrorValueNotEmpty";
    case EncodeRule::UnknownErrorCode: return "UnknownErrorCode";
    case EncodeRule::UnusedErrorMember: return "UnusedErrorMember";
    case EncodeRule::ListEndsWithZero: return "ListEndsWithZero";
  }
  return "unknown encode rule";
}

std::string_view name(DecodeRule rule) {
  switch (rule) {
    case DecodeRule::BadMagic: return "BadMagic";
    case DecodeRule::UnsupportedVersion: return "UnsupportedVersion";
    case DecodeRule::TotalLengthZero: return "TotalLengthZero";
    case DecodeRule::NoTlvs: return "NoTlvs";
    case DecodeRule::TlvTruncated: return "TlvTruncated";
    case DecodeRule::TlvLengthZero: return "TlvLengthZero";
    case DecodeRule::TlvOverrunsMessage: return "TlvOverrunsMessage";
    case DecodeRule::ReservedType: return "ReservedType";
    case DecodeRule::UnknownType: return "UnknownType";
    case DecodeRule::WrongDirection: return "WrongDirection";
    case DecodeRule::DuplicateTlv: return "DuplicateTlv";
    case DecodeRule::BadInfoLength: return "BadInfoLength";
    case DecodeRule::ConnectTooShort: return "ConnectTooShort";
    case DecodeRule::ForbiddenDestination: return "ForbiddenDestination";
    case DecodeRule::BadConnectOptionKind: return "BadConnectOptionKind";
    case DecodeRule::BadConnectOptionLength: return "BadConnectOptionLength";
    case DecodeRule::NonZeroPadding: return "NonZeroPadding";
    case DecodeRule::NonZeroField: return "NonZeroField";
    case DecodeRule::BadErrorCode: return "BadErrorCode";
    case DecodeRule::MissingConnect: return "MissingConnect";
  }
  return "unknown decode rule";
}

std::optional<ErrorCode> error_code_for(DecodeRule rule) {
  switch (rule) {
    case DecodeRule::BadMagic:                              // not a Convert message: ignore it (CONV-005)
    case DecodeRule::TotalLengthZero: return std::nullopt;  // reset (CONV-009)
    case DecodeRule::UnsupportedVersion: return ErrorCode::UnsupportedVersion;
    case DecodeRule::ReservedType:
    case DecodeRule::UnknownType:
    case DecodeRule::WrongDirection: return ErrorCode::UnsupportedMessage;
    default: return ErrorCode::MalformedMessage;
  }
}

std::string_view name(AddressClass cls) {
  switch (cls) {
    case AddressClass::Ordinary: return "ordinary";
    case AddressClass::Multicast: return "multicast";
    case AddressClass::Broadcast: return "broadcast";
    case AddressClass::Loopback: return "loopback";
    case AddressClass::Unspecified: return "unspecified";
  }
  return "unknown address class";
}

}  // namespace convtest::packetgen::convert
