#include "harness/link/pcap_l2_link.hpp"

#include <fmt/format.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <tins/tins.h>

#include <algorithm>

#include "harness/link/pcap_writer.hpp"

namespace convtest::harness {
namespace {

namespace ip = packetgen::ip;
using packetgen::failure;
using std::chrono::milliseconds;

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherArp = 0x0806;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr int kFramesPerPump = 256;
constexpr milliseconds kResolveRetry{250};

Tins::HWAddress<6> to_tins(const MacAddress& mac) { return Tins::HWAddress<6>(mac.data()); }

MacAddress from_tins(const Tins::HWAddress<6>& mac) {
  MacAddress out{};
  std::copy(mac.begin(), mac.end(), out.begin());
  return out;
}

Tins::IPv4Address to_tins_v4(const ip::Address& address) { return Tins::IPv4Address(address.to_string()); }
Tins::IPv6Address to_tins_v6(const ip::Address& address) { return Tins::IPv6Address(address.bytes.data()); }
ip::Address from_tins_v4(const Tins::IPv4Address& address) {
  return ip::Address::v4(static_cast<std::uint32_t>(Tins::Endian::be_to_host(static_cast<std::uint32_t>(address))));
}
ip::Address from_tins_v6(const Tins::IPv6Address& address) {
  ip::Address out;
  out.family = ip::Family::V6;
  std::copy(address.begin(), address.end(), out.bytes.begin());
  return out;
}

// ff02::1:ffXX:XXXX for the last 24 bits of `target` (RFC 4291 §2.7.1).
ip::Address solicited_node(const ip::Address& target) {
  ip::Address group = ip::Address::must_parse("ff02::1:ff00:0");
  std::copy(target.bytes.begin() + 13, target.bytes.end(), group.bytes.begin() + 13);
  return group;
}

// 33:33 + the last 32 bits of the group (RFC 2464 §7).
MacAddress multicast_mac(const ip::Address& group) {
  return {0x33, 0x33, group.bytes[12], group.bytes[13], group.bytes[14], group.bytes[15]};
}

WallClock::time_point capture_time(const pcap_pkthdr& header) {
  return WallClock::time_point(std::chrono::duration_cast<WallClock::duration>(
      std::chrono::seconds(header.ts.tv_sec) + std::chrono::microseconds(header.ts.tv_usec)));
}

}  // namespace

std::string to_string(const MacAddress& mac) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

struct PcapL2Link::Capture {
  pcap_t* pcap = nullptr;
  int fd = -1;
  ~Capture() {
    if (pcap != nullptr) pcap_close(pcap);
  }
};

PcapL2Link::PcapL2Link(std::unique_ptr<Capture> capture, L2Config config, std::vector<ip::Cidr> owned,
                       std::string netns_text)
    : capture_(std::move(capture)),
      config_(std::move(config)),
      owned_(std::move(owned)),
      netns_text_(std::move(netns_text)),
      put_mac_v4_(config_.put_mac),
      put_mac_v6_(config_.put_mac) {}

PcapL2Link::~PcapL2Link() { close(); }

PcapL2LinkResult PcapL2Link::open(const Netns* netns, const L2Config& config) {
  if ((config.local_mac[0] & 0x03) != 0x02) {
    return failure(fmt::format("local MAC {} must be unicast and locally administered", to_string(config.local_mac)));
  }
  std::vector<ip::Cidr> owned;
  for (const auto& text : config.owned_prefixes) {
    const auto prefix = ip::Cidr::parse(text);
    if (!prefix) return failure(fmt::format("bad owned prefix {}", prefix.error()));
    owned.push_back(*prefix);
  }

  std::optional<NetnsGuard> entered;
  if (netns != nullptr) {
    auto guard = netns->enter();
    if (!guard) return failure(guard.error());
    entered.emplace(std::move(*guard));
  }
  auto capture = std::make_unique<Capture>();
  char error[PCAP_ERRBUF_SIZE] = {};
  capture->pcap = pcap_create(config.interface.c_str(), error);
  if (capture->pcap == nullptr) return failure(fmt::format("pcap on {}: {}", config.interface, error));
  pcap_set_snaplen(capture->pcap, 65535);
  pcap_set_promisc(capture->pcap, config.promiscuous ? 1 : 0);
  pcap_set_immediate_mode(capture->pcap, 1);
  if (const int status = pcap_activate(capture->pcap); status < 0) {
    std::string text = fmt::format("pcap on {}: {}", config.interface, pcap_geterr(capture->pcap));
    if (status == PCAP_ERROR_PERM_DENIED) text += " (needs CAP_NET_RAW)";
    return failure(text);
  }
  if (pcap_datalink(capture->pcap) != DLT_EN10MB) {
    return failure(fmt::format("{} is not an Ethernet interface", config.interface));
  }
  // Inbound only: the harness never reads back its own frames.
  if (pcap_setnonblock(capture->pcap, 1, error) != 0 || pcap_setdirection(capture->pcap, PCAP_D_IN) != 0) {
    return failure(fmt::format("pcap on {}: {}", config.interface, pcap_geterr(capture->pcap)));
  }
  capture->fd = pcap_get_selectable_fd(capture->pcap);
  if (capture->fd < 0) return failure(fmt::format("pcap on {}: no selectable fd", config.interface));
  const std::string netns_text = netns != nullptr ? netns->describe() : std::string("the harness's namespace");
  return std::unique_ptr<PcapL2Link>(new PcapL2Link(std::move(capture), config, std::move(owned), netns_text));
}

bool PcapL2Link::owns(const ip::Address& address) const {
  if (address == config_.put_v4 || (config_.put_v6 && address == *config_.put_v6)) return false;
  return std::any_of(owned_.begin(), owned_.end(), [&](const ip::Cidr& prefix) { return prefix.contains(address); });
}

std::optional<MacAddress> PcapL2Link::put_mac(ip::Family family) const {
  return family == ip::Family::V4 ? put_mac_v4_ : put_mac_v6_;
}

Status PcapL2Link::inject(packetgen::ByteView frame) {
  if (capture_ == nullptr) return failure(fmt::format("{}: link closed", describe()));
  const auto when = WallClock::now();
  if (pcap_inject(capture_->pcap, frame.data(), frame.size()) != static_cast<int>(frame.size())) {
    return failure(fmt::format("{}: inject: {}", describe(), pcap_geterr(capture_->pcap)));
  }
  if (recorder_ != nullptr) recorder_->write(frame, when);
  return Done{};
}

Status PcapL2Link::request_put_mac(ip::Family family) {
  if (family == ip::Family::V4) {
    Tins::EthernetII request = Tins::ARP::make_arp_request(to_tins_v4(config_.put_v4), to_tins_v4(config_.resolver_v4),
                                                           to_tins(config_.local_mac));
    request.src_addr(to_tins(config_.local_mac));
    const auto frame = request.serialize();
    return inject(frame);
  }
  const ip::Address group = solicited_node(*config_.put_v6);
  Tins::ICMPv6 solicit(Tins::ICMPv6::NEIGHBOUR_SOLICIT);
  solicit.target_addr(to_tins_v6(*config_.put_v6));
  solicit.source_link_layer_addr(to_tins(config_.local_mac));
  Tins::IPv6 packet(to_tins_v6(group), to_tins_v6(config_.resolver_v6));
  packet.hop_limit(255);
  Tins::EthernetII frame(to_tins(multicast_mac(group)), to_tins(config_.local_mac));
  frame /= packet / solicit;
  const auto bytes = frame.serialize();
  return inject(bytes);
}

Status PcapL2Link::resolve(ip::Family family) {
  if (put_mac(family)) return Done{};
  if (family == ip::Family::V6 && !config_.put_v6) {
    return failure(fmt::format("{}: no IPv6 address configured for the PUT", describe()));
  }
  const auto deadline = Clock::now() + config_.resolve_timeout;
  // Bounded by the deadline; a request every kResolveRetry.
  while (Clock::now() < deadline) {
    if (auto sent = request_put_mac(family); !sent) return sent;
    const auto retry_at = std::min(deadline, Clock::now() + kResolveRetry);
    while (!put_mac(family) && Clock::now() < retry_at) pump(retry_at);
    if (put_mac(family)) return Done{};
  }
  const std::string who = family == ip::Family::V4 ? config_.put_v4.to_string() : config_.put_v6->to_string();
  return failure(fmt::format("{}: the PUT {} did not answer {} within {} ms", describe(), who,
                             family == ip::Family::V4 ? "ARP" : "neighbour solicitation",
                             config_.resolve_timeout.count()));
}

Status PcapL2Link::send(packetgen::ByteView ip_packet) {
  auto header = ip::parse_header(ip_packet);
  if (!header) return failure(fmt::format("{}: refusing to send something that is not an IP packet", describe()));
  const ip::Family family = header->addresses.destination.family;
  if (auto resolved = resolve(family); !resolved) return resolved;
  Tins::EthernetII frame(to_tins(*put_mac(family)), to_tins(config_.local_mac));
  frame.payload_type(family == ip::Family::V4 ? kEtherIpv4 : kEtherIpv6);
  frame /= Tins::RawPDU(ip_packet.data(), static_cast<std::uint32_t>(ip_packet.size()));
  const auto bytes = frame.serialize();
  return inject(bytes);
}

void PcapL2Link::handle_arp(packetgen::ByteView frame) {
  constexpr std::size_t kEthernetHeader = 14;  // EthernetII::header_size()
  try {
    const Tins::ARP arp(frame.data() + kEthernetHeader, static_cast<std::uint32_t>(frame.size() - kEthernetHeader));
    const ip::Address sender = from_tins_v4(arp.sender_ip_addr());
    if (sender == config_.put_v4) put_mac_v4_ = from_tins(arp.sender_hw_addr());
    const ip::Address target = from_tins_v4(arp.target_ip_addr());
    if (arp.opcode() != Tins::ARP::REQUEST || !owns(target)) return;
    Tins::EthernetII reply = Tins::ARP::make_arp_reply(arp.sender_ip_addr(), arp.target_ip_addr(), arp.sender_hw_addr(),
                                                       to_tins(config_.local_mac));
    reply.src_addr(to_tins(config_.local_mac));
    const auto bytes = reply.serialize();
    if (auto sent = inject(bytes); !sent) last_error_ = sent.error();
  } catch (const Tins::exception_base&) {
    // A malformed ARP frame: nothing to answer.
  }
}

bool PcapL2Link::handle_neighbour_discovery(packetgen::ByteView frame) {
  constexpr std::size_t kEthernetHeader = 14;
  try {
    const Tins::EthernetII ethernet(frame.data(), static_cast<std::uint32_t>(kEthernetHeader));
    const Tins::IPv6 packet(frame.data() + kEthernetHeader, static_cast<std::uint32_t>(frame.size() - kEthernetHeader));
    const auto* icmp = packet.find_pdu<Tins::ICMPv6>();
    if (icmp == nullptr) return false;
    const bool solicit = icmp->type() == Tins::ICMPv6::NEIGHBOUR_SOLICIT;
    if (!solicit && icmp->type() != Tins::ICMPv6::NEIGHBOUR_ADVERT) return false;
    const ip::Address target = from_tins_v6(icmp->target_addr());
    const ip::Address source = from_tins_v6(packet.src_addr());
    const bool from_put = config_.put_v6 && (source == *config_.put_v6 || (!solicit && target == *config_.put_v6));
    if (from_put) put_mac_v6_ = from_tins(ethernet.src_addr());
    const bool duplicate_address_detection = source == ip::Address::must_parse("::");
    if (!solicit || duplicate_address_detection || !owns(target)) return true;
    Tins::ICMPv6 advert(Tins::ICMPv6::NEIGHBOUR_ADVERT);
    advert.target_addr(icmp->target_addr());
    advert.solicited(1);
    advert.override(1);
    advert.target_link_layer_addr(to_tins(config_.local_mac));
    Tins::IPv6 reply(packet.src_addr(), icmp->target_addr());
    reply.hop_limit(255);
    Tins::EthernetII out(ethernet.src_addr(), to_tins(config_.local_mac));
    out /= reply / advert;
    const auto bytes = out.serialize();
    if (auto sent = inject(bytes); !sent) last_error_ = sent.error();
    return true;
  } catch (const Tins::exception_base&) {
    return false;  // not parseable as NDP: handed up as an IP packet
  }
}

void PcapL2Link::handle_frame(packetgen::ByteView frame, WallClock::time_point when) {
  constexpr std::size_t kEthernetHeader = 14;
  if (frame.size() < kEthernetHeader) return;
  const Tins::EthernetII ethernet(frame.data(), static_cast<std::uint32_t>(kEthernetHeader));
  const auto type = ethernet.payload_type();
  if (type == kEtherArp) {
    handle_arp(frame);
    return;
  }
  if (type != kEtherIpv4 && type != kEtherIpv6) return;
  const bool for_us = ethernet.dst_addr() == to_tins(config_.local_mac) || !ethernet.dst_addr().is_unicast();
  if (!for_us) return;  // another host's unicast seen in promiscuous mode
  if (type == kEtherIpv6 && handle_neighbour_discovery(frame)) return;
  const auto payload = frame.subspan(kEthernetHeader);
  auto header = ip::parse_header(payload);
  if (!header) {
    last_error_ = fmt::format("{}: dropped a frame that is not a valid IP packet", describe());
    return;
  }
  const ip::Address& source = header->addresses.source;
  if (source == config_.put_v4) put_mac_v4_ = from_tins(ethernet.src_addr());
  if (config_.put_v6 && source == *config_.put_v6) put_mac_v6_ = from_tins(ethernet.src_addr());
  // Ethernet pads short frames to 60 bytes: keep only the IP packet.
  const auto ip_bytes = payload.first(std::min(header->total_size, payload.size()));
  inbox_.push_back(Packet{packetgen::Bytes(ip_bytes.begin(), ip_bytes.end()), when});
}

bool PcapL2Link::pump(Clock::time_point deadline) {
  if (capture_ == nullptr) return false;
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
  pollfd waiting{capture_->fd, POLLIN, 0};
  const int timeout = static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000));
  if (::poll(&waiting, 1, timeout) <= 0) return false;
  bool any = false;
  for (int i = 0; i < kFramesPerPump; ++i) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int got = pcap_next_ex(capture_->pcap, &header, &data);
    if (got == 0) break;
    if (got < 0) {
      last_error_ = fmt::format("{}: read: {}", describe(), pcap_geterr(capture_->pcap));
      break;
    }
    any = true;
    const packetgen::ByteView frame(data, header->caplen);
    const auto when = capture_time(*header);
    if (recorder_ != nullptr) recorder_->write(frame, when);
    handle_frame(frame, when);
  }
  return any;
}

std::optional<Packet> PcapL2Link::receive(Clock::time_point deadline) {
  // Bounded by the deadline; at least one non-blocking look even when past it.
  for (bool first = true;; first = false) {
    if (!inbox_.empty()) {
      Packet packet = std::move(inbox_.front());
      inbox_.pop_front();
      return packet;
    }
    if (capture_ == nullptr || (!first && Clock::now() >= deadline)) return std::nullopt;
    pump(deadline);
  }
}

void PcapL2Link::record_to(PcapWriter* writer) { recorder_ = writer; }

std::string PcapL2Link::describe() const {
  return fmt::format("{} (L2, {}) in {}", config_.interface, to_string(config_.local_mac), netns_text_);
}

void PcapL2Link::before_close(std::function<void(Link&)> hook) { close_hooks_.push_back(std::move(hook)); }

void PcapL2Link::close() {
  if (capture_ == nullptr) return;
  auto hooks = std::move(close_hooks_);
  close_hooks_.clear();
  for (auto& hook : hooks) hook(*this);
  capture_.reset();
}

}  // namespace convtest::harness
