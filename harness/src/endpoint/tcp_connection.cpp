#include "harness/endpoint/tcp_connection.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "harness/endpoint/summary.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness {
namespace {

namespace pt = packetgen::tcp;

std::uint32_t sequence_space(const pt::Segment& segment) {
  return static_cast<std::uint32_t>(segment.payload.size()) + ((segment.flags & pt::flag::SYN) ? 1U : 0U) +
         ((segment.flags & pt::flag::FIN) ? 1U : 0U);
}

bool offers_window_scale(packetgen::ByteView options) {
  return pt::parse_options(options).find(pt::kind::WindowScale) != nullptr;
}

}  // namespace

std::string_view name(TcpState state) {
  switch (state) {
    case TcpState::Closed: return "CLOSED";
    case TcpState::SynSent: return "SYN-SENT";
    case TcpState::SynReceived: return "SYN-RECEIVED";
    case TcpState::Established: return "ESTABLISHED";
    case TcpState::FinWait1: return "FIN-WAIT-1";
    case TcpState::FinWait2: return "FIN-WAIT-2";
    case TcpState::CloseWait: return "CLOSE-WAIT";
    case TcpState::Closing: return "CLOSING";
    case TcpState::LastAck: return "LAST-ACK";
    case TcpState::TimeWait: return "TIME-WAIT";
    case TcpState::Reset: return "RESET";
  }
  return "?";
}

std::string_view name(TcpEvent::Kind kind) {
  switch (kind) {
    case TcpEvent::Kind::Sent: return "sent";
    case TcpEvent::Kind::Received: return "received";
    case TcpEvent::Kind::Established: return "established";
    case TcpEvent::Kind::Data: return "data";
    case TcpEvent::Kind::OutOfOrder: return "out-of-order";
    case TcpEvent::Kind::Duplicate: return "duplicate";
    case TcpEvent::Kind::Fin: return "fin";
    case TcpEvent::Kind::Reset: return "reset";
    case TcpEvent::Kind::Retransmit: return "retransmit";
    case TcpEvent::Kind::GaveUp: return "gave-up";
    case TcpEvent::Kind::Icmp: return "icmp";
  }
  return "?";
}

std::uint32_t TcpConnection::InFlight::end_seq() const { return segment.seq + sequence_space(segment); }

TcpConnection::TcpConnection(Wire& wire, TcpConfig config) : wire_(wire), config_(std::move(config)) {
  snd_una_ = snd_nxt_ = config_.isn;
}

// ------------------------------------------------------------------ opening

void TcpConnection::connect(packetgen::Bytes syn_options, packetgen::Bytes syn_payload) {
  if (state_ != TcpState::Closed) return;
  state_ = TcpState::SynSent;
  syn_payload_size_ = syn_payload.size();
  emit(pt::flag::SYN, std::move(syn_payload), std::move(syn_options), true);
  we_offered_window_scale_ = offers_window_scale(in_flight_.back().segment.options);
}

void TcpConnection::accept(const pt::Parsed& syn, packetgen::Bytes synack_options, packetgen::Bytes synack_payload,
                           bool take_syn_data) {
  if (state_ != TcpState::Closed) return;
  record(TcpEvent::Kind::Received, summarize(syn));
  if (hooks_) hooks_->on_received(syn);
  irs_ = syn.segment.seq;
  rcv_nxt_ = syn.segment.seq + 1;
  peer_syn_ = syn;
  learn_peer_options(syn);
  if (take_syn_data && !syn.segment.payload.empty()) {
    peer_syn_payload_size_ = syn.segment.payload.size();
    take_data(syn, wire_.now());
  }
  state_ = TcpState::SynReceived;
  handshake_acked_ = true;
  emit(pt::flag::SYN | pt::flag::ACK, std::move(synack_payload), std::move(synack_options), true);
  we_offered_window_scale_ = offers_window_scale(in_flight_.back().segment.options);
}

