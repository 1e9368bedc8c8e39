#pragma once
// Reads the converter's Convert reply from the first bytes of the stream,
// however the segments split it, and classifies it.

#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include "convclient/faults.hpp"
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
  explicit ReplyReader(FaultSet faults = {}) : faults_(faults) {}
  // Appends received bytes and says what is known so far.
  ReplyState feed(packetgen::ByteView received);
  std::size_t buffered() const { return buffer_.size(); }

 private:
  ReplyState classify(packetgen::convert::Message message, std::size_t size) const;
  // A broken reply a fault makes the client take anyway: the size it
  // takes as the reply's, or nothing.
  std::optional<std::size_t> faulted_reply_size(packetgen::convert::DecodeRule rule) const;

  FaultSet faults_;
  packetgen::Bytes buffer_;
};

// "Connection Reset (96)", "Destination Unreachable (97), ICMP code 3", ...
std::string describe_error(const packetgen::convert::ErrorTlv& error);

// Lines for --print-reply: one per TLV, option bytes in hex.
std::string describe_reply(const packetgen::convert::Message& message, packetgen::ByteView raw);

}  // namespace convtest::convclient
