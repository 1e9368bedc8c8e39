// The legacy-server emulator answering a kernel connect() made inside the
// lab namespace toward the routed server prefix.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <variant>

#include "endpoint_fixture.hpp"
#include "harness/emulate/legacy_server.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness::emulate {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;
namespace pt = packetgen::tcp;

ServerScript script(SynAnswer answer) {
  ServerScript s;
  s.answer = answer;
  return s;
}

TEST(LegacyServer, SynAckWithChosenOptionsCompletesKernelConnect) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto s = script(SynAnswer::SynAck);
  s.synack_options = synack_options::linux_full(77, 0, 1300, 7);
  s.speak_first = text_bytes("220 legacy ready\r\n");
  LegacyServer server(wire, s, ServerMatch{address("198.51.100.10"), 80});
  auto client = kernel_connect(*lab.netns, "198.51.100.10", 80);
  ASSERT_TRUE(client.valid());
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return connect_finished(client.get()); }));
  ASSERT_EQ(socket_error(client.get()), 0);

  ASSERT_EQ(server.syn_count(), 1u);
  const auto syn_options = pt::parse_options(server.syns()[0].segment.segment.options);
  EXPECT_NE(syn_options.find(pt::kind::MSS), nullptr);
  EXPECT_NE(syn_options.find(pt::kind::Timestamps), nullptr);
  // The kernel took our SYN-ACK options: MSS 1300, timestamps, window scaling, SACK.
  tcp_info info{};
  socklen_t length = sizeof info;
  ASSERT_EQ(::getsockopt(client.get(), IPPROTO_TCP, TCP_INFO, &info, &length), 0);
  EXPECT_EQ(info.tcpi_snd_mss, 1300u - 12u);  // minus the timestamp option
  EXPECT_TRUE(info.tcpi_options & TCPI_OPT_TIMESTAMPS);
  EXPECT_TRUE(info.tcpi_options & TCPI_OPT_SACK);
  EXPECT_TRUE(info.tcpi_options & TCPI_OPT_WSCALE);

  packetgen::Bytes at_kernel;
  ASSERT_TRUE(run_until(wire, 1000ms, [&] {
    auto read = read_available(client.get());
    at_kernel.insert(at_kernel.end(), read.bytes.begin(), read.bytes.end());
    return at_kernel.size() >= 18;
  }));
  EXPECT_EQ(at_kernel, s.speak_first);
  ASSERT_EQ(::send(client.get(), "ping", 4, 0), 4);
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return server.received().size() >= 4; }));
  EXPECT_EQ(server.received(), text_bytes("ping"));
  ASSERT_EQ(server.connection_count(), 1u);
  EXPECT_EQ(server.connection(0).state(), TcpState::Established);
}

TEST(LegacyServer, ResetMakesConnectFailWithConnectionRefused) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  LegacyServer server(wire, script(SynAnswer::Reset));
  auto client = kernel_connect(*lab.netns, "198.51.100.10", 80);
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return connect_finished(client.get()); }));
  EXPECT_EQ(socket_error(client.get()), ECONNREFUSED);
  EXPECT_EQ(server.syn_count(), 1u);
  EXPECT_EQ(server.connection_count(), 0u);
}

struct IcmpCase {
  std::string destination;
  std::uint8_t code;
  int expected_errno;
};

class LegacyServerIcmp : public ::testing::TestWithParam<IcmpCase> {};

TEST_P(LegacyServerIcmp, UnreachableMakesConnectFail) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto s = script(SynAnswer::IcmpUnreachable);
  s.icmp_code = GetParam().code;
  LegacyServer server(wire, s);
  auto client = kernel_connect(*lab.netns, GetParam().destination, 80);
  ASSERT_TRUE(client.valid());
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return connect_finished(client.get()); }));
  EXPECT_EQ(socket_error(client.get()), GetParam().expected_errno);
  const auto icmp_sent = std::count_if(wire.events().begin(), wire.events().end(), [](const WireEvent& e) {
    return e.direction == Direction::ToPut && e.icmp.has_value();
  });
  EXPECT_EQ(icmp_sent, 1);
}