void TcpConnection::learn_peer_options(const pt::Parsed& syn) {
  const auto options = pt::parse_options(syn.segment.options);
  if (const auto* mss = options.find(pt::kind::MSS); mss && std::holds_alternative<pt::MssOption>(mss->value))
    peer_mss_ = std::get<pt::MssOption>(mss->value).value;
  if (const auto* ws = options.find(pt::kind::WindowScale);
      ws && std::holds_alternative<pt::WindowScaleOption>(ws->value))
    peer_window_shift_ = std::min<std::uint8_t>(std::get<pt::WindowScaleOption>(ws->value).shift, 14);
  else
    peer_window_shift_ = 0;
  peer_window_ = syn.segment.window;  // never scaled in a SYN
}

// ------------------------------------------------------------------ sending

pt::Segment TcpConnection::build(std::uint8_t flags, std::uint32_t seq, packetgen::Bytes payload,
                                 packetgen::Bytes options) const {
  pt::Segment segment;
  segment.source_port = config_.flow.local_port;
  segment.destination_port = config_.flow.remote_port;
  segment.seq = seq;
  segment.ack = (flags & pt::flag::ACK) ? rcv_nxt_ : 0;
  segment.flags = flags;
  segment.window = config_.window;
  segment.options = std::move(options);
  segment.payload = std::move(payload);
  return segment;
}

pt::Segment TcpConnection::segment_template() const {
  return build(pt::flag::ACK, snd_nxt_, {}, config_.default_options);
}

std::size_t TcpConnection::stream_offset_of(std::uint32_t seq) const { return seq - (config_.isn + 1); }

packetgen::Bytes TcpConnection::options_for(std::uint8_t flags, std::uint32_t seq, packetgen::ByteView payload,
                                            const std::optional<packetgen::Bytes>& chosen, bool retransmission) {
  packetgen::Bytes options =
      chosen ? *chosen : ((flags & pt::flag::SYN) ? packetgen::Bytes{} : config_.default_options);
  if (hooks_) {
    const OutgoingSegment outgoing{
        flags, seq, (flags & pt::flag::SYN) ? 0 : stream_offset_of(seq), payload.size(), retransmission, payload};
    packetgen::put_bytes(options, hooks_->options_for(outgoing));
  }
  return options;
}

void TcpConnection::transmit(const pt::Segment& segment) {
  const packetgen::ip::Endpoints addresses{config_.flow.local_address, config_.flow.remote_address};
  const auto bytes = pt::packet(segment, addresses);
  auto sent = wire_.send(bytes, config_.side);
  record(TcpEvent::Kind::Sent, sent ? summarize(bytes) : "send failed: " + sent.error());
}

void TcpConnection::emit(std::uint8_t flags, packetgen::Bytes payload, std::optional<packetgen::Bytes> options,
                         bool track) {
  auto chosen = options_for(flags, snd_nxt_, payload, options, false);
  auto segment = build(flags, snd_nxt_, std::move(payload), std::move(chosen));
  const auto consumed = sequence_space(segment);
  snd_nxt_ += consumed;
  if (track && consumed > 0) in_flight_.push_back({segment, wire_.now(), 0});
  transmit(segment);
}

void TcpConnection::send(packetgen::ByteView data, std::optional<packetgen::Bytes> options) {
  if (data.empty()) return;
  unsent_.push_back({packetgen::Bytes(data.begin(), data.end()), std::move(options)});
  flush();
}

std::size_t TcpConnection::bytes_queued() const {
  std::size_t total = 0;
  for (const auto& pending : unsent_) total += pending.data.size();
  return total;
}

void TcpConnection::flush() {
  const bool can_send = state_ == TcpState::Established || state_ == TcpState::CloseWait;
  if (!can_send || !handshake_acked_) return;
  const std::size_t segment_limit = std::max<std::size_t>(1, std::min<std::size_t>(config_.mss, peer_mss_));
  while (!unsent_.empty()) {
    const std::uint32_t outstanding = snd_nxt_ - snd_una_;
    if (outstanding >= peer_window_) break;
    auto& front = unsent_.front();
    const std::size_t room =
        std::min({static_cast<std::size_t>(peer_window_ - outstanding), segment_limit, front.data.size()});
    packetgen::Bytes chunk(front.data.begin(), front.data.begin() + static_cast<std::ptrdiff_t>(room));
    front.data.erase(front.data.begin(), front.data.begin() + static_cast<std::ptrdiff_t>(room));
    auto options = front.options;
    if (front.data.empty()) unsent_.erase(unsent_.begin());
    emit(pt::flag::ACK | pt::flag::PSH, std::move(chunk), std::move(options), true);
  }
  if (unsent_.empty() && fin_queued_ && !fin_sent_) {
    fin_sent_ = true;
    emit(pt::flag::FIN | pt::flag::ACK, {}, std::nullopt, true);
    state_ = state_ == TcpState::CloseWait ? TcpState::LastAck : TcpState::FinWait1;
  }
}

