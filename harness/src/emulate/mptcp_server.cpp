#include "harness/emulate/mptcp_server.hpp"

#include <algorithm>

#include "packetgen/mptcp_crypto.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness::emulate {
namespace {

namespace pt = packetgen::tcp;
namespace mptcp = packetgen::tcp::mptcp;

}  // namespace

MptcpServerSide::MptcpServerSide(std::uint64_t key, std::size_t synack_payload_size)
    : key_(key), idsn_(mptcp::idsn(key)), synack_payload_size_(synack_payload_size) {}

packetgen::Bytes MptcpServerSide::options_for(const OutgoingSegment& segment) {
  if (segment.flags & pt::flag::SYN) return mptcp::mp_capable_synack(key_);
  if ((segment.flags & pt::flag::RST) || !client_key_) return {};
  return dss_for(segment);
}

packetgen::Bytes MptcpServerSide::dss_for(const OutgoingSegment& segment) const {
  mptcp::Dss dss;
  dss.data_ack = data_ack();
  const bool fin = (segment.flags & pt::flag::FIN) != 0;
  if (segment.payload_size > 0 || fin) {
    // The SYN-ACK's bytes took subflow sequence space but no DSN.
    const std::size_t offset = segment.stream_offset - std::min(segment.stream_offset, synack_payload_size_);
    mptcp::Dss::Mapping mapping;
    mapping.dsn = idsn_ + 1 + offset;
    mapping.subflow_seq = segment.payload_size > 0 ? static_cast<std::uint32_t>(segment.stream_offset + 1) : 0;
    mapping.data_level_length = static_cast<std::uint16_t>(segment.payload_size + (fin ? 1 : 0));
    dss.mapping = mapping;
    dss.data_fin = fin;
  }
  return mptcp::dss(dss);
}

std::uint64_t MptcpServerSide::data_ack() const {
  // Before any mapping: nothing of the client's taken yet at the data level.
  return client_data_end_.value_or(mptcp::idsn(*client_key_) + 1);
}

void MptcpServerSide::on_received(const pt::Parsed& segment) {
  const auto options = pt::parse_options(segment.segment.options);
  for (const pt::Option& option : options.options) {
    if (const auto* capable = std::get_if<pt::MpCapableOption>(&option.value);
        capable && capable->sender_key && capable->receiver_key == key_)
      client_key_ = *capable->sender_key;
    if (const auto* dss = std::get_if<pt::DssOption>(&option.value)) {
      ++client_dss_count_;
      if (const auto& mapping = dss->dss.mapping) {
        std::uint64_t dsn = mapping->dsn;
        // A 4-byte DSN is the low half of the client's 64-bit one.
        if (!dss->dss.dsn64 && client_key_) dsn |= mptcp::idsn(*client_key_) & 0xffffffff00000000ULL;
        const std::uint64_t end = dsn + mapping->data_level_length;
        client_data_end_ = std::max(client_data_end_.value_or(0), end);
      }
      client_data_fin_ = client_data_fin_ || dss->dss.data_fin;
    }
  }
}

}  // namespace convtest::harness::emulate
