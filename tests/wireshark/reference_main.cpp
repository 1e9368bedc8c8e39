// packetgen's side of the dissector test (tests/wireshark/compare.py):
//   convert_dissector_reference vectors OUT.pcap GOLDEN_DIR
//       writes the synthetic capture of the golden and malformed vectors
//   convert_dissector_reference decode CAPTURE
//       prints, as a JSON array, every Convert message of the capture as
//       packetgen decodes it, with the frame in which it became whole
#include <cstdio>
#include <string>

#include "capture_file.hpp"
#include "packetgen/tcp.hpp"
#include "stream_start.hpp"
#include "vector_capture.hpp"

namespace {

using namespace convtest;

int decode(const std::string& path) {
  wireshark_test::StreamTracker tracker;
  nlohmann::json records = nlohmann::json::array();
  auto error = wireshark_test::for_each_ip_packet(path, [&](std::size_t frame, packetgen::ByteView packet) {
    auto parsed = packetgen::tcp::parse(packet);
    if (!parsed) return;
    for (auto& record : tracker.add(frame, *parsed)) records.push_back(std::move(record));
  });
  if (error) {
    std::fprintf(stderr, "convert_dissector_reference: %s\n", error->c_str());
    return 1;
  }
  std::printf("%s\n", records.dump(1).c_str());
  return 0;
}

int vectors(const std::string& path, const std::string& golden_dir) {
  if (auto error = wireshark_test::write_vector_capture(path, golden_dir)) {
    std::fprintf(stderr, "convert_dissector_reference: %s\n", error->c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "decode" && argc == 3) return decode(argv[2]);
  if (command == "vectors" && argc == 4) return vectors(argv[2], argv[3]);
  std::fprintf(stderr, "usage: %s decode CAPTURE | vectors OUT.pcap GOLDEN_DIR\n", argv[0]);
  return 2;
}
