#include "harness/emulate/legacy_server.hpp"

#include <algorithm>

#include "packetgen/icmp.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness::emulate {
namespace {

namespace pt = packetgen::tcp;
using packetgen::Bytes;

constexpr std::uint32_t kServerIsnStride = 100000;

}  // namespace

namespace synack_options {
Bytes none() { return {}; }
Bytes mss_only(std::uint16_t mss) { return pt::mss(mss); }
Bytes linux_full(std::uint32_t tsval, std::uint32_t tsecr, std::uint16_t mss, std::uint8_t window_shift) {
  Bytes out = pt::mss(mss);
  packetgen::put_bytes(out, pt::sack_permitted());
  packetgen::put_bytes(out, pt::timestamps(tsval, tsecr));
  packetgen::put_bytes(out, pt::nop());
  packetgen::put_bytes(out, pt::window_scale(window_shift));
  return out;
}
Bytes mp_capable(std::uint64_t key, std::uint16_t mss) {
  Bytes out = pt::mss(mss);
  packetgen::put_bytes(out, pt::mptcp::mp_capable_synack(key));
  return out;
}
Bytes tfo_cookie(packetgen::ByteView cookie, std::uint16_t mss) {
  Bytes out = pt::mss(mss);
  packetgen::put_bytes(out, pt::fast_open(cookie));
  return out;
}
}  // namespace synack_options

LegacyServer::LegacyServer(Wire& wire, ServerScript script, ServerMatch match)
    : wire_(wire), script_(std::move(script)), match_(std::move(match)) {
  wire_.attach(*this);
}

LegacyServer::~LegacyServer() {
  abort_all();
  wire_.detach(*this);
}

TcpConnection* LegacyServer::find(const FlowKey& key) {
  for (auto& connection : connections_)
    if (connection->flow() == key) return connection.get();
  return nullptr;
}

const TcpConnection* LegacyServer::find(const FlowKey& key) const {
  for (const auto& connection : connections_)
    if (connection->flow() == key) return connection.get();
  return nullptr;
}

bool LegacyServer::wants(const FlowKey& key, const pt::Parsed& segment) const {
  if (find(key) != nullptr) return true;
  if (std::find(refused_.begin(), refused_.end(), key) != refused_.end()) return true;
  for (const auto& delayed : delayed_)
    if (inbound_key(delayed.syn) == key) return true;
  if (!is_bare_syn(segment.segment)) return false;
  if (match_.address && *match_.address != key.local_address) return false;
  if (match_.port && *match_.port != key.local_port) return false;
  return true;
}

void LegacyServer::on_segment(const InboundSegment& inbound) {
  const FlowKey key = inbound_key(inbound.tcp);
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    if (connections_[i]->flow() != key) continue;
    connections_[i]->handle(inbound);
    after_input(i);
    return;
  }
  if (!is_bare_syn(inbound.tcp.segment)) return;
  syns_.push_back({inbound.tcp, inbound.time, inbound.event_index});
  const bool known =
      std::find(refused_.begin(), refused_.end(), key) != refused_.end() ||
      std::any_of(delayed_.begin(), delayed_.end(), [&](const Delayed& d) { return inbound_key(d.syn) == key; });
  if (known && (script_.answer == SynAnswer::Silence || script_.answer == SynAnswer::SynAck)) return;
  answer(syns_.back());
}

void LegacyServer::answer(const ReceivedSyn& syn) {
  const FlowKey key = inbound_key(syn.segment);
  const auto& in = syn.segment.segment;
  switch (script_.answer) {
    case SynAnswer::SynAck:
      if (script_.synack_delay > Clock::duration::zero())
        delayed_.push_back({syn.segment, syn.time + script_.synack_delay});
      else
        open(syn.segment);
      return;
    case SynAnswer::Reset: {
      pt::Segment rst;
      rst.source_port = in.destination_port;
      rst.destination_port = in.source_port;
      rst.flags = pt::flag::RST | pt::flag::ACK;
      rst.ack = in.seq + 1 + static_cast<std::uint32_t>(in.payload.size());
      rst.window = 0;
      (void)wire_.send(pt::packet(rst, {syn.segment.addresses.destination, syn.segment.addresses.source}),
                       PathSide::ServerSide);
      break;
    }
    case SynAnswer::IcmpUnreachable: {
      const WireEvent* event = wire_.event(syn.event_index);
      const Bytes quoted = event ? event->bytes : pt::packet(in, syn.segment.addresses);
      const auto reporter = script_.icmp_reporter.value_or(syn.segment.addresses.destination);
      (void)wire_.send(packetgen::icmp::destination_unreachable(reporter, quoted, script_.icmp_code),
                       PathSide::ServerSide);
      break;
    }
    case SynAnswer::Silence: break;
  }
  if (std::find(refused_.begin(), refused_.end(), key) == refused_.end()) refused_.push_back(key);
}