void TcpConnection::close() {
  if (!is_open() || fin_queued_) return;
  fin_queued_ = true;
  flush();
}

void TcpConnection::abort(packetgen::Bytes options) {
  if (!is_open()) return;
  const bool synchronized = irs_.has_value();
  auto segment =
      build(synchronized ? (pt::flag::RST | pt::flag::ACK) : pt::flag::RST, snd_nxt_, {}, std::move(options));
  segment.window = 0;
  transmit(segment);
  record(TcpEvent::Kind::Reset, "sent RST");
  state_ = TcpState::Closed;
  in_flight_.clear();
  unsent_.clear();
  third_ack_due_.reset();
}

void TcpConnection::send_ack() { emit(pt::flag::ACK, {}, std::nullopt, false); }

void TcpConnection::maybe_ack() {
  if (!handshake_acked_) return;
  if (config_.acks == AckMode::Never) return;
  send_ack();
}

void TcpConnection::complete_handshake() {
  handshake_acked_ = true;
  send_ack();
  flush();
}

void TcpConnection::retransmit_now() {
  if (in_flight_.empty()) return;
  auto& oldest = in_flight_.front();
  if (oldest.segment.flags & pt::flag::ACK) oldest.segment.ack = rcv_nxt_;
  oldest.sent_at = wire_.now();
  ++oldest.retransmissions;
  record(TcpEvent::Kind::Retransmit,
         fmt::format("retransmission {} of seq {}", oldest.retransmissions, oldest.segment.seq));
  transmit(oldest.segment);
}

Status TcpConnection::send_raw(const pt::Segment& segment) {
  pt::Segment copy = segment;
  copy.source_port = config_.flow.local_port;
  copy.destination_port = config_.flow.remote_port;
  const packetgen::ip::Endpoints addresses{config_.flow.local_address, config_.flow.remote_address};
  const auto bytes = pt::packet(copy, addresses);
  record(TcpEvent::Kind::Sent, "raw: " + summarize(bytes));
  return wire_.send(bytes, config_.side);
}

// ------------------------------------------------------------------ receiving

void TcpConnection::handle(const InboundSegment& inbound) {
  const auto& in = inbound.tcp;
  record(TcpEvent::Kind::Received, summarize(in));
  if (hooks_) hooks_->on_received(in);
  if (in.segment.flags & pt::flag::RST) {
    if (state_ == TcpState::Closed) return;
    reset_received_ = true;
    state_ = TcpState::Reset;
    in_flight_.clear();
    third_ack_due_.reset();
    record(TcpEvent::Kind::Reset, "RST received");
    return;
  }
  switch (state_) {
    case TcpState::Closed:
    case TcpState::Reset: return;
    case TcpState::SynSent: on_syn_sent(in, inbound.time); return;
    case TcpState::SynReceived:
      if ((in.segment.flags & pt::flag::SYN) && !(in.segment.flags & pt::flag::ACK)) {
        retransmit_now();  // the peer did not get our SYN-ACK
        return;
      }
      [[fallthrough]];
    default: on_synchronized(in, inbound.time);
  }
}

