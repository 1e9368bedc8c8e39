#pragma once
// The MPTCP side of the emulated converter (RFC 8684 v1) for a client under
// test that opens MPTCP connections: MP_CAPABLE with the converter's key in
// the SYN-ACK, a DSS mapping on every segment with data (DATA_FIN with the
// FIN) and a DATA_ACK on every segment once the client's key is known. One
// subflow, no DSS checksums. The SYN-ACK's payload lies outside the
// data-sequence space (AMB-29): the first byte after the handshake has
// DSN = IDSN + 1.

#include <cstdint>
#include <optional>

#include "harness/endpoint/tcp_connection.hpp"

namespace convtest::harness::emulate {

class MptcpServerSide final : public TcpHooks {
 public:
  MptcpServerSide(std::uint64_t key, std::size_t synack_payload_size);

  packetgen::Bytes options_for(const OutgoingSegment& segment) override;
  void on_received(const packetgen::tcp::Parsed& segment) override;

  // The client's key (its third ACK or first data carried MP_CAPABLE with
  // both keys): the connection is MPTCP from then on.
  const std::optional<std::uint64_t>& client_key() const { return client_key_; }
  // DSS options the client sent (a client that fell back to TCP sends none).
  std::size_t client_dss_count() const { return client_dss_count_; }
  bool client_data_fin() const { return client_data_fin_; }

 private:
  packetgen::Bytes dss_for(const OutgoingSegment& segment) const;
  std::uint64_t data_ack() const;

  std::uint64_t key_;
  std::uint64_t idsn_;
  std::size_t synack_payload_size_;
  std::optional<std::uint64_t> client_key_;
  std::optional<std::uint64_t> client_data_end_;  // the highest DSN + length the client mapped
  std::size_t client_dss_count_ = 0;
  bool client_data_fin_ = false;
};

}  // namespace convtest::harness::emulate
