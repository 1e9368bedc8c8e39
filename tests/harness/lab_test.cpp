#include "harness/lab/lab.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>

#include "harness/link/tun_link.hpp"
#include "packetgen/tcp.hpp"
#include "tools/privileges.hpp"
#include "tools/temp_dir.hpp"

namespace convtest::harness {
namespace {

using namespace std::chrono_literals;
namespace ip = packetgen::ip;
namespace tcp = packetgen::tcp;

const std::string kListener = CONVTEST_TEST_LISTENER;

std::optional<tcp::Parsed> next_tcp(Link& link, const std::function<bool(const tcp::Parsed&)>& wanted) {
  const auto deadline = Clock::now() + 2s;
  for (int i = 0; i < 100; ++i) {
    auto packet = link.receive(deadline);
    if (!packet) return std::nullopt;
    auto parsed = tcp::parse(packet->bytes);
    if (parsed && wanted(*parsed)) return std::move(*parsed);
  }
  return std::nullopt;
}

std::optional<tcp::Parsed> syn_exchange(Link& link, const ip::Address& client, const PutTarget& put,
                                        const ip::Address& converter, std::uint16_t client_port) {
  tcp::Segment syn;
  syn.source_port = client_port;
  syn.destination_port = put.port;
  syn.seq = 7;
  syn.flags = tcp::flag::SYN;
  if (!link.send(tcp::packet(syn, ip::Endpoints{client, converter}))) return std::nullopt;
  return next_tcp(link, [&](const tcp::Parsed& p) { return p.segment.destination_port == client_port; });
}

UniqueFd listener_in(const Netns& netns, int family, std::uint16_t port) {
  auto entered = netns.enter();
  if (!entered) return UniqueFd();
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int one = 1;
  if (family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  sockaddr_in6 any6{};
  sockaddr_in any4{};
  any6.sin6_family = AF_INET6;
  any6.sin6_port = htons(port);
  any4.sin_family = AF_INET;
  any4.sin_port = htons(port);
  const bool bound = family == AF_INET6 ? ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&any6), sizeof any6) == 0
                                        : ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&any4), sizeof any4) == 0;
  if (!bound || ::listen(fd.get(), 8) != 0) return UniqueFd();
  return fd;
}

TEST(Addressing, FollowsTheLabPlan) {
  EXPECT_EQ(addressing::converter_v4().to_string(), "192.0.2.1");
  EXPECT_EQ(addressing::converter_v6().to_string(), "2001:db8:1::1");
  EXPECT_EQ(addressing::client_v4(0).to_string(), "192.0.2.100");
  EXPECT_EQ(addressing::client_v4(99).to_string(), "192.0.2.199");
  EXPECT_EQ(addressing::client_v4(100).to_string(), "192.0.2.100");
  EXPECT_EQ(addressing::client_v6(0).to_string(), "2001:db8:1::100");
  EXPECT_EQ(addressing::server_v4(10).to_string(), "198.51.100.10");
  EXPECT_EQ(addressing::server_v6(0x10).to_string(), "2001:db8:2::10");
  EXPECT_EQ(addressing::unreachable_v4(7).to_string(), "203.0.113.7");
  EXPECT_EQ(addressing::unreachable_v6(7).to_string(), "2001:db8:3::7");
}

TEST(Lab, LocalLabAppliesThePutSysctls) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  LabSettings settings;
  settings.sysctls.tcp_syn_linear_timeouts = 1;
  settings.sysctls.extra = {{"net.ipv4.tcp_ecn", "0"}};
  auto lab = Lab::local(settings);
  ASSERT_TRUE(lab) << lab.error();
  const Netns& netns = *(*lab)->netns();
  EXPECT_EQ(netns.sysctl("net.ipv4.tcp_fastopen").value(), "515");  // 0x203
  EXPECT_EQ(netns.sysctl("net.ipv4.tcp_syn_retries").value(), "2");
  EXPECT_EQ(netns.sysctl("net.ipv4.tcp_ecn").value(), "0");
  EXPECT_NE(netns.sysctl("net.ipv4.tcp_fastopen_key").value().find(settings.sysctls.tcp_fastopen_key),
            std::string::npos);
  if (auto mptcp = netns.sysctl("net.mptcp.enabled"); mptcp) {
    EXPECT_EQ(*mptcp, "1");
  }
  if (auto linear = netns.sysctl("net.ipv4.tcp_syn_linear_timeouts"); linear) {
    EXPECT_EQ(*linear, "1");
  }
  auto host = Netns::current();
  ASSERT_TRUE(host);
  EXPECT_EQ(host->sysctl("net.ipv4.tcp_fastopen_key").value().find(settings.sysctls.tcp_fastopen_key),
            std::string::npos)
      << "the lab must not touch the harness's own namespace";
}

