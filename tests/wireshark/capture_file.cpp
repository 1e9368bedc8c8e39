#include "capture_file.hpp"

#include <pcap/pcap.h>

namespace convtest::wireshark_test {
namespace {

constexpr std::size_t kEthernetHeaderSize = 14;
constexpr int kSnapLength = 262144;

}  // namespace

// Outside the anonymous namespace: CaptureWriter::Handles, a member of a
// class with linkage, holds one.
struct PcapCloser {
  void operator()(pcap_t* handle) const { pcap_close(handle); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

std::optional<std::string> for_each_ip_packet(const std::string& path,
                                              const std::function<void(std::size_t, packetgen::ByteView)>& visit) {
  char error[PCAP_ERRBUF_SIZE] = {};
  PcapHandle handle(pcap_open_offline(path.c_str(), error));
  if (!handle) return path + ": " + error;
  const int link = pcap_datalink(handle.get());
  if (link != DLT_RAW && link != DLT_EN10MB) return path + ": neither raw IP nor Ethernet";
  const std::size_t skip = link == DLT_EN10MB ? kEthernetHeaderSize : 0;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  std::size_t frame = 0;
  while (pcap_next_ex(handle.get(), &header, &data) == 1) {
    ++frame;
    const packetgen::ByteView record(data, header->caplen);
    visit(frame, record.size() > skip ? record.subspan(skip) : packetgen::ByteView{});
  }
  return std::nullopt;
}

struct CaptureWriter::Handles {
  PcapHandle dead;
  pcap_dumper_t* dumper = nullptr;
};

packetgen::Result<std::unique_ptr<CaptureWriter>, std::string> CaptureWriter::open(const std::string& path) {
  auto handles = std::make_unique<Handles>();
  handles->dead.reset(pcap_open_dead(DLT_RAW, kSnapLength));
  handles->dumper = pcap_dump_open(handles->dead.get(), path.c_str());
  if (handles->dumper == nullptr) return packetgen::failure(path + ": " + pcap_geterr(handles->dead.get()));
  return std::unique_ptr<CaptureWriter>(new CaptureWriter(std::move(handles)));
}

CaptureWriter::CaptureWriter(std::unique_ptr<Handles> handles) : handles_(std::move(handles)) {}

CaptureWriter::~CaptureWriter() { pcap_dump_close(handles_->dumper); }

void CaptureWriter::write(packetgen::ByteView packet) {
  pcap_pkthdr header{};
  header.ts.tv_sec = packets_ / 1000;
  header.ts.tv_usec = static_cast<suseconds_t>((packets_ % 1000) * 1000);
  header.caplen = static_cast<bpf_u_int32>(packet.size());
  header.len = header.caplen;
  pcap_dump(reinterpret_cast<u_char*>(handles_->dumper), &header, packet.data());
  ++packets_;
}

}  // namespace convtest::wireshark_test
