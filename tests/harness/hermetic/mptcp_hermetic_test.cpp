// The harness's MPTCP client against a peer the test scripts: the MP_JOIN
// handshake with its HMACs (RFC 8684 3.2), data mapped across subflows and
// put back in DSN order, REMOVE_ADDR and MP_FASTCLOSE on the wire. No root.

#include <gtest/gtest.h>

#include <memory>

#include "harness/endpoint/mptcp_client.hpp"
#include "hermetic_support.hpp"
#include "packetgen/mptcp_crypto.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness {
namespace mptcp_hermetic_test {  // named: in a unity build, its helpers meet those of other tests

using namespace std::chrono_literals;
using namespace hermetic;
namespace pt = packetgen::tcp;
namespace mptcp = packetgen::tcp::mptcp;

constexpr auto kTimeout = 200ms;
constexpr std::uint64_t kClientKey = 0x0102030405060708ULL;
constexpr std::uint64_t kPeerKey = 0x1112131415161718ULL;
constexpr std::uint32_t kClientIsn = 1000;
constexpr std::uint32_t kJoinIsn = 5000;
constexpr std::uint32_t kPeerIsn = 9000;
constexpr std::uint32_t kPeerJoinIsn = 20000;
constexpr std::uint32_t kPeerNonce = 0xa1b2c3d4;
constexpr std::uint32_t kClientNonce = 0x0badf00d;
constexpr std::uint8_t kAck = pt::flag::ACK;

const FlowKey kInitial{address("192.0.2.100"), 40000, address("192.0.2.1"), 5124};
const FlowKey kJoined{address("192.0.2.101"), 40001, address("192.0.2.1"), 5124};

FlowKey reversed(const FlowKey& flow) {
  return {flow.remote_address, flow.remote_port, flow.local_address, flow.local_port};
}

const pt::Option* mptcp_option(const pt::Segment& segment, mptcp::Subtype subtype, pt::ParsedOptions& keep) {
  keep = pt::parse_options(segment.options);
  return keep.find_mptcp(subtype);
}

class HermeticMptcp : public ::testing::Test {
 protected:
  ManualClock clock_;
  MemoryLinkPair links_ = make_memory_link_pair();
  Wire wire_{*links_.left, {}, clock_};
  ScriptedPeer initial_peer_{*links_.right, reversed(kInitial)};
  ScriptedPeer joined_peer_{*links_.right, reversed(kJoined)};
  std::unique_ptr<MptcpClient> client_;
  std::vector<pt::Segment> unread_;  // both subflows share the link
  std::vector<pt::Segment> syn_;     // the client's first SYN

  // What the client sent on one subflow since the last look.
  std::vector<pt::Segment> sent_on(const FlowKey& flow) {
    for (auto& segment : initial_peer_.take()) unread_.push_back(std::move(segment));
    std::vector<pt::Segment> mine;
    std::erase_if(unread_, [&](pt::Segment& segment) {
      if (segment.source_port != flow.local_port) return false;
      mine.push_back(std::move(segment));
      return true;
    });
    return mine;
  }

  // MP_CAPABLE handshake, then the client's third ACK taken off the wire.
  void establish(bool checksum = false) {
    MptcpConfig config;
    config.checksum = checksum;
    config.tcp.flow = kInitial;
    config.tcp.isn = kClientIsn;
    config.tcp.retransmit = {kTimeout, 3};
    config.local_key = kClientKey;
    client_ = std::make_unique<MptcpClient>(wire_, config);
    client_->connect({});
    syn_ = sent_on(kInitial);
    ASSERT_EQ(syn_.size(), 1U);
    auto synack = initial_peer_.segment(pt::flag::SYN | kAck, kPeerIsn, kClientIsn + 1);
    synack.options = mptcp::mp_capable_synack(kPeerKey);
    initial_peer_.send(synack);
    wire_.poll();
    ASSERT_EQ(sent_on(kInitial).size(), 1U);
  }

