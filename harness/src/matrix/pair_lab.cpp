#include "harness/matrix/pair_lab.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "harness/lab/addressing.hpp"
#include "harness/lab/lab.hpp"

namespace convtest::harness::matrix {
namespace {

using packetgen::failure;
using namespace std::chrono_literals;

// The wire keeps this many packets for the verdict; the pcap keeps them all.
constexpr std::size_t kKeptPackets = 20000;
// How long one receive waits before the wire checks whether to stop.
constexpr auto kWireTick = 20ms;

Status apply_pair_sysctls(const Netns& netns, int tcp_fastopen, bool mptcp) {
  LabSysctls sysctls;
  sysctls.tcp_fastopen = tcp_fastopen;
  sysctls.mptcp_enabled = mptcp;
  return apply_sysctls(netns, sysctls);
}

packetgen::Result<std::unique_ptr<TunLink>, std::string> tun(const Netns& netns, const char* device,
                                                             std::vector<std::string> addresses,
                                                             std::vector<std::string> routes) {
  auto link = TunLink::open(netns, TunConfig{device, 1500, std::move(addresses), std::move(routes)});
  if (!link) return failure(fmt::format("{} in {}: {}", device, netns.describe(), link.error()));
  return std::move(*link);
}

}  // namespace

PairLab::PairLab(Netns client, Netns converter, Netns server)
    : client_(std::move(client)), converter_(std::move(converter)), server_(std::move(server)) {}

PairAddresses pair_addresses() {
  namespace lab = addressing;
  return {lab::client_v4(0).to_string(),   lab::client_v6(0).to_string(),  lab::converter_v4().to_string(),
          lab::converter_v6().to_string(), lab::server_v4(10).to_string(), lab::server_v6(0x10).to_string()};
}

PairLabResult PairLab::build(const PairLabSettings& settings) {
  auto client = Netns::create();
  if (!client) return failure(client.error());
  auto converter = Netns::create();
  if (!converter) return failure(converter.error());
  auto server = Netns::create();
  if (!server) return failure(server.error());
  std::unique_ptr<PairLab> lab(new PairLab(std::move(*client), std::move(*converter), std::move(*server)));
  // The client sends SYN data without a TFO cookie (as MSG_FASTOPEN clients
  // need); the converter takes it (0x203, the lab's PUT setting).
  if (auto done = apply_pair_sysctls(lab->client_, 0x5, settings.client_mptcp); !done) return failure(done.error());
  if (auto done = apply_pair_sysctls(lab->converter_, 0x203, true); !done) return failure(done.error());
  if (auto done = apply_pair_sysctls(lab->server_, 0x203, true); !done) return failure(done.error());

  const PairAddresses a = pair_addresses();
  auto client_tun = tun(lab->client_, "tun0", {fmt::format("{}/24", a.client4), fmt::format("{}/64", a.client6)},
                        {"198.51.100.0/24", "2001:db8:2::/64"});
  if (!client_tun) return failure(client_tun.error());
  auto converter_client_tun =
      tun(lab->converter_, "tun0", {fmt::format("{}/24", a.converter4), fmt::format("{}/64", a.converter6)}, {});
  if (!converter_client_tun) return failure(converter_client_tun.error());
  auto converter_server_tun = tun(lab->converter_, "tun1", {"198.51.100.1/24", "2001:db8:2::1/64"}, {});
  if (!converter_server_tun) return failure(converter_server_tun.error());
  auto server_tun = tun(lab->server_, "tun0", {fmt::format("{}/24", a.server4), fmt::format("{}/64", a.server6)},
                        {"192.0.2.0/24", "2001:db8:1::/64"});
  if (!server_tun) return failure(server_tun.error());
  lab->client_tun_ = std::move(*client_tun);
  lab->converter_client_tun_ = std::move(*converter_client_tun);
  lab->converter_server_tun_ = std::move(*converter_server_tun);
  lab->server_tun_ = std::move(*server_tun);

  auto pcap = PcapWriter::open(settings.pcap.string(), CaptureLinkType::RawIp);
  if (!pcap) return failure(pcap.error());
  lab->pcap_ = std::move(*pcap);
  lab->start_wires(settings);
  return lab;
}

void PairLab::start_wires(const PairLabSettings& settings) {
  transforms_ = settings.client_leg_transforms;
  const auto until = Clock::now() + settings.lifetime;
  wires_.emplace_back([this, until] { forward(*client_tun_, *converter_client_tun_, true, true, transforms_, until); });
  wires_.emplace_back(
      [this, until] { forward(*converter_client_tun_, *client_tun_, true, false, transforms_, until); });
  wires_.emplace_back([this, until] {
    forward(*server_tun_, *converter_server_tun_, false, true, std::vector<emulate::Transform>{}, until);
  });
  wires_.emplace_back([this, until] {
    forward(*converter_server_tun_, *server_tun_, false, false, std::vector<emulate::Transform>{}, until);
  });
}

// Bounded by `until` and by stop(): each turn waits at most one tick.
void PairLab::forward(Link& from, Link& to, bool client_leg, bool toward_converter,
                      const std::vector<emulate::Transform>& transforms, Clock::time_point until) {
  while (!stopping_.load() && Clock::now() < until) {
    auto packet = from.receive(std::min(Clock::now() + kWireTick, until));
    if (!packet) continue;
    std::vector<packetgen::Bytes> out{std::move(packet->bytes)};
    for (const auto& transform : transforms) {
      std::vector<packetgen::Bytes> next;
      for (const auto& bytes : out) {
        auto outcome = emulate::apply_transform(transform, bytes);
        if (outcome.changed()) {
          const std::lock_guard lock(mutex_);
          if (std::find(changes_.begin(), changes_.end(), outcome.change) == changes_.end())
            changes_.push_back(outcome.change);
        }
        for (auto& changed : outcome.packets) next.push_back(std::move(changed));
      }
      out = std::move(next);
    }
    for (auto& bytes : out) deliver(to, WirePacket{client_leg, toward_converter, std::move(bytes)});
  }
}

void PairLab::deliver(Link& to, WirePacket packet) {
  (void)to.send(packet.bytes);  // a full device queue drops, as a real link would
  const std::lock_guard lock(mutex_);
  if (pcap_) pcap_->write(packet.bytes, WallClock::now());
  if (delivered_.size() < kKeptPackets) delivered_.push_back(std::move(packet));
}

std::vector<WirePacket> PairLab::delivered() const {
  const std::lock_guard lock(mutex_);
  return delivered_;
}

std::string PairLab::middlebox_changes() const {
  const std::lock_guard lock(mutex_);
  return fmt::format("{}", fmt::join(changes_, "; "));
}

void PairLab::stop() {
  stopping_.store(true);
  for (auto& wire : wires_)
    if (wire.joinable()) wire.join();
  const std::lock_guard lock(mutex_);
  if (pcap_) (void)pcap_->close();
}

PairLab::~PairLab() {
  stop();
  for (auto* link : {&client_tun_, &converter_client_tun_, &converter_server_tun_, &server_tun_})
    if (*link) (*link)->close();
}

}  // namespace convtest::harness::matrix