INSTANTIATE_TEST_SUITE_P(Codes, LegacyServerIcmp,
                         ::testing::Values(IcmpCase{"198.51.100.10", 3, ECONNREFUSED},   // port unreachable
                                           IcmpCase{"198.51.100.10", 1, EHOSTUNREACH},   // host unreachable
                                           IcmpCase{"2001:db8:2::10", 4, ECONNREFUSED},  // ICMPv6 port unreachable
                                           IcmpCase{"2001:db8:2::10", 1, EACCES}));      // ICMPv6 admin prohibited

TEST(LegacyServer, SilenceLeavesTheKernelRetransmitting) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  LegacyServer server(wire, script(SynAnswer::Silence));
  auto client = kernel_connect(*lab.netns, "198.51.100.10", 80);
  // Linux retransmits the SYN after 1 s.
  ASSERT_TRUE(run_until(wire, 1500ms, [&] { return server.syn_count() >= 2; }));
  EXPECT_FALSE(connect_finished(client.get()));
  EXPECT_EQ(server.syns()[0].segment.segment.seq, server.syns()[1].segment.segment.seq);
  // Teardown resets the half-open connect so the namespace can go at once.
  wire.teardown();
  ASSERT_TRUE(run_until(wire, 500ms, [&] { return connect_finished(client.get()); }));
  EXPECT_EQ(socket_error(client.get()), ECONNREFUSED);
}

TEST(LegacyServer, DelayedSynAck) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto s = script(SynAnswer::SynAck);
  s.synack_delay = 150ms;
  LegacyServer server(wire, s);
  const auto start = Clock::now();
  auto client = kernel_connect(*lab.netns, "198.51.100.10", 80);
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return connect_finished(client.get()); }));
  EXPECT_EQ(socket_error(client.get()), 0);
  EXPECT_GE(Clock::now() - start, 150ms);
}

TEST(LegacyServer, FinAfterBytesClosesMidStream) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto s = script(SynAnswer::SynAck);
  s.fin_after_bytes = 4;
  LegacyServer server(wire, s);
  auto client = kernel_connect(*lab.netns, "198.51.100.10", 80);
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return connect_finished(client.get()); }));
  ASSERT_EQ(::send(client.get(), "abcd", 4, 0), 4);
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return read_available(client.get()).eof; }));
  EXPECT_EQ(server.received(), text_bytes("abcd"));
}

TEST(LegacyServer, ResetAfterBytesAbortsMidStream) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto s = script(SynAnswer::SynAck);
  s.rst_after_bytes = 3;
  LegacyServer server(wire, s);
  auto client = kernel_connect(*lab.netns, "198.51.100.10", 80);
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return connect_finished(client.get()); }));
  ASSERT_EQ(::send(client.get(), "xyz", 3, 0), 3);
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return read_available(client.get()).error == ECONNRESET; }));
}

TEST(LegacyServer, SynDataFromATfoClientArrivesExactlyOnce) {
  // Client bits 0x1 (enable) | 0x4 (send data without a cookie).
  CONVTEST_KERNEL_LAB(lab, {{"net.ipv4.tcp_fastopen", "0x5"}});
  Wire wire(*lab.link);
  auto s = script(SynAnswer::SynAck);
  s.accept_syn_data = true;
  s.echo = true;
  LegacyServer server(wire, s);
  UniqueFd client = kernel_socket(*lab.netns, AF_INET);
  socklen_t length = 0;
  const auto to = socket_address("198.51.100.10", 80, length);
  const ssize_t sent = ::sendto(client.get(), "early", 5, MSG_FASTOPEN, reinterpret_cast<const sockaddr*>(&to), length);
  ASSERT_EQ(sent, 5) << std::strerror(errno);
  packetgen::Bytes echoed;
  ASSERT_TRUE(run_until(wire, 1000ms, [&] {
    auto read = read_available(client.get());
    echoed.insert(echoed.end(), read.bytes.begin(), read.bytes.end());
    return echoed.size() >= 5;
  }));
  wire.run_for(50ms);
  EXPECT_EQ(server.received(), text_bytes("early"));
  EXPECT_EQ(echoed, text_bytes("early"));
  ASSERT_EQ(server.syn_count(), 1u);
  EXPECT_EQ(server.syns()[0].segment.segment.payload, text_bytes("early"));
  EXPECT_EQ(server.connection(0).peer_syn_payload_size(), 5u);
}

