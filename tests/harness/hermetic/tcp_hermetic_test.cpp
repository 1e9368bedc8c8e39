// The harness's user-space TCP against a peer the test scripts segment by
// segment, over a MemoryLink on a manual clock: retransmission, reassembly,
// the peer's window, FIN and RST, each observed on the wire. No root, no
// kernel, and timeouts pass in no real time.

#include <gtest/gtest.h>

#include <memory>
#include <numeric>

#include "harness/endpoint/tcp_client.hpp"
#include "hermetic_support.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness {
namespace tcp_hermetic_test {  // named: in a unity build, its helpers meet those of other tests

using namespace std::chrono_literals;
using namespace hermetic;
namespace pt = packetgen::tcp;

constexpr auto kTimeout = 200ms;
constexpr int kMaxRetransmissions = 3;
// Both streams wrap early: sequence arithmetic must cope.
constexpr std::uint32_t kClientIsn = 0xfffffff0;
constexpr std::uint32_t kPeerIsn = 0xfffffffa;
constexpr std::uint32_t kPeerData = kPeerIsn + 1;  // the peer's first data byte
constexpr std::uint8_t kAck = pt::flag::ACK;

const FlowKey kClientFlow{address("192.0.2.100"), 40000, address("192.0.2.1"), 5124};
const FlowKey kPeerFlow{kClientFlow.remote_address, kClientFlow.remote_port, kClientFlow.local_address,
                        kClientFlow.local_port};

std::vector<Clock::time_point> event_times(const TcpConnection& tcp, TcpEvent::Kind kind) {
  std::vector<Clock::time_point> times;
  for (const auto& event : tcp.events())
    if (event.kind == kind) times.push_back(event.time);
  return times;
}

std::size_t data_bytes_delivered(const TcpConnection& tcp) {
  std::size_t total = 0;
  for (const auto& event : tcp.events())
    if (event.kind == TcpEvent::Kind::Data) total += event.length;
  return total;
}

class HermeticTcp : public ::testing::Test {
 protected:
  ManualClock clock_;
  MemoryLinkPair links_ = make_memory_link_pair();
  Wire wire_{*links_.left, {}, clock_};
  ScriptedPeer peer_{*links_.right, kPeerFlow};
  std::unique_ptr<TcpClient> client_;

  TcpConnection& start(TcpConfig config = {}) {
    config.flow = kClientFlow;
    config.isn = kClientIsn;
    config.retransmit = {kTimeout, kMaxRetransmissions};
    client_ = std::make_unique<TcpClient>(wire_, std::move(config));
    return client_->tcp();
  }

  pt::Segment synack(std::uint16_t window = 65535, packetgen::Bytes options = pt::mss(1400)) const {
    auto segment = peer_.segment(pt::flag::SYN | kAck, kPeerIsn, kClientIsn + 1);
    segment.window = window;
    segment.options = std::move(options);
    return segment;
  }

  // Connects and answers the SYN; the client's ACK is taken off the wire.
  TcpConnection& established(std::uint16_t window = 65535, packetgen::Bytes syn_options = pt::mss(1400),
                             packetgen::Bytes synack_options = pt::mss(1400)) {
    auto& tcp = start();
    tcp.connect(std::move(syn_options));
    EXPECT_EQ(peer_.take().size(), 1U);
    peer_.send(synack(window, std::move(synack_options)));
    wire_.poll();
    EXPECT_EQ(tcp.state(), TcpState::Established);
    const auto ack = peer_.take();
    EXPECT_EQ(ack.size(), 1U);
    return tcp;
  }

  // The peer's data at `offset` in its stream, acknowledging what the client sent.
  void peer_data(std::uint32_t offset, std::string_view text, std::uint8_t extra_flags = 0) {
    const auto& tcp = client_->tcp();
    peer_.send(peer_.segment(kAck | extra_flags, kPeerData + offset, tcp.snd_nxt(), text));
    wire_.poll();
  }

  // A bare ACK from the peer, offering `window`.
  void peer_ack(std::uint32_t ack, std::uint16_t window) {
    auto segment = peer_.segment(kAck, kPeerData, ack);
    segment.window = window;
    peer_.send(segment);
    wire_.poll();
  }

