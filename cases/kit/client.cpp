#include "kit/client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "kit/scenario.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::cases {
namespace {

using harness::PathSide;
using harness::expect::PacketFilter;

PacketFilter downstream_syn() { return PacketFilter().from_put().side(PathSide::ServerSide).bare_syn(); }

pg::Bytes tfo_option(harness::TfoOption tfo, std::mt19937_64& random) {
  switch (tfo) {
    case harness::TfoOption::None: return {};
    case harness::TfoOption::CookieRequest: return pg::tcp::fast_open_request();
    case harness::TfoOption::BogusCookie: {
      pg::Bytes cookie(8);
      for (auto& byte : cookie) byte = static_cast<std::uint8_t>(random());
      return pg::tcp::fast_open(cookie);
    }
  }
  return {};
}

// The SYN's options: the instance's TFO option first, then the case's own.
pg::Bytes syn_options_of(const ClientOptions& options, const harness::Instance& instance, std::mt19937_64& random) {
  pg::Bytes bytes = tfo_option(options.tfo.value_or(instance.tfo.value_or(harness::TfoOption::None)), random);
  pg::put_bytes(bytes, options.syn_options);
  return bytes;
}

// What goes after the handshake; the SYN keeps the rest: the first part with
// a split delivery, nothing with a late one.
pg::Bytes split_off_rest(pg::Bytes& syn_payload, harness::Delivery delivery) {
  const std::size_t kept = delivery == harness::Delivery::Late ? 0 : harness::kSplitOffset;
  if (delivery == harness::Delivery::Syn || syn_payload.size() <= kept) return {};
  pg::Bytes rest(syn_payload.begin() + static_cast<std::ptrdiff_t>(kept), syn_payload.end());
  syn_payload.resize(kept);
  return rest;
}

}  // namespace

Client::Client(Scenario& scenario, pg::Bytes syn_payload, ClientOptions options)
    : scenario_(scenario),
      transport_(options.transport.value_or(scenario.instance().transport.value_or(Transport::Tcp))),
      delivery_(options.delivery.value_or(scenario.instance().delivery.value_or(harness::Delivery::Syn))),
      address_(options.address.value_or(scenario.client_address())),
      put_address_(scenario.put_address_for(address_)),
      port_(options.port.value_or(scenario.fresh_port())),
      first_event_(scenario.wire().next_event_index()),
      syn_options_(syn_options_of(options, scenario.instance(), scenario.random())) {
  const pg::Bytes rest = split_off_rest(syn_payload, delivery_);
  syn_payload_ = syn_payload;
  harness::TcpConfig config;
  config.flow = harness::FlowKey{address_, port_, put_address_, scenario.put_port()};
  config.side = PathSide::ClientSide;
  config.isn = static_cast<std::uint32_t>(scenario.random()());
  config.acks = options.acks;
  config.third_ack = options.third_ack;
  config.retransmit = options.retransmit;
  config.resend_unacked_syn_data = options.resend_unacked_syn_data;
  scenario.log(fmt::format("{} client {}.{} -> PUT {}.{}: SYN{} with {} payload bytes: {}{}", harness::name(transport_),
                           address_.to_string(), port_, put_address_.to_string(), scenario.put_port(),
                           transport_ == Transport::Tcp ? "" : " (MP_CAPABLE)", syn_payload.size(), hex(syn_payload),
                           syn_options_.empty() ? "" : fmt::format(", options {}", hex(syn_options_))));
  if (!rest.empty())
    scenario.log(fmt::format("then {} more bytes after the handshake ({} delivery): {}", rest.size(),
                             harness::name(delivery_), hex(rest)));
  if (transport_ != Transport::Tcp) {
    harness::MptcpConfig mptcp_config;
    mptcp_config.tcp = config;
    mptcp_config.checksum = transport_ == Transport::MptcpChecksum;
    mptcp_config.local_key = scenario.random()();
    mptcp_ = std::make_unique<harness::MptcpClient>(scenario.wire(), mptcp_config);
    mptcp_->connect(std::move(syn_payload), syn_options_);
  } else {
    tcp_ = std::make_unique<harness::TcpClient>(scenario.wire(), config);
    tcp_->tcp().connect(syn_options_, std::move(syn_payload));
  }
  if (!rest.empty()) send(rest);
}

Client::~Client() = default;

harness::TcpConnection& Client::tcp() { return mptcp_ ? mptcp_->subflow() : tcp_->tcp(); }
const harness::TcpConnection& Client::tcp() const { return mptcp_ ? mptcp_->subflow() : tcp_->tcp(); }

harness::MptcpClient& Client::mptcp() {
  if (!mptcp_) std::abort();  // a case asking a TCP client for MPTCP state is a harness bug
  return *mptcp_;
}
const harness::MptcpClient& Client::mptcp() const {
  if (!mptcp_) std::abort();
  return *mptcp_;
}

pg::Bytes Client::stream() const {
  if (!mptcp_) return tcp_->tcp().received();
  const auto synack = mptcp_->synack_payload();
  pg::Bytes bytes(synack.begin(), synack.end());
  pg::put_bytes(bytes, mptcp_->data_received());
  return bytes;
}

Closure Client::closure() const {
  const auto& connection = tcp();
  Closure closure{connection.fin_received(), connection.reset_received()};
  if (mptcp_) {
    closure.fin = closure.fin || mptcp_->data_fin_received();
    closure.reset = closure.reset || mptcp_->fastclose_received();
  }
  return closure;
}

