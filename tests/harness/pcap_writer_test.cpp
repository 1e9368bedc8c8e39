#include "harness/link/pcap_writer.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "harness/lab/netns.hpp"
#include "harness/link/tun_link.hpp"
#include "packetgen/ip.hpp"
#include "packetgen/tcp.hpp"
#include "tools/privileges.hpp"
#include "tools/temp_dir.hpp"

namespace convtest::harness {
namespace {

namespace ip = packetgen::ip;
namespace tcp = packetgen::tcp;
using namespace std::chrono_literals;

struct Record {
  packetgen::Bytes bytes;
  std::int64_t nanoseconds = 0;
};

struct Capture {
  int link_type = -1;
  std::vector<Record> records;
};

Capture read_capture(const std::string& path) {
  Capture capture;
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
  if (pcap == nullptr) {
    ADD_FAILURE() << "cannot re-read " << path << ": " << error;
    return capture;
  }
  capture.link_type = pcap_datalink(pcap);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(pcap, &header, &data) == 1) {
    capture.records.push_back(Record{packetgen::Bytes(data, data + header->caplen),
                                     std::int64_t{header->ts.tv_sec} * 1'000'000'000 + header->ts.tv_usec});
  }
  pcap_close(pcap);
  return capture;
}

using testing_support::TempDir;

TEST(PcapWriter, WritesExactBytesAndNanosecondTimestamps) {
  const TempDir dir;
  auto writer = PcapWriter::open(dir.file("raw.pcap"), CaptureLinkType::RawIp);
  ASSERT_TRUE(writer) << writer.error();
  // Deliberately broken packets must survive unchanged: no re-serialisation.
  const auto bogus = packetgen::hex("45 00 00 14 00 00 40 00 40 06 de ad c0 00 02 64 c6 33 64 0a");
  tcp::Segment segment;
  segment.source_port = 1;
  segment.destination_port = 2;
  segment.flags = tcp::flag::SYN;
  segment.checksum_mode = tcp::ChecksumMode::Wrong;
  segment.options = packetgen::hex("22 02");  // empty TFO option, the one libtins mis-sizes
  const auto wrong_checksum =
      tcp::packet(segment, ip::Endpoints{ip::Address::must_parse("192.0.2.100"), ip::Address::must_parse("192.0.2.1")});
  const WallClock::time_point first{std::chrono::nanoseconds(1'700'000'000'123'456'789)};
  const WallClock::time_point second = first + 1ns;
  (*writer)->write(bogus, first);
  (*writer)->write(wrong_checksum, second);
  EXPECT_EQ((*writer)->records(), 2U);
  ASSERT_TRUE((*writer)->close());
  (*writer)->write(bogus, second);  // after close: ignored, no crash

  const Capture capture = read_capture(dir.file("raw.pcap"));
  EXPECT_EQ(capture.link_type, DLT_RAW);
  ASSERT_EQ(capture.records.size(), 2U);
  EXPECT_EQ(capture.records[0].bytes, bogus);
  EXPECT_EQ(capture.records[1].bytes, wrong_checksum);
  EXPECT_EQ(capture.records[0].nanoseconds, 1'700'000'000'123'456'789);
  EXPECT_EQ(capture.records[1].nanoseconds, 1'700'000'000'123'456'790);
}

TEST(PcapWriter, EthernetCapturesUseTheEthernetLinkType) {
  const TempDir dir;
  auto writer = PcapWriter::open(dir.file("l2.pcap"), CaptureLinkType::Ethernet);
  ASSERT_TRUE(writer) << writer.error();
  const auto frame = packetgen::hex("ff ff ff ff ff ff 02 00 00 00 00 01 08 06 00 01");
  (*writer)->write(frame, WallClock::now());
  writer->reset();  // the destructor flushes too
  const Capture capture = read_capture(dir.file("l2.pcap"));
  EXPECT_EQ(capture.link_type, DLT_EN10MB);
  ASSERT_EQ(capture.records.size(), 1U);
  EXPECT_EQ(capture.records[0].bytes, frame);
}

TEST(PcapWriter, UnwritablePathIsAnErrorNamingThePath) {
  auto writer = PcapWriter::open("/nonexistent-dir/x.pcap", CaptureLinkType::RawIp);
  ASSERT_FALSE(writer);
  const std::string& error = writer.error();
  const auto first = error.find("/nonexistent-dir/x.pcap");
  EXPECT_NE(first, std::string::npos);
  EXPECT_EQ(error.find("/nonexistent-dir/x.pcap", first + 1), std::string::npos) << "the path twice: " << error;
}

TEST(PcapWriter, TunLinkRecordsEveryPacketInAndOutByteExact) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  const TempDir dir;
  auto netns = Netns::create();
  ASSERT_TRUE(netns) << netns.error();
  auto link =
      TunLink::open(*netns, TunConfig{.name = "tun0", .mtu = 1500, .addresses = {"192.0.2.1/24"}, .routes = {}});
  ASSERT_TRUE(link) << link.error();
  UniqueFd listener;
  {
    auto entered = netns->enter();
    ASSERT_TRUE(entered);
    listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(5124);
    address.sin_addr.s_addr = htonl(0xc0000201);
    ASSERT_EQ(::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener.get(), 4), 0);
  }
  auto writer = PcapWriter::open(dir.file("case.pcap"), CaptureLinkType::RawIp);
  ASSERT_TRUE(writer);
  (*link)->record_to(writer->get());

  std::vector<packetgen::Bytes> seen;
  tcp::Segment segment;
  segment.source_port = 40000;
  segment.destination_port = 5124;
  segment.seq = 1;
  segment.flags = tcp::flag::SYN;
  const auto sent =
      tcp::packet(segment, ip::Endpoints{ip::Address::must_parse("192.0.2.100"), ip::Address::must_parse("192.0.2.1")});
  ASSERT_TRUE((*link)->send(sent));
  seen.push_back(sent);
  const auto deadline = Clock::now() + 2s;
  bool got_syn_ack = false;
  for (int i = 0; i < 50 && !got_syn_ack; ++i) {
    auto packet = (*link)->receive(deadline);
    if (!packet) break;
    seen.push_back(packet->bytes);
    auto parsed = tcp::parse(packet->bytes);
    got_syn_ack = parsed && parsed->segment.destination_port == 40000;
  }
  ASSERT_TRUE(got_syn_ack);
  (*link)->close();
  ASSERT_TRUE((*writer)->close());

  const Capture capture = read_capture(dir.file("case.pcap"));
  ASSERT_EQ(capture.records.size(), seen.size());
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(capture.records[i].bytes, seen[i]) << "record " << i;
  for (std::size_t i = 1; i < capture.records.size(); ++i) {
    EXPECT_LE(capture.records[i - 1].nanoseconds, capture.records[i].nanoseconds);
  }
}

}  // namespace
}  // namespace convtest::harness
