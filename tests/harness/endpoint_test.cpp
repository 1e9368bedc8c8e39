// Flow keys, sequence arithmetic and the one-line packet summaries.

#include <gtest/gtest.h>

#include "harness/endpoint/flow.hpp"
#include "harness/endpoint/summary.hpp"
#include "packetgen/icmp.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness {
namespace {

namespace pt = packetgen::tcp;
namespace ip = packetgen::ip;

const ip::Endpoints kClientToPut{ip::Address::must_parse("192.0.2.100"), ip::Address::must_parse("192.0.2.1")};

TEST(Flow, SequenceComparisonsWrap) {
  EXPECT_TRUE(seq_before(0xfffffff0u, 5u));
  EXPECT_FALSE(seq_before(5u, 0xfffffff0u));
  EXPECT_TRUE(seq_before_or_equal(7u, 7u));
}

TEST(Flow, KeysSeenFromTheHarness) {
  pt::Segment s;
  s.source_port = 40000;
  s.destination_port = 5124;
  auto parsed = pt::parse(pt::packet(s, kClientToPut));
  ASSERT_TRUE(parsed.ok());
  const FlowKey sent = outbound_key(*parsed);
  EXPECT_EQ(sent.local_address, kClientToPut.source);
  EXPECT_EQ(sent.remote_port, 5124);
  EXPECT_EQ(sent.to_string(), "192.0.2.100.40000 <-> 192.0.2.1.5124");
  const FlowKey received = inbound_key(*parsed);
  EXPECT_EQ(received.local_address, kClientToPut.destination);
  EXPECT_EQ(received.local_port, 5124);
}

TEST(Summary, TcpWithOptionsLikeTcpdump) {
  pt::Segment s;
  s.source_port = 40000;
  s.destination_port = 5124;
  s.seq = 1;
  s.flags = pt::flag::SYN;
  s.window = 1000;
  s.options = pt::mss(1460);
  packetgen::put_bytes(s.options, pt::fast_open_request());
  packetgen::put_bytes(s.options, pt::mptcp::mp_capable_syn());
  s.payload = {1, 2, 3};
  EXPECT_EQ(summarize(pt::packet(s, kClientToPut)),
            "192.0.2.100.40000 > 192.0.2.1.5124: Flags [S], seq 1, win 1000, "
            "options [mss 1460,tfo cookiereq,mptcp capable v1 flags 0x01], length 3");
}

TEST(Summary, DssAndBadChecksum) {
  pt::Segment s;
  s.source_port = 5124;
  s.destination_port = 40000;
  s.seq = 10;
  s.ack = 20;
  s.flags = pt::flag::ACK | pt::flag::PSH;
  pt::mptcp::Dss dss;
  dss.data_ack = 99;
  dss.mapping = pt::mptcp::Dss::Mapping{1000, 1, 3, std::nullopt};
  s.options = pt::mptcp::dss(dss);
  s.payload = {7, 8, 9};
  s.checksum_mode = pt::ChecksumMode::Wrong;
  const auto text = summarize(pt::packet(s, {kClientToPut.destination, kClientToPut.source}));
  EXPECT_EQ(text.rfind("192.0.2.1.5124 > 192.0.2.100.40000: Flags [PA], seq 10, ack 20, win 65535, "
                       "options [mptcp dss ack 99 seq 1000 subseq 1 len 3",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("length 3 (bad checksum)"), std::string::npos) << text;
}

TEST(Summary, IcmpQuotingASyn) {
  pt::Segment s;
  s.source_port = 41000;
  s.destination_port = 80;
  s.seq = 5;
  s.flags = pt::flag::SYN;
  const ip::Endpoints downstream{ip::Address::must_parse("192.0.2.1"), ip::Address::must_parse("198.51.100.10")};
  const auto icmp = packetgen::icmp::destination_unreachable(downstream.destination, pt::packet(s, downstream), 3);
  EXPECT_EQ(summarize(icmp),
            "198.51.100.10 > 192.0.2.1: ICMP type 3 code 3 quoting [192.0.2.1.41000 > 198.51.100.10.80: "
            "Flags [S], seq 5, win 65535, length 0]");
}

}  // namespace
}  // namespace convtest::harness
