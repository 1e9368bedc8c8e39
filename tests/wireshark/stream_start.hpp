#pragma once
// The first bytes of each TCP byte stream of a capture, in the order the
// segments arrive, and the frame in which each Convert message becomes
// whole: what tshark's TCP reassembly hands the dissector.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "message_json.hpp"
#include "packetgen/tcp.hpp"

namespace convtest::wireshark_test {

inline constexpr std::uint16_t kConvertPort = 5124;

// One direction of a TCP connection, from its SYN on.
struct StreamStart {
  std::uint32_t first_seq = 0;                      // sequence number of stream byte 0 (SYN + 1)
  packetgen::Bytes bytes;                           // contiguous bytes from stream byte 0
  std::map<std::uint32_t, packetgen::Bytes> ahead;  // out-of-order segments by stream offset
  Sender sender = Sender::Unknown;
  bool convert = false;  // on the Convert port, or announced by a SYN payload
  bool done = false;     // its Convert message was reported

  void add(std::uint32_t offset, packetgen::ByteView payload);
};

// How many bytes of a stream the dissector takes as one message once
// `bytes` have arrived: the whole message, or the bytes so far when the
// header cannot be framed; nullopt while more are needed.
std::optional<std::size_t> message_extent(packetgen::ByteView bytes);

// The heuristic of convert.lua: a SYN payload that starts like a Convert message.
bool looks_like_convert(packetgen::ByteView payload);

// Feeds the TCP segments of a capture, one frame at a time; each call
// returns the records of the Convert messages that became whole in it.
class StreamTracker {
 public:
  std::vector<nlohmann::json> add(std::size_t frame, const packetgen::tcp::Parsed& packet);

 private:
  StreamStart* stream_for(const packetgen::tcp::Parsed& packet, const std::string& key);
  std::map<std::string, StreamStart> streams_;
  std::map<std::string, bool> converters_;  // endpoints a SYN payload showed to be a converter
};

}  // namespace convtest::wireshark_test
