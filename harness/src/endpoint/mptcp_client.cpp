#include "harness/endpoint/mptcp_client.hpp"

#include <algorithm>
#include <stdexcept>

#include "packetgen/mptcp_crypto.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness {
namespace {

namespace pt = packetgen::tcp;

constexpr std::size_t kJoinAckHmacBytes = 20;  // RFC 8684 3.2: the leftmost 160 bits

bool has(std::uint8_t flags, std::uint8_t flag) { return (flags & flag) != 0; }

}  // namespace

std::string_view name(JoinStatus status) {
  switch (status) {
    case JoinStatus::Pending: return "pending";
    case JoinStatus::Ready: return "ready";
    case JoinStatus::Refused: return "refused with an RST";
    case JoinStatus::NoMpJoin: return "SYN-ACK without MP_JOIN";
    case JoinStatus::BadHmac: return "SYN-ACK with a wrong HMAC";
  }
  return "?";
}

MptcpKeys MptcpKeys::from(std::uint64_t key) { return {key, pt::mptcp::token(key), pt::mptcp::idsn(key)}; }

packetgen::Bytes MptcpClient::Hooks::options_for(const OutgoingSegment& segment) {
  return owner_.options_for(index_, segment);
}
void MptcpClient::Hooks::on_received(const pt::Parsed& segment) { owner_.on_received(index_, segment); }

MptcpClient::Subflow::Subflow(MptcpClient& owner, std::size_t index, Wire& wire, TcpConfig config)
    : tcp(wire, std::move(config)), hooks(owner, index) {
  tcp.set_hooks(&hooks);
}

MptcpClient::MptcpClient(Wire& wire, MptcpConfig config)
    : wire_(wire), config_(std::move(config)), local_(MptcpKeys::from(config_.local_key)) {
  if (config_.checksum) config_.mp_capable_flags |= pt::mptcp::mpc_flag::A;
  subflows_.push_back(std::make_unique<Subflow>(*this, 0, wire_, config_.tcp));
  wire_.attach(*this);
}

MptcpClient::~MptcpClient() {
  for (auto& subflow : subflows_) subflow->tcp.abort();
  wire_.detach(*this);
}

void MptcpClient::connect(packetgen::Bytes syn_payload, packetgen::Bytes extra_syn_options) {
  syn_payload_size_ = syn_payload.size();
  subflows_.front()->queued = syn_payload.size();
  subflows_.front()->tcp.connect(std::move(extra_syn_options), std::move(syn_payload));
}

std::size_t MptcpClient::join(JoinConfig config) {
  if (!remote_) throw std::logic_error("an MP_JOIN needs the peer's key: the SYN-ACK had no MP_CAPABLE");
  const std::size_t index = subflows_.size();
  auto subflow = std::make_unique<Subflow>(*this, index, wire_, config.tcp);
  subflow->joined = true;
  subflow->join = std::move(config);
  subflows_.push_back(std::move(subflow));
  subflows_.back()->tcp.connect({});
  return index;
}

void MptcpClient::send_on(std::size_t index, packetgen::ByteView data) {
  if (data.empty()) return;
  auto& subflow = *subflows_.at(index);
  subflow.sent.push_back({subflow.queued, local_.idsn + 1 + data_sent_, data.size()});
  subflow.queued += data.size();
  data_sent_ += data.size();
  subflow.tcp.send(data);
}

std::optional<std::size_t> MptcpClient::first_open_subflow(std::optional<std::size_t> except) const {
  for (std::size_t i = 0; i < subflows_.size(); ++i) {
    const auto& subflow = *subflows_[i];
    if (i == except || !subflow.tcp.is_open()) continue;
    if (!subflow.joined || subflow.status == JoinStatus::Ready) return i;
  }
  return std::nullopt;
}

void MptcpClient::close() {
  data_fin_queued_ = true;
  data_fin_subflow_ = first_open_subflow();
  for (auto& subflow : subflows_) subflow->tcp.close();
}

