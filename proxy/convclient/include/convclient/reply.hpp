#pragma once
// Reads the converter's Convert reply from the first bytes of the stream,
// however the segments split it, and classifies it.

#include <cstddef>
#include <string>
#include <variant>

#include "packetgen/bytes.hpp"
#include "packetgen/convert.hpp"

namespace convtest::convclient {

struct ReplyIncomplete {};

// A valid reply without Error TLV. A header-only reply is accepted (AMB-02).
struct ReplyAccepted {
  packetgen::convert::Message message;
  packetgen::Bytes raw;               // the reply bytes, exactly as received
  packetgen::Bytes application_data;  // bytes after the reply: the server's first data
};

// A valid reply carrying an Error TLV (the client must reset, CLI-018).
struct ReplyRefused {
  packetgen::convert::ErrorTlv error;
  packetgen::Bytes raw;
};

// Not a valid Convert reply (CLI-006, CLI-010, CLI-011, CLI-027).
struct ReplyInvalid {
  std::string reason;
};

using ReplyState = std::variant<ReplyIncomplete, ReplyAccepted, ReplyRefused, ReplyInvalid>;

class ReplyReader {
 public:
  // Appends received bytes and says what is known so far.
  ReplyState feed(packetgen::ByteView received);
  std::size_t buffered() const { return buffer_.size(); }

 private:
  packetgen::Bytes buffer_;
};

// "Connection Reset (96)", "Destination Unreachable (97), ICMP code 3", ...
std::string describe_error(const packetgen::convert::ErrorTlv& error);

// Lines for --print-reply: one per TLV, option bytes in hex.
std::string describe_reply(const packetgen::convert::Message& message, packetgen::ByteView raw);

}  // namespace convtest::convclient
