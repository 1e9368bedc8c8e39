#pragma once
// The harness's TCP client: one TcpConnection attached to the Wire.
// Destroying it resets the connection if it is still open.

#include "harness/endpoint/tcp_connection.hpp"

namespace convtest::harness {

class TcpClient final : public WireEndpoint {
 public:
  TcpClient(Wire& wire, TcpConfig config);
  ~TcpClient() override;

  TcpConnection& tcp() { return connection_; }
  const TcpConnection& tcp() const { return connection_; }
  TcpConnection* operator->() { return &connection_; }
  const TcpConnection* operator->() const { return &connection_; }

  bool wants(const FlowKey& key, const packetgen::tcp::Parsed& segment) const override;
  void on_segment(const InboundSegment& segment) override;
  void on_icmp(const InboundIcmp& icmp) override;
  std::optional<Clock::time_point> next_timer() const override;
  void on_timer(Clock::time_point now) override;
  void abort_all() override;

 private:
  Wire& wire_;
  TcpConnection connection_;
};

}  // namespace convtest::harness