  // The ack numbers of the segments the client sent since the last look.
  std::vector<std::uint32_t> acks_sent() {
    std::vector<std::uint32_t> acks;
    for (const auto& segment : peer_.take()) acks.push_back(segment.ack);
    return acks;
  }
};

// ------------------------------------------------------------ retransmission

TEST_F(HermeticTcp, LostSynIsSentAgainAtTheTimeoutAndNotBefore) {
  auto& tcp = start();
  const auto start_time = clock_.now();
  tcp.connect(pt::mss(1400));
  const auto first = peer_.take();  // lost: the peer does not answer
  ASSERT_EQ(first.size(), 1U);
  EXPECT_EQ(first[0].flags, pt::flag::SYN);

  wire_.run_until(start_time + kTimeout - 1ms);
  EXPECT_TRUE(peer_.take().empty());
  wire_.run_until(start_time + kTimeout);
  const auto again = peer_.take();
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].flags, pt::flag::SYN);
  EXPECT_EQ(again[0].seq, kClientIsn);
  EXPECT_EQ(again[0].options, first[0].options);
  EXPECT_EQ(event_times(tcp, TcpEvent::Kind::Retransmit), std::vector{start_time + kTimeout});

  // Answered, the connection opens and the timer stops.
  peer_.send(synack());
  wire_.poll();
  EXPECT_EQ(tcp.state(), TcpState::Established);
  EXPECT_EQ(acks_sent(), std::vector{kPeerIsn + 1});
  wire_.run_for(10 * kTimeout);
  EXPECT_TRUE(peer_.take().empty());
  EXPECT_EQ(count_events(tcp, TcpEvent::Kind::Retransmit), 1U);
}

TEST_F(HermeticTcp, GivesUpAfterTheLastRetransmissionAndFallsSilent) {
  auto& tcp = start();
  const auto start_time = clock_.now();
  tcp.connect(pt::mss(1400));
  ASSERT_TRUE(wire_.run_until(start_time + 1h, [&] { return tcp.gave_up(); }));

  const auto syns = peer_.take();
  ASSERT_EQ(syns.size(), 1U + kMaxRetransmissions);
  for (const auto& syn : syns) EXPECT_EQ(syn.seq, kClientIsn);
  EXPECT_EQ(event_times(tcp, TcpEvent::Kind::Retransmit),
            (std::vector{start_time + kTimeout, start_time + 2 * kTimeout, start_time + 3 * kTimeout}));
  EXPECT_EQ(event_times(tcp, TcpEvent::Kind::GaveUp), std::vector{start_time + 4 * kTimeout});
  // Giving up stops the timer and nothing else: the state stays where it was
  // and ending the connection is left to its owner (abort()).
  EXPECT_EQ(tcp.state(), TcpState::SynSent);
  EXPECT_FALSE(wire_.next_timer().has_value());
  wire_.run_for(1h);
  EXPECT_TRUE(peer_.take().empty());
}

TEST_F(HermeticTcp, LostDataIsSentAgainWithTheCurrentAck) {
  auto& tcp = established();
  const auto start_time = clock_.now();
  tcp.send(text_bytes("hello"));
  const auto lost = peer_.take();
  ASSERT_EQ(lost.size(), 1U);
  EXPECT_EQ(text_of(lost[0].payload), "hello");

  // The peer's own data (not acknowledging "hello") moves the client's ACK on.
  peer_.send(peer_.segment(kAck, kPeerData, lost[0].seq, "abc"));
  wire_.poll();
  EXPECT_EQ(acks_sent(), std::vector{kPeerData + 3});

  wire_.run_until(start_time + kTimeout);
  const auto again = peer_.take();
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].seq, lost[0].seq);
  EXPECT_EQ(text_of(again[0].payload), "hello");
  EXPECT_EQ(again[0].ack, kPeerData + 3);

  peer_.send(peer_.segment(kAck, kPeerData + 3, lost[0].seq + 5));
  wire_.poll();
  EXPECT_EQ(tcp.bytes_acked_by_peer(), 5U);
  wire_.run_for(10 * kTimeout);
  EXPECT_TRUE(peer_.take().empty());
}

