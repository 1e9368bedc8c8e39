// The harness's user-space TCP client against the kernel of a lab namespace.

#include <gtest/gtest.h>

#include <algorithm>

#include "endpoint_fixture.hpp"
#include "harness/endpoint/tcp_client.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;
namespace pt = packetgen::tcp;

constexpr std::uint16_t kPort = 5124;

TcpConfig client_config(std::uint16_t local_port = 40000) {
  TcpConfig config;
  config.flow = {address("192.0.2.100"), local_port, address("192.0.2.1"), kPort};
  config.isn = 0xfffffff0;  // wraps during the test: sequence arithmetic must cope
  config.retransmit = {100ms, 3};
  return config;
}

// A client with an established connection to a kernel listener.
struct Connected {
  UniqueFd listener;
  UniqueFd server;
};

Connected connect_to_kernel(KernelLab& lab, Wire& wire, TcpClient& client) {
  Connected out;
  out.listener = kernel_listener(*lab.netns, "192.0.2.1", kPort);
  EXPECT_TRUE(out.listener.valid());
  client->connect(pt::mss(1400));
  EXPECT_TRUE(run_until(wire, 2000ms, [&] { return client->state() == TcpState::Established; }))
      << name(client->state());
  EXPECT_TRUE(run_until(wire, 1000ms, [&] {
    out.server = accept_now(out.listener.get());
    return out.server.valid();
  }));
  return out;
}

TEST(TcpClient, HandshakeDataBothWaysAndFinWithKernel) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  TcpClient client(wire, client_config());
  auto kernel = connect_to_kernel(lab, wire, client);
  ASSERT_TRUE(kernel.server.valid());
  EXPECT_EQ(client->peer_syn()->segment.ack, 0xfffffff1u);

  client->send(text_bytes("hello kernel"));
  packetgen::Bytes at_kernel;
  ASSERT_TRUE(run_until(wire, 1000ms, [&] {
    auto read = read_available(kernel.server.get());
    at_kernel.insert(at_kernel.end(), read.bytes.begin(), read.bytes.end());
    return at_kernel.size() >= 12;
  }));
  EXPECT_EQ(at_kernel, text_bytes("hello kernel"));
  EXPECT_TRUE(run_until(wire, 1000ms, [&] { return client->bytes_acked_by_peer() == 12; }));

  ASSERT_EQ(::send(kernel.server.get(), "hello harness", 13, 0), 13);
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return client->received().size() >= 13; }));
  EXPECT_EQ(client->received(), text_bytes("hello harness"));

  client->close();
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return read_available(kernel.server.get()).eof; }));
  EXPECT_TRUE(run_until(wire, 1000ms, [&] { return client->state() == TcpState::FinWait2; })) << name(client->state());
  kernel.server.reset();
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return client->fin_received(); }));
  EXPECT_EQ(client->state(), TcpState::TimeWait);
  EXPECT_FALSE(client->reset_received());
}

TEST(TcpClient, SeesKernelReset) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  TcpClient client(wire, client_config());
  auto kernel = connect_to_kernel(lab, wire, client);
  ASSERT_TRUE(kernel.server.valid());
  const linger abortive{1, 0};
  ::setsockopt(kernel.server.get(), SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
  kernel.server.reset();
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return client->reset_received(); }));
  EXPECT_EQ(client->state(), TcpState::Reset);
}

TEST(TcpClient, ResetReachesKernel) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  TcpClient client(wire, client_config());
  auto kernel = connect_to_kernel(lab, wire, client);
  ASSERT_TRUE(kernel.server.valid());
  client->abort();
  EXPECT_FALSE(client->is_open());
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return read_available(kernel.server.get()).error == ECONNRESET; }));
}

TEST(TcpClient, KernelReassemblesSegmentsInjectedOutOfOrder) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  TcpClient client(wire, client_config());
  auto kernel = connect_to_kernel(lab, wire, client);
  ASSERT_TRUE(kernel.server.valid());

  auto second = client->segment_template();
  second.seq = client->snd_nxt() + 5;
  second.payload = text_bytes("WORLD");
  auto first = client->segment_template();
  first.payload = text_bytes("HELLO");
  ASSERT_TRUE(client->send_raw(second).ok());
  // The kernel keeps the early segment and answers with a duplicate ACK.
  ASSERT_TRUE(run_until(wire, 500ms, [&] {
    return std::any_of(wire.events().begin(), wire.events().end(), [&](const WireEvent& e) {
      return e.direction == Direction::FromPut && e.tcp && e.tcp->segment.ack == client->snd_nxt();
    });
  }));
  EXPECT_TRUE(read_available(kernel.server.get()).bytes.empty());
  ASSERT_TRUE(client->send_raw(first).ok());
  packetgen::Bytes at_kernel;
  ASSERT_TRUE(run_until(wire, 1000ms, [&] {
    auto read = read_available(kernel.server.get());
    at_kernel.insert(at_kernel.end(), read.bytes.begin(), read.bytes.end());
    return at_kernel.size() >= 10;
  }));
  EXPECT_EQ(at_kernel, text_bytes("HELLOWORLD"));
}

