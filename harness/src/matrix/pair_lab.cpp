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

// A placed converter's link is written by two wires and read by a third;
// a Link is used from one thread at a time (PcapL2Link resolves addresses
// inside send()), so each call holds the lock, and a read holds it for one
// short slice at a time.
class SharedLink final : public Link {
 public:
  explicit SharedLink(Link& inner) : inner_(inner) {}
  Status send(packetgen::ByteView ip_packet) override {
    const std::lock_guard lock(mutex_);
    return inner_.send(ip_packet);
  }
  std::optional<Packet> receive(Clock::time_point deadline) override {
    for (;;) {
      {
        const std::lock_guard lock(mutex_);
        if (auto packet = inner_.receive(std::min(Clock::now() + kSharedReadSlice, deadline))) return packet;
      }
      if (Clock::now() >= deadline) return std::nullopt;
    }
  }
  void record_to(PcapWriter* writer) override { inner_.record_to(writer); }
  std::string describe() const override { return inner_.describe(); }
  void before_close(std::function<void(Link&)> hook) override { inner_.before_close(std::move(hook)); }
  void close() override {}  // the converter's lab closes its own link

 private:
  static constexpr auto kSharedReadSlice = 2ms;
  Link& inner_;
  std::mutex mutex_;
};

// Default routes through a namespace's one TUN (the converter's: through
// its client side): a converter or a client box with addresses of its own,
// outside the lab plan, is still reached.
std::vector<std::string> everything_else() { return {"0.0.0.0/0", "::/0"}; }

std::vector<packetgen::ip::Cidr> server_prefixes() {
  std::vector<packetgen::ip::Cidr> prefixes;
  for (const auto& text : addressing::routed_prefixes())
    if (auto prefix = packetgen::ip::Cidr::parse(text)) prefixes.push_back(prefix.value());
  return prefixes;
}

}  // namespace

PairLab::PairLab(std::optional<Netns> client, std::optional<Netns> converter, Netns server)
    : client_(std::move(client)), converter_(std::move(converter)), server_(std::move(server)) {}

PairAddresses pair_addresses() {
  namespace lab = addressing;
  return {lab::client_v4(0).to_string(),   lab::client_v6(0).to_string(),  lab::converter_v4().to_string(),
          lab::converter_v6().to_string(), lab::server_v4(10).to_string(), lab::server_v6(0x10).to_string()};
}

PairLabResult PairLab::build(const PairLabSettings& settings, std::unique_ptr<Lab> placed_converter,
                             std::unique_ptr<Lab> placed_client) {
  std::optional<Netns> client;
  if (!placed_client) {
    auto created = Netns::create();
    if (!created) return failure(created.error());
    client = std::move(*created);
  }
  std::optional<Netns> converter;
  if (!placed_converter) {
    auto created = Netns::create();
    if (!created) return failure(created.error());
    converter = std::move(*created);
  }
  auto server = Netns::create();
  if (!server) return failure(server.error());
  std::unique_ptr<PairLab> lab(new PairLab(std::move(client), std::move(converter), std::move(*server)));
  if (auto done = apply_pair_sysctls(lab->server_, 0x203, true); !done) return failure(done.error());
  if (placed_client) {
    lab->placed_client_ = std::move(placed_client);
    lab->placed_client_link_ = std::make_unique<SharedLink>(lab->placed_client_->link());
    lab->client_side_ = lab->placed_client_link_.get();
  } else if (auto opened = lab->open_client_tun(settings); !opened) {
    return failure(opened.error());
  }

  const PairAddresses a = pair_addresses();
  auto server_tun =
      tun(lab->server_, "tun0", {fmt::format("{}/24", a.server4), fmt::format("{}/64", a.server6)}, everything_else());
  if (!server_tun) return failure(server_tun.error());
  lab->server_tun_ = std::move(*server_tun);
  if (placed_converter) {
    lab->placed_converter_ = std::move(placed_converter);
    lab->placed_link_ = std::make_unique<SharedLink>(lab->placed_converter_->link());
  } else if (auto opened = lab->open_converter_tuns(); !opened) {
    return failure(opened.error());
  }

  auto pcap = PcapWriter::open(settings.pcap.string(), CaptureLinkType::RawIp);
  if (!pcap) return failure(pcap.error());
  lab->pcap_ = std::move(*pcap);
  if (lab->placed_link_)
    lab->start_placed_wires(settings);
  else
    lab->start_wires(settings);
  return lab;
}

