// The harness's MPTCP client against a kernel IPPROTO_MPTCP listener.

#include <gtest/gtest.h>
#include <linux/mptcp.h>

#include <cstring>

#include "endpoint_fixture.hpp"
#include "harness/endpoint/mptcp_client.hpp"
#include "packetgen/mptcp_crypto.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;
namespace pt = packetgen::tcp;

constexpr std::uint16_t kPort = 5124;
const std::vector<std::pair<std::string, std::string>> kMptcpLab = {{"net.mptcp.enabled", "1"},
                                                                    {"net.ipv4.tcp_fastopen", "0x203"}};

MptcpConfig client_config() {
  MptcpConfig config;
  config.tcp.flow = {address("192.0.2.100"), 41000, address("192.0.2.1"), kPort};
  config.tcp.isn = 5000;
  config.tcp.retransmit = {200ms, 3};
  return config;
}

UniqueFd mptcp_listener(KernelLab& lab, int protocol = IPPROTO_MPTCP) {
  return kernel_listener(*lab.netns, "192.0.2.1", kPort, protocol, [](int fd) {
    const int queue = 16;
    ::setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &queue, sizeof queue);
  });
}

packetgen::Bytes read_until(Wire& wire, int fd, std::size_t count, std::chrono::milliseconds within = 1000ms) {
  packetgen::Bytes got;
  run_until(wire, within, [&] {
    auto read = read_available(fd);
    got.insert(got.end(), read.bytes.begin(), read.bytes.end());
    return got.size() >= count;
  });
  return got;
}

TEST(MptcpClient, KeysGiveTokenAndIdsnFromSha256) {
  const auto keys = MptcpKeys::from(0x0102030405060708ULL);
  const std::uint8_t key_bytes[] = {1, 2, 3, 4, 5, 6, 7, 8};
  const auto digest = pt::mptcp::sha256(key_bytes);
  EXPECT_EQ(keys.token, packetgen::get_u32(digest, 0));
  EXPECT_EQ(keys.idsn, packetgen::get_u64(digest, 24));
}

TEST(MptcpClient, HandshakeAndDataBothWaysWithKernelListener) {
  CONVTEST_KERNEL_LAB(lab, kMptcpLab);
  Wire wire(*lab.link);
  auto listener = mptcp_listener(lab);
  ASSERT_TRUE(listener.valid()) << "IPPROTO_MPTCP listener: " << std::strerror(errno);
  MptcpClient client(wire, client_config());
  const auto syn_payload = text_bytes("CONVERT-SYN-PAYLOAD");
  client.connect(syn_payload, pt::mss(1400));
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return client.subflow().state() == TcpState::Established; }));
  EXPECT_TRUE(client.synack_had_mp_capable());
  EXPECT_FALSE(client.fallen_back()) << client.fallback_reason();
  ASSERT_TRUE(client.remote().has_value());
  EXPECT_EQ(client.subflow().syn_payload_acked(), std::optional<bool>(true));

  UniqueFd server;
  ASSERT_TRUE(run_until(wire, 500ms, [&] { return (server = accept_now(listener.get())).valid(); }));
  int protocol = 0;
  socklen_t length = sizeof protocol;
  ASSERT_EQ(::getsockopt(server.get(), SOL_SOCKET, SO_PROTOCOL, &protocol, &length), 0);
  EXPECT_EQ(protocol, IPPROTO_MPTCP);

  // The SYN payload reaches the application once, then the mapped data.
  client.send(text_bytes("hello over mptcp"));
  auto expected = syn_payload;
  packetgen::put_bytes(expected, text_bytes("hello over mptcp"));
  EXPECT_EQ(read_until(wire, server.get(), expected.size()), expected);
  ASSERT_TRUE(run_until(wire, 500ms, [&] { return client.peer_data_ack() == client.next_local_dsn(); }));

  // The kernel's reply comes with a DSS mapping at the remote IDSN + 1 and,
  // DATA_ACKed, is never re-injected.
  ASSERT_EQ(::send(server.get(), "reply", 5, 0), 5);
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return client.data_received().size() >= 5; }));
  EXPECT_EQ(client.data_received(), text_bytes("reply"));
  auto mapping = client.first_data_mapping();
  ASSERT_TRUE(mapping.has_value());
  EXPECT_EQ(mapping->dsn, client.expected_first_remote_dsn());
  EXPECT_EQ(mapping->data_level_length, 5u);
  EXPECT_EQ(client.last_data_ack_sent(), client.remote()->idsn + 1 + 5);
  wire.run_for(600ms);
  EXPECT_EQ(client.data_received(), text_bytes("reply"));
  EXPECT_TRUE(read_available(server.get()).bytes.empty());
  mptcp_info info{};
  length = sizeof info;
  ASSERT_EQ(::getsockopt(server.get(), SOL_MPTCP, MPTCP_INFO, &info, &length), 0);
  EXPECT_EQ(info.mptcpi_token, client.remote()->token);
  EXPECT_EQ(info.mptcpi_snd_una, info.mptcpi_write_seq);  // everything DATA_ACKed
}

