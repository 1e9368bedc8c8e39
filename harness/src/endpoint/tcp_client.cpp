#include "harness/endpoint/tcp_client.hpp"

namespace convtest::harness {

TcpClient::TcpClient(Wire& wire, TcpConfig config) : wire_(wire), connection_(wire, std::move(config)) {
  wire_.attach(*this);
}

TcpClient::~TcpClient() {
  connection_.abort();
  wire_.detach(*this);
}

bool TcpClient::wants(const FlowKey& key, const packetgen::tcp::Parsed&) const { return key == connection_.flow(); }

void TcpClient::on_segment(const InboundSegment& segment) { connection_.handle(segment); }
void TcpClient::on_icmp(const InboundIcmp& icmp) { connection_.handle_icmp(icmp); }
std::optional<Clock::time_point> TcpClient::next_timer() const { return connection_.next_timer(); }
void TcpClient::on_timer(Clock::time_point now) { connection_.on_timer(now); }
void TcpClient::abort_all() { connection_.abort(); }

}  // namespace convtest::harness