void MptcpClient::abort() {
  for (auto& subflow : subflows_) subflow->tcp.abort();
}

void MptcpClient::abort_subflow(std::size_t index) { subflows_.at(index)->tcp.abort(); }

void MptcpClient::fastclose() {
  if (!remote_) return abort();
  for (auto& subflow : subflows_) subflow->tcp.abort(pt::mptcp::mp_fastclose(remote_->key));
}

void MptcpClient::remove_address(std::uint8_t address_id, std::optional<std::size_t> except) {
  const auto carrier = first_open_subflow(except);
  if (!carrier) return;
  extra_options_ = {*carrier, pt::mptcp::remove_addr({address_id})};
  subflows_[*carrier]->tcp.send_ack();
}

// ---- sending

std::optional<pt::mptcp::Dss::Mapping> MptcpClient::mapping_for(std::size_t index,
                                                                const OutgoingSegment& segment) const {
  if (segment.payload_size == 0) return std::nullopt;
  const auto& subflow = *subflows_[index];
  for (const auto& span : subflow.sent) {
    if (segment.stream_offset < span.offset || segment.stream_offset >= span.offset + span.length) continue;
    const std::size_t into = segment.stream_offset - span.offset;
    const auto length = static_cast<std::uint16_t>(std::min(segment.payload_size, span.length - into));
    // RFC 8684 3.3.1 counts from the subflow ISN; on the initial subflow
    // Linux counts from the first byte after the SYN payload.
    std::size_t relative = 1 + segment.stream_offset;
    if (index == 0 && config_.subflow_seq_base == SubflowSeqBase::AfterSynPayload) relative -= syn_payload_size_;
    const auto subflow_seq = static_cast<std::uint32_t>(relative);
    std::optional<std::uint16_t> checksum;
    if (config_.checksum)
      checksum = pt::mptcp::dss_checksum(span.dsn + into, subflow_seq, length, segment.payload.first(length));
    return pt::mptcp::Dss::Mapping{span.dsn + into, subflow_seq, length, checksum};
  }
  return std::nullopt;
}

packetgen::Bytes MptcpClient::join_options(Subflow& subflow, const OutgoingSegment& segment) {
  if (has(segment.flags, pt::flag::SYN)) {
    const std::uint8_t flags = subflow.join.backup ? pt::mptcp::join_flag::B : 0;
    return pt::mptcp::mp_join_syn(subflow.join.token.value_or(remote_->token), subflow.join.nonce,
                                  subflow.join.address_id, flags);
  }
  subflow.third_ack_sent = true;
  subflow.third_ack_due = wire_.now() + subflow.tcp.config().retransmit.timeout;
  const auto hmac = pt::mptcp::mp_join_hmac(local_.key, remote_->key, subflow.join.nonce, *subflow.peer_nonce);
  return pt::mptcp::mp_join_ack(packetgen::ByteView(hmac).first(kJoinAckHmacBytes));
}

