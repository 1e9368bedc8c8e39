// Expectations: waits with deadlines, absence, the time scale, and the
// expected/observed rendering.

#include "harness/expect/expect.hpp"

#include <gtest/gtest.h>

#include "endpoint_fixture.hpp"
#include "harness/endpoint/tcp_client.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness::expect {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;
namespace pt = packetgen::tcp;

TcpConfig client_config() {
  TcpConfig config;
  config.flow = {address("192.0.2.100"), 40000, address("192.0.2.1"), 5124};
  config.isn = 1000;
  return config;
}

PacketFilter downstream_syn() { return PacketFilter().from_put().side(PathSide::ServerSide).bare_syn(); }

TEST(Expect, WaitForPacketMeetsOnTheSynAck) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto listener = kernel_listener(*lab.netns, "192.0.2.1", 5124);
  TcpClient client(wire, client_config());
  const auto mark = wire.next_event_index();
  client->connect(pt::mss(1400));
  const auto outcome = wait_for_packet(
      wire, Timing{}, PacketFilter().from_put().side(PathSide::ClientSide).syn_ack().with_option(pt::kind::MSS), 500ms,
      mark);
  ASSERT_TRUE(outcome.met) << outcome.render();
  ASSERT_TRUE(outcome.event.has_value());
  EXPECT_EQ(outcome.event->tcp->segment.ack, 1001u);
  EXPECT_EQ(outcome.expected,
            "a packet from the PUT on the client side flags [SA] without [R] with option 2 within 500 ms");
  EXPECT_NE(outcome.observed.find("C< 192.0.2.1.5124 > 192.0.2.100.40000: Flags [SA]"), std::string::npos)
      << outcome.observed;
}

TEST(Expect, MissRendersExpectedAndObservedWithTheLastPackets) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto listener = kernel_listener(*lab.netns, "192.0.2.1", 5124);
  TcpClient client(wire, client_config());
  client->connect(pt::mss(1400));
  const auto outcome = wait_for_packet(wire, Timing{}, downstream_syn(), 80ms, 0);
  EXPECT_FALSE(outcome.met);
  const auto text = outcome.render();
  EXPECT_EQ(text.rfind("expected: a packet from the PUT on the server side flags [S] without [RA] within 80 ms\n"
                       "observed: no such packet after ",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("C> 192.0.2.100.40000 > 192.0.2.1.5124: Flags [S], seq 1000"), std::string::npos) << text;
  EXPECT_NE(text.find("C< 192.0.2.1.5124 > 192.0.2.100.40000: Flags [SA]"), std::string::npos) << text;
  EXPECT_GE(outcome.waited, 80ms);
}

TEST(Expect, AbsenceHoldsForTheScaledWindow) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  const Timing doubled{2.0, std::nullopt};
  const auto outcome = expect_no_packet(wire, doubled, downstream_syn(), 60ms);
  EXPECT_TRUE(outcome.met) << outcome.render();
  EXPECT_GE(outcome.waited, 120ms);
  EXPECT_EQ(outcome.expected,
            "no packet from the PUT on the server side flags [S] without [RA] for 120 ms (time scale x2)");
}

TEST(Expect, AbsenceViolatedByADownstreamSyn) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  const auto mark = wire.next_event_index();
  auto downstream = kernel_connect(*lab.netns, "198.51.100.10", 80);
  const auto outcome = expect_no_packet(wire, Timing{}, downstream_syn().to(address("198.51.100.10"), 80), 300ms, mark);
  ASSERT_FALSE(outcome.met);
  ASSERT_TRUE(outcome.event.has_value());
  EXPECT_NE(outcome.observed.find("S< 192.0.2.1."), std::string::npos) << outcome.observed;
  EXPECT_NE(outcome.observed.find("> 198.51.100.10.80: Flags [S]"), std::string::npos) << outcome.observed;
  EXPECT_LT(outcome.waited, 300ms);  // it stops at the first offending packet
}

TEST(Expect, CaseDeadlineCapsEveryWait) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  const Timing timing{10.0, Clock::now() + 50ms};
  const auto outcome = wait_for_packet(wire, timing, downstream_syn(), 5s);
  EXPECT_FALSE(outcome.met);
  EXPECT_LT(outcome.waited, 2s);
  EXPECT_EQ(timing.scaled(5s), 50s);
}

TEST(Expect, WaitForStreamBytes) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto listener = kernel_listener(*lab.netns, "192.0.2.1", 5124);
  TcpClient client(wire, client_config());
  client->connect(pt::mss(1400));
  UniqueFd server;
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return (server = accept_now(listener.get())).valid(); }));
  ASSERT_EQ(::send(server.get(), "abc", 3, 0), 3);
  const auto stream = [&]() -> const packetgen::Bytes& { return client->received(); };
  const auto got = wait_for_bytes(wire, Timing{}, "the client stream", stream, 3, 1s);
  EXPECT_TRUE(got.met) << got.render();
  const auto missing = wait_for_bytes(wire, Timing{}, "the client stream", stream, 10, 50ms);
  EXPECT_FALSE(missing.met);
  EXPECT_EQ(missing.render().rfind("expected: 10 bytes of the client stream within 50 ms\n"
                                   "observed: 3 bytes of the client stream: 61 62 63, after ",
                                   0),
            0u)
      << missing.render();
}

}  // namespace
}  // namespace convtest::harness::expect
