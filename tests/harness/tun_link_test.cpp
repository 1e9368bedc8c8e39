#include "harness/link/tun_link.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "harness/link/pcap_writer.hpp"
#include "packetgen/ip.hpp"
#include "packetgen/tcp.hpp"
#include "tools/privileges.hpp"

namespace convtest::harness {
namespace {

namespace ip = packetgen::ip;
namespace tcp = packetgen::tcp;
using namespace std::chrono_literals;

TunConfig lab_tun() {
  return TunConfig{.name = "tun0",
                   .mtu = 1500,
                   .addresses = {"192.0.2.1/24", "2001:db8:1::1/64"},
                   .routes = {"198.51.100.0/24", "2001:db8:2::/64"}};
}

// A kernel socket made inside `netns` (sockets belong to their creator's namespace).
UniqueFd kernel_socket(const Netns& netns, int family) {
  auto entered = netns.enter();
  if (!entered) return UniqueFd();
  return UniqueFd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}

sockaddr_storage socket_address(const std::string& text, std::uint16_t port, socklen_t& length) {
  sockaddr_storage storage{};
  if (text.find(':') != std::string::npos) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    ::inet_pton(AF_INET6, text.c_str(), &in6->sin6_addr);
    length = sizeof *in6;
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    ::inet_pton(AF_INET, text.c_str(), &in4->sin_addr);
    length = sizeof *in4;
  }
  return storage;
}

UniqueFd kernel_listener(const Netns& netns, const std::string& address, std::uint16_t port) {
  UniqueFd fd = kernel_socket(netns, address.find(':') != std::string::npos ? AF_INET6 : AF_INET);
  socklen_t length = 0;
  const auto storage = socket_address(address, port, length);
  if (!fd || ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&storage), length) != 0 || ::listen(fd.get(), 8) != 0) {
    return UniqueFd();
  }
  return fd;
}

// The first TCP segment out of the link that satisfies `wanted`; anything
// else (router solicitations, MLD reports) is skipped, as a flow table would.
std::optional<tcp::Parsed> receive_tcp(Link& link, const std::function<bool(const tcp::Parsed&)>& wanted,
                                       std::chrono::milliseconds within = 2000ms) {
  const auto deadline = Clock::now() + within;
  for (int packets = 0; packets < 100; ++packets) {
    auto packet = link.receive(deadline);
    if (!packet) return std::nullopt;
    auto parsed = tcp::parse(packet->bytes);
    if (parsed && wanted(*parsed)) return std::move(*parsed);
  }
  return std::nullopt;
}

tcp::Segment syn(std::uint16_t source_port, std::uint16_t destination_port, std::uint32_t isn) {
  tcp::Segment segment;
  segment.source_port = source_port;
  segment.destination_port = destination_port;
  segment.seq = isn;
  segment.flags = tcp::flag::SYN;
  segment.options = packetgen::hex("02 04 05 b4");  // MSS 1460
  return segment;
}

void expect_syn_ack_for(Link& link, const std::string& client, const std::string& converter) {
  constexpr std::uint32_t kIsn = 1000;
  const ip::Endpoints toward_put{ip::Address::must_parse(client), ip::Address::must_parse(converter)};
  ASSERT_TRUE(link.send(tcp::packet(syn(40000, 5124, kIsn), toward_put)));
  auto answer = receive_tcp(link, [&](const tcp::Parsed& p) {
    return p.addresses.destination == toward_put.source && p.segment.destination_port == 40000;
  });
  ASSERT_TRUE(answer) << "no answer from the kernel listener on " << converter;
  EXPECT_EQ(answer->segment.flags, tcp::flag::SYN | tcp::flag::ACK) << tcp::flags_text(answer->segment.flags);
  EXPECT_EQ(answer->segment.ack, kIsn + 1);
  EXPECT_EQ(answer->segment.source_port, 5124);
  EXPECT_EQ(answer->addresses.source, toward_put.destination);
  EXPECT_TRUE(answer->checksum_ok);
}

class TunLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CONVTEST_REQUIRE_NET_PRIVILEGES();
    auto created = Netns::create();
    ASSERT_TRUE(created) << created.error();
    netns_.emplace(std::move(*created));
    auto opened = TunLink::open(*netns_, lab_tun());
    ASSERT_TRUE(opened) << opened.error();
    link_ = std::move(*opened);
  }
  std::optional<Netns> netns_;
  std::unique_ptr<TunLink> link_;
};

