// Middlebox transforms: the bytes before and after, checksums recomputed.

#include "harness/emulate/middlebox.hpp"

#include <gtest/gtest.h>

#include "packetgen/ip.hpp"
#include "packetgen/tcp.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness::emulate {
namespace {

namespace pt = packetgen::tcp;
namespace ip = packetgen::ip;
using packetgen::Bytes;

const ip::Endpoints kV4{ip::Address::must_parse("192.0.2.100"), ip::Address::must_parse("192.0.2.1")};
const ip::Endpoints kV6{ip::Address::must_parse("2001:db8:1::100"), ip::Address::must_parse("2001:db8:1::1")};

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes syn_options() {
  Bytes options = pt::mss(1460);
  packetgen::put_bytes(options, pt::fast_open_request());
  packetgen::put_bytes(options, pt::mptcp::mp_capable_syn());
  packetgen::put_bytes(options, pt::sack_permitted());
  return options;  // 4 + 2 + 4 + 2 = 12 bytes
}

Bytes syn(const ip::Endpoints& addresses = kV4, Bytes payload = text("CONVERT!"), Bytes options = syn_options()) {
  pt::Segment s;
  s.source_port = 40000;
  s.destination_port = 5124;
  s.seq = 1000;
  s.flags = pt::flag::SYN;
  s.options = std::move(options);
  s.payload = std::move(payload);
  ip::Ipv4Fields v4;
  v4.ttl = 33;
  return pt::packet(s, addresses, v4);
}

Bytes data_segment(std::string_view payload, std::uint8_t flags = pt::flag::ACK | pt::flag::PSH | pt::flag::FIN) {
  pt::Segment s;
  s.source_port = 5124;
  s.destination_port = 40000;
  s.seq = 100;
  s.ack = 2000;
  s.flags = flags;
  s.options = pt::timestamps(5, 6);
  s.payload = text(payload);
  return pt::packet(s, {kV4.destination, kV4.source});
}

pt::Parsed parse_one(const TransformOutcome& outcome, std::size_t index = 0) {
  EXPECT_GT(outcome.packets.size(), index);
  auto parsed = pt::parse(outcome.packets.at(index));
  EXPECT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->checksum_ok);
  return *parsed;
}

std::vector<std::uint8_t> kinds(const pt::Parsed& parsed) { return pt::parse_options(parsed.segment.options).kinds(); }

TEST(Middlebox, StripTfoOption) {
  const auto before = syn();
  const auto outcome = apply_transform(StripTfoOption{}, before);
  ASSERT_TRUE(outcome.changed());
  EXPECT_EQ(outcome.change, "stripped 1 TFO option(s)");
  const auto after = parse_one(outcome);
  EXPECT_EQ(kinds(after), (std::vector<std::uint8_t>{2, 30, 4}));
  EXPECT_EQ(after.segment.payload, text("CONVERT!"));
  // 12 option bytes become 10, zero-padded back to a whole word.
  EXPECT_EQ(packetgen::to_hex(after.segment.options), "02 04 05 b4 1e 04 01 01 04 02 00 00");
  EXPECT_EQ(outcome.packets[0].size(), before.size());
  auto header = ip::parse_header(outcome.packets[0]);
  EXPECT_EQ(header->ttl, 33);
}

TEST(Middlebox, StripTfoOptionOverIpv6) {
  const auto outcome = apply_transform(StripTfoOption{}, syn(kV6));
  ASSERT_TRUE(outcome.changed());
  const auto after = parse_one(outcome);
  EXPECT_EQ(after.addresses, kV6);
  EXPECT_EQ(kinds(after), (std::vector<std::uint8_t>{2, 30, 4}));
}

TEST(Middlebox, StripMptcpOptions) {
  const auto outcome = apply_transform(StripMptcpOptions{}, syn());
  ASSERT_TRUE(outcome.changed());
  EXPECT_EQ(kinds(parse_one(outcome)), (std::vector<std::uint8_t>{2, 34, 4}));
}

