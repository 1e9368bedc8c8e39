#include "slot.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "harness/lab/addressing.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness::fuzz {
namespace {

namespace cv = packetgen::convert;
using packetgen::Bytes;

constexpr std::uint16_t kFirstClientPort = 1024;
constexpr std::uint16_t kFirstServerPort = 20000;
constexpr std::uint64_t kServerPorts = 40000;
constexpr std::uint64_t kServerHosts = 200;
constexpr std::uint8_t kFirstServerHost = 10;
constexpr std::uint16_t kFirstServerHost6 = 0x100;
constexpr std::size_t kBogusCookieSize = 8;

WireOptions wire_options(std::uint16_t port) {
  WireOptions options;
  options.converter_ports = {port};
  options.backlog_limit = 1024;
  options.event_limit = 4096;  // the judgement reads the endpoints, not the log
  return options;
}

bool listed(const std::vector<std::string>& texts, const packetgen::ip::Address& address) {
  return std::any_of(texts.begin(), texts.end(), [&](const std::string& text) {
    const auto parsed = packetgen::ip::Address::parse(text);
    return parsed && *parsed == address;
  });
}

Bytes tfo_option(TfoOption tfo, std::uint64_t serial) {
  switch (tfo) {
    case TfoOption::None: return {};
    case TfoOption::CookieRequest: return packetgen::tcp::fast_open_request();
    case TfoOption::BogusCookie: {
      Bytes cookie(kBogusCookieSize);
      std::mt19937_64 random(serial);
      for (auto& byte : cookie) byte = static_cast<std::uint8_t>(random());
      return packetgen::tcp::fast_open(cookie);
    }
  }
  return {};
}

emulate::ServerScript server_script(const Input& input, const Bytes& greeting) {
  emulate::ServerScript script;
  switch (input.server) {
    case ServerAnswer::SynAck: script.answer = emulate::SynAnswer::SynAck; break;
    case ServerAnswer::Reset: script.answer = emulate::SynAnswer::Reset; break;
    case ServerAnswer::Unreachable: script.answer = emulate::SynAnswer::IcmpUnreachable; break;
  }
  script.icmp_code = input.icmp_code;
  script.speak_first = greeting;
  return script;
}

std::optional<Clock::time_point> first_event(const TcpConnection& connection, TcpEvent::Kind kind) {
  for (const auto& event : connection.events())
    if (event.kind == kind) return event.time;
  return std::nullopt;
}

}  // namespace

Target::Target(std::unique_ptr<CaseSandbox> sandbox, std::uint16_t port)
    : sandbox_(std::move(sandbox)), wire_(sandbox_->lab()->link(), wire_options(port)) {}

ClientPool::ClientPool(const PutDescription& put, std::chrono::milliseconds spacing) : spacing_(spacing) {
  const auto add = [&](const packetgen::ip::Address& address, Family family, unsigned index) {
    if (listed(put.acl_denied, address) || listed(put.cookie_clients, address)) return;
    entries_.push_back({address, family, false, {}, static_cast<std::uint16_t>(kFirstClientPort + index * 7)});
  };
  for (unsigned i = 0; i < addressing::kFuzzClientCount4; ++i) add(addressing::fuzz_client_v4(i), Family::V4, i);
  for (unsigned i = 0; i < addressing::kFuzzClientCount6; ++i) add(addressing::fuzz_client_v6(i), Family::V6, i);
}

std::optional<ClientLease> ClientPool::lease(Family family, Clock::time_point now) {
  for (std::size_t step = 0; step < entries_.size(); ++step) {
    const std::size_t index = (cursor_ + step) % entries_.size();
    Entry& entry = entries_[index];
    if (entry.family != family || entry.busy || now - entry.last < spacing_) continue;
    entry.busy = true;
    cursor_ = index + 1;
    const std::uint16_t port = entry.next_port;
    entry.next_port = port == 65535 ? kFirstClientPort : static_cast<std::uint16_t>(port + 1);
    return ClientLease{index, entry.address, port};
  }
  return std::nullopt;
}

void ClientPool::release(std::size_t index, Clock::time_point now) {
  entries_.at(index).busy = false;
  entries_.at(index).last = now;
}

Destination destination_for(std::uint64_t serial) {
  const auto host = static_cast<std::uint16_t>((serial / kServerPorts) % kServerHosts);
  return {addressing::server_v4(static_cast<std::uint8_t>(kFirstServerHost + host)),
          addressing::server_v6(static_cast<std::uint16_t>(kFirstServerHost6 + host)),
          static_cast<std::uint16_t>(kFirstServerPort + serial % kServerPorts)};
}