void TcpConnection::on_syn_sent(const pt::Parsed& in, Clock::time_point now) {
  const auto& s = in.segment;
  const std::uint8_t synack = pt::flag::SYN | pt::flag::ACK;
  if ((s.flags & synack) != synack) return;
  if (!seq_before(config_.isn, s.ack) || seq_before(snd_nxt_, s.ack)) {
    record(TcpEvent::Kind::Received, fmt::format("unacceptable SYN-ACK ack {} (snd_nxt {})", s.ack, snd_nxt_));
    return;
  }
  irs_ = s.seq;
  rcv_nxt_ = s.seq + 1;
  peer_syn_ = in;
  learn_peer_options(in);
  syn_payload_acked_ = s.ack == snd_nxt_;
  snd_una_ = s.ack;
  if (!*syn_payload_acked_) {
    const std::size_t acked = s.ack - (config_.isn + 1);
    auto& syn = in_flight_.front().segment;
    if (config_.resend_unacked_syn_data && acked < syn.payload.size())
      unsent_.insert(unsent_.begin(), Pending{packetgen::Bytes(syn.payload.begin() + static_cast<std::ptrdiff_t>(acked),
                                                               syn.payload.end()),
                                              std::nullopt});
    snd_nxt_ = s.ack;
  }
  in_flight_.clear();
  state_ = TcpState::Established;
  ever_established_ = true;
  record(TcpEvent::Kind::Established,
         fmt::format("SYN-ACK acks {} of {} SYN payload bytes", s.ack - (config_.isn + 1), syn_payload_size_));
  if (!s.payload.empty()) {
    peer_syn_payload_size_ = s.payload.size();
    take_data(in, now);
  }
  if (s.flags & pt::flag::FIN) take_fin(now);
  switch (config_.third_ack.mode) {
    case ThirdAck::Mode::Immediate: complete_handshake(); break;
    case ThirdAck::Mode::Delayed: third_ack_due_ = now + config_.third_ack.delay; break;
    case ThirdAck::Mode::Never: break;
  }
}

void TcpConnection::on_synchronized(const pt::Parsed& in, Clock::time_point now) {
  const auto& s = in.segment;
  if (s.flags & pt::flag::SYN) {  // a retransmitted SYN-ACK: our ACK got lost
    maybe_ack();
    return;
  }
  if (s.flags & pt::flag::ACK) take_ack(in);
  if (state_ == TcpState::SynReceived && (s.flags & pt::flag::ACK) && seq_before(config_.isn, snd_una_)) {
    state_ = TcpState::Established;
    ever_established_ = true;
    record(TcpEvent::Kind::Established, "handshake completed");
  }
  bool ack_due = take_data(in, now);
  if (s.flags & pt::flag::FIN) {
    peer_fin_seq_ = s.seq + static_cast<std::uint32_t>(s.payload.size());
    ack_due = true;
    if (!fin_received_ && *peer_fin_seq_ == rcv_nxt_) take_fin(now);
  }
  if (ack_due) maybe_ack();
  flush();
}

void TcpConnection::take_ack(const pt::Parsed& in) {
  const auto& s = in.segment;
  if (seq_before(snd_una_, s.ack) && seq_before_or_equal(s.ack, snd_nxt_)) snd_una_ = s.ack;
  peer_window_ = static_cast<std::uint32_t>(s.window) << peer_window_shift_;
  if (!we_offered_window_scale_) peer_window_ = s.window;
  std::erase_if(in_flight_, [&](const InFlight& f) { return seq_before_or_equal(f.end_seq(), snd_una_); });
  if (fin_sent_ && snd_una_ == snd_nxt_) {
    if (state_ == TcpState::FinWait1)
      state_ = TcpState::FinWait2;
    else if (state_ == TcpState::Closing)
      state_ = TcpState::TimeWait;
    else if (state_ == TcpState::LastAck)
      state_ = TcpState::Closed;
  }
}

bool TcpConnection::take_data(const pt::Parsed& in, Clock::time_point now) {
  const auto& payload = in.segment.payload;
  if (payload.empty()) return false;
  const std::uint32_t seq = in.segment.seq + ((in.segment.flags & pt::flag::SYN) ? 1U : 0U);
  const std::uint32_t end = seq + static_cast<std::uint32_t>(payload.size());
  if (seq_before_or_equal(end, rcv_nxt_)) {
    record(TcpEvent::Kind::Duplicate, fmt::format("seq {} length {}", seq, payload.size()), 0, payload.size());
    return true;
  }
  if (seq_before(rcv_nxt_, seq)) {
    auto& slot = out_of_order_[seq];
    if (slot.size() < payload.size()) slot = payload;
    record(TcpEvent::Kind::OutOfOrder, fmt::format("seq {} length {} (expected {})", seq, payload.size(), rcv_nxt_), 0,
           payload.size());
    return true;
  }
  const std::size_t skip = rcv_nxt_ - seq;
  const std::size_t offset = received_.size();
  received_.insert(received_.end(), payload.begin() + static_cast<std::ptrdiff_t>(skip), payload.end());
  rcv_nxt_ = end;
  record(TcpEvent::Kind::Data, fmt::format("{} bytes", payload.size() - skip), offset, payload.size() - skip);
  deliver_in_order(now);
  return true;
}

