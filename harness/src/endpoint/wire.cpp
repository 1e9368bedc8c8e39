#include "harness/endpoint/wire.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "harness/endpoint/summary.hpp"

namespace convtest::harness {
namespace {

namespace pt = packetgen::tcp;

// Error types a receiver must match to a flow; everything else (echo,
// router and neighbour discovery) is noise.
bool is_icmp_error(const packetgen::icmp::Parsed& icmp) {
  if (icmp.addresses.source.family == packetgen::ip::Family::V6) return icmp.type < 128;
  return icmp.type == 3 || icmp.type == 4 || icmp.type == 5 || icmp.type == 11 || icmp.type == 12;
}

constexpr std::size_t kTeardownDrainLimit = 64;

}  // namespace

Wire::Wire(Link& link, WireOptions options, TimeSource& clock)
    : link_(link), options_(std::move(options)), clock_(clock), self_(std::make_shared<Wire*>(this)) {
  link_.before_close([weak = std::weak_ptr<Wire*>(self_)](Link&) {
    if (auto wire = weak.lock()) (*wire)->teardown();
  });
}

Wire::~Wire() {
  teardown();
  self_.reset();
}

void Wire::attach(WireEndpoint& endpoint) {
  if (std::find(endpoints_.begin(), endpoints_.end(), &endpoint) == endpoints_.end()) endpoints_.push_back(&endpoint);
  std::vector<Backlogged> mine;
  for (auto it = backlog_.begin(); it != backlog_.end();) {
    if (route(it->bytes).owner == &endpoint) {
      mine.push_back(std::move(*it));
      it = backlog_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& item : mine) deliver(item.bytes, {&endpoint, PathSide::ClientSide}, item.time, item.event_index);
}

void Wire::detach(WireEndpoint& endpoint) {
  endpoints_.erase(std::remove(endpoints_.begin(), endpoints_.end(), &endpoint), endpoints_.end());
}

PathSide Wire::classify(const FlowKey& key) const {
  const auto& ports = options_.converter_ports;
  return std::find(ports.begin(), ports.end(), key.remote_port) != ports.end() ? PathSide::ClientSide
                                                                               : PathSide::ServerSide;
}

Wire::Routed Wire::route(packetgen::ByteView ip_packet) const {
  Routed routed;
  std::optional<FlowKey> key;
  std::optional<pt::Parsed> segment;
  if (auto tcp = pt::parse(ip_packet); tcp) {
    key = inbound_key(*tcp);
    segment = std::move(tcp.value());
  } else if (auto icmp = packetgen::icmp::parse(ip_packet); icmp && is_icmp_error(*icmp)) {
    if (auto quoted = pt::parse(icmp->quoted); quoted) {
      key = outbound_key(*quoted);
      segment = std::move(quoted.value());
    }
  }
  if (!key) return routed;
  routed.side = classify(*key);
  for (auto* endpoint : endpoints_)
    if (endpoint->wants(*key, *segment)) {
      routed.owner = endpoint;
      break;
    }
  return routed;
}

WireEvent& Wire::log(Direction direction, PathSide side, packetgen::ByteView bytes, WallClock::time_point wall_time,
                     Clock::time_point time) {
  WireEvent event;
  event.index = next_index_++;
  event.direction = direction;
  event.side = side;
  event.time = time;
  event.wall_time = wall_time;
  event.bytes.assign(bytes.begin(), bytes.end());
  event.summary = summarize(bytes);
  if (auto tcp = pt::parse(bytes); tcp)
    event.tcp = std::move(tcp.value());
  else if (auto icmp = packetgen::icmp::parse(bytes); icmp && is_icmp_error(*icmp))
    event.icmp = std::move(*icmp);
  else
    event.noise = true;
  events_.push_back(std::move(event));
  while (events_.size() > options_.event_limit) events_.pop_front();
  return events_.back();
}

const WireEvent* Wire::event(std::size_t index) const {
  const std::size_t first = next_index_ - events_.size();
  if (index < first || index >= next_index_) return nullptr;
  return &events_[index - first];
}

std::vector<const WireEvent*> Wire::events_since(std::size_t first_index) const {
  std::vector<const WireEvent*> out;
  for (const auto& event : events_)
    if (event.index >= first_index) out.push_back(&event);
  return out;
}

Status Wire::send(packetgen::ByteView ip_packet, PathSide side) {
  const auto now = clock_.now();
  const auto wall = WallClock::now();
  auto outcome = middlebox_.process(ip_packet, side, Direction::ToPut);
  if (outcome.changed())
    alterations_.push_back(
        fmt::format("{} {}: {} [{}]", name(side), name(Direction::ToPut), outcome.change, summarize(ip_packet)));
  if (outcome.packets.empty()) {
    auto& event = log(Direction::ToPut, side, ip_packet, wall, now);
    event.dropped = true;
    event.alteration = outcome.change;
    return Done{};
  }
  Status status = Done{};
  for (const auto& packet : outcome.packets) {
    auto& event = log(Direction::ToPut, side, packet, wall, now);
    event.alteration = outcome.change;
    auto sent = link_.send(packet);
    if (!sent && status) status = std::move(sent);
  }
  return status;
}

void Wire::ingest(const Packet& packet) {
  const auto now = clock_.now();
  const Routed routed = route(packet.bytes);
  auto outcome = middlebox_.process(packet.bytes, routed.side, Direction::FromPut);
  auto& event = log(Direction::FromPut, routed.side, packet.bytes, packet.timestamp, now);
  const std::size_t index = event.index;
  if (event.noise) return;
  event.alteration = outcome.change;
  event.dropped = outcome.packets.empty();
  if (outcome.changed())
    alterations_.push_back(
        fmt::format("{} {}: {} [{}]", name(routed.side), name(Direction::FromPut), outcome.change, event.summary));
  for (const auto& bytes : outcome.packets) deliver(bytes, routed, now, index);
}

void Wire::deliver(const packetgen::Bytes& bytes, Routed routed, Clock::time_point time, std::size_t event_index) {
  if (routed.owner == nullptr) {
    backlog_.push_back({bytes, time, event_index});
    while (backlog_.size() > options_.backlog_limit) {
      backlog_.pop_front();
      ++backlog_dropped_;
    }
    return;
  }
  if (auto tcp = pt::parse(bytes); tcp) {
    routed.owner->on_segment({std::move(tcp.value()), time, event_index});
    return;
  }
  if (auto icmp = packetgen::icmp::parse(bytes); icmp) {
    InboundIcmp inbound{std::move(*icmp), std::nullopt, time, event_index};
    if (auto quoted = pt::parse(inbound.icmp.quoted); quoted) inbound.quoted = std::move(quoted.value());
    routed.owner->on_icmp(inbound);
  }
}

std::optional<Clock::time_point> Wire::next_timer() const {
  std::optional<Clock::time_point> earliest;
  for (const auto* endpoint : endpoints_)
    if (auto due = endpoint->next_timer(); due && (!earliest || *due < *earliest)) earliest = due;
  return earliest;
}

void Wire::fire_timers(Clock::time_point now) {
  const auto endpoints = endpoints_;  // a timer may attach or detach endpoints
  for (auto* endpoint : endpoints) {
    if (std::find(endpoints_.begin(), endpoints_.end(), endpoint) == endpoints_.end()) continue;
    if (auto due = endpoint->next_timer(); due && *due <= now) endpoint->on_timer(now);
  }
}

bool Wire::run_until(Clock::time_point deadline, const std::function<bool()>& done) {
  for (;;) {
    const auto now = clock_.now();
    fire_timers(now);
    if (done && done()) return true;
    if (now >= deadline) return false;
    auto wake = deadline;
    if (auto due = next_timer(); due && *due < wake) wake = std::max(*due, now);
    if (auto packet = link_.receive(wake))
      ingest(*packet);
    else
      clock_.wait_until(wake);
  }
}

std::size_t Wire::poll() {
  fire_timers(clock_.now());
  std::size_t read = 0;
  while (auto packet = link_.receive(clock_.now())) {
    ingest(*packet);
    ++read;
  }
  return read;
}

void Wire::reset_backlog_flows() {
  std::set<FlowKey> reset;
  for (const auto& item : backlog_) {
    auto parsed = pt::parse(item.bytes);
    if (!parsed || (parsed->segment.flags & pt::flag::RST)) continue;
    const FlowKey key = inbound_key(*parsed);
    if (!reset.insert(key).second) continue;
    const auto& in = parsed->segment;
    pt::Segment rst;
    rst.source_port = in.destination_port;
    rst.destination_port = in.source_port;
    if (in.flags & pt::flag::ACK) {
      rst.flags = pt::flag::RST;
      rst.seq = in.ack;
    } else {
      rst.flags = pt::flag::RST | pt::flag::ACK;
      const auto consumed = static_cast<std::uint32_t>(in.payload.size()) + ((in.flags & pt::flag::SYN) ? 1U : 0U) +
                            ((in.flags & pt::flag::FIN) ? 1U : 0U);
      rst.ack = in.seq + consumed;
    }
    rst.window = 0;
    const packetgen::ip::Endpoints addresses{parsed->addresses.destination, parsed->addresses.source};
    (void)send(pt::packet(rst, addresses), classify(key));
  }
  backlog_.clear();
}

void Wire::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  for (std::size_t i = 0; i < kTeardownDrainLimit; ++i) {
    auto packet = link_.receive(clock_.now());
    if (!packet) break;
    ingest(*packet);
  }
  const auto endpoints = endpoints_;
  for (auto* endpoint : endpoints) endpoint->abort_all();
  reset_backlog_flows();
}

}  // namespace convtest::harness
