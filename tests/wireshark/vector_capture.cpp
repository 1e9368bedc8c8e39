#include "vector_capture.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "capture_file.hpp"
#include "packetgen/convert_malformed.hpp"
#include "packetgen/tcp.hpp"
#include "stream_start.hpp"

namespace convtest::wireshark_test {
namespace {

namespace convert = packetgen::convert;
namespace tcp = packetgen::tcp;
using packetgen::Bytes;
using packetgen::ByteView;

constexpr std::uint16_t kHeuristicPort = 8803;  // not the Convert port: only the SYN heuristic finds it
constexpr std::uint32_t kClientIsn = 1000;
constexpr std::uint32_t kConverterIsn = 50000;
constexpr std::size_t kFirstPiece = 6;  // the header and a TLV's kind and length, like the catalog's split

constexpr char kLongApplicationData[] = "application data longer than the rest of any golden message";

enum class Delivery { SynWithData, Split, Late, Heuristic, HeuristicSplit };

struct Vector {
  std::string label;
  Bytes bytes;
  Sender sender = Sender::Client;
  bool well_formed = false;  // application data may follow it
};

std::vector<Vector> golden_vectors(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<Vector> vectors;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    Vector vector{file.filename().string(), Bytes(std::istreambuf_iterator<char>(in), {}), Sender::Client, false};
    const std::string& name = vector.label;
    const bool reply = name.starts_with("error-") || name.starts_with("example-c") || name.starts_with("example-d");
    vector.sender = reply ? Sender::Converter : Sender::Client;
    vector.well_formed = !name.starts_with("malformed-");
    vectors.push_back(std::move(vector));
  }
  return vectors;
}

std::vector<Vector> malformed_vectors() {
  std::vector<Vector> vectors;
  for (auto& stimulus : convert::malformed::malformed_client_messages(443, convert::ipv4_mapped("198.51.100.7")))
    vectors.push_back({stimulus.label, std::move(stimulus.bytes), Sender::Client, false});
  return vectors;
}

// Writes the packets of one connection whose `sender` side starts its stream
// with `stream`, cut into `pieces` (the first one rides on the sender's SYN
// or SYN-ACK unless it is empty).
class ConnectionWriter {
 public:
  ConnectionWriter(CaptureWriter& out, packetgen::ip::Endpoints client_to_converter, std::uint16_t client_port,
                   std::uint16_t converter_port)
      : out_(out),
        addresses_(std::move(client_to_converter)),
        client_port_(client_port),
        converter_port_(converter_port) {}

  void write(Sender sender, const std::vector<Bytes>& pieces) {
    const bool client_sends = sender == Sender::Client;
    const Bytes none;
    const Bytes& in_syn = pieces.front();
    send(true, kClientIsn, 0, tcp::flag::SYN, client_sends ? in_syn : none);
    const std::uint32_t client_next = kClientIsn + 1 + static_cast<std::uint32_t>(client_sends ? in_syn.size() : 0);
    send(false, kConverterIsn, client_next, tcp::flag::SYN | tcp::flag::ACK, client_sends ? none : in_syn);
    std::uint32_t next = (client_sends ? client_next : kConverterIsn + 1 + static_cast<std::uint32_t>(in_syn.size()));
    const std::uint32_t peer_next = client_sends ? kConverterIsn + 1 : client_next;
    for (std::size_t i = 1; i < pieces.size(); ++i) {
      send(client_sends, next, peer_next, tcp::flag::ACK | tcp::flag::PSH, pieces[i]);
      next += static_cast<std::uint32_t>(pieces[i].size());
    }
  }

 private:
  void send(bool from_client, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags, const Bytes& payload) {
    tcp::Segment segment;
    segment.source_port = from_client ? client_port_ : converter_port_;
    segment.destination_port = from_client ? converter_port_ : client_port_;
    segment.seq = seq;
    segment.ack = ack;
    segment.flags = flags;
    segment.payload = payload;
    packetgen::ip::Endpoints addresses = addresses_;
    if (!from_client) std::swap(addresses.source, addresses.destination);
    out_.write(tcp::packet(segment, addresses));
  }

