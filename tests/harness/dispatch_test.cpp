// The Wire: routing by flow, the backlog, noise, middleboxes on the path,
// the event log and teardown.

#include <gtest/gtest.h>

#include <algorithm>

#include "endpoint_fixture.hpp"
#include "harness/emulate/legacy_server.hpp"
#include "harness/endpoint/tcp_client.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;
namespace pt = packetgen::tcp;

TcpConfig client_config(const char* remote = "192.0.2.1", std::uint16_t port = 5124) {
  TcpConfig config;
  config.flow = {address("192.0.2.100"), 40000, address(remote), port};
  config.isn = 1000;
  config.retransmit = {100ms, 2};
  return config;
}

TEST(Wire, BacklogHandsAnEarlySynToALateServer) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto client = kernel_connect(*lab.netns, "198.51.100.10", 80);
  ASSERT_TRUE(run_until(wire, 500ms, [&] { return wire.backlog_size() == 1; }));
  const auto& syn_event = wire.events().back();
  EXPECT_EQ(syn_event.direction, Direction::FromPut);
  EXPECT_EQ(syn_event.side, PathSide::ServerSide);

  emulate::LegacyServer server(wire, emulate::ServerScript{});
  EXPECT_EQ(wire.backlog_size(), 0u);
  EXPECT_EQ(server.syn_count(), 1u);
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return connect_finished(client.get()); }));
  EXPECT_EQ(socket_error(client.get()), 0);
}

TEST(Wire, NoiseIsLoggedButNeverBacklogged) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  UniqueFd udp = kernel_socket(*lab.netns, AF_INET, SOCK_DGRAM);
  socklen_t length = 0;
  const auto to = socket_address("198.51.100.10", 9, length);
  ASSERT_EQ(::sendto(udp.get(), "x", 1, 0, reinterpret_cast<const sockaddr*>(&to), length), 1);
  ASSERT_TRUE(run_until(wire, 500ms, [&] {
    return std::any_of(wire.events().begin(), wire.events().end(), [](const WireEvent& e) { return e.noise; });
  }));
  EXPECT_EQ(wire.backlog_size(), 0u);
}

TEST(Wire, LogsEveryPacketWithASummary) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto listener = kernel_listener(*lab.netns, "192.0.2.1", 5124);
  TcpClient client(wire, client_config());
  client->connect(pt::mss(1400));
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return client->established(); }));
  ASSERT_GE(wire.events().size(), 3u);
  const auto& syn = wire.events()[0];
  EXPECT_EQ(syn.index, 0u);
  EXPECT_EQ(syn.direction, Direction::ToPut);
  EXPECT_EQ(syn.side, PathSide::ClientSide);
  EXPECT_EQ(syn.summary,
            "192.0.2.100.40000 > 192.0.2.1.5124: Flags [S], seq 1000, win 65535, options [mss 1400], length 0");
  // Kernel chatter (IPv6 router solicitations) may come in between: noise.
  const auto found = std::find_if(wire.events().begin(), wire.events().end(),
                                  [](const WireEvent& e) { return e.direction == Direction::FromPut && !e.noise; });
  ASSERT_NE(found, wire.events().end());
  const auto& synack = *found;
  EXPECT_EQ(synack.summary.rfind("192.0.2.1.5124 > 192.0.2.100.40000: Flags [SA], seq ", 0), 0u) << synack.summary;
  EXPECT_NE(synack.summary.find("ack 1001"), std::string::npos);
  EXPECT_TRUE(synack.tcp.has_value());
  EXPECT_EQ(wire.event(synack.index), &synack);
  for (const auto& e : wire.events()) {
    if (e.noise) {
      EXPECT_FALSE(e.tcp.has_value()) << e.summary;
    }
  }
}