TEST(MptcpClient, DataFinBothWays) {
  CONVTEST_KERNEL_LAB(lab, kMptcpLab);
  Wire wire(*lab.link);
  auto listener = mptcp_listener(lab);
  ASSERT_TRUE(listener.valid());
  MptcpClient client(wire, client_config());
  client.connect(text_bytes("syn"), pt::mss(1400));
  UniqueFd server;
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return (server = accept_now(listener.get())).valid(); }));
  client.send(text_bytes("last words"));
  client.close();
  packetgen::Bytes got;
  ASSERT_TRUE(run_until(wire, 1000ms, [&] {
    auto read = read_available(server.get());
    got.insert(got.end(), read.bytes.begin(), read.bytes.end());
    return read.eof;
  }));
  EXPECT_EQ(got, text_bytes("synlast words"));
  server.reset();
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return client.data_fin_received(); }));
  EXPECT_TRUE(run_until(wire, 500ms, [&] { return client.subflow().fin_received(); }));
  EXPECT_FALSE(client.fastclose_received());  // an orderly end closes nothing at once
}

TEST(MptcpClient, AbortiveCloseIsFastclose) {
  CONVTEST_KERNEL_LAB(lab, kMptcpLab);
  Wire wire(*lab.link);
  auto listener = mptcp_listener(lab);
  ASSERT_TRUE(listener.valid());
  MptcpClient client(wire, client_config());
  client.connect(text_bytes("syn"), pt::mss(1400));
  UniqueFd server;
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return (server = accept_now(listener.get())).valid(); }));
  ASSERT_TRUE(run_until(wire, 500ms, [&] { return client.remote().has_value(); }));
  EXPECT_FALSE(client.fastclose_received());
  const linger abortive{1, 0};
  ::setsockopt(server.get(), SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
  server.reset();
  EXPECT_TRUE(run_until(wire, 1000ms, [&] { return client.fastclose_received(); }));
}

TEST(MptcpClient, DetectsFallbackToPlainTcp) {
  CONVTEST_KERNEL_LAB(lab, kMptcpLab);
  Wire wire(*lab.link);
  auto listener = mptcp_listener(lab, IPPROTO_TCP);
  ASSERT_TRUE(listener.valid());
  MptcpClient client(wire, client_config());
  client.connect(text_bytes("syn"), pt::mss(1400));
  UniqueFd server;
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return client.subflow().state() == TcpState::Established; }));
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return (server = accept_now(listener.get())).valid(); }));
  EXPECT_FALSE(client.synack_had_mp_capable());
  EXPECT_TRUE(client.fallen_back());
  EXPECT_EQ(client.fallback_reason(), "the SYN-ACK carried no MP_CAPABLE");
  client.send(text_bytes("plain"));
  EXPECT_EQ(read_until(wire, server.get(), 8), text_bytes("synplain"));
  // Plain TCP from here on: no MPTCP option on anything the client sends.
  for (const auto& event : wire.events()) {
    if (event.direction != Direction::ToPut || !event.tcp || (event.tcp->segment.flags & pt::flag::SYN)) continue;
    EXPECT_EQ(pt::parse_options(event.tcp->segment.options).find(pt::kind::Mptcp), nullptr) << event.summary;
  }
}

}  // namespace
}  // namespace convtest::harness