Input place(Input input, const Destination& destination, bool lab_has_ipv6) {
  for (auto& tlv : input.message.tlvs) {
    if (!tlv.connect || cv::classify(tlv.connect->address) != cv::AddressClass::Ordinary) continue;
    const bool v4 = cv::is_ipv4_mapped(tlv.connect->address);
    tlv.connect->address = cv::connect_address(v4 ? destination.v4 : destination.v6);
    tlv.connect->port = destination.port;
  }
  if (!lab_has_ipv6) input.client_family = Family::V4;
  return input;
}

Slot::Slot(Target& target, Input input, Expectation expected, const ClientLease& client, std::uint64_t serial,
           SlotTiming timing)
    : input_(std::move(input)), expected_(std::move(expected)), client_index_(client.index), timing_(timing) {
  const std::string greeting = fmt::format("convtest fuzz server {}\n", serial);
  greeting_.assign(greeting.begin(), greeting.end());
  Wire& wire = target.wire();
  if (expected_.destination) {
    emulate::ServerMatch match{expected_.destination, expected_.destination_port};
    server_ = std::make_unique<emulate::LegacyServer>(wire, server_script(input_, greeting_), match);
  }
  const PutTarget& put = target.lab().put();
  const bool v4 = client.address.family == packetgen::ip::Family::V4;
  const auto put_address = v4 ? put.v4 : put.v6.value_or(put.v4);
  TcpConfig config;
  config.flow = FlowKey{client.address, client.port, put_address, put.port};
  config.side = PathSide::ClientSide;
  std::mt19937_64 random(serial);
  config.isn = static_cast<std::uint32_t>(random());
  auto segments = input_.segments();
  const Bytes options = tfo_option(input_.tfo, serial);
  if (input_.transport != ClientTransport::Tcp) {
    MptcpConfig mptcp;
    mptcp.tcp = config;
    mptcp.local_key = random();
    mptcp.checksum = input_.transport == ClientTransport::MptcpChecksum;
    mptcp_ = std::make_unique<MptcpClient>(wire, mptcp);
    mptcp_->connect(segments.front(), options);
    for (std::size_t i = 1; i < segments.size(); ++i) mptcp_->send(segments[i]);
    if (ends_inside_message(input_)) mptcp_->close();
  } else {
    tcp_ = std::make_unique<TcpClient>(wire, config);
    tcp_->tcp().connect(options, segments.front());
    for (std::size_t i = 1; i < segments.size(); ++i) tcp_->tcp().send(segments[i]);
    if (ends_inside_message(input_)) tcp_->tcp().close();  // AMB-12: the message will never be complete
  }
}

Slot::~Slot() {
  if (mptcp_) mptcp_->abort();
  if (tcp_) tcp_->tcp().abort();
  if (server_) server_->abort_all();
}

const TcpConnection& Slot::connection() const { return mptcp_ ? mptcp_->subflow() : tcp_->tcp(); }

bool Slot::may_connect() const {
  return expected_.outcome == Outcome::Proxy || !expected_.refused_up_front || expected_.proxy_accepted;
}

Observation Slot::observe(Clock::time_point now) const {
  Observation observed;
  const TcpConnection& tcp = connection();
  if (mptcp_) {
    const auto synack = mptcp_->synack_payload();
    observed.stream.assign(synack.begin(), synack.end());
    packetgen::put_bytes(observed.stream, mptcp_->data_received());
    observed.fin = tcp.fin_received() || mptcp_->data_fin_received();
    observed.reset = tcp.reset_received() || mptcp_->fastclose_received();
  } else {
    observed.stream = tcp.received();
    observed.fin = tcp.fin_received();
    observed.reset = tcp.reset_received();
  }
  const auto fin_at = first_event(tcp, TcpEvent::Kind::Fin);
  const auto reset_at = first_event(tcp, TcpEvent::Kind::Reset);
  const auto data_at = first_event(tcp, TcpEvent::Kind::Data);
  observed.reset_before_fin = reset_at && (!fin_at || *reset_at < *fin_at);
  if (reset_at && data_at)
    observed.reset_after_reply = std::chrono::duration_cast<std::chrono::milliseconds>(*reset_at - *data_at);
  if (server_) {
    observed.downstream_syns = server_->syn_count();
    observed.server_received = server_->received();
  }
  observed.greeting = greeting_;
  observed.timed_out = now >= timing_.deadline;
  observed.waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - timing_.started);
  return observed;
}

bool Slot::done(Clock::time_point now) const { return now >= timing_.deadline || settled(expected_, observe(now)); }

Trial Slot::finish(Clock::time_point now) const {
  Observation observed = observe(now);
  // Settled before the deadline: nothing was cut short by it.
  if (observed.timed_out && settled(expected_, observed)) observed.timed_out = false;
  Judgement judgement = judge(expected_, observed);
  return Trial{input_, expected_, std::move(observed), std::move(judgement)};
}

}  // namespace convtest::harness::fuzz