bool Client::closed() const {
  const Closure now = closure();
  return now.fin || now.reset;
}

Reply Client::reply() const { return decode_reply(stream(), closure()); }

bool Client::settled() const {
  return !std::holds_alternative<cv::NeedMore>(decode_reply_bytes(stream())) || closed() || tcp().gave_up();
}

Reply Client::await_reply(Clock::duration timeout) {
  const auto waited = scenario_.await(
      "a Convert reply from the PUT", [this] { return settled(); }, timeout);
  Reply now = reply();
  scenario_.log(fmt::format("PUT reply to {}.{}: {}", address_.to_string(), port_, now.describe()));
  if (!waited) scenario_.log("no complete reply: " + waited.observed);
  return now;
}

harness::expect::Outcome Client::await_stream_bytes(std::size_t count, Clock::duration timeout) {
  return harness::expect::wait_until(
      scenario_.wire(), scenario_.timing(), fmt::format("{} bytes at the client", count),
      [&] { return stream().size() >= count; }, [&] { return fmt::format("the client holds {}", hex(stream(), 64)); },
      timeout);
}

harness::expect::Outcome Client::await_close(Clock::duration timeout) {
  return scenario_.await(
      "the PUT closes the client connection", [this] { return closed(); }, timeout);
}

harness::expect::Outcome Client::no_downstream_syn(Clock::duration window) {
  auto outcome =
      harness::expect::expect_no_packet(scenario_.wire(), scenario_.timing(), downstream_syn(), window, first_event_);
  if (!outcome) scenario_.log("downstream SYN: " + outcome.observed);
  return outcome;
}

harness::expect::Outcome Client::await_downstream_syn(Clock::duration timeout) {
  return harness::expect::wait_for_packet(scenario_.wire(), scenario_.timing(), downstream_syn(), timeout,
                                          first_event_);
}

std::optional<std::string> Client::early_reset_after_error(const Reply& reply) const {
  const auto peer_isn = tcp().peer_isn();
  if (!reply.message || !peer_isn) return std::nullopt;
  const auto& wire = scenario_.wire();
  const auto mine = [this](const harness::WireEvent& event) {
    return event.index >= first_event_ && event.tcp &&
           (event.tcp->segment.source_port == port_ || event.tcp->segment.destination_port == port_);
  };
  const auto resets = harness::expect::matching(
      wire, PacketFilter().from_put().side(PathSide::ClientSide).rst().where("on this connection", mine));
  if (resets.empty()) return std::nullopt;
  const std::uint32_t needed = *peer_isn + 1 + static_cast<std::uint32_t>(reply.message->size);
  const auto acks = harness::expect::matching(
      wire, PacketFilter()
                .to_put()
                .side(PathSide::ClientSide)
                .where("on this connection", mine)
                .where("acknowledges the Error TLV", [needed](const harness::WireEvent& event) {
                  return event.tcp && (event.tcp->segment.flags & pg::tcp::flag::ACK) &&
                         harness::seq_before_or_equal(needed, event.tcp->segment.ack);
                }));
  const auto replies = harness::expect::matching(
      wire, PacketFilter().from_put().side(PathSide::ClientSide).with_payload().where("on this connection", mine));
  const auto* reset = resets.front();
  const bool acked_first = !acks.empty() && acks.front()->index < reset->index;
  const bool late = !replies.empty() && reset->time - replies.front()->time >= std::chrono::seconds(1);
  if (acked_first || late) return std::nullopt;
  return fmt::format("the PUT sent an RST before the client acknowledged the Error TLV: {}",
                     harness::expect::describe_event(wire, *reset));
}

std::string Client::recent() const { return scenario_.recent(); }

void Client::send(pg::ByteView data) {
  if (mptcp_) return mptcp_->send(data);
  tcp_->tcp().send(data);
}

harness::Status Client::send_identical_syn() {
  pg::tcp::Segment again;
  again.seq = tcp().isn();
  again.flags = pg::tcp::flag::SYN;
  again.options = syn_options_;
  again.payload = syn_payload_;
  return tcp().send_raw(again);
}

void Client::close() {
  if (mptcp_) return mptcp_->close();
  tcp_->tcp().close();
}

void Client::abort() {
  if (mptcp_) return mptcp_->abort();
  tcp_->tcp().abort();
}

std::size_t Client::join(JoinOptions options) {
  auto& connection = mptcp();
  harness::JoinConfig join;
  join.tcp = connection.subflow().config();
  join.tcp.flow.local_address = options.address.value_or(address_);
  join.tcp.flow.local_port = options.port.value_or(scenario_.fresh_port());
  join.tcp.isn = static_cast<std::uint32_t>(scenario_.random()());
  join.tcp.third_ack = harness::ThirdAck::immediate();
  join.nonce = static_cast<std::uint32_t>(scenario_.random()());
  join.address_id = options.address_id;
  join.token = options.token;
  scenario_.log(fmt::format(
      "MP_JOIN subflow {}.{} -> PUT {}.{}: token {:08x}, nonce {:08x}, address id {}",
      join.tcp.flow.local_address.to_string(), join.tcp.flow.local_port, put_address_.to_string(), scenario_.put_port(),
      join.token.value_or(connection.remote() ? connection.remote()->token : 0), join.nonce, join.address_id));
  return connection.join(std::move(join));
}

void Client::send_on(std::size_t subflow, pg::ByteView data) { mptcp().send_on(subflow, data); }

}  // namespace convtest::cases