packetgen::Bytes MptcpClient::options_for(std::size_t index, const OutgoingSegment& segment) {
  auto& subflow = *subflows_[index];
  const bool fin = has(segment.flags, pt::flag::FIN);
  if (subflow.joined) {
    if (has(segment.flags, pt::flag::SYN)) return join_options(subflow, segment);
    if (!subflow.peer_nonce) return {};
    if (!subflow.third_ack_sent && segment.payload_size == 0 && !fin) return join_options(subflow, segment);
  } else if (has(segment.flags, pt::flag::SYN)) {
    return pt::mptcp::mp_capable_syn(config_.mp_capable_flags, config_.mp_capable_version);
  }
  if (!mptcp_active()) {
    // RFC 8684 3.7: the sender of a connection that fell back says so once
    // with an infinite mapping (data-level length 0).
    const auto mapping = infinite_mapping_due_ && index == 0 ? mapping_for(index, segment) : std::nullopt;
    if (!mapping) return {};
    infinite_mapping_due_ = false;
    infinite_mapping_sent_ = true;
    pt::mptcp::Dss dss;
    dss.mapping = pt::mptcp::Dss::Mapping{mapping->dsn, mapping->subflow_seq, 0,
                                          config_.checksum ? std::optional<std::uint16_t>(0) : std::nullopt};
    return pt::mptcp::dss(dss);
  }
  if (index == 0 && !third_ack_sent_ && segment.payload_size == 0 && !fin) {
    third_ack_sent_ = true;
    return pt::mptcp::mp_capable_ack(local_.key, remote_->key, config_.mp_capable_flags);
  }
  pt::mptcp::Dss dss;
  dss.data_ack = data_ack_value();
  last_data_ack_sent_ = dss.data_ack;
  if (auto mapping = mapping_for(index, segment)) {
    dss.mapping = *mapping;
  } else if (fin && data_fin_queued_ && data_fin_subflow_ == index) {
    dss.data_fin = true;
    const std::uint64_t dsn = local_.idsn + 1 + data_sent_;
    std::optional<std::uint16_t> checksum;
    if (config_.checksum) checksum = pt::mptcp::dss_checksum(dsn, 0, 1, {});
    dss.mapping = pt::mptcp::Dss::Mapping{dsn, 0, 1, checksum};
  }
  auto options = pt::mptcp::dss(dss);
  if (extra_options_ && extra_options_->first == index) {
    packetgen::put_bytes(options, extra_options_->second);
    extra_options_.reset();
  }
  return options;
}

// ---- receiving

std::size_t MptcpClient::stream_offset_of_mapping(std::size_t index, std::uint32_t subflow_seq) const {
  const auto& tcp = subflows_[index]->tcp;
  const std::size_t relative = subflow_seq - 1;
  if (index == 0 && config_.subflow_seq_base == SubflowSeqBase::AfterSynPayload)
    return tcp.peer_syn_payload_size() + relative;
  return relative;
}

void MptcpClient::record_dss(std::size_t index, const pt::DssOption& option, const pt::Parsed& in) {
  const auto& dss = option.dss;
  ReceivedDss received{
      dss.data_ack, std::nullopt, std::nullopt, 0, dss.data_fin, in.segment.seq, in.segment.payload.size(),
      wire_.now(),  index};
  if (dss.mapping) {
    const auto& mapping = *dss.mapping;
    received.dsn = mapping.dsn;
    received.subflow_seq = mapping.subflow_seq;
    received.data_level_length = mapping.data_level_length;
    if (dss.data_fin && mapping.data_level_length > 0) data_fin_dsn_ = mapping.dsn + mapping.data_level_length - 1;
    const std::size_t bytes = mapping.data_level_length - (dss.data_fin && mapping.data_level_length > 0 ? 1 : 0);
    if (bytes > 0 && mapping.subflow_seq > 0)
      subflows_[index]->mapped.push_back({stream_offset_of_mapping(index, mapping.subflow_seq), mapping.dsn, bytes});
  }
  if (dss.data_ack && (!peer_data_ack_ || *dss.data_ack > *peer_data_ack_)) peer_data_ack_ = dss.data_ack;
  received_dss_.push_back(received);
}

void MptcpClient::on_join_synack(Subflow& subflow, const pt::Parsed& in) {
  const auto options = pt::parse_options(in.segment.options);
  const auto* option = options.find_mptcp(pt::mptcp::Subtype::MpJoin);
  const auto answer = option != nullptr ? pt::mp_join_synack(*option) : std::nullopt;
  const auto expected = answer ? pt::mptcp::mp_join_truncated_hmac(pt::mptcp::mp_join_hmac(
                                     remote_->key, local_.key, answer->nonce, subflow.join.nonce))
                               : 0;
  if (answer && answer->truncated_hmac == expected) {
    subflow.peer_nonce = answer->nonce;
    return;
  }
  // RFC 8684 3.2: a subflow without a valid MP_JOIN answer is closed with
  // an RST, before the handshake completes.
  subflow.status = answer ? JoinStatus::BadHmac : JoinStatus::NoMpJoin;
  subflow.tcp.abort();
}