Status PairLab::open_client_tun(const PairLabSettings& settings) {
  // The client sends SYN data without a TFO cookie (as MSG_FASTOPEN clients
  // need); the converter takes it (0x203, the lab's PUT setting).
  if (auto done = apply_pair_sysctls(*client_, 0x5, settings.client_mptcp); !done) return failure(done.error());
  const PairAddresses a = pair_addresses();
  auto client_tun =
      tun(*client_, "tun0", {fmt::format("{}/24", a.client4), fmt::format("{}/64", a.client6)}, everything_else());
  if (!client_tun) return failure(client_tun.error());
  client_tun_ = std::move(*client_tun);
  client_side_ = client_tun_.get();
  return Done{};
}

Status PairLab::open_converter_tuns() {
  if (auto done = apply_pair_sysctls(*converter_, 0x203, true); !done) return failure(done.error());
  const PairAddresses a = pair_addresses();
  auto client_side = tun(*converter_, "tun0", {fmt::format("{}/24", a.converter4), fmt::format("{}/64", a.converter6)},
                         everything_else());
  if (!client_side) return failure(client_side.error());
  auto server_side = tun(*converter_, "tun1", {"198.51.100.1/24", "2001:db8:2::1/64"}, {});
  if (!server_side) return failure(server_side.error());
  converter_client_tun_ = std::move(*client_side);
  converter_server_tun_ = std::move(*server_side);
  return Done{};
}

void PairLab::start_wires(const PairLabSettings& settings) {
  transforms_ = settings.client_leg_transforms;
  const auto until = Clock::now() + settings.lifetime;
  auto fixed = [](Link& to, bool client_leg, bool toward_converter) {
    return [leg = Leg{&to, client_leg, toward_converter}](packetgen::ByteView) { return leg; };
  };
  wires_.emplace_back(
      [this, until, route = fixed(*converter_client_tun_, true, true)] { forward(*client_side_, route, until); });
  wires_.emplace_back(
      [this, until, route = fixed(*client_side_, true, false)] { forward(*converter_client_tun_, route, until); });
  wires_.emplace_back(
      [this, until, route = fixed(*converter_server_tun_, false, true)] { forward(*server_tun_, route, until); });
  wires_.emplace_back(
      [this, until, route = fixed(*server_tun_, false, false)] { forward(*converter_server_tun_, route, until); });
}

void PairLab::start_placed_wires(const PairLabSettings& settings) {
  transforms_ = settings.client_leg_transforms;
  const auto until = Clock::now() + settings.lifetime;
  Link* converter = placed_link_.get();
  wires_.emplace_back([this, until, converter] {
    forward(
        *client_side_,
        [converter](packetgen::ByteView) {
          return Leg{converter, true, true};
        },
        until);
  });
  wires_.emplace_back([this, until, converter] {
    forward(
        *server_tun_,
        [converter](packetgen::ByteView) {
          return Leg{converter, false, true};
        },
        until);
  });
  wires_.emplace_back([this, until, converter, servers = server_prefixes()] {
    const Router demultiplex = [this, &servers](packetgen::ByteView bytes) {
      const auto header = packetgen::ip::parse_header(bytes);
      const bool to_server =
          header && std::any_of(servers.begin(), servers.end(), [&](const packetgen::ip::Cidr& prefix) {
            return prefix.contains(header.value().addresses.destination);
          });
      return to_server ? Leg{server_tun_.get(), false, false} : Leg{client_side_, true, false};
    };
    forward(*converter, demultiplex, until);
  });
}

// Bounded by `until` and by stop(): each turn waits at most one tick.
void PairLab::forward(Link& from, const Router& route, Clock::time_point until) {
  while (!stopping_.load() && Clock::now() < until) {
    auto packet = from.receive(std::min(Clock::now() + kWireTick, until));
    if (!packet) continue;
    const Leg leg = route(packet->bytes);
    static const std::vector<emulate::Transform> kUntouched;
    std::vector<packetgen::Bytes> out{std::move(packet->bytes)};
    for (const auto& transform : leg.client_leg ? transforms_ : kUntouched) {
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
    for (auto& bytes : out) deliver(*leg.to, WirePacket{leg.client_leg, leg.toward_converter, std::move(bytes)});
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