  CaptureWriter& out_;
  packetgen::ip::Endpoints addresses_;
  std::uint16_t client_port_;
  std::uint16_t converter_port_;
};

// Converter replies that break the value rules the client messages of the
// catalog do not reach.
std::vector<Vector> malformed_replies() {
  const std::vector<std::pair<std::string, const char*>> replies = {
      {"error-code-5", "01 02 22 63 1E 01 05 00"},                                   // BadErrorCode
      {"not-authorized-value-1", "01 02 22 63 1E 01 20 01"},                         // NonZeroField
      {"connection-reset-padding", "01 03 22 63 1E 02 60 00 00 00 01 00"},           // NonZeroPadding
      {"missing-cookie-byte-3", "01 04 22 63 1E 03 03 07 c1 c2 c3 c4 c5 c6 c7 c8"},  // NonZeroField
      {"supported-unassigned-set", "01 03 22 63 15 02 00 01 1E 04 08 22"},           // NonZeroField
      {"extended-header-unassigned-set", "01 03 22 63 14 02 80 00 02 04 05 B4"},     // NonZeroField
      {"cookie-from-converter", "01 03 22 63 16 02 00 00 c1 c2 c3 c4"},              // WrongDirection
      {"info-from-converter", "01 02 22 63 01 01 00 00"},                            // WrongDirection
  };
  std::vector<Vector> vectors;
  for (const auto& [label, text] : replies)
    vectors.push_back({"reply-" + label, packetgen::hex(text), Sender::Converter, false});
  vectors.push_back(
      {"info-zero-set", packetgen::hex("01 02 22 63 01 01 00 01"), Sender::Client, false});  // NonZeroField
  return vectors;
}

std::vector<Bytes> pieces_for(const Vector& vector, Delivery delivery) {
  const Bytes& bytes = vector.bytes;
  switch (delivery) {
    case Delivery::SynWithData:
    case Delivery::Heuristic: {
      Bytes whole = bytes;
      if (vector.well_formed) whole.insert(whole.end(), {'d', 'a', 't', 'a'});
      return {whole};
    }
    case Delivery::Late: return {Bytes{}, bytes};
    case Delivery::Split:
    case Delivery::HeuristicSplit: {
      const std::size_t first = std::min(kFirstPiece, bytes.size());
      const std::size_t second = first + (bytes.size() - first) / 2;
      const auto at = [&](std::size_t offset) { return bytes.begin() + static_cast<std::ptrdiff_t>(offset); };
      Bytes last(at(second), bytes.end());
      // Application data after the message's end: the last segment outgrows what reassembly hands over.
      if (vector.well_formed)
        last.insert(last.end(), kLongApplicationData, kLongApplicationData + sizeof kLongApplicationData - 1);
      return {Bytes(bytes.begin(), at(first)), Bytes(at(first), at(second)), std::move(last)};
    }
  }
  return {bytes};
}

packetgen::ip::Endpoints endpoints(bool ipv6) {
  using packetgen::ip::Address;
  if (ipv6) return {Address::must_parse("2001:db8::100"), Address::must_parse("2001:db8:1::1")};
  return {Address::must_parse("192.0.2.100"), Address::must_parse("192.0.2.1")};
}

}  // namespace

std::optional<std::string> write_vector_capture(const std::string& path, const std::string& golden_dir) {
  auto opened = CaptureWriter::open(path);
  if (!opened) return opened.error();
  std::vector<Vector> vectors = golden_vectors(golden_dir);
  if (vectors.empty()) return golden_dir + ": no golden vectors";
  for (auto group : {malformed_vectors(), malformed_replies()})
    for (auto& vector : group) vectors.push_back(std::move(vector));
  std::uint16_t client_port = 20000;
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    const Vector& vector = vectors[i];
    for (Delivery delivery :
         {Delivery::SynWithData, Delivery::Split, Delivery::Late, Delivery::Heuristic, Delivery::HeuristicSplit}) {
      const bool heuristic = delivery == Delivery::Heuristic || delivery == Delivery::HeuristicSplit;
      const std::vector<Bytes> pieces = pieces_for(vector, delivery);
      if (heuristic && !looks_like_convert(pieces.front())) continue;
      const std::uint16_t port = heuristic ? kHeuristicPort : kConvertPort;
      ConnectionWriter(**opened, endpoints(i % 2 == 1), client_port++, port).write(vector.sender, pieces);
    }
  }
  return std::nullopt;
}

}  // namespace convtest::wireshark_test