// ------------------------------------------------------------ reassembly

TEST_F(HermeticTcp, OutOfOrderSegmentsAreDeliveredInOrderOnce) {
  auto& tcp = established();
  peer_data(6, "GHI");
  peer_data(3, "DEF");
  EXPECT_TRUE(tcp.received().empty());
  // Each early segment draws a duplicate ACK for the first missing byte.
  EXPECT_EQ(acks_sent(), (std::vector{kPeerData, kPeerData}));
  peer_data(0, "ABC");
  EXPECT_EQ(text_of(tcp.received()), "ABCDEFGHI");
  EXPECT_EQ(acks_sent(), std::vector{kPeerData + 9});
  EXPECT_EQ(count_events(tcp, TcpEvent::Kind::OutOfOrder), 2U);
  EXPECT_EQ(data_bytes_delivered(tcp), 9U);
}

TEST_F(HermeticTcp, OverlappingAndRepeatedSegmentsAreDeliveredOnce) {
  auto& tcp = established();
  peer_data(0, "ABCD");
  peer_data(2, "CDEF");  // half old, half new
  peer_data(0, "ABCD");  // all old
  EXPECT_EQ(text_of(tcp.received()), "ABCDEF");
  EXPECT_EQ(count_events(tcp, TcpEvent::Kind::Duplicate), 1U);
  peer_data(8, "IJ");  // early, twice
  peer_data(8, "IJ");
  peer_data(6, "GHI");  // fills the gap and overlaps the early segment
  EXPECT_EQ(text_of(tcp.received()), "ABCDEFGHIJ");
  EXPECT_EQ(data_bytes_delivered(tcp), 10U);
  EXPECT_EQ(acks_sent().back(), kPeerData + 10);
}

TEST_F(HermeticTcp, FinBeyondAGapWaitsForTheMissingBytes) {
  auto& tcp = established();
  peer_data(3, "DEF", pt::flag::FIN);
  EXPECT_FALSE(tcp.fin_received());
  EXPECT_EQ(tcp.state(), TcpState::Established);
  EXPECT_EQ(acks_sent(), std::vector{kPeerData});
  peer_data(0, "ABC");
  EXPECT_EQ(text_of(tcp.received()), "ABCDEF");
  EXPECT_TRUE(tcp.fin_received());
  EXPECT_EQ(tcp.state(), TcpState::CloseWait);
  EXPECT_EQ(acks_sent(), std::vector{kPeerData + 6 + 1});  // the FIN takes a sequence number
}

// ------------------------------------------------------------ the peer's window

TEST_F(HermeticTcp, SendsWithinThePeersWindowAndResumesAsItOpens) {
  auto& tcp = established(1000);
  packetgen::Bytes data(3000);
  std::iota(data.begin(), data.end(), std::uint8_t{0});
  tcp.send(data);
  const std::uint32_t first_byte = kClientIsn + 1;

  auto sent = peer_.take();
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0].seq, first_byte);
  EXPECT_EQ(sent[0].payload.size(), 1000U);
  EXPECT_EQ(tcp.bytes_queued(), 2000U);

  // The window slides: 400 bytes acknowledged, 1000 offered from there.
  peer_ack(first_byte + 400, 1000);
  sent = peer_.take();
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0].seq, first_byte + 1000);
  EXPECT_EQ(sent[0].payload.size(), 400U);

  // A closed window stops the sender. (It has no persist timer: it waits
  // for the peer's window update rather than probing.)
  peer_ack(first_byte + 1400, 0);
  EXPECT_TRUE(peer_.take().empty());
  EXPECT_EQ(tcp.bytes_queued(), 1600U);

  peer_ack(first_byte + 1400, 1500);
  sent = peer_.take();
  ASSERT_EQ(sent.size(), 2U);  // one full MSS and the rest of the window
  EXPECT_EQ(sent[0].seq, first_byte + 1400);
  EXPECT_EQ(sent[0].payload.size(), 1400U);
  EXPECT_EQ(sent[1].seq, first_byte + 2800);
  EXPECT_EQ(sent[1].payload.size(), 100U);
  EXPECT_EQ(tcp.bytes_queued(), 100U);
}

