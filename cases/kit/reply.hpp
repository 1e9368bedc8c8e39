#pragma once
// What the PUT sent back as the first bytes of a client's stream, decoded
// once, with the same strictness for every transport: a judge of the
// converter's output wants every non-zero "zero" field reported.

#include <optional>
#include <string>

#include "packetgen/convert.hpp"

namespace convtest::cases {

namespace pg = packetgen;
namespace cv = packetgen::convert;

// How the client connection stood when the reply was read.
struct Closure {
  bool fin = false;    // FIN (or, for MPTCP, DATA_FIN) from the PUT
  bool reset = false;  // RST (or MP_FASTCLOSE) from the PUT
};

struct Reply {
  std::optional<cv::Decoded> message;    // a well-formed Convert message
  std::optional<cv::DecodeError> error;  // bytes that are no valid Convert message
  pg::Bytes raw;                         // the client stream when the wait ended
  bool closed_by_fin = false;
  bool closed_by_reset = false;

  bool ok() const { return message.has_value(); }
  // A well-formed reply without Error TLV: the PUT reports success.
  bool success() const { return ok() && error_tlv() == nullptr; }
  const cv::ErrorTlv* error_tlv() const { return find<cv::ErrorTlv>(); }
  template <class T>
  const T* find() const {
    return message ? message->message.find<T>() : nullptr;
  }
  // The bytes of the first TLV of `type`, exactly as sent (padding included).
  std::optional<pg::Bytes> tlv_bytes(cv::TlvType type) const;
  // What the client stream holds after the Convert message.
  pg::Bytes after_message() const;
  std::string describe() const;  // one line: what came back
};

// The one decoder of replies: converter-to-client direction, zero fields checked.
Reply decode_reply(pg::ByteView stream, Closure closure);
// The DecodeOutcome alone, for waits that only ask whether the reply is complete.
cv::DecodeOutcome decode_reply_bytes(pg::ByteView stream);

// Bytes as hex for observed texts, cut after `limit` bytes.
std::string hex(pg::ByteView bytes, std::size_t limit = 48);
// Text with its CR and LF written as \r and \n, as the metadata quotes it.
std::string escaped(std::string_view text);
// Bytes as metadata texts write them: "01 02 22 63 1E 01 60 00".
std::string wire_text(pg::ByteView bytes);
// The whole reply a converter sends for this Error TLV, as wire_text.
std::string error_reply_text(const cv::ErrorTlv& error);
// Readable application bytes for early data and relayed payloads.
pg::Bytes text_bytes(std::string_view text);

}  // namespace convtest::cases