TEST(TcpClient, ReassemblesOutOfOrderSegmentsFromThePeer) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  TcpClient client(wire, client_config());
  auto kernel = connect_to_kernel(lab, wire, client);
  ASSERT_TRUE(kernel.server.valid());
  // Hand the connection segments as if the network had reordered them.
  const auto base = client->rcv_nxt();
  auto segment_at = [&](std::uint32_t offset, std::string_view text, std::uint8_t extra_flags = 0) {
    pt::Parsed parsed;
    parsed.addresses = {address("192.0.2.1"), address("192.0.2.100")};
    parsed.segment.source_port = kPort;
    parsed.segment.destination_port = 40000;
    parsed.segment.seq = base + offset;
    parsed.segment.ack = client->snd_nxt();
    parsed.segment.flags = static_cast<std::uint8_t>(pt::flag::ACK | extra_flags);
    parsed.segment.payload = text_bytes(text);
    parsed.checksum_ok = true;
    return InboundSegment{parsed, Clock::now(), 0};
  };
  client->handle(segment_at(6, "CCC", pt::flag::FIN));
  client->handle(segment_at(3, "BBB"));
  EXPECT_TRUE(client->received().empty());
  EXPECT_FALSE(client->fin_received());
  client->handle(segment_at(0, "AAAB"));  // overlaps the next one
  EXPECT_EQ(client->received(), text_bytes("AAABBBCCC"));
  EXPECT_TRUE(client->fin_received());
  client->handle(segment_at(0, "AAA"));
  const auto& events = client->events();
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const TcpEvent& e) { return e.kind == TcpEvent::Kind::OutOfOrder; }),
            2);
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const TcpEvent& e) { return e.kind == TcpEvent::Kind::Duplicate; }),
            1);
}

TEST(TcpClient, SynPayloadAcceptedByTfoListener) {
  CONVTEST_KERNEL_LAB(lab, {{"net.ipv4.tcp_fastopen", "0x203"}});
  Wire wire(*lab.link);
  auto config = client_config();
  config.third_ack = ThirdAck::never();
  TcpClient client(wire, config);
  auto listener = kernel_listener(*lab.netns, "192.0.2.1", kPort, 0, [](int fd) {
    const int queue = 16;
    ::setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &queue, sizeof queue);
  });
  ASSERT_TRUE(listener.valid());
  const auto payload = text_bytes("convert message + early data");
  client->connect(pt::mss(1400), payload);
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return client->peer_syn().has_value(); }));
  ASSERT_TRUE(client->syn_payload_acked().has_value());
  EXPECT_TRUE(*client->syn_payload_acked());
  EXPECT_EQ(client->peer_syn()->segment.ack, static_cast<std::uint32_t>(client->isn() + 1 + payload.size()));
  // 0-RTT: the kernel hands the data over before any third ACK.
  UniqueFd server;
  ASSERT_TRUE(run_until(wire, 500ms, [&] { return (server = accept_now(listener.get())).valid(); }));
  EXPECT_EQ(read_available(server.get()).bytes, payload);
  EXPECT_EQ(std::count_if(wire.events().begin(), wire.events().end(),
                          [](const WireEvent& e) { return e.direction == Direction::ToPut; }),
            1);
}

TEST(TcpClient, DelaysTheThirdAck) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto config = client_config();
  config.third_ack = ThirdAck::delayed(120ms);
  TcpClient client(wire, config);
  auto listener = kernel_listener(*lab.netns, "192.0.2.1", kPort);
  client->connect(pt::mss(1400));
  client->send(text_bytes("held back"));
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return client->bytes_acked_by_peer() == 9; }));
  std::optional<Clock::time_point> synack_at, ack_at;
  for (const auto& e : wire.events()) {
    if (!e.tcp) continue;
    if (e.direction == Direction::FromPut && (e.tcp->segment.flags & pt::flag::SYN)) synack_at = e.time;
    if (e.direction == Direction::ToPut && e.tcp->segment.flags == pt::flag::ACK && !ack_at) ack_at = e.time;
  }
  ASSERT_TRUE(synack_at && ack_at);
  EXPECT_GE(*ack_at - *synack_at, 120ms);
}

TEST(TcpClient, RetransmitsABoundedNumberOfTimes) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto config = client_config();
  config.flow.remote_address = address("203.0.113.5");  // routed to tun0: nobody answers
  config.retransmit = {40ms, 2};
  TcpClient client(wire, config);
  client->connect(pt::mss(1400), text_bytes("x"));
  ASSERT_TRUE(run_until(wire, 2000ms, [&] { return client->gave_up(); }));
  wire.run_for(100ms);
  const auto syns = std::count_if(wire.events().begin(), wire.events().end(), [](const WireEvent& e) {
    return e.direction == Direction::ToPut && e.tcp && (e.tcp->segment.flags & pt::flag::SYN);
  });
  EXPECT_EQ(syns, 3);
}

}  // namespace
}  // namespace convtest::harness
