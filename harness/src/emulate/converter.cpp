#include "harness/emulate/converter.hpp"

#include <algorithm>

#include "packetgen/tcp_options.hpp"

namespace convtest::harness::emulate {
namespace {

namespace pt = packetgen::tcp;
using packetgen::Bytes;

constexpr std::uint32_t kIsnStride = 100000;

// The bytes after the SYN-ACK's share, one segment per piece between cuts.
std::vector<Bytes> pieces_after_handshake(const ConverterScript& script) {
  const std::size_t start = std::min(script.in_synack, script.to_client.size());
  std::vector<Bytes> pieces;
  std::size_t from = start;
  for (std::size_t cut : script.cuts) {
    if (cut <= from || cut >= script.to_client.size()) continue;
    pieces.emplace_back(script.to_client.begin() + static_cast<std::ptrdiff_t>(from),
                        script.to_client.begin() + static_cast<std::ptrdiff_t>(cut));
    from = cut;
  }
  if (from < script.to_client.size())
    pieces.emplace_back(script.to_client.begin() + static_cast<std::ptrdiff_t>(from), script.to_client.end());
  return pieces;
}

}  // namespace

ConverterEmulator::ConverterEmulator(Wire& wire, std::uint16_t port, std::vector<ConverterScript> scripts)
    : wire_(wire), port_(port), scripts_(std::move(scripts)) {
  if (scripts_.empty()) scripts_.emplace_back();
  wire_.attach(*this);
}

ConverterEmulator::~ConverterEmulator() {
  abort_all();
  wire_.detach(*this);
}

const ConverterScript& ConverterEmulator::script_for(std::size_t index) const {
  return scripts_[std::min(index, scripts_.size() - 1)];
}

bool ConverterEmulator::wants(const FlowKey& key, const pt::Parsed& segment) const {
  if (key.local_port != port_) return false;
  const bool known = std::any_of(connections_.begin(), connections_.end(),
                                 [&](const auto& connection) { return connection->flow() == key; }) ||
                     std::find(silent_.begin(), silent_.end(), key) != silent_.end();
  return known || is_bare_syn(segment.segment);
}

void ConverterEmulator::on_segment(const InboundSegment& inbound) {
  const FlowKey key = inbound_key(inbound.tcp);
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    if (connections_[i]->flow() != key) continue;
    connections_[i]->handle(inbound);
    after_input(i);
    return;
  }
  if (!is_bare_syn(inbound.tcp.segment)) return;
  syns_.push_back({inbound.tcp, inbound.time, inbound.event_index});
  if (std::find(silent_.begin(), silent_.end(), key) != silent_.end()) return;
  if (!script_for(connections_.size()).answer) {
    silent_.push_back(key);
    return;
  }
  open(inbound.tcp);
}

void ConverterEmulator::open(const pt::Parsed& syn) {
  const ConverterScript& script = script_for(connections_.size());
  TcpConfig config = script.connection;
  config.flow = inbound_key(syn);
  config.side = PathSide::ClientSide;
  config.isn = script.isn + static_cast<std::uint32_t>(connections_.size()) * kIsnStride;
  connections_.push_back(std::make_unique<TcpConnection>(wire_, std::move(config)));
  rest_sent_.push_back(false);
  const std::size_t in_synack = std::min(script.in_synack, script.to_client.size());
  const auto options = pt::parse_options(syn.segment.options);
  if (script.mptcp_key && options.find_mptcp(pt::mptcp::Subtype::MpCapable) != nullptr) {
    mptcp_.push_back(std::make_unique<MptcpServerSide>(*script.mptcp_key, in_synack));
    connections_.back()->set_hooks(mptcp_.back().get());
  } else {
    mptcp_.push_back(nullptr);
  }
  connections_.back()->accept(
      syn, script.synack_options,
      Bytes(script.to_client.begin(), script.to_client.begin() + static_cast<std::ptrdiff_t>(in_synack)),
      script.ack_syn_payload);
}

void ConverterEmulator::after_input(std::size_t index) {
  auto& connection = *connections_[index];
  if (!connection.established()) return;
  const ConverterScript& script = script_for(index);
  if (!rest_sent_[index]) {
    rest_sent_[index] = true;
    const auto now = wire_.now();
    Clock::duration delay{};
    for (Bytes& piece : pieces_after_handshake(script)) {
      if (delay == Clock::duration::zero())
        connection.send(piece);
      else
        pending_.push_back({index, std::move(piece), now + delay});
      delay += script.gap;
    }
  }
  close_if_done(index);
}

void ConverterEmulator::close_if_done(std::size_t index) {
  auto& connection = *connections_[index];
  const bool holding = std::any_of(pending_.begin(), pending_.end(),
                                   [index](const Pending& pending) { return pending.connection == index; });
  // An MPTCP client closes its side with a DATA_FIN, maybe long before the
  // subflow's FIN.
  const bool client_closed = connection.fin_received() || (mptcp_[index] && mptcp_[index]->client_data_fin());
  if (script_for(index).close_after_client_fin && client_closed && !holding) connection.close();
}

std::optional<Clock::time_point> ConverterEmulator::next_timer() const {
  std::optional<Clock::time_point> due;
  for (const auto& pending : pending_)
    if (!due || pending.due < *due) due = pending.due;
  for (const auto& connection : connections_) {
    const auto next = connection->next_timer();
    if (next && (!due || *next < *due)) due = next;
  }
  return due;
}

void ConverterEmulator::on_timer(Clock::time_point now) {
  // In order: a later piece is never due before an earlier one.
  while (!pending_.empty() && pending_.front().due <= now) {
    const std::size_t index = pending_.front().connection;
    connections_[index]->send(pending_.front().piece);
    pending_.erase(pending_.begin());
    close_if_done(index);
  }
  for (auto& connection : connections_) {
    const auto due = connection->next_timer();
    if (due && *due <= now) connection->on_timer(now);
  }
}

void ConverterEmulator::abort_all() {
  for (auto& connection : connections_) connection->abort();
}

}  // namespace convtest::harness::emulate
