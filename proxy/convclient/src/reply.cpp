#include "convclient/reply.hpp"

#include <fmt/format.h>

namespace convtest::convclient {

namespace convert = packetgen::convert;
using packetgen::Bytes;
using packetgen::ByteView;

namespace {

Bytes slice(const Bytes& bytes, std::size_t from, std::size_t to) {
  return Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(from), bytes.begin() + static_cast<std::ptrdiff_t>(to));
}

}  // namespace

ReplyState ReplyReader::classify(convert::Message message, std::size_t size) const {
  Bytes raw = slice(buffer_, 0, size);
  const auto* error = message.find<convert::ErrorTlv>();
  if (error != nullptr && !faults_.has(Fault::IgnoreErrorTlv)) return ReplyRefused{*error, std::move(raw)};
  const std::size_t data_from = faults_.has(Fault::ConvertBytesToApp) ? 0 : size;
  return ReplyAccepted{std::move(message), std::move(raw), slice(buffer_, data_from, buffer_.size())};
}

std::optional<std::size_t> ReplyReader::faulted_reply_size(convert::DecodeRule rule) const {
  using convert::DecodeRule;
  const std::size_t declared = buffer_.size() > 1 ? std::size_t{buffer_[1]} * 4 : 0;
  switch (rule) {
    case DecodeRule::TotalLengthZero:
      if (faults_.has(Fault::AcceptTotalLengthZero)) return convert::kHeaderSize;
      break;
    case DecodeRule::DuplicateTlv:
      if (faults_.has(Fault::AcceptDuplicateTlv)) return declared;
      break;
    case DecodeRule::ReservedType:
      if (faults_.has(Fault::AcceptTypeZero)) return declared;
      break;
    case DecodeRule::TlvOverrunsMessage:
    case DecodeRule::TlvLengthZero:
      if (faults_.has(Fault::IgnoreFraming)) return convert::kHeaderSize;
      break;
    case DecodeRule::BadMagic:
      if (faults_.has(Fault::AcceptMissingReply)) return 0;
      break;
    default: break;
  }
  return std::nullopt;
}

ReplyState ReplyReader::feed(ByteView received) {
  buffer_.insert(buffer_.end(), received.begin(), received.end());
  if (buffer_.empty()) return ReplyIncomplete{};
  // Receivers ignore non-zero Unassigned fields (CLI-012, CLI-017).
  const convert::DecodeOptions options{convert::Direction::ConverterToClient, faults_.has(Fault::StrictUnassigned),
                                       false};
  const auto outcome = convert::decode(buffer_, options);
  if (std::holds_alternative<convert::NeedMore>(outcome)) {
    if (faults_.has(Fault::NoReassembly)) return ReplyInvalid{"the reply did not arrive in one piece"};
    return ReplyIncomplete{};
  }
  if (const auto* decoded = std::get_if<convert::Decoded>(&outcome)) {
    if (decoded->message.tlvs.empty() && faults_.has(Fault::RefuseHeaderOnly))
      return ReplyInvalid{"a reply without TLVs"};
    return classify(decoded->message, decoded->size);
  }
  const auto& error = std::get<convert::DecodeError>(outcome);
  if (error.rule == convert::DecodeRule::NoTlvs && !faults_.has(Fault::RefuseHeaderOnly))
    return classify(convert::Message{}, convert::kHeaderSize);  // bare header: success (AMB-02)
  if (const auto size = faulted_reply_size(error.rule)) {
    if (buffer_.size() < *size) return ReplyIncomplete{};
    return classify(convert::Message{}, *size);
  }
  return ReplyInvalid{
      fmt::format("invalid Convert reply: {} at byte {} (received: {})", convert::name(error.rule), error.offset,
                  packetgen::to_hex(ByteView(buffer_).first(std::min<std::size_t>(buffer_.size(), 64))))};
}

std::string describe_error(const convert::ErrorTlv& error) {
  const auto code = static_cast<unsigned>(error.code);
  std::string text = fmt::format("{} ({})", convert::name(error.code), code);
  switch (error.code) {
    case convert::ErrorCode::UnsupportedVersion:
      return text + fmt::format(", converter supports version(s) {}", fmt::join(error.list, " "));
    case convert::ErrorCode::UnsupportedTcpOption:
      return text + fmt::format(", option kind(s) {}", fmt::join(error.list, " "));
    case convert::ErrorCode::ResourceExceeded:
    case convert::ErrorCode::NetworkFailure:
      return text + (error.value == 0 ? std::string(", retry after at least 30 s")
                                      : fmt::format(", retry after {} s", error.value));
    case convert::ErrorCode::DestinationUnreachable: return text + fmt::format(", ICMP code {}", error.value);
    case convert::ErrorCode::MalformedMessage:
    case convert::ErrorCode::UnsupportedMessage:
      return text + fmt::format(", echo: {}", packetgen::to_hex(error.bytes));
    default: return text;
  }
}

namespace {

std::string tlv_line(const convert::Tlv& tlv) {
  return std::visit(
      [](const auto& value) -> std::string {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, convert::ExtendedTcpHeaderTlv>)
          return fmt::format("extended-tcp-header: {}", packetgen::to_hex(value.options));
        else if constexpr (std::is_same_v<T, convert::SupportedTcpExtensionsTlv>)
          return fmt::format("supported-tcp-extensions: {}", fmt::join(value.kinds, " "));
        else if constexpr (std::is_same_v<T, convert::ConnectTlv>)
          return fmt::format("connect: {} port {}", convert::format_address(value.address), value.port);
        else if constexpr (std::is_same_v<T, convert::ErrorTlv>)
          return fmt::format("error: {}", describe_error(value));
        else
          return fmt::format("tlv: {}", convert::name(convert::type_of(convert::Tlv{value})));
      },
      tlv);
}

}  // namespace

std::string describe_reply(const convert::Message& message, ByteView raw) {
  std::string text = fmt::format("reply: {}", packetgen::to_hex(raw));
  for (const auto& tlv : message.tlvs) text += "\n" + tlv_line(tlv);
  return text;
}

}  // namespace convtest::convclient