void MptcpClient::on_received(std::size_t index, const pt::Parsed& in) {
  auto& subflow = *subflows_[index];
  const auto& s = in.segment;
  const bool synack = has(s.flags, pt::flag::SYN) && has(s.flags, pt::flag::ACK);
  if (subflow.joined) {
    if (synack && subflow.status == JoinStatus::Pending && !subflow.peer_nonce) return on_join_synack(subflow, in);
    if (has(s.flags, pt::flag::RST) && subflow.status == JoinStatus::Pending && !subflow.peer_nonce)
      subflow.status = JoinStatus::Refused;
    else if (subflow.third_ack_sent && subflow.status == JoinStatus::Pending && !has(s.flags, pt::flag::RST)) {
      subflow.status = JoinStatus::Ready;
      subflow.third_ack_due.reset();
    }
  } else if (synack) {
    const auto options = pt::parse_options(s.options);
    for (const auto& option : options.options)
      if (const auto* mpc = std::get_if<pt::MpCapableOption>(&option.value); mpc && mpc->sender_key) {
        synack_mp_capable_ = true;
        remote_ = MptcpKeys::from(*mpc->sender_key);
      }
    if (!synack_mp_capable_ && fallback_reason_.empty()) fallback_reason_ = "the SYN-ACK carried no MP_CAPABLE";
    return;
  }
  bool had_dss = false;
  for (const auto& option : pt::parse_options(s.options).options) {
    if (const auto* dss = std::get_if<pt::DssOption>(&option.value)) {
      had_dss = true;
      record_dss(index, *dss, in);
    } else if (const auto* other = std::get_if<pt::OtherMptcpOption>(&option.value)) {
      subtypes_seen_.push_back(static_cast<std::uint8_t>(other->subtype));
      const auto announced = pt::add_addr(option);
      if (announced && !announced->echo &&
          std::none_of(addresses_announced_.begin(), addresses_announced_.end(),
                       [&](const pt::AddAddr& a) { return a.address_id == announced->address_id; }))
        addresses_announced_.push_back(*announced);
    }
  }
  const bool any_mapping =
      std::any_of(received_dss_.begin(), received_dss_.end(), [](const ReceivedDss& d) { return d.dsn.has_value(); });
  if (index == 0 && mptcp_active() && !had_dss && !s.payload.empty() && !any_mapping) {
    fallback_reason_ = "the peer sent data without a DSS mapping";
    infinite_mapping_due_ = true;
  }
}

packetgen::ByteView MptcpClient::synack_payload() const {
  const auto& tcp = subflows_.front()->tcp;
  return packetgen::ByteView(tcp.received()).first(tcp.peer_syn_payload_size());
}

packetgen::Bytes MptcpClient::data_received() const {
  const auto& tcp = subflows_.front()->tcp;
  if (!multipath() || !mptcp_active()) {
    const auto& all = tcp.received();
    return packetgen::Bytes(all.begin() + static_cast<std::ptrdiff_t>(tcp.peer_syn_payload_size()), all.end());
  }
  // Every mapped byte the subflows hold in order, placed by DSN.
  packetgen::Bytes out;
  std::uint64_t next = remote_->idsn + 1;
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& subflow : subflows_) {
      const auto& bytes = subflow->tcp.received();
      for (const auto& span : subflow->mapped) {
        if (next < span.dsn || next >= span.dsn + span.length) continue;
        const std::size_t from = span.offset + static_cast<std::size_t>(next - span.dsn);
        const std::size_t to = std::min(span.offset + span.length, bytes.size());
        if (from >= to) continue;
        out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(from),
                   bytes.begin() + static_cast<std::ptrdiff_t>(to));
        next += to - from;
        grew = true;
      }
    }
  }
  return out;
}