TEST(Middlebox, StripOneMptcpSubtypeOnly) {
  pt::mptcp::Dss dss;
  dss.data_ack = 77;
  Bytes options = pt::mptcp::dss(dss);
  packetgen::put_bytes(options, pt::mptcp::remove_addr({1}));
  const auto packet = syn(kV4, {}, options);
  const auto outcome = apply_transform(StripMptcpOptions{0x2}, packet);
  ASSERT_TRUE(outcome.changed());
  const auto left = pt::parse_options(parse_one(outcome).segment.options);
  EXPECT_EQ(left.find_mptcp(pt::mptcp::Subtype::Dss), nullptr);
  EXPECT_NE(left.find_mptcp(pt::mptcp::Subtype::RemoveAddr), nullptr);
  EXPECT_FALSE(apply_transform(StripMptcpOptions{0x1}, packet).changed());
  EXPECT_EQ(describe(Transform{StripMptcpOptions{0x2}}), "strip MPTCP subtype 2 options");
}

TEST(Middlebox, RuleForOneHarnessPortLeavesOtherFlows) {
  Middlebox box({MiddleboxRule{PathSide::ClientSide, Direction::ToPut, StripMptcpOptions{}, 40001},
                 MiddleboxRule{PathSide::ClientSide, Direction::FromPut, StripMptcpOptions{}, 40000}});
  EXPECT_FALSE(box.process(syn(), PathSide::ClientSide, Direction::ToPut).changed());                // port 40000
  EXPECT_FALSE(box.process(data_segment("x"), PathSide::ClientSide, Direction::FromPut).changed());  // no MPTCP
  pt::Segment answer = pt::parse(syn()).value().segment;
  std::swap(answer.source_port, answer.destination_port);
  answer.options = pt::mptcp::mp_capable_synack(9);
  const auto to_harness = pt::packet(answer, {kV4.destination, kV4.source});
  EXPECT_TRUE(box.process(to_harness, PathSide::ClientSide, Direction::FromPut).changed());  // to port 40000
}

TEST(Middlebox, StripAndTruncateSynPayload) {
  auto stripped = apply_transform(StripSynPayload{}, syn());
  ASSERT_TRUE(stripped.changed());
  EXPECT_TRUE(parse_one(stripped).segment.payload.empty());
  EXPECT_EQ(stripped.change, "cut SYN payload from 8 to 0 bytes");
  auto truncated = apply_transform(TruncateSynPayload{3}, syn());
  ASSERT_TRUE(truncated.changed());
  EXPECT_EQ(parse_one(truncated).segment.payload, text("CON"));
  EXPECT_EQ(kinds(parse_one(truncated)), (std::vector<std::uint8_t>{2, 34, 30, 4}));
  // Not a SYN: untouched.
  const auto data = data_segment("abc");
  auto untouched = apply_transform(StripSynPayload{}, data);
  EXPECT_FALSE(untouched.changed());
  EXPECT_EQ(untouched.packets, std::vector<Bytes>{data});
}

TEST(Middlebox, DropSynWithData) {
  auto dropped = apply_transform(DropSynWithData{}, syn());
  EXPECT_TRUE(dropped.changed());
  EXPECT_TRUE(dropped.packets.empty());
  const auto bare = syn(kV4, {});
  auto kept = apply_transform(DropSynWithData{}, bare);
  EXPECT_FALSE(kept.changed());
  EXPECT_EQ(kept.packets, std::vector<Bytes>{bare});
}

TEST(Middlebox, OverwriteOptionsWithNops) {
  const auto before = syn();
  const auto outcome = apply_transform(NopOptions{{pt::kind::FastOpen, pt::kind::SackPermitted}}, before);
  ASSERT_TRUE(outcome.changed());
  EXPECT_EQ(outcome.packets[0].size(), before.size());
  const auto after = parse_one(outcome);
  const auto expected_options = packetgen::hex("02 04 05 b4 01 01 1e 04 01 01 01 01");
  EXPECT_EQ(after.segment.options, expected_options);
}