TEST(Lab, LocalLabCarriesClientsToTheConverterAndRoutesServersAndBlackholesToTheLink) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto lab = Lab::local();
  ASSERT_TRUE(lab) << lab.error();
  const UniqueFd v4 = listener_in(*(*lab)->netns(), AF_INET, 5124);
  const UniqueFd v6 = listener_in(*(*lab)->netns(), AF_INET6, 5124);
  ASSERT_TRUE(v4 && v6);
  const PutTarget& put = (*lab)->put();
  auto answer4 = syn_exchange((*lab)->link(), addressing::client_v4(5), put, put.v4, 40200);
  ASSERT_TRUE(answer4);
  EXPECT_EQ(answer4->segment.flags, tcp::flag::SYN | tcp::flag::ACK);
  ASSERT_TRUE(put.v6);
  auto answer6 = syn_exchange((*lab)->link(), addressing::client_v6(5), put, *put.v6, 40201);
  ASSERT_TRUE(answer6);
  EXPECT_EQ(answer6->segment.flags, tcp::flag::SYN | tcp::flag::ACK);

  for (const auto& destination : {addressing::server_v4(10), addressing::server_v6(10), addressing::unreachable_v4(9),
                                  addressing::unreachable_v6(9)}) {
    UniqueFd client;
    {
      auto entered = (*lab)->netns()->enter();
      ASSERT_TRUE(entered);
      const bool six = destination.family == ip::Family::V6;
      client.reset(::socket(six ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      sockaddr_storage address{};
      socklen_t length = 0;
      if (six) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&address);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(80);
        std::copy(destination.bytes.begin(), destination.bytes.end(), in6->sin6_addr.s6_addr);
        length = sizeof *in6;
      } else {
        auto* in4 = reinterpret_cast<sockaddr_in*>(&address);
        in4->sin_family = AF_INET;
        in4->sin_port = htons(80);
        std::copy_n(destination.bytes.begin(), 4, reinterpret_cast<std::uint8_t*>(&in4->sin_addr));
        length = sizeof *in4;
      }
      ASSERT_EQ(::connect(client.get(), reinterpret_cast<const sockaddr*>(&address), length), -1);
      ASSERT_EQ(errno, EINPROGRESS) << destination.to_string();
    }
    auto out = next_tcp((*lab)->link(), [&](const tcp::Parsed& p) { return p.addresses.destination == destination; });
    ASSERT_TRUE(out) << "no SYN toward " << destination.to_string();
    EXPECT_EQ(out->segment.flags, tcp::flag::SYN);
  }
}

TEST(Lab, QuietIpv6KeepsRouterSolicitationsOffTheLink) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto lab = Lab::local();
  ASSERT_TRUE(lab);
  EXPECT_EQ((*lab)->netns()->sysctl("net.ipv6.conf.tun0.router_solicitations").value(), "0");
}

TEST(Lab, JoinsTheNamespaceOfARunningPut) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  const testing_support::TempDir temp;
  const auto& dir = temp.path();
  // The "container": a namespace with a PUT listening on the wildcard address.
  auto container = Netns::create();
  ASSERT_TRUE(container);
  SpawnOptions options;
  options.argv = {kListener, "0.0.0.0", "5124"};
  options.output_dir = dir;
  options.ready_port = 5124;
  auto put = PutProcess::spawn(*container, options);
  ASSERT_TRUE(put) << put.error();
  const std::string path = "/proc/" + std::to_string((*put)->pid()) + "/ns/net";

  LabSettings settings;
  settings.apply_sysctls = false;
  settings.tun_name = "cthl-tun0";
  auto lab = Lab::in_namespace(path, settings);
  ASSERT_TRUE(lab) << lab.error();
  EXPECT_EQ((*lab)->netns()->inode(), container->inode());
  EXPECT_EQ(container->sysctl("net.ipv4.tcp_fastopen").value(), "1") << "apply_sysctls=false must leave it alone";
  auto answer = syn_exchange((*lab)->link(), addressing::client_v4(1), (*lab)->put(), (*lab)->put().v4, 40300);
  ASSERT_TRUE(answer) << "the running PUT did not answer through the joined lab";
  EXPECT_EQ(answer->segment.flags, tcp::flag::SYN | tcp::flag::ACK);

  auto second = Lab::in_namespace(path, settings);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("cthl-tun0"), std::string::npos) << second.error();
  lab->reset();
  (*put)->stop();
}

// A --netns run sets its sysctls in the PUT's namespace for each case and
// gives the namespace its own values back when the case's lab goes.
TEST(Lab, AJoinedNamespaceGetsItsSysctlsBack) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto container = Netns::create();
  ASSERT_TRUE(container);
  ASSERT_TRUE(container->set_sysctl("net.ipv4.tcp_syn_retries", "6", IfMissing::Fail));
  const std::string fastopen = container->sysctl("net.ipv4.tcp_fastopen").value();
  const std::string path = "/proc/self/fd/" + std::to_string(container->fd());
  LabSettings settings;
  settings.tun_name = "cthl-sys0";
  auto lab = Lab::in_namespace(path, settings);
  ASSERT_TRUE(lab) << lab.error();
  EXPECT_EQ(container->sysctl("net.ipv4.tcp_syn_retries").value(), std::to_string(settings.sysctls.tcp_syn_retries));
  lab->reset();
  EXPECT_EQ(container->sysctl("net.ipv4.tcp_syn_retries").value(), "6");
  EXPECT_EQ(container->sysctl("net.ipv4.tcp_fastopen").value(), fastopen);
}

TEST(Lab, ScalesWaitsAndRefusesToSpawnWithABrokenTemplate) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  LabSettings settings;
  settings.time_scale = 2.5;
  settings.port = 6000;
  auto lab = Lab::local(settings);
  ASSERT_TRUE(lab) << lab.error();
  EXPECT_EQ((*lab)->scaled(200ms), 500ms);
  EXPECT_EQ((*lab)->placeholders().port, 6000);
  EXPECT_EQ((*lab)->placeholders().addr6, "2001:db8:1::1");
  const testing_support::TempDir temp;
  auto broken = (*lab)->spawn_put("convproxy --port {prot}", temp.path(), "x");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().find("{prot}"), std::string::npos);
}

TEST(Lab, CloseHooksRunWhenTheLabIsDestroyed) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  int calls = 0;
  {
    auto lab = Lab::local();
    ASSERT_TRUE(lab);
    (*lab)->link().before_close([&](Link&) { ++calls; });
  }
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace convtest::harness