std::uint64_t MptcpClient::data_ack_value() const {
  const auto& tcp = subflows_.front()->tcp;
  const std::uint64_t in_order =
      multipath() ? data_received().size() : tcp.received().size() - tcp.peer_syn_payload_size();
  std::uint64_t ack = remote_->idsn + 1 + in_order;
  if (data_fin_dsn_ && *data_fin_dsn_ == ack) ++ack;
  return ack;
}

bool MptcpClient::fastclose_received() const {
  const auto fastclose = static_cast<std::uint8_t>(pt::mptcp::Subtype::MpFastclose);
  return std::find(subtypes_seen_.begin(), subtypes_seen_.end(), fastclose) != subtypes_seen_.end();
}

std::optional<ReceivedDss> MptcpClient::first_data_mapping() const {
  for (const auto& dss : received_dss_)
    if (dss.dsn && dss.data_level_length > 0 && !(dss.data_fin && dss.data_level_length == 1 && dss.payload_size == 0))
      return dss;
  return std::nullopt;
}

std::optional<std::uint64_t> MptcpClient::expected_first_remote_dsn() const {
  if (!remote_) return std::nullopt;
  return remote_->idsn + 1;
}

// ---- the wire

std::optional<std::size_t> MptcpClient::index_of(const FlowKey& key) const {
  for (std::size_t i = 0; i < subflows_.size(); ++i)
    if (subflows_[i]->tcp.flow() == key) return i;
  return std::nullopt;
}

bool MptcpClient::wants(const FlowKey& key, const pt::Parsed&) const { return index_of(key).has_value(); }

void MptcpClient::on_segment(const InboundSegment& segment) {
  const auto index = index_of(inbound_key(segment.tcp));
  if (!index) return;
  auto& tcp = subflows_[*index]->tcp;
  const bool had_fin = data_fin_dsn_.has_value();
  tcp.handle(segment);
  // A DATA_FIN on a bare ACK makes the subflow send nothing: DATA_ACK it.
  if (!had_fin && data_fin_dsn_ && mptcp_active() && tcp.is_open() &&
      (!last_data_ack_sent_ || *last_data_ack_sent_ < data_ack_value()))
    tcp.send_ack();
}

void MptcpClient::on_icmp(const InboundIcmp& icmp) {
  for (auto& subflow : subflows_) {
    const auto& flow = subflow->tcp.flow();
    if (!icmp.quoted ||
        (icmp.quoted->addresses.source == flow.local_address && icmp.quoted->segment.source_port == flow.local_port))
      return subflow->tcp.handle_icmp(icmp);
  }
}

std::optional<Clock::time_point> MptcpClient::next_timer() const {
  std::optional<Clock::time_point> next;
  const auto earliest = [&](std::optional<Clock::time_point> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  for (const auto& subflow : subflows_) {
    earliest(subflow->tcp.next_timer());
    earliest(subflow->third_ack_due);
  }
  return next;
}

void MptcpClient::on_timer(Clock::time_point now) {
  for (auto& subflow : subflows_) {
    subflow->tcp.on_timer(now);
    if (!subflow->third_ack_due || now < *subflow->third_ack_due) continue;
    subflow->third_ack_due.reset();
    // RFC 8684 3.2: the third ACK of a join is repeated until acknowledged.
    if (subflow->status != JoinStatus::Pending || !subflow->tcp.is_open() ||
        subflow->third_ack_repeats >= subflow->tcp.config().retransmit.max_retransmissions)
      continue;
    ++subflow->third_ack_repeats;
    subflow->third_ack_sent = false;
    subflow->tcp.send_ack();
  }
}

void MptcpClient::abort_all() { abort(); }

}  // namespace convtest::harness
