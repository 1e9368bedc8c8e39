#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>

#include <filesystem>

#include "harness/lab/lab.hpp"
#include "harness/lab/put_process.hpp"
#include "harness/link/netlink.hpp"
#include "harness/link/pcap_l2_link.hpp"
#include "harness/link/pcap_writer.hpp"
#include "packetgen/tcp.hpp"
#include "tools/privileges.hpp"
#include "tools/temp_dir.hpp"

namespace convtest::harness {
namespace link_pcap_l2_test {  // named: in a unity build, its helpers meet those of other tests

using namespace std::chrono_literals;
namespace ip = packetgen::ip;
namespace tcp = packetgen::tcp;

// The PUT's namespace and the harness's namespace joined by a veth:
// cthl-vP (PUT side, the lab's converter addresses, routes via the harness's
// gateway) and cthl-vH (harness side, up, no address, IPv6 off).
struct VethPair {
  Netns put;
  Netns harness;
};

Status run_to_completion(const Netns& netns, Argv argv) {
  SpawnOptions options;
  options.argv = std::move(argv);
  const testing_support::TempDir temp;
  options.output_dir = temp.path();
  options.label = "tool";
  auto process = PutProcess::spawn(netns, options);
  if (!process) return packetgen::failure(process.error());
  const auto ended = (*process)->wait_for_exit(5s).value_or("still running after 5 s");
  const std::string output = (*process)->stderr_tail(512);
  if (ended != "exited with status 0") {
    return packetgen::failure(quote_command(options.argv) + ": " + ended + ": " + output);
  }
  return Done{};
}

packetgen::Result<VethPair, std::string> make_veth_pair() {
  auto put = Netns::create();
  auto harness = Netns::create();
  if (!put || !harness) return packetgen::failure(std::string("netns: ") + (put ? harness.error() : put.error()));
  {
    auto entered = put->enter();
    if (!entered) return packetgen::failure(entered.error());
    auto netlink = NetlinkSocket::open();
    if (!netlink) return packetgen::failure(netlink.error());
    if (auto made = netlink->add_veth_pair("cthl-vP", "cthl-vH", harness->fd()); !made)
      return packetgen::failure(made.error());
    if (auto up = netlink->set_up("cthl-vP"); !up) return packetgen::failure(up.error());
    const int index = netlink->ifindex("cthl-vP").value();
    for (const auto& cidr : addressing::converter_prefixes()) {
      if (auto added = netlink->add_address(index, cidr); !added) return packetgen::failure(added.error());
    }
    for (const auto& [prefix, gateway] :
         {std::pair{"198.51.100.0/24", "192.0.2.254"}, std::pair{"2001:db8:2::/64", "2001:db8:1::fe"}}) {
      if (auto added = netlink->add_route(index, prefix, gateway); !added) return packetgen::failure(added.error());
    }
  }
  if (auto off = harness->set_sysctl("net.ipv6.conf.cthl-vH.disable_ipv6", "1"); !off)
    return packetgen::failure(off.error());
  {
    auto entered = harness->enter();
    auto netlink = NetlinkSocket::open();
    if (!netlink) return packetgen::failure(netlink.error());
    if (auto up = netlink->set_up("cthl-vH"); !up) return packetgen::failure(up.error());
  }
  // veth hands over partial checksums unless TX offload is off (see docs/remote-put.md).
  if (auto off = run_to_completion(*put, {"ethtool", "-K", "cthl-vP", "tx", "off", "tso", "off", "gso", "off"}); !off) {
    return packetgen::failure(off.error());
  }
  return VethPair{std::move(*put), std::move(*harness)};
}

UniqueFd wildcard_listener(const Netns& netns, std::uint16_t port) {
  auto entered = netns.enter();
  if (!entered) return UniqueFd();
  UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));  // dual stack
  sockaddr_in6 any{};
  any.sin6_family = AF_INET6;
  any.sin6_port = htons(port);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0 || ::listen(fd.get(), 8) != 0) {
    return UniqueFd();
  }
  return fd;
}

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

void expect_syn_ack(Link& link, const ip::Address& client, const ip::Address& put, std::uint16_t client_port) {
  tcp::Segment syn;
  syn.source_port = client_port;
  syn.destination_port = 5124;
  syn.seq = 99;
  syn.flags = tcp::flag::SYN;
  auto sent = link.send(tcp::packet(syn, ip::Endpoints{client, put}));
  ASSERT_TRUE(sent) << sent.error();
  auto answer = next_tcp(link, [&](const tcp::Parsed& p) { return p.segment.destination_port == client_port; });
  ASSERT_TRUE(answer) << "no SYN-ACK from " << put.to_string() << " for " << client.to_string();
  EXPECT_EQ(answer->segment.flags, tcp::flag::SYN | tcp::flag::ACK);
  EXPECT_EQ(answer->segment.ack, 100U);
  EXPECT_EQ(answer->addresses.destination, client);
  EXPECT_TRUE(answer->checksum_ok) << "partial checksum: is TX offload still on?";
}

class PcapL2LinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CONVTEST_REQUIRE_NET_PRIVILEGES();
    auto pair = make_veth_pair();
    ASSERT_TRUE(pair) << pair.error();
    veth_.emplace(std::move(*pair));
    listener_ = wildcard_listener(veth_->put, 5124);
    ASSERT_TRUE(listener_);
  }
  std::optional<VethPair> veth_;
  UniqueFd listener_;
};

