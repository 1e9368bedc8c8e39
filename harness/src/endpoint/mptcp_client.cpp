#include "harness/endpoint/mptcp_client.hpp"

#include <algorithm>

#include "packetgen/mptcp_crypto.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness {
namespace {

namespace pt = packetgen::tcp;

}  // namespace

MptcpKeys MptcpKeys::from(std::uint64_t key) { return {key, pt::mptcp::token(key), pt::mptcp::idsn(key)}; }

MptcpClient::MptcpClient(Wire& wire, MptcpConfig config)
    : wire_(wire), config_(std::move(config)), subflow_(wire, config_.tcp), local_(MptcpKeys::from(config_.local_key)) {
  subflow_.set_hooks(this);
  wire_.attach(*this);
}

MptcpClient::~MptcpClient() {
  subflow_.abort();
  wire_.detach(*this);
}

void MptcpClient::connect(packetgen::Bytes syn_payload, packetgen::Bytes extra_syn_options) {
  syn_payload_size_ = syn_payload.size();
  subflow_.connect(std::move(extra_syn_options), std::move(syn_payload));
}

void MptcpClient::send(packetgen::ByteView data) { subflow_.send(data); }

void MptcpClient::close() {
  data_fin_queued_ = true;
  subflow_.close();
}

void MptcpClient::abort() { subflow_.abort(); }

std::uint32_t MptcpClient::relative_subflow_seq(std::size_t data_offset) const {
  const std::size_t base = config_.subflow_seq_base == SubflowSeqBase::Isn ? 1 + syn_payload_size_ : 1;
  return static_cast<std::uint32_t>(base + data_offset);
}

std::uint64_t MptcpClient::data_ack_value() const {
  const std::uint64_t in_order = subflow_.received().size() - subflow_.peer_syn_payload_size();
  std::uint64_t ack = remote_->idsn + 1 + in_order;
  if (data_fin_dsn_ && *data_fin_dsn_ == ack) ++ack;
  return ack;
}

packetgen::Bytes MptcpClient::options_for(const OutgoingSegment& segment) {
  if (segment.flags & pt::flag::SYN)
    return pt::mptcp::mp_capable_syn(config_.mp_capable_flags, config_.mp_capable_version);
  if (!mptcp_active()) return {};
  const bool fin = (segment.flags & pt::flag::FIN) != 0;
  if (!third_ack_sent_ && segment.payload_size == 0 && !fin) {
    third_ack_sent_ = true;
    return pt::mptcp::mp_capable_ack(local_.key, remote_->key, config_.mp_capable_flags);
  }
  pt::mptcp::Dss dss;
  dss.data_ack = data_ack_value();
  last_data_ack_sent_ = dss.data_ack;
  if (segment.payload_size > 0 && segment.stream_offset >= syn_payload_size_) {
    // The SYN payload took subflow sequence space but no DSN (App. B.2).
    const std::size_t data_offset = segment.stream_offset - syn_payload_size_;
    dss.mapping = pt::mptcp::Dss::Mapping{local_.idsn + 1 + data_offset, relative_subflow_seq(data_offset),
                                          static_cast<std::uint16_t>(segment.payload_size), std::nullopt};
    data_sent_ = std::max<std::uint64_t>(data_sent_, data_offset + segment.payload_size);
  } else if (fin && data_fin_queued_) {
    dss.data_fin = true;
    dss.mapping = pt::mptcp::Dss::Mapping{local_.idsn + 1 + data_sent_, 0, 1, std::nullopt};
  }
  return pt::mptcp::dss(dss);
}

void MptcpClient::on_received(const pt::Parsed& in) {
  const auto& s = in.segment;
  const auto options = pt::parse_options(s.options);
  if ((s.flags & pt::flag::SYN) && (s.flags & pt::flag::ACK)) {
    for (const auto& option : options.options)
      if (const auto* mpc = std::get_if<pt::MpCapableOption>(&option.value); mpc && mpc->sender_key) {
        synack_mp_capable_ = true;
        remote_ = MptcpKeys::from(*mpc->sender_key);
      }
    if (!synack_mp_capable_ && fallback_reason_.empty()) fallback_reason_ = "the SYN-ACK carried no MP_CAPABLE";
    return;
  }
  bool had_dss = false;
  for (const auto& option : options.options) {
    if (const auto* dss_option = std::get_if<pt::DssOption>(&option.value)) {
      had_dss = true;
      const auto& dss = dss_option->dss;
      ReceivedDss received{dss.data_ack, std::nullopt, std::nullopt,     0,
                           dss.data_fin, s.seq,        s.payload.size(), wire_.now()};
      if (dss.mapping) {
        received.dsn = dss.mapping->dsn;
        received.subflow_seq = dss.mapping->subflow_seq;
        received.data_level_length = dss.mapping->data_level_length;
        if (dss.data_fin && dss.mapping->data_level_length > 0)
          data_fin_dsn_ = dss.mapping->dsn + dss.mapping->data_level_length - 1;
      }
      if (dss.data_ack && (!peer_data_ack_ || *dss.data_ack > *peer_data_ack_)) peer_data_ack_ = dss.data_ack;
      received_dss_.push_back(received);
    } else if (const auto* other = std::get_if<pt::OtherMptcpOption>(&option.value)) {
      subtypes_seen_.push_back(static_cast<std::uint8_t>(other->subtype));
    }
  }
  const bool any_mapping =
      std::any_of(received_dss_.begin(), received_dss_.end(), [](const ReceivedDss& d) { return d.dsn.has_value(); });
  if (mptcp_active() && !had_dss && !s.payload.empty() && !any_mapping)
    fallback_reason_ = "the peer sent data without a DSS mapping";
}

packetgen::ByteView MptcpClient::synack_payload() const {
  return packetgen::ByteView(subflow_.received()).first(subflow_.peer_syn_payload_size());
}

packetgen::Bytes MptcpClient::data_received() const {
  const auto& all = subflow_.received();
  return packetgen::Bytes(all.begin() + static_cast<std::ptrdiff_t>(subflow_.peer_syn_payload_size()), all.end());
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

bool MptcpClient::wants(const FlowKey& key, const pt::Parsed&) const { return key == subflow_.flow(); }

void MptcpClient::on_segment(const InboundSegment& segment) {
  const bool had_fin = data_fin_dsn_.has_value();
  subflow_.handle(segment);
  // A DATA_FIN on a bare ACK makes the subflow send nothing: DATA_ACK it.
  if (!had_fin && data_fin_dsn_ && mptcp_active() && subflow_.is_open() &&
      (!last_data_ack_sent_ || *last_data_ack_sent_ < data_ack_value()))
    subflow_.send_ack();
}

void MptcpClient::on_icmp(const InboundIcmp& icmp) { subflow_.handle_icmp(icmp); }
std::optional<Clock::time_point> MptcpClient::next_timer() const { return subflow_.next_timer(); }
void MptcpClient::on_timer(Clock::time_point now) { subflow_.on_timer(now); }
void MptcpClient::abort_all() { subflow_.abort(); }

}  // namespace convtest::harness
