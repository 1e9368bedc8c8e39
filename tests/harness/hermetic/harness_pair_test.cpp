// The harness's own endpoints on both ends of a MemoryLink pair: the TCP
// client on one Wire, the legacy-server emulation on the other, one manual
// clock. Loss and reordering come from the link's in-flight hook.

#include <gtest/gtest.h>

#include "harness/emulate/legacy_server.hpp"
#include "harness/endpoint/tcp_client.hpp"
#include "hermetic_support.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness {
namespace harness_pair_test {  // named: in a unity build, its helpers meet those of other tests

using namespace std::chrono_literals;
using namespace hermetic;
namespace pt = packetgen::tcp;

constexpr auto kTimeout = 200ms;

TcpConfig client_config(std::uint16_t mss = 1400) {
  TcpConfig config;
  config.flow = {address("192.0.2.100"), 40000, address("198.51.100.7"), 80};
  config.mss = mss;
  config.retransmit = {kTimeout, 3};
  return config;
}

emulate::ServerScript server_script() {
  emulate::ServerScript script;
  script.connection.retransmit = {kTimeout, 3};
  return script;
}

TEST(HarnessPair, ClientAndLegacyServerExchangeDataAndClose) {
  JoinedWires wires;
  auto script = server_script();
  script.echo = true;
  script.fin_after_bytes = 4;
  emulate::LegacyServer server(wires.right, script);
  TcpClient client(wires.left, client_config());
  const auto deadline = wires.clock.now() + 10s;

  client->connect(pt::mss(1400));
  client->send(text_bytes("ping"));
  ASSERT_TRUE(wires.run_until(deadline, [&] { return client->fin_received(); }));
  EXPECT_EQ(text_of(client->received()), "ping");
  EXPECT_EQ(text_of(server.received()), "ping");
  EXPECT_EQ(client->state(), TcpState::CloseWait);

  client->close();
  auto& accepted = server.connection(0);
  ASSERT_TRUE(wires.run_until(
      deadline, [&] { return accepted.state() == TcpState::TimeWait && client->state() == TcpState::Closed; }));
  EXPECT_EQ(server.syn_count(), 1U);
  // Nothing was lost, so nothing was sent twice and no time had to pass.
  EXPECT_EQ(count_events(client.tcp(), TcpEvent::Kind::Retransmit), 0U);
  EXPECT_EQ(count_events(accepted, TcpEvent::Kind::Retransmit), 0U);
  EXPECT_EQ(wires.clock.now(), deadline - 10s);
}

TEST(HarnessPair, LostSegmentIsRecoveredByRetransmission) {
  JoinedWires wires;
  wires.links.left->set_in_flight_hook(lose_first(carries_payload));
  emulate::LegacyServer server(wires.right, server_script());
  TcpClient client(wires.left, client_config());
  const auto start = wires.clock.now();

  client->connect(pt::mss(1400));
  client->send(text_bytes("hello"));
  ASSERT_TRUE(wires.run_until(start + 10s, [&] { return client->bytes_acked_by_peer() == 5; }));
  EXPECT_EQ(text_of(server.received()), "hello");
  EXPECT_EQ(count_events(client.tcp(), TcpEvent::Kind::Retransmit), 1U);
  EXPECT_EQ(count_events(server.connection(0), TcpEvent::Kind::Duplicate), 0U);
  EXPECT_EQ(wires.clock.now(), start + kTimeout);  // recovered by the timer, not before
}

TEST(HarnessPair, ReorderedSegmentsAreReassembled) {
  JoinedWires wires;
  wires.links.left->set_in_flight_hook(swap_first_two(carries_payload));
  emulate::LegacyServer server(wires.right, server_script());
  TcpClient client(wires.left, client_config(4));
  const auto start = wires.clock.now();

  client->connect(pt::mss(1400));
  client->send(text_bytes("AAAABBBB"));
  ASSERT_TRUE(wires.run_until(start + 10s, [&] { return client->bytes_acked_by_peer() == 8; }));
  EXPECT_EQ(text_of(server.received()), "AAAABBBB");
  EXPECT_EQ(count_events(server.connection(0), TcpEvent::Kind::OutOfOrder), 1U);
  EXPECT_EQ(count_events(client.tcp(), TcpEvent::Kind::Retransmit), 0U);
  EXPECT_EQ(wires.clock.now(), start);
}

}  // namespace harness_pair_test
}  // namespace convtest::harness