TEST(LegacyServer, MpCapableSynAckIsTakenByAKernelMptcpClient) {
  CONVTEST_KERNEL_LAB(lab);
  Wire wire(*lab.link);
  auto s = script(SynAnswer::SynAck);
  constexpr std::uint64_t kServerKey = 0x0a0b0c0d01020304ULL;
  s.synack_options = synack_options::mp_capable(kServerKey);
  LegacyServer server(wire, s);
  UniqueFd client = kernel_socket(*lab.netns, AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
  ASSERT_TRUE(client.valid());
  socklen_t length = 0;
  const auto to = socket_address("198.51.100.10", 80, length);
  ::connect(client.get(), reinterpret_cast<const sockaddr*>(&to), length);
  ASSERT_TRUE(
      run_until(wire, 1000ms, [&] { return server.connection_count() == 1 && server.connection(0).established(); }));
  ASSERT_EQ(socket_error(client.get()), 0);
  const auto syn_options = pt::parse_options(server.syns()[0].segment.segment.options);
  EXPECT_NE(syn_options.find(pt::kind::Mptcp), nullptr);
  // The kernel's third ACK echoes our key: it took the MP_CAPABLE.
  bool key_echoed = false;
  for (const auto& event : wire.events()) {
    if (event.direction != Direction::FromPut || !event.tcp || (event.tcp->segment.flags & pt::flag::SYN)) continue;
    for (const auto& option : pt::parse_options(event.tcp->segment.options).options)
      if (const auto* mpc = std::get_if<pt::MpCapableOption>(&option.value))
        key_echoed = key_echoed || mpc->receiver_key == kServerKey;
  }
  EXPECT_TRUE(key_echoed);
}

TEST(LegacyServer, TfoCookieInSynAckIsUsedByTheKernelNextTime) {
  // Client bit 0x1 only: the first connect asks for a cookie, the second sends it.
  CONVTEST_KERNEL_LAB(lab, {{"net.ipv4.tcp_fastopen", "0x1"}});
  Wire wire(*lab.link);
  auto s = script(SynAnswer::SynAck);
  const auto cookie = packetgen::hex("11 22 33 44 55 66 77 88");
  s.synack_options = synack_options::tfo_cookie(cookie);
  LegacyServer server(wire, s);
  socklen_t length = 0;
  const auto to = socket_address("198.51.100.10", 80, length);
  UniqueFd first = kernel_socket(*lab.netns, AF_INET);
  ::sendto(first.get(), "a", 1, MSG_FASTOPEN, reinterpret_cast<const sockaddr*>(&to), length);
  // Without a cookie, a non-blocking MSG_FASTOPEN only connects (EINPROGRESS).
  ASSERT_TRUE(
      run_until(wire, 1000ms, [&] { return server.connection_count() == 1 && server.connection(0).established(); }));
  UniqueFd second = kernel_socket(*lab.netns, AF_INET);
  ::sendto(second.get(), "b", 1, MSG_FASTOPEN, reinterpret_cast<const sockaddr*>(&to), length);
  ASSERT_TRUE(run_until(wire, 1000ms, [&] { return server.syn_count() >= 2; }));
  const auto first_syn = pt::parse_options(server.syns()[0].segment.segment.options);
  const auto* request = first_syn.find(pt::kind::FastOpen);
  ASSERT_NE(request, nullptr);
  EXPECT_TRUE(std::get<pt::FastOpenOption>(request->value).cookie.empty());
  const auto second_syn = pt::parse_options(server.syns()[1].segment.segment.options);
  const auto* sent = second_syn.find(pt::kind::FastOpen);
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(std::get<pt::FastOpenOption>(sent->value).cookie, cookie);
  EXPECT_EQ(server.syns()[1].segment.segment.payload, text_bytes("b"));
}

}  // namespace
}  // namespace convtest::harness::emulate