TEST_F(TunLinkTest, CraftedSynToAKernelListenerGetsASynAckOverIpv4) {
  const UniqueFd listener = kernel_listener(*netns_, "192.0.2.1", 5124);
  ASSERT_TRUE(listener);
  expect_syn_ack_for(*link_, "192.0.2.100", "192.0.2.1");
}

TEST_F(TunLinkTest, CraftedSynToAKernelListenerGetsASynAckOverIpv6WithoutWaitingForDad) {
  const UniqueFd listener = kernel_listener(*netns_, "2001:db8:1::1", 5124);
  ASSERT_TRUE(listener) << "bind failed: the address is still tentative (nodad missing?)";
  expect_syn_ack_for(*link_, "2001:db8:1::100", "2001:db8:1::1");
}

TEST_F(TunLinkTest, KernelConnectTowardARoutedServerComesOutAsASyn) {
  for (const std::string server : {"198.51.100.10", "2001:db8:2::10"}) {
    const UniqueFd client = kernel_socket(*netns_, server.find(':') != std::string::npos ? AF_INET6 : AF_INET);
    ASSERT_TRUE(client);
    socklen_t length = 0;
    const auto address = socket_address(server, 80, length);
    ASSERT_EQ(::connect(client.get(), reinterpret_cast<const sockaddr*>(&address), length), -1);
    ASSERT_EQ(errno, EINPROGRESS);
    const auto expected = ip::Address::must_parse(server);
    auto out = receive_tcp(*link_, [&](const tcp::Parsed& p) { return p.addresses.destination == expected; });
    ASSERT_TRUE(out) << "no SYN toward " << server;
    EXPECT_EQ(out->segment.flags, tcp::flag::SYN);
    EXPECT_EQ(out->segment.destination_port, 80);
    EXPECT_TRUE(out->checksum_ok);
  }
}

TEST_F(TunLinkTest, ReceiveReturnsNothingOncePastTheDeadline) {
  // Drain whatever the kernel announces on its own, then expect silence.
  while (link_->receive(Clock::now() + 50ms)) {
  }
  EXPECT_FALSE(link_->receive(Clock::now() - 1ms));
  EXPECT_FALSE(link_->receive(Clock::now() + 20ms));
  EXPECT_TRUE(link_->last_error().empty()) << link_->last_error();
}

TEST_F(TunLinkTest, CloseRunsHooksOnceWhileTheLinkCanStillSendThenRefusesToSend) {
  int calls = 0;
  bool hook_could_send = false;
  link_->before_close([&](Link& link) {
    ++calls;
    const ip::Endpoints endpoints{ip::Address::must_parse("192.0.2.100"), ip::Address::must_parse("192.0.2.1")};
    tcp::Segment reset = syn(40001, 5124, 7);
    reset.flags = tcp::flag::RST;
    reset.options.clear();
    hook_could_send = link.send(tcp::packet(reset, endpoints)).ok();
  });
  link_->close();
  link_->close();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(hook_could_send);
  const std::array<std::uint8_t, 1> byte{0x45};
  auto refused = link_->send(byte);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("closed"), std::string::npos);
}

TEST_F(TunLinkTest, DescribeNamesTheDeviceAndTheNamespace) {
  EXPECT_NE(link_->describe().find("tun0"), std::string::npos);
  EXPECT_NE(link_->describe().find(std::to_string(netns_->inode())), std::string::npos);
  EXPECT_GT(link_->ifindex(), 1);
}

TEST(TunLinkOpen, BadConfigurationFailsNamingTheCulprit) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto netns = Netns::create();
  ASSERT_TRUE(netns);
  auto bad_address =
      TunLink::open(*netns, TunConfig{.name = "tun0", .mtu = 1500, .addresses = {"192.0.2.1"}, .routes = {}});
  ASSERT_FALSE(bad_address);
  EXPECT_NE(bad_address.error().find("192.0.2.1"), std::string::npos) << bad_address.error();
  auto long_name =
      TunLink::open(*netns, TunConfig{.name = "cthl-much-too-long-name", .mtu = 1500, .addresses = {}, .routes = {}});
  ASSERT_FALSE(long_name);
  EXPECT_NE(long_name.error().find("cthl-much-too-long-name"), std::string::npos);
}

}  // namespace
}  // namespace convtest::harness