void TcpConnection::deliver_in_order(Clock::time_point now) {
  bool progress = true;
  while (progress && !out_of_order_.empty()) {
    progress = false;
    for (auto it = out_of_order_.begin(); it != out_of_order_.end();) {
      const std::uint32_t seq = it->first;
      const std::uint32_t end = seq + static_cast<std::uint32_t>(it->second.size());
      if (seq_before(rcv_nxt_, seq)) {
        ++it;
        continue;
      }
      if (seq_before(rcv_nxt_, end)) {
        const std::size_t skip = rcv_nxt_ - seq;
        const std::size_t offset = received_.size();
        received_.insert(received_.end(), it->second.begin() + static_cast<std::ptrdiff_t>(skip), it->second.end());
        rcv_nxt_ = end;
        record(TcpEvent::Kind::Data, fmt::format("{} bytes (reassembled)", it->second.size() - skip), offset,
               it->second.size() - skip);
        progress = true;
      }
      it = out_of_order_.erase(it);
    }
  }
  if (peer_fin_seq_ && !fin_received_ && *peer_fin_seq_ == rcv_nxt_) take_fin(now);
}

void TcpConnection::take_fin(Clock::time_point) {
  rcv_nxt_ += 1;
  fin_received_ = true;
  record(TcpEvent::Kind::Fin, "FIN received");
  switch (state_) {
    case TcpState::SynReceived:
    case TcpState::Established: state_ = TcpState::CloseWait; break;
    case TcpState::FinWait1: state_ = snd_una_ == snd_nxt_ ? TcpState::TimeWait : TcpState::Closing; break;
    case TcpState::FinWait2: state_ = TcpState::TimeWait; break;
    default: break;
  }
}

void TcpConnection::handle_icmp(const InboundIcmp& icmp) {
  icmp_code_ = icmp.icmp.code;
  record(TcpEvent::Kind::Icmp, fmt::format("ICMP type {} code {}", icmp.icmp.type, icmp.icmp.code));
}

// ------------------------------------------------------------------ timers

std::optional<Clock::time_point> TcpConnection::next_timer() const {
  std::optional<Clock::time_point> due = third_ack_due_;
  if (!in_flight_.empty() && !gave_up_ && is_open()) {
    const auto retransmit_at = in_flight_.front().sent_at + config_.retransmit.timeout;
    if (!due || retransmit_at < *due) due = retransmit_at;
  }
  return due;
}

void TcpConnection::on_timer(Clock::time_point now) {
  if (third_ack_due_ && *third_ack_due_ <= now) {
    third_ack_due_.reset();
    complete_handshake();
  }
  if (in_flight_.empty() || gave_up_ || !is_open()) return;
  auto& oldest = in_flight_.front();
  if (oldest.sent_at + config_.retransmit.timeout > now) return;
  if (oldest.retransmissions >= config_.retransmit.max_retransmissions) {
    gave_up_ = true;
    record(TcpEvent::Kind::GaveUp,
           fmt::format("no ACK for seq {} after {} retransmissions", oldest.segment.seq, oldest.retransmissions));
    return;
  }
  retransmit_now();
}

// ------------------------------------------------------------------ state

bool TcpConnection::is_open() const {
  switch (state_) {
    case TcpState::Closed:
    case TcpState::TimeWait:
    case TcpState::Reset: return false;
    default: return true;
  }
}

bool TcpConnection::established() const { return ever_established_; }

std::size_t TcpConnection::bytes_acked_by_peer() const {
  if (!seq_before(config_.isn, snd_una_)) return 0;
  std::size_t acked = snd_una_ - (config_.isn + 1);
  if (fin_sent_ && snd_una_ == snd_nxt_ && acked > 0) --acked;
  return acked;
}

void TcpConnection::record(TcpEvent::Kind kind, std::string detail, std::size_t offset, std::size_t length) {
  events_.push_back({kind, wire_.now(), offset, length, std::move(detail)});
}

}  // namespace convtest::harness