void LegacyServer::open(const pt::Parsed& syn) {
  TcpConfig config = script_.connection;
  config.flow = inbound_key(syn);
  config.side = PathSide::ServerSide;
  config.isn = script_.isn + static_cast<std::uint32_t>(connections_.size()) * kServerIsnStride;
  connections_.push_back(std::make_unique<TcpConnection>(wire_, std::move(config)));
  handled_.push_back(0);
  spoke_.push_back(false);
  connections_.back()->accept(syn, script_.synack_options, {}, script_.accept_syn_data);
}

void LegacyServer::after_input(std::size_t index) {
  auto& connection = *connections_[index];
  if (!connection.established()) return;
  if (!spoke_[index]) {
    spoke_[index] = true;
    if (!script_.speak_first.empty()) connection.send(script_.speak_first);
  }
  const auto& received = connection.received();
  if (script_.echo && received.size() > handled_[index]) {
    connection.send(packetgen::ByteView(received).subspan(handled_[index]));
  }
  handled_[index] = received.size();
  if (script_.rst_after_bytes && received.size() >= *script_.rst_after_bytes) {
    connection.abort();
    return;
  }
  if (script_.fin_after_bytes && received.size() >= *script_.fin_after_bytes) connection.close();
}

std::optional<Clock::time_point> LegacyServer::next_timer() const {
  std::optional<Clock::time_point> due;
  auto consider = [&](std::optional<Clock::time_point> t) {
    if (t && (!due || *t < *due)) due = t;
  };
  for (const auto& delayed : delayed_) consider(delayed.due);
  for (const auto& connection : connections_) consider(connection->next_timer());
  return due;
}

void LegacyServer::on_timer(Clock::time_point now) {
  std::vector<pt::Parsed> ready;
  std::erase_if(delayed_, [&](const Delayed& d) {
    if (d.due > now) return false;
    ready.push_back(d.syn);
    return true;
  });
  for (const auto& syn : ready) open(syn);
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    auto due = connections_[i]->next_timer();
    if (due && *due <= now) connections_[i]->on_timer(now);
  }
}

void LegacyServer::abort_all() {
  for (auto& connection : connections_) connection->abort();
  // The PUT's half-open connects (silence, pending SYN-ACK) die with an RST too.
  auto reset_syn = [&](const pt::Parsed& syn) {
    pt::Segment rst;
    rst.source_port = syn.segment.destination_port;
    rst.destination_port = syn.segment.source_port;
    rst.flags = pt::flag::RST | pt::flag::ACK;
    rst.ack = syn.segment.seq + 1 + static_cast<std::uint32_t>(syn.segment.payload.size());
    rst.window = 0;
    (void)wire_.send(pt::packet(rst, {syn.addresses.destination, syn.addresses.source}), PathSide::ServerSide);
  };
  for (const auto& delayed : delayed_) reset_syn(delayed.syn);
  delayed_.clear();
  if (script_.answer == SynAnswer::Silence) {
    for (const auto& key : refused_) {
      for (auto it = syns_.rbegin(); it != syns_.rend(); ++it)
        if (inbound_key(it->segment) == key) {
          reset_syn(it->segment);
          break;
        }
    }
  }
  refused_.clear();
}

Bytes LegacyServer::received() const {
  Bytes all;
  for (const auto& connection : connections_) packetgen::put_bytes(all, connection->received());
  return all;
}

bool LegacyServer::any_fin_received() const {
  return std::any_of(connections_.begin(), connections_.end(), [](const auto& c) { return c->fin_received(); });
}

bool LegacyServer::any_reset_received() const {
  return std::any_of(connections_.begin(), connections_.end(), [](const auto& c) { return c->reset_received(); });
}

}  // namespace convtest::harness::emulate
