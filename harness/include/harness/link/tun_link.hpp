#pragma once
// A TUN device (IFF_TUN | IFF_NO_PI) inside a network namespace: what the
// harness writes appears to that namespace's kernel as received from tun0,
// and what the kernel routes to tun0 comes out of receive(). Nothing is
// filtered: the kernel's own chatter (IPv6 router solicitations, MLD) comes
// out too, and the caller ignores packets that match no flow. One thread may
// send while another receives.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/lab/netns.hpp"
#include "harness/link/link.hpp"
#include "harness/link/unique_fd.hpp"

namespace convtest::harness {

struct TunConfig {
  std::string name = "tun0";
  std::uint32_t mtu = 1500;
  // "192.0.2.1/24", "2001:db8:1::1/64" (IPv6 gets nodad).
  std::vector<std::string> addresses;
  // Prefixes routed to the device: "198.51.100.0/24", "2001:db8:2::/64".
  std::vector<std::string> routes;
};

class TunLink;
using TunLinkResult = packetgen::Result<std::unique_ptr<TunLink>, std::string>;

class TunLink final : public Link {
 public:
  // Creates the device inside `netns` and configures it by netlink. The fd
  // keeps working from any namespace; the device dies with close().
  static TunLinkResult open(const Netns& netns, const TunConfig& config);
  ~TunLink() override;

  Status send(packetgen::ByteView ip_packet) override;
  std::optional<Packet> receive(Clock::time_point deadline) override;
  void record_to(PcapWriter* writer) override;
  std::string describe() const override;
  void before_close(std::function<void(Link&)> hook) override;
  void close() override;

  [[nodiscard]] int ifindex() const { return ifindex_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  // The last read error receive() met (receive() then returned nothing).
  [[nodiscard]] const std::string& last_error() const { return last_error_; }

 private:
  TunLink(UniqueFd fd, std::string name, int ifindex, std::string netns_text);
  UniqueFd fd_;
  std::string name_;
  int ifindex_ = 0;
  std::string netns_text_;
  PcapWriter* recorder_ = nullptr;
  std::vector<std::function<void(Link&)>> close_hooks_;
  std::string last_error_;
  packetgen::Bytes read_buffer_;  // one allocation for every read
};

}  // namespace convtest::harness
