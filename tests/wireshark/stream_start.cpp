#include "stream_start.hpp"

#include <fmt/format.h>

namespace convtest::wireshark_test {
namespace {

namespace convert = packetgen::convert;
namespace tcp = packetgen::tcp;

constexpr std::uint16_t kDraftMagic = 0x0000;  // draft-06 had no magic: convert.lua still frames it

std::string endpoint(const packetgen::ip::Address& address, std::uint16_t port) {
  return fmt::format("{}|{}", address.to_string(), port);
}

std::string flow_key(const tcp::Parsed& packet) {
  return endpoint(packet.addresses.source, packet.segment.source_port) + ">" +
         endpoint(packet.addresses.destination, packet.segment.destination_port);
}

bool has(const tcp::Segment& segment, std::uint8_t flag) { return (segment.flags & flag) != 0; }

}  // namespace

void StreamStart::add(std::uint32_t offset, packetgen::ByteView payload) {
  if (payload.empty()) return;
  ahead[offset] = packetgen::Bytes(payload.begin(), payload.end());
  for (auto it = ahead.begin(); it != ahead.end() && it->first <= bytes.size();) {
    const std::size_t overlap = bytes.size() - it->first;
    if (it->second.size() > overlap) bytes.insert(bytes.end(), it->second.begin() + overlap, it->second.end());
    it = ahead.erase(it);
  }
}

std::optional<std::size_t> message_extent(packetgen::ByteView bytes) {
  if (bytes.size() < convert::kHeaderSize) return std::nullopt;
  const std::uint16_t magic = packetgen::get_u16(bytes, 2);
  if (magic != convert::kMagic && magic != kDraftMagic) return bytes.size();
  const std::size_t size = std::size_t{bytes[1]} * convert::kWord;
  if (size == 0) return bytes.size();
  if (bytes.size() < size) return std::nullopt;
  return size;
}

bool looks_like_convert(packetgen::ByteView payload) {
  if (payload.size() < convert::kHeaderSize || payload[0] != convert::kVersion || payload[1] == 0) return false;
  const std::uint16_t magic = packetgen::get_u16(payload, 2);
  if (magic == convert::kMagic) return true;
  return magic == kDraftMagic && payload.size() > convert::kHeaderSize && payload[4] != 0 &&
         convert::is_known_tlv_type(payload[4]);
}

StreamStart* StreamTracker::stream_for(const tcp::Parsed& packet, const std::string& key) {
  const tcp::Segment& segment = packet.segment;
  if (has(segment, tcp::flag::SYN)) {
    auto found = streams_.find(key);
    // A retransmitted SYN continues its stream; another SYN starts a new one.
    if (found == streams_.end() || found->second.first_seq != segment.seq + 1) {
      streams_[key] = StreamStart{};
      streams_[key].first_seq = segment.seq + 1;
    }
    if (looks_like_convert(segment.payload)) {
      const bool from_client = !has(segment, tcp::flag::ACK);
      const auto& converter = from_client ? packet.addresses.destination : packet.addresses.source;
      converters_[endpoint(converter, from_client ? segment.destination_port : segment.source_port)] = true;
    }
  }
  auto found = streams_.find(key);
  return found == streams_.end() ? nullptr : &found->second;
}

std::vector<nlohmann::json> StreamTracker::add(std::size_t frame, const tcp::Parsed& packet) {
  const std::string key = flow_key(packet);
  StreamStart* stream = stream_for(packet, key);
  if (stream == nullptr || stream->done) return {};
  const tcp::Segment& segment = packet.segment;
  const std::string source = endpoint(packet.addresses.source, segment.source_port);
  const std::string destination = endpoint(packet.addresses.destination, segment.destination_port);
  if (segment.destination_port == kConvertPort || converters_.count(destination)) {
    stream->convert = true;
    stream->sender = Sender::Client;
  } else if (segment.source_port == kConvertPort || converters_.count(source)) {
    stream->convert = true;
    stream->sender = Sender::Converter;
  }
  const std::uint32_t offset = has(segment, tcp::flag::SYN) ? 0 : segment.seq - stream->first_seq;
  stream->add(offset, segment.payload);
  if (!stream->convert) return {};
  const auto extent = message_extent(stream->bytes);
  if (!extent) return {};
  stream->done = true;
  const packetgen::ByteView message(stream->bytes.data(), *extent);
  nlohmann::json record = describe_message(message, stream->sender);
  record["frame"] = frame;
  record["flow"] = key;
  record["direction"] = stream->sender == Sender::Client ? 1 : (stream->sender == Sender::Converter ? 2 : 0);
  if (record["outcome"] == "ok") record["app_data"] = stream->bytes.size() - *extent;
  return {record};
}

}  // namespace convtest::wireshark_test