TEST(Middlebox, ClampMss) {
  const auto outcome = apply_transform(ClampMss{1200}, syn());
  ASSERT_TRUE(outcome.changed());
  EXPECT_EQ(outcome.change, "clamped MSS 1460 to 1200");
  const auto after = parse_one(outcome);
  EXPECT_EQ(packetgen::ByteView(after.segment.options).first(4).size(), 4u);
  EXPECT_EQ(Bytes(after.segment.options.begin(), after.segment.options.begin() + 4), pt::mss(1200));
  EXPECT_FALSE(apply_transform(ClampMss{1500}, syn()).changed());
}

TEST(Middlebox, ResegmentAtOffsets) {
  const auto outcome = apply_transform(Resegment{{2, 5, 40}}, data_segment("abcdefgh"));
  ASSERT_TRUE(outcome.changed());
  ASSERT_EQ(outcome.packets.size(), 3u);
  const auto a = parse_one(outcome, 0);
  const auto b = parse_one(outcome, 1);
  const auto c = parse_one(outcome, 2);
  EXPECT_EQ(a.segment.seq, 100u);
  EXPECT_EQ(a.segment.payload, text("ab"));
  EXPECT_EQ(a.segment.flags, pt::flag::ACK);
  EXPECT_EQ(b.segment.seq, 102u);
  EXPECT_EQ(b.segment.payload, text("cde"));
  EXPECT_EQ(c.segment.seq, 105u);
  EXPECT_EQ(c.segment.payload, text("fgh"));
  EXPECT_EQ(c.segment.flags, pt::flag::ACK | pt::flag::PSH | pt::flag::FIN);
  EXPECT_EQ(packetgen::to_hex(a.segment.options), "08 0a 00 00 00 05 00 00 00 06 00 00");
  EXPECT_EQ(c.segment.options, a.segment.options);
  EXPECT_FALSE(apply_transform(Resegment{{2}}, syn()).changed());  // SYNs are never split
}

TEST(Middlebox, RulesApplyOnlyToTheirSideAndDirectionAndChain) {
  Middlebox box({MiddleboxRule{PathSide::ClientSide, Direction::ToPut, StripTfoOption{}},
                 MiddleboxRule{PathSide::ClientSide, Direction::ToPut, TruncateSynPayload{4}},
                 MiddleboxRule{PathSide::ServerSide, Direction::ToPut, DropSynWithData{}}});
  const auto packet = syn();
  const auto client_side = box.process(packet, PathSide::ClientSide, Direction::ToPut);
  EXPECT_EQ(client_side.change, "stripped 1 TFO option(s); cut SYN payload from 8 to 4 bytes");
  const auto after = parse_one(client_side);
  EXPECT_EQ(after.segment.payload, text("CONV"));
  EXPECT_EQ(kinds(after), (std::vector<std::uint8_t>{2, 30, 4}));
  const auto other_direction = box.process(packet, PathSide::ClientSide, Direction::FromPut);
  EXPECT_FALSE(other_direction.changed());
  EXPECT_EQ(other_direction.packets, std::vector<Bytes>{packet});
  EXPECT_TRUE(box.process(packet, PathSide::ServerSide, Direction::ToPut).packets.empty());
  EXPECT_EQ(describe(Transform{Resegment{{1, 2}}}), "re-segment payload at offsets 1,2");
}

TEST(Middlebox, NonTcpPassesUnchanged) {
  const Bytes udp = ip::wrap(17, text("12345678"), kV4);
  const auto outcome = apply_transform(StripTfoOption{}, udp);
  EXPECT_FALSE(outcome.changed());
  EXPECT_EQ(outcome.packets, std::vector<Bytes>{udp});
}

}  // namespace
}  // namespace convtest::harness::emulate