packetgen::Bytes mss_and_window_scale(std::uint8_t shift) {
  packetgen::Bytes options = pt::mss(1400);
  packetgen::put_bytes(options, pt::window_scale(shift));
  return options;
}

// The peer's SYN-ACK offers a shift of 2, its window is 1000 (never scaled
// in a SYN), then 500 in an ACK: how many bytes the client may send next
// depends on whether the client offered scaling too.
class HermeticTcpWindowScale : public HermeticTcp {
 protected:
  std::size_t sent_after_window_update(packetgen::Bytes syn_options) {
    auto& tcp = established(1000, std::move(syn_options), mss_and_window_scale(2));
    tcp.send(packetgen::Bytes(5000, 'x'));
    const auto first = peer_.take();
    EXPECT_EQ(first.size(), 1U);
    EXPECT_EQ(first.at(0).payload.size(), 1000U);
    peer_ack(kClientIsn + 1 + 1000, 500);
    std::size_t sent = 0;
    for (const auto& segment : peer_.take()) sent += segment.payload.size();
    return sent;
  }
};

TEST_F(HermeticTcpWindowScale, ScalesThePeersWindowWhenBothOfferedScaling) {
  EXPECT_EQ(sent_after_window_update(mss_and_window_scale(7)), 500U << 2);
}

TEST_F(HermeticTcpWindowScale, IgnoresThePeersShiftWhenItDidNotOfferScaling) {
  EXPECT_EQ(sent_after_window_update(pt::mss(1400)), 500U);
}

// ------------------------------------------------------------ FIN

TEST_F(HermeticTcp, HalfCloseFromTheHarnessStillReceives) {
  auto& tcp = established();
  tcp.send(text_bytes("bye"));
  tcp.close();
  const auto sent = peer_.take();
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_EQ(text_of(sent[0].payload), "bye");
  const auto& fin = sent[1];
  EXPECT_EQ(fin.flags, pt::flag::FIN | kAck);
  EXPECT_EQ(fin.seq, sent[0].seq + 3);
  EXPECT_EQ(tcp.snd_nxt(), fin.seq + 1);  // the FIN takes a sequence number
  EXPECT_EQ(tcp.state(), TcpState::FinWait1);

  peer_.send(peer_.segment(kAck, kPeerData, fin.seq));  // the data, not the FIN
  wire_.poll();
  EXPECT_EQ(tcp.state(), TcpState::FinWait1);
  peer_.send(peer_.segment(kAck, kPeerData, fin.seq + 1));
  wire_.poll();
  EXPECT_EQ(tcp.state(), TcpState::FinWait2);
  EXPECT_EQ(tcp.bytes_acked_by_peer(), 3U);

  peer_data(0, "late");
  EXPECT_EQ(text_of(tcp.received()), "late");
  EXPECT_EQ(acks_sent(), std::vector{kPeerData + 4});
  peer_data(4, "", pt::flag::FIN);
  EXPECT_TRUE(tcp.fin_received());
  EXPECT_EQ(acks_sent(), std::vector{kPeerData + 5});
  EXPECT_EQ(tcp.state(), TcpState::TimeWait);
}

TEST_F(HermeticTcp, PeerFinIsAcknowledgedAndTheHarnessMaySendOn) {
  auto& tcp = established();
  peer_data(0, "data", pt::flag::FIN);
  EXPECT_EQ(text_of(tcp.received()), "data");
  EXPECT_TRUE(tcp.fin_received());
  EXPECT_EQ(tcp.state(), TcpState::CloseWait);
  EXPECT_EQ(acks_sent(), std::vector{kPeerData + 4 + 1});

  tcp.send(text_bytes("reply"));
  tcp.close();
  const auto sent = peer_.take();
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_EQ(text_of(sent[0].payload), "reply");
  EXPECT_EQ(sent[1].flags, pt::flag::FIN | kAck);
  EXPECT_EQ(tcp.state(), TcpState::LastAck);

  peer_.send(peer_.segment(kAck, kPeerData + 5, sent[1].seq + 1));
  wire_.poll();
  EXPECT_EQ(tcp.state(), TcpState::Closed);
  wire_.run_for(10 * kTimeout);
  EXPECT_TRUE(peer_.take().empty());
}