TEST(Wire, TeardownResetsClientFlowsAndBackloggedPutFlows) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto listener = kernel_listener(*lab.netns, "192.0.2.1", 5124);
  TcpClient client(wire, client_config());
  client->connect(pt::mss(1400));
  UniqueFd server;
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return (server = accept_now(listener.get())).valid(); }));
  auto downstream = kernel_connect(*lab.netns, "198.51.100.10", 80);
  ASSERT_TRUE(run_until(wire, 500ms, [&] { return wire.backlog_size() == 1; }));

  lab.link->close();  // the Wire's close hook resets every flow first
  EXPECT_FALSE(client->is_open());
  pollfd fds[2] = {{server.get(), POLLIN, 0}, {downstream.get(), POLLOUT, 0}};
  for (int i = 0; i < 100 && (fds[0].revents == 0 || fds[1].revents == 0); ++i) ::poll(fds, 2, 10);
  EXPECT_EQ(read_available(server.get()).error, ECONNRESET);
  EXPECT_EQ(socket_error(downstream.get()), ECONNREFUSED);
}

TEST(Wire, MiddleboxOnThePathIsAppliedAndReported) {
  CONVTEST_KERNEL_LAB(lab, {{"net.ipv4.tcp_fastopen", "0x203"}});
  Wire wire(*lab.link);
  wire.add_middlebox({PathSide::ClientSide, Direction::ToPut, emulate::StripSynPayload{}});
  auto listener = kernel_listener(*lab.netns, "192.0.2.1", 5124, 0, [](int fd) {
    const int queue = 16;
    ::setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &queue, sizeof queue);
  });
  TcpClient client(wire, client_config());
  client->connect(pt::mss(1400), text_bytes("convert"));
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return client->established(); }));
  EXPECT_EQ(client->syn_payload_acked(), std::optional<bool>(false));
  ASSERT_TRUE(wire.path_altered());
  EXPECT_NE(wire.alterations()[0].find("cut SYN payload from 7 to 0 bytes"), std::string::npos)
      << wire.alterations()[0];
  const auto& syn = wire.events()[0];
  EXPECT_EQ(syn.alteration, "cut SYN payload from 7 to 0 bytes");
  EXPECT_TRUE(syn.tcp->segment.payload.empty());  // what the PUT got
  // RFC 7413: the client sends the unacknowledged bytes again after the handshake.
  UniqueFd server;
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return (server = accept_now(listener.get())).valid(); }));
  packetgen::Bytes got;
  ASSERT_TRUE(run_until(wire, 1000ms, [&] {
    auto read = read_available(server.get());
    got.insert(got.end(), read.bytes.begin(), read.bytes.end());
    return got.size() >= 7;
  }));
  EXPECT_EQ(got, text_bytes("convert"));
}

TEST(Wire, RoutesIcmpErrorsToTheFlowTheyQuote) {
  CONVTEST_KERNEL_LAB(lab, {{"net.ipv4.ip_forward", "1"}});
  Wire wire(*lab.link);
  TcpClient client(wire, client_config("203.0.113.5", 80));
  // A SYN with TTL 1 that the namespace would have to forward: it answers
  // with ICMP time exceeded quoting it.
  pt::Segment syn;
  syn.source_port = 40000;
  syn.destination_port = 80;
  syn.seq = 1000;
  syn.flags = pt::flag::SYN;
  packetgen::ip::Ipv4Fields v4;
  v4.ttl = 1;
  ASSERT_TRUE(
      wire.send(pt::packet(syn, {address("192.0.2.100"), address("203.0.113.5")}, v4), PathSide::ClientSide).ok());
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return client->icmp_code().has_value(); }));
  EXPECT_EQ(*client->icmp_code(), 0);
  EXPECT_EQ(wire.backlog_size(), 0u);
  const auto& events = client->events();
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const TcpEvent& e) {
    return e.kind == TcpEvent::Kind::Icmp && e.detail == "ICMP type 11 code 0";
  }));
}

}  // namespace
}  // namespace convtest::harness