  // The client's join SYN answered with `hmac`; returns what the client sent back.
  std::vector<pt::Segment> answer_join(std::uint64_t hmac) {
    JoinConfig join;
    join.tcp = client_->subflow().config();
    join.tcp.flow = kJoined;
    join.tcp.isn = kJoinIsn;
    join.nonce = kClientNonce;
    join.address_id = 3;
    EXPECT_EQ(client_->join(join), 1U);
    auto syn = sent_on(kJoined);
    EXPECT_EQ(syn.size(), 1U);
    pt::ParsedOptions options;
    EXPECT_NE(mptcp_option(syn.at(0), mptcp::Subtype::MpJoin, options), nullptr);
    auto synack = joined_peer_.segment(pt::flag::SYN | kAck, kPeerJoinIsn, kJoinIsn + 1);
    packetgen::Bytes option{pt::kind::Mptcp, 16, 0x10, 0};
    packetgen::put_u64(option, hmac);
    packetgen::put_u32(option, kPeerNonce);
    synack.options = option;
    joined_peer_.send(synack);
    wire_.poll();
    return sent_on(kJoined);
  }

  std::uint64_t right_hmac() const {
    return mptcp::mp_join_truncated_hmac(mptcp::mp_join_hmac(kPeerKey, kClientKey, kPeerNonce, kClientNonce));
  }

