#include "kit/reply.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace convtest::cases {
namespace {

cv::DecodeOptions reply_decoding() {
  cv::DecodeOptions options;
  options.direction = cv::Direction::ConverterToClient;
  options.check_zero_fields = true;
  return options;
}

std::string closing_text(const Reply& reply) {
  return reply.closed_by_reset ? ", then RST" : reply.closed_by_fin ? ", then FIN" : "";
}

}  // namespace

cv::DecodeOutcome decode_reply_bytes(pg::ByteView stream) { return cv::decode(stream, reply_decoding()); }

Reply decode_reply(pg::ByteView stream, Closure closure) {
  Reply reply;
  reply.raw.assign(stream.begin(), stream.end());
  reply.closed_by_fin = closure.fin;
  reply.closed_by_reset = closure.reset;
  auto decoded = decode_reply_bytes(stream);
  if (auto* message = std::get_if<cv::Decoded>(&decoded)) reply.message = std::move(*message);
  if (auto* error = std::get_if<cv::DecodeError>(&decoded)) reply.error = *error;
  return reply;
}

std::optional<pg::Bytes> Reply::tlv_bytes(cv::TlvType type) const {
  if (!message) return std::nullopt;
  const pg::ByteView bytes = pg::ByteView(raw).first(std::min(message->size, raw.size()));
  const auto spans = cv::tlv_spans(bytes);
  if (!spans) return std::nullopt;
  for (const auto& span : *spans)
    if (span.type == static_cast<std::uint8_t>(type)) {
      const auto tlv = bytes.subspan(span.offset, span.size);
      return pg::Bytes(tlv.begin(), tlv.end());
    }
  return std::nullopt;
}

pg::Bytes Reply::after_message() const {
  const std::size_t size = std::min(message ? message->size : 0, raw.size());
  return pg::Bytes(raw.begin() + static_cast<std::ptrdiff_t>(size), raw.end());
}

std::string Reply::describe() const {
  const std::string closing = closing_text(*this);
  if (message) {
    const std::string bytes = hex(pg::ByteView(raw).first(std::min(message->size, raw.size())));
    if (const auto* error_found = error_tlv())
      return fmt::format("Convert reply with Error {} ({}), {} bytes: {}{}", static_cast<int>(error_found->code),
                         cv::name(error_found->code), message->size, bytes, closing);
    std::vector<std::string> tlvs;
    for (const auto& tlv : message->message.tlvs) tlvs.emplace_back(cv::name(cv::type_of(tlv)));
    return fmt::format("Convert reply [{}] ({} bytes: {}){}", fmt::join(tlvs, ", "), message->size, bytes, closing);
  }
  if (error)
    return fmt::format("invalid Convert reply ({} at byte {}): {}{}", cv::name(error->rule), error->offset, hex(raw),
                       closing);
  if (raw.empty())
    return closed_by_reset ? "no Convert reply, the connection was reset"
           : closed_by_fin ? "no Convert reply, the connection was closed with FIN"
                           : "no Convert reply";
  return fmt::format("an incomplete Convert reply: {}{}", hex(raw), closing);
}

std::string hex(pg::ByteView bytes, std::size_t limit) {
  if (bytes.size() <= limit) return pg::to_hex(bytes);
  return pg::to_hex(bytes.first(limit)) + fmt::format(" ... ({} bytes)", bytes.size());
}

std::string wire_text(pg::ByteView bytes) {
  std::string text = pg::to_hex(bytes);
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

std::string error_reply_text(const cv::ErrorTlv& error) {
  const auto encoded = cv::encode(cv::Message{{error}});
  return encoded ? wire_text(encoded.value()) : std::string("(not encodable)");
}

pg::Bytes text_bytes(std::string_view text) { return pg::Bytes(text.begin(), text.end()); }

// Text with its CR and LF written as \r and \n, as the metadata quotes it.
std::string escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace convtest::cases
