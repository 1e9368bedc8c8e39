#pragma once
// A PUT on another machine, reached through a real NIC (or a VLAN, macvlan,
// veth) at layer 2 with libpcap: the harness owns virtual addresses (clients,
// servers, a gateway) that are configured on no host. It answers ARP and
// IPv6 neighbour solicitations for them from a locally administered MAC,
// learns the PUT's MAC (ARP/NDP, or from its frames) and carries whole IP
// packets. Captures are Ethernet (every frame in and out, exact bytes).
// What the PUT side must configure: docs/remote-put.md. Use from one thread
// at a time (send() may read frames while it resolves the PUT's MAC).

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/lab/netns.hpp"
#include "harness/link/link.hpp"
#include "packetgen/ip.hpp"

namespace convtest::harness {

using MacAddress = std::array<std::uint8_t, 6>;
std::string to_string(const MacAddress& mac);  // "02:63:74:00:00:01"

struct L2Config {
  std::string interface;
  // Locally administered (bit 0x02 of the first byte), unicast.
  MacAddress local_mac{0x02, 0x63, 0x74, 0x00, 0x00, 0x01};
  packetgen::ip::Address put_v4 = packetgen::ip::Address::v4(0xc0000201);  // 192.0.2.1
  std::optional<packetgen::ip::Address> put_v6;
  // Known in advance: no resolution needed.
  std::optional<MacAddress> put_mac;
  // The harness answers ARP/NDP for every address in these prefixes except
  // the PUT's own. Default: the lab plan (addressing.hpp).
  std::vector<std::string> owned_prefixes{"192.0.2.0/24",    "198.51.100.0/24", "203.0.113.0/24",
                                          "2001:db8:1::/64", "2001:db8:2::/64", "2001:db8:3::/64"};
  // Sender addresses of the harness's own ARP request / neighbour
  // solicitation for the PUT (the gateway the PUT routes servers through).
  packetgen::ip::Address resolver_v4 = packetgen::ip::Address::v4(0xc00002fe);  // 192.0.2.254
  packetgen::ip::Address resolver_v6 = packetgen::ip::Address::must_parse("2001:db8:1::fe");
  std::chrono::milliseconds resolve_timeout{1000};
  bool promiscuous = true;
};

class PcapL2Link;
using PcapL2LinkResult = packetgen::Result<std::unique_ptr<PcapL2Link>, std::string>;

class PcapL2Link final : public Link {
 public:
  // Opens `config.interface` (inside `netns` when given; it must be up).
  // Needs CAP_NET_RAW.
  static PcapL2LinkResult open(const Netns* netns, const L2Config& config);
  ~PcapL2Link() override;

  // Resolves the PUT's MAC first if unknown (bounded by resolve_timeout);
  // IP packets that arrive meanwhile are kept for receive().
  Status send(packetgen::ByteView ip_packet) override;
  // IP packets addressed to the harness's MAC (or to a group address), with
  // Ethernet padding removed. ARP and neighbour solicitations/advertisements
  // are answered or learnt here and never returned.
  std::optional<Packet> receive(Clock::time_point deadline) override;
  void record_to(PcapWriter* writer) override;
  std::string describe() const override;
  void before_close(std::function<void(Link&)> hook) override;
  void close() override;

  [[nodiscard]] std::optional<MacAddress> put_mac(packetgen::ip::Family family) const;
  [[nodiscard]] const std::string& last_error() const { return last_error_; }

 private:
  struct Capture;
  PcapL2Link(std::unique_ptr<Capture> capture, L2Config config, std::vector<packetgen::ip::Cidr> owned,
             std::string netns_text);
  bool owns(const packetgen::ip::Address& address) const;
  Status inject(packetgen::ByteView frame);
  Status resolve(packetgen::ip::Family family);
  Status request_put_mac(packetgen::ip::Family family);
  // One captured frame: answers/learns, or queues an IP packet.
  void handle_frame(packetgen::ByteView frame, WallClock::time_point when);
  void handle_arp(packetgen::ByteView frame);
  bool handle_neighbour_discovery(packetgen::ByteView frame);
  // Reads what is ready, waiting at most until `deadline`; false on timeout.
  bool pump(Clock::time_point deadline);

  std::unique_ptr<Capture> capture_;
  L2Config config_;
  std::vector<packetgen::ip::Cidr> owned_;
  std::string netns_text_;
  std::optional<MacAddress> put_mac_v4_;
  std::optional<MacAddress> put_mac_v6_;
  std::deque<Packet> inbox_;
  PcapWriter* recorder_ = nullptr;
  std::vector<std::function<void(Link&)>> close_hooks_;
  std::string last_error_;
};

}  // namespace convtest::harness