TEST_F(HermeticTcp, LostFinIsSentAgain) {
  auto& tcp = established();
  const auto start_time = clock_.now();
  tcp.close();
  const auto lost = peer_.take();
  ASSERT_EQ(lost.size(), 1U);
  wire_.run_until(start_time + kTimeout);
  const auto again = peer_.take();
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].flags, pt::flag::FIN | kAck);
  EXPECT_EQ(again[0].seq, lost[0].seq);
}

TEST_F(HermeticTcp, SimultaneousCloseGoesThroughClosing) {
  auto& tcp = established();
  tcp.close();
  const auto fin = peer_.take().at(0);
  peer_.send(peer_.segment(pt::flag::FIN | kAck, kPeerData, fin.seq));  // crosses ours
  wire_.poll();
  EXPECT_EQ(tcp.state(), TcpState::Closing);
  EXPECT_EQ(acks_sent(), std::vector{kPeerData + 1});
  peer_.send(peer_.segment(kAck, kPeerData + 1, fin.seq + 1));
  wire_.poll();
  EXPECT_EQ(tcp.state(), TcpState::TimeWait);
}

// ------------------------------------------------------------ RST

TEST_F(HermeticTcp, ResetAtTheNextExpectedByteClosesAndStopsRetransmission) {
  auto& tcp = established();
  tcp.send(text_bytes("unacknowledged"));
  EXPECT_EQ(peer_.take().size(), 1U);
  peer_.send(peer_.segment(pt::flag::RST, kPeerData, 0));
  wire_.poll();
  EXPECT_TRUE(tcp.reset_received());
  EXPECT_EQ(tcp.state(), TcpState::Reset);
  EXPECT_FALSE(tcp.is_open());
  wire_.run_for(10 * kTimeout);
  EXPECT_TRUE(peer_.take().empty());  // no retransmission, no answer to the RST
}

TEST_F(HermeticTcp, ResetAnsweringTheSynEndsTheAttempt) {
  auto& tcp = start();
  tcp.connect(pt::mss(1400));
  EXPECT_EQ(peer_.take().size(), 1U);
  peer_.send(peer_.segment(pt::flag::RST | kAck, 0, kClientIsn + 1));
  wire_.poll();
  EXPECT_EQ(tcp.state(), TcpState::Reset);
  EXPECT_FALSE(tcp.established());
  wire_.run_for(10 * kTimeout);
  EXPECT_TRUE(peer_.take().empty());
}

// The endpoint has no RFC 5961 / RFC 9293 3.10.7 window check for RSTs: it
// takes every RST of its flow, whatever the sequence number. This pins that,
// so that a change to it is a deliberate one.
TEST_F(HermeticTcp, ResetIsTakenWhateverItsSequenceNumber) {
  auto& tcp = established();
  peer_.send(peer_.segment(pt::flag::RST, kPeerData + 1'000'000, 0));
  wire_.poll();
  EXPECT_EQ(tcp.state(), TcpState::Reset);
}

TEST_F(HermeticTcp, AbortSendsAResetAtTheNextSequenceNumber) {
  auto& tcp = established();
  peer_data(0, "abc");
  EXPECT_EQ(acks_sent().size(), 1U);
  tcp.abort();
  const auto sent = peer_.take();
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0].flags, pt::flag::RST | kAck);
  EXPECT_EQ(sent[0].seq, tcp.snd_nxt());
  EXPECT_EQ(sent[0].ack, kPeerData + 3);
  EXPECT_EQ(sent[0].window, 0);
  EXPECT_EQ(tcp.state(), TcpState::Closed);
  peer_data(3, "ignored");  // a closed connection neither takes nor answers
  EXPECT_EQ(text_of(tcp.received()), "abc");
  EXPECT_TRUE(peer_.take().empty());
}

}  // namespace tcp_hermetic_test
}  // namespace convtest::harness