  // Data from the peer on one subflow, mapped at `dsn`.
  void peer_data(ScriptedPeer& peer, std::uint32_t seq, std::uint32_t ack, std::uint32_t subflow_seq, std::uint64_t dsn,
                 std::string_view text) {
    auto segment = peer.segment(kAck | pt::flag::PSH, seq, ack, text);
    mptcp::Dss dss;
    dss.mapping = mptcp::Dss::Mapping{dsn, subflow_seq, static_cast<std::uint16_t>(text.size()), std::nullopt};
    segment.options = mptcp::dss(dss);
    peer.send(segment);
    wire_.poll();
  }
};

TEST_F(HermeticMptcp, JoinSendsTheTokenAndTheSenderHmacAndWaitsForTheFourthAck) {
  establish();
  const auto third = answer_join(right_hmac());
  ASSERT_EQ(third.size(), 1U);
  pt::ParsedOptions options;
  const auto* join = mptcp_option(third[0], mptcp::Subtype::MpJoin, options);
  ASSERT_NE(join, nullptr);
  ASSERT_EQ(join->bytes.size(), 24U);
  const auto hmac = mptcp::mp_join_hmac(kClientKey, kPeerKey, kClientNonce, kPeerNonce);
  EXPECT_TRUE(std::equal(join->bytes.begin() + 4, join->bytes.end(), hmac.begin()));
  EXPECT_EQ(client_->join_status(1), JoinStatus::Pending);

  // Unacknowledged, the third ACK is sent again at the timeout.
  wire_.run_until(clock_.now() + kTimeout);
  const auto again = sent_on(kJoined);
  ASSERT_EQ(again.size(), 1U);
  EXPECT_NE(mptcp_option(again[0], mptcp::Subtype::MpJoin, options), nullptr);

  joined_peer_.send(joined_peer_.segment(kAck, kPeerJoinIsn + 1, kJoinIsn + 1));
  wire_.poll();
  EXPECT_EQ(client_->join_status(1), JoinStatus::Ready);
}

TEST_F(HermeticMptcp, WrongHmacInTheJoinSynAckResetsTheSubflow) {
  establish();
  const auto answer = answer_join(right_hmac() ^ 1);
  ASSERT_EQ(answer.size(), 1U);
  EXPECT_NE(answer[0].flags & pt::flag::RST, 0);
  EXPECT_EQ(client_->join_status(1), JoinStatus::BadHmac);
}

TEST_F(HermeticMptcp, DataOfBothSubflowsIsMappedAndReassembledByDsn) {
  establish();
  answer_join(right_hmac());
  joined_peer_.send(joined_peer_.segment(kAck, kPeerJoinIsn + 1, kJoinIsn + 1));
  wire_.poll();
  ASSERT_EQ(client_->join_status(1), JoinStatus::Ready);

  const std::uint64_t first_dsn = client_->next_local_dsn();
  client_->send_on(1, text_bytes("on-joined"));
  client_->send_on(0, text_bytes("on-initial"));
  const auto joined_data = sent_on(kJoined);
  const auto initial_data = sent_on(kInitial);
  ASSERT_EQ(joined_data.size(), 1U);
  ASSERT_EQ(initial_data.size(), 1U);
  const auto mapping_of = [](const pt::Segment& segment) {
    const auto options = pt::parse_options(segment.options);
    const auto* dss = options.find_mptcp(mptcp::Subtype::Dss);
    EXPECT_NE(dss, nullptr);
    return std::get<pt::DssOption>(dss->value).dss.mapping.value();
  };
  EXPECT_EQ(mapping_of(joined_data[0]).dsn, first_dsn);
  EXPECT_EQ(mapping_of(joined_data[0]).subflow_seq, 1U);
  EXPECT_EQ(mapping_of(initial_data[0]).dsn, first_dsn + 9);

  // The peer's bytes arrive second half first, on the joined subflow.
  const std::uint64_t peer_dsn = MptcpKeys::from(kPeerKey).idsn + 1;
  peer_data(joined_peer_, kPeerJoinIsn + 1, kJoinIsn + 10, 1, peer_dsn + 6, "world");
  EXPECT_TRUE(client_->data_received().empty());
  peer_data(initial_peer_, kPeerIsn + 1, kClientIsn + 11, 1, peer_dsn, "hello ");
  EXPECT_EQ(text_of(client_->data_received()), "hello world");
  ASSERT_TRUE(client_->last_data_ack_sent().has_value());
  EXPECT_EQ(*client_->last_data_ack_sent(), peer_dsn + 11);
}

TEST_F(HermeticMptcp, ChecksumsAreAskedForAndWrittenInEveryMapping) {
  establish(true);
  pt::ParsedOptions options;
  const auto* capable = mptcp_option(syn_.at(0), mptcp::Subtype::MpCapable, options);
  ASSERT_NE(capable, nullptr);
  EXPECT_NE(capable->bytes.at(3) & mptcp::mpc_flag::A, 0);
  const std::uint64_t dsn = client_->next_local_dsn();
  client_->send(text_bytes("summed"));
  const auto data = sent_on(kInitial);
  ASSERT_EQ(data.size(), 1U);
  const auto* dss = mptcp_option(data[0], mptcp::Subtype::Dss, options);
  ASSERT_NE(dss, nullptr);
  const auto mapping = std::get<pt::DssOption>(dss->value).dss.mapping.value();
  ASSERT_TRUE(mapping.checksum.has_value());
  EXPECT_EQ(*mapping.checksum, mptcp::dss_checksum(dsn, 1, 6, text_bytes("summed")));
}

TEST_F(HermeticMptcp, RemoveAddrAndFastcloseGoOnTheWire) {
  establish();
  answer_join(right_hmac());
  joined_peer_.send(joined_peer_.segment(kAck, kPeerJoinIsn + 1, kJoinIsn + 1));
  wire_.poll();
  client_->remove_address(3, 1);
  const auto removal = sent_on(kInitial);
  ASSERT_EQ(removal.size(), 1U);
  pt::ParsedOptions options;
  const auto* remove = mptcp_option(removal[0], mptcp::Subtype::RemoveAddr, options);
  ASSERT_NE(remove, nullptr);
  EXPECT_EQ(remove->bytes, mptcp::remove_addr({3}));

  client_->fastclose();
  for (auto* peer : {&initial_peer_, &joined_peer_}) {
    const auto resets = sent_on(peer == &initial_peer_ ? kInitial : kJoined);
    ASSERT_EQ(resets.size(), 1U);
    EXPECT_NE(resets[0].flags & pt::flag::RST, 0);
    const auto* fastclose = mptcp_option(resets[0], mptcp::Subtype::MpFastclose, options);
    ASSERT_NE(fastclose, nullptr);
    EXPECT_EQ(fastclose->bytes, mptcp::mp_fastclose(kPeerKey));
  }
}

}  // namespace mptcp_hermetic_test
}  // namespace convtest::harness
