#pragma once
// The topology of one pair cell, with real kernels at every end:
//
//   client ns --tun0==[harness wire + middlebox]==tun0-- converter ns --tun1==[wire]==tun0-- server ns
//
// Each namespace holds a TUN device; the harness copies IP packets between
// the TUN fds of two namespaces (a wire), applying the middlebox profile's
// transforms on the client leg, and records every packet it delivers into
// one pcap. A TUN pair rather than a veth pair: the wire sees whole packets
// with their real checksums (no offloads), so the pcap and the middlebox
// work on what the kernels really sent. Addresses are the lab's (harness/lab/
// addressing.hpp): client 192.0.2.100 and 2001:db8:1::100, converter
// 192.0.2.1 and 2001:db8:1::1 (client side), 198.51.100.1 and 2001:db8:2::1
// (server side), server 198.51.100.10 and 2001:db8:2::10. Namespaces are
// held by fds only: they vanish with the PairLab and the processes in them.
//
// A converter the harness does not start (`netns` or `remote` mode) is
// reached through its own lab (harness/put/put_lab.hpp): one link that
// carries both legs, the TUN the harness adds to the converter's namespace
// or the L2 link to its box. Packets from the converter go to the server's
// namespace when addressed to the servers' prefixes, to the client's
// otherwise:
//
//   client ns --tun0==[wire + middlebox]==+                       +== converter's lab link (one) -- converter
//   server ns --tun0==[wire]==============+== demultiplexed here ==+

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/emulate/middlebox.hpp"
#include "harness/lab/lab.hpp"
#include "harness/lab/netns.hpp"
#include "harness/link/link.hpp"
#include "harness/link/pcap_writer.hpp"
#include "harness/link/tun_link.hpp"

namespace convtest::harness::matrix {

// The ends of a pair cell: the lab's first client, converter and first
// server of each family (harness/lab/addressing.hpp).
struct PairAddresses {
  std::string client4, client6;
  std::string converter4, converter6;
  std::string server4, server6;
};
PairAddresses pair_addresses();

struct PairLabSettings {
  std::vector<emulate::Transform> client_leg_transforms;
  bool client_mptcp = true;              // net.mptcp.enabled in the client's namespace
  std::filesystem::path pcap;            // every delivered packet of both legs
  std::chrono::milliseconds lifetime{};  // the wires stop by themselves after this long
};

// A packet the wire delivered, and on which leg.
struct WirePacket {
  bool client_leg = true;
  bool toward_converter = true;  // client -> converter or server -> converter
  packetgen::Bytes bytes;
};

class PairLab;
using PairLabResult = packetgen::Result<std::unique_ptr<PairLab>, std::string>;

class PairLab {
 public:
  // `placed_converter`: the lab of a converter already running (netns or
  // remote mode); nullptr: a fresh namespace for a converter spawned in it.
  // `placed_client`: the link to a client's box (a remote lab of the client
  // role); nullptr: a fresh namespace for the client.
  static PairLabResult build(const PairLabSettings& settings, std::unique_ptr<Lab> placed_converter = nullptr,
                             std::unique_ptr<Lab> placed_client = nullptr);
  ~PairLab();  // stops the wires, closes the devices and the pcap
  PairLab(const PairLab&) = delete;
  PairLab& operator=(const PairLab&) = delete;

  // The client's fresh namespace; nullptr when the client is on a box.
  [[nodiscard]] const Netns* client() const { return client_ ? &*client_ : nullptr; }
  // The converter's fresh namespace; nullptr when the converter was placed.
  [[nodiscard]] const Netns* converter() const { return converter_ ? &*converter_ : nullptr; }
  // The lab of a placed converter (its addresses: put()); nullptr when spawned.
  [[nodiscard]] const Lab* placed_converter() const { return placed_converter_.get(); }
  [[nodiscard]] const Netns& server() const { return server_; }
  // Everything delivered so far, in order.
  [[nodiscard]] std::vector<WirePacket> delivered() const;
  // What the middlebox changed, one line per distinct change ("" when nothing).
  [[nodiscard]] std::string middlebox_changes() const;
  // Stops the wires and closes the pcap (idempotent).
  void stop();

 private:
  // Where a packet read from one link goes, and on which leg.
  struct Leg {
    Link* to = nullptr;
    bool client_leg = true;
    bool toward_converter = true;
  };
  using Router = std::function<Leg(packetgen::ByteView)>;

  PairLab(std::optional<Netns> client, std::optional<Netns> converter, Netns server);
  Status open_client_tun(const PairLabSettings& settings);
  Status open_converter_tuns();
  void start_wires(const PairLabSettings& settings);
  void start_placed_wires(const PairLabSettings& settings);
  // Copies packets from `from` to where `route` says; the middlebox's
  // transforms apply on the client leg.
  void forward(Link& from, const Router& route, Clock::time_point until);
  void deliver(Link& to, WirePacket packet);

  std::optional<Netns> client_;
  std::optional<Netns> converter_;
  Netns server_;
  std::unique_ptr<Lab> placed_converter_;
  std::unique_ptr<Link> placed_link_;  // the placed converter's link, shared by three wires
  std::unique_ptr<Lab> placed_client_;
  std::unique_ptr<Link> placed_client_link_;
  Link* client_side_ = nullptr;  // the client's TUN or the link to its box
  std::unique_ptr<TunLink> client_tun_;
  std::unique_ptr<TunLink> converter_client_tun_;
  std::unique_ptr<TunLink> converter_server_tun_;
  std::unique_ptr<TunLink> server_tun_;
  std::unique_ptr<PcapWriter> pcap_;
  std::vector<emulate::Transform> transforms_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<WirePacket> delivered_;
  std::vector<std::string> changes_;
  std::vector<std::thread> wires_;
};

}  // namespace convtest::harness::matrix
