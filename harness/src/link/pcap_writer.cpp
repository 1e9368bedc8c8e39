#include "harness/link/pcap_writer.hpp"

#include <fmt/format.h>
#include <pcap/pcap.h>

#include <algorithm>

namespace convtest::harness {
namespace {
constexpr int kSnapLength = 262144;
}

struct PcapWriter::Handles {
  pcap_t* pcap = nullptr;
  pcap_dumper_t* dumper = nullptr;
  ~Handles() {
    if (dumper != nullptr) pcap_dump_close(dumper);
    if (pcap != nullptr) pcap_close(pcap);
  }
};

PcapWriter::PcapWriter(std::string path, CaptureLinkType type, std::unique_ptr<Handles> handles)
    : path_(std::move(path)), type_(type), handles_(std::move(handles)) {}

PcapWriter::~PcapWriter() { (void)close(); }

PcapWriterResult PcapWriter::open(const std::string& path, CaptureLinkType type) {
  auto handles = std::make_unique<Handles>();
  const int dlt = type == CaptureLinkType::RawIp ? DLT_RAW : DLT_EN10MB;
  handles->pcap = pcap_open_dead_with_tstamp_precision(dlt, kSnapLength, PCAP_TSTAMP_PRECISION_NANO);
  if (handles->pcap == nullptr) return packetgen::failure(std::string("pcap_open_dead failed"));
  handles->dumper = pcap_dump_open(handles->pcap, path.c_str());
  if (handles->dumper == nullptr) {
    // libpcap's message already starts with the path: name it once.
    std::string_view reason = pcap_geterr(handles->pcap);
    if (reason.starts_with(path + ": ")) reason.remove_prefix(path.size() + 2);
    return packetgen::failure(fmt::format("pcap file {}: {}", path, reason));
  }
  return std::unique_ptr<PcapWriter>(new PcapWriter(path, type, std::move(handles)));
}

void PcapWriter::write(packetgen::ByteView record, WallClock::time_point when) {
  const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch());
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  pcap_pkthdr header{};
  header.ts.tv_sec = static_cast<time_t>(seconds.count());
  // With nanosecond precision, libpcap stores tv_usec as nanoseconds.
  header.ts.tv_usec = static_cast<suseconds_t>((since_epoch - seconds).count());
  const auto length = static_cast<bpf_u_int32>(record.size());
  header.len = length;
  header.caplen = std::min<bpf_u_int32>(length, kSnapLength);
  const std::scoped_lock lock(mutex_);
  if (handles_ == nullptr) return;
  pcap_dump(reinterpret_cast<u_char*>(handles_->dumper), &header, record.data());
  ++records_;
}

Status PcapWriter::close() {
  const std::scoped_lock lock(mutex_);
  if (handles_ == nullptr) return Done{};
  const bool flushed = pcap_dump_flush(handles_->dumper) == 0;
  handles_.reset();
  if (!flushed) return packetgen::failure(fmt::format("pcap file {}: flush failed", path_));
  return Done{};
}

std::size_t PcapWriter::records() const {
  const std::scoped_lock lock(mutex_);
  return records_;
}

}  // namespace convtest::harness
