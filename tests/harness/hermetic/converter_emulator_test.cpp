// The client role's emulated converter against the harness's own TCP client
// over an in-memory link pair: what its SYN-ACK acknowledges and carries,
// how the bytes after the handshake are cut into segments, and what it
// records of the client.

#include <gtest/gtest.h>

#include "harness/emulate/converter.hpp"
#include "harness/endpoint/mptcp_client.hpp"
#include "harness/endpoint/tcp_client.hpp"
#include "hermetic_support.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness {
namespace {

using namespace std::chrono_literals;
using namespace hermetic;
namespace pt = packetgen::tcp;

constexpr std::uint16_t kConverterPort = 5124;

TcpConfig client_config() {
  TcpConfig config;
  config.flow = {address("192.0.2.100"), 40000, address("192.0.2.1"), kConverterPort};
  config.retransmit = {200ms, 3};
  return config;
}

std::size_t data_segments_received(const TcpConnection& connection) {
  return count_events(connection, TcpEvent::Kind::Data);
}

TEST(ConverterEmulator, SynAckCarriesItsShareAndTheRestComesInTheCutSegments) {
  JoinedWires wires;
  emulate::ConverterScript script;
  script.to_client = text_bytes("REPLYserver-bytes");
  script.in_synack = 2;
  script.cuts = {5, 11};
  emulate::ConverterEmulator converter(wires.right, kConverterPort, {script});
  TcpClient client(wires.left, client_config());
  const auto deadline = wires.clock.now() + 10s;

  client->connect({}, text_bytes("convert-message"));
  ASSERT_TRUE(wires.run_until(deadline, [&] { return client->received().size() == script.to_client.size(); }));
  EXPECT_EQ(text_of(client->received()), "REPLYserver-bytes");
  EXPECT_EQ(client->syn_payload_acked(), true);
  // "RE" in the SYN-ACK, then "PLY", "server", "-bytes": three data segments.
  EXPECT_EQ(data_segments_received(client.tcp()), 4U);
  ASSERT_EQ(converter.syns().size(), 1U);
  EXPECT_EQ(text_of(converter.client_stream(0)), "convert-message");
}

TEST(ConverterEmulator, ASynAckForTheSynOnlyLeavesTheSynPayloadUnacknowledged) {
  JoinedWires wires;
  emulate::ConverterScript script;
  script.ack_syn_payload = false;
  emulate::ConverterEmulator converter(wires.right, kConverterPort, {script});
  TcpConfig config = client_config();
  config.resend_unacked_syn_data = false;
  TcpClient client(wires.left, config);

  client->connect({}, text_bytes("convert-message"));
  ASSERT_TRUE(wires.run_until(wires.clock.now() + 10s, [&] { return client->established(); }));
  EXPECT_EQ(client->syn_payload_acked(), false);
  EXPECT_TRUE(converter.client_stream(0).empty());
}

TEST(ConverterEmulator, ConnectionsFollowTheirScriptsAndTheLastOneRepeats) {
  JoinedWires wires;
  emulate::ConverterScript silent;
  silent.answer = false;
  emulate::ConverterScript talking;
  talking.to_client = text_bytes("hi");
  talking.in_synack = 2;
  emulate::ConverterEmulator converter(wires.right, kConverterPort, {talking, silent});
  TcpClient first(wires.left, client_config());
  TcpConfig second_config = client_config();
  second_config.flow.local_port = 40001;
  second_config.retransmit = {200ms, 1};
  TcpClient second(wires.left, second_config);
  const auto deadline = wires.clock.now() + 10s;

  first->connect({}, text_bytes("a"));
  ASSERT_TRUE(wires.run_until(deadline, [&] { return first->received().size() == 2; }));
  second->connect({}, text_bytes("b"));
  ASSERT_TRUE(wires.run_until(deadline, [&] { return second->gave_up(); }));
  EXPECT_EQ(converter.connection_count(), 1U);
  EXPECT_EQ(converter.syns().size(), 3U);  // the second client's SYN and its one retransmission
}

TEST(ConverterEmulator, TheServerClosesAfterTheClientAndAClientRstIsRecorded) {
  JoinedWires wires;
  emulate::ConverterEmulator converter(wires.right, kConverterPort, {emulate::ConverterScript{}});
  TcpClient client(wires.left, client_config());
  TcpConfig other_config = client_config();
  other_config.flow.local_port = 40002;
  TcpClient other(wires.left, other_config);
  const auto deadline = wires.clock.now() + 10s;

  client->connect({}, text_bytes("x"));
  other->connect({}, text_bytes("y"));
  ASSERT_TRUE(wires.run_until(deadline, [&] { return client->established() && other->established(); }));
  client->close();
  other->abort();
  ASSERT_TRUE(
      wires.run_until(deadline, [&] { return client->fin_received() && converter.connection(1).reset_received(); }));
  EXPECT_TRUE(converter.connection(0).fin_received());
  EXPECT_FALSE(converter.connection(0).reset_received());
}

}  // namespace
}  // namespace convtest::harness