TEST_F(PcapL2LinkTest, ResolvesThePutByArpAndAnswersItsArpForAClient) {
  L2Config config;
  config.interface = "cthl-vH";
  config.put_v6 = addressing::converter_v6();
  auto link = PcapL2Link::open(&veth_->harness, config);
  ASSERT_TRUE(link) << link.error();
  EXPECT_FALSE((*link)->put_mac(ip::Family::V4));
  expect_syn_ack(**link, addressing::client_v4(0), addressing::converter_v4(), 41000);
  EXPECT_TRUE((*link)->put_mac(ip::Family::V4));
  EXPECT_TRUE((*link)->last_error().empty()) << (*link)->last_error();
}

TEST_F(PcapL2LinkTest, ResolvesThePutByNeighbourSolicitationAndAnswersItsSolicitations) {
  L2Config config;
  config.interface = "cthl-vH";
  config.put_v6 = addressing::converter_v6();
  auto link = PcapL2Link::open(&veth_->harness, config);
  ASSERT_TRUE(link) << link.error();
  expect_syn_ack(**link, addressing::client_v6(0), addressing::converter_v6(), 41001);
  EXPECT_TRUE((*link)->put_mac(ip::Family::V6));
}

TEST_F(PcapL2LinkTest, ThePutsUpstreamSynArrivesThroughTheHarnessGatewayAndEverythingIsCaptured) {
  const testing_support::TempDir temp;
  const auto pcap = temp.path() / "l2.pcap";
  auto writer = PcapWriter::open(pcap.string(), CaptureLinkType::Ethernet);
  ASSERT_TRUE(writer) << writer.error();
  auto lab = Lab::remote(RemoteSettings{.interface = "cthl-vH",
                                        .netns = &veth_->harness,
                                        .put_v4 = addressing::converter_v4(),
                                        .put_v6 = addressing::converter_v6()});
  ASSERT_TRUE(lab) << lab.error();
  (*lab)->link().record_to(writer->get());
  EXPECT_EQ((*lab)->netns(), nullptr);
  EXPECT_FALSE((*lab)->spawn_put("x", temp.path(), "x"));

  for (const auto& server : {addressing::server_v4(10), addressing::server_v6(10)}) {
    UniqueFd client;
    {
      auto entered = veth_->put.enter();
      ASSERT_TRUE(entered);
      client.reset(::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      sockaddr_in6 address{};
      address.sin6_family = AF_INET6;
      address.sin6_port = htons(80);
      if (server.family == ip::Family::V4) {
        const std::array<std::uint8_t, 12> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        std::copy(mapped.begin(), mapped.end(), address.sin6_addr.s6_addr);
        std::copy_n(server.bytes.begin(), 4, address.sin6_addr.s6_addr + 12);
      } else {
        std::copy(server.bytes.begin(), server.bytes.end(), address.sin6_addr.s6_addr);
      }
      ASSERT_EQ(::connect(client.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), -1);
    }
    auto out = next_tcp((*lab)->link(), [&](const tcp::Parsed& p) { return p.addresses.destination == server; });
    ASSERT_TRUE(out) << "no SYN toward " << server.to_string() << " via the harness's gateway";
    EXPECT_EQ(out->segment.flags, tcp::flag::SYN);
    EXPECT_TRUE(out->checksum_ok);
  }
  lab->reset();
  ASSERT_TRUE((*writer)->close());

  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* reader = pcap_open_offline(pcap.c_str(), error);
  ASSERT_NE(reader, nullptr) << error;
  EXPECT_EQ(pcap_datalink(reader), DLT_EN10MB);
  int arp = 0;
  int ipv4 = 0;
  int ipv6 = 0;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(reader, &header, &data) == 1) {
    ASSERT_GE(header->caplen, 14U);
    const unsigned type = (unsigned{data[12]} << 8) | data[13];
    arp += type == 0x0806 ? 1 : 0;
    ipv4 += type == 0x0800 ? 1 : 0;
    ipv6 += type == 0x86dd ? 1 : 0;
  }
  pcap_close(reader);
  EXPECT_GE(arp, 2) << "the PUT's ARP request for the gateway and our reply";
  EXPECT_GE(ipv4, 1);
  EXPECT_GE(ipv6, 3) << "neighbour solicitation, advertisement and the SYN";
}

TEST_F(PcapL2LinkTest, AnUnansweredResolutionFailsInBoundedTimeNamingThePut) {
  L2Config config;
  config.interface = "cthl-vH";
  config.put_v4 = addressing::server_v4(77);  // nobody has it
  config.resolve_timeout = 300ms;
  auto link = PcapL2Link::open(&veth_->harness, config);
  ASSERT_TRUE(link) << link.error();
  tcp::Segment syn;
  syn.flags = tcp::flag::SYN;
  auto sent = (*link)->send(tcp::packet(syn, ip::Endpoints{addressing::client_v4(0), addressing::server_v4(77)}));
  ASSERT_FALSE(sent);
  EXPECT_NE(sent.error().find("198.51.100.77 did not answer ARP within 300 ms"), std::string::npos) << sent.error();
}

TEST(PcapL2LinkOpen, RejectsAGloballyAdministeredMacAndAMissingInterface) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  L2Config config;
  config.interface = "cthl-none";
  config.local_mac = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
  auto bad_mac = PcapL2Link::open(nullptr, config);
  ASSERT_FALSE(bad_mac);
  EXPECT_NE(bad_mac.error().find("locally administered"), std::string::npos);
  auto netns = Netns::create();
  ASSERT_TRUE(netns);
  config.local_mac = L2Config{}.local_mac;
  auto missing = PcapL2Link::open(&*netns, config);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("cthl-none"), std::string::npos);
}

}  // namespace link_pcap_l2_test
}  // namespace convtest::harness