namespace convtest::harness {
namespace {

// The emulated converter as an MPTCP peer of the harness's own MPTCP client:
// keys exchanged, the reply mapped from the converter's IDSN + 1, and the
// close at the data level both ways.
TEST(ConverterEmulatorMptcp, AnMpCapableSynGetsAnMptcpSessionClosedByDataFins) {
  JoinedWires wires;
  emulate::ConverterScript script;
  script.to_client = text_bytes("REPLYserver-bytes");
  script.mptcp_key = 0x0123456789abcdefULL;
  emulate::ConverterEmulator converter(wires.right, kConverterPort, {script});
  MptcpConfig config;
  config.tcp = client_config();
  MptcpClient client(wires.left, config);
  const auto deadline = wires.clock.now() + 10s;

  client.connect(text_bytes("convert-message"));
  ASSERT_TRUE(wires.run_until(deadline, [&] { return client.data_received().size() == script.to_client.size(); }));
  EXPECT_EQ(text_of(client.data_received()), "REPLYserver-bytes");
  EXPECT_TRUE(client.synack_had_mp_capable());
  EXPECT_FALSE(client.fallen_back()) << client.fallback_reason();
  ASSERT_TRUE(client.remote());
  EXPECT_EQ(client.remote()->key, 0x0123456789abcdefULL);
  const auto mapping = client.first_data_mapping();
  ASSERT_TRUE(mapping && mapping->dsn);
  EXPECT_EQ(*mapping->dsn, *client.expected_first_remote_dsn());
  const emulate::MptcpServerSide* side = converter.mptcp(0);
  ASSERT_NE(side, nullptr);
  EXPECT_EQ(side->client_key(), client.local().key);

  client.close();
  ASSERT_TRUE(wires.run_until(deadline, [&] { return client.data_fin_received(); }));
  EXPECT_TRUE(side->client_data_fin());
  EXPECT_EQ(client.peer_data_ack(), client.next_local_dsn() + 1) << "the client's DATA_FIN acknowledged";
}

TEST(ConverterEmulatorMptcp, APlainTcpSynStaysPlainTcp) {
  JoinedWires wires;
  emulate::ConverterScript script;
  script.to_client = text_bytes("REPLY");
  script.mptcp_key = 7;
  emulate::ConverterEmulator converter(wires.right, kConverterPort, {script});
  TcpClient client(wires.left, client_config());
  client->connect({}, text_bytes("convert-message"));
  ASSERT_TRUE(wires.run_until(wires.clock.now() + 10s, [&] { return client->received().size() == 5; }));
  EXPECT_EQ(converter.mptcp(0), nullptr);
  EXPECT_EQ(pt::parse_options(converter.syns().front().segment.segment.options).find(pt::kind::Mptcp), nullptr);
}

}  // namespace
}  // namespace convtest::harness
