#include "convproxy/session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <string>

#include "convproxy/mptcp_state.hpp"
#include "convproxy/reply.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::convproxy {

namespace convert = packetgen::convert;
using packetgen::Bytes;

namespace {

// Early data beyond the Convert message that is read with it; the rest is
// spliced once the relay runs.
constexpr std::size_t kMaxInbound = convert::kMaxMessageSize + (1 << 16);

// How often, and how long at most, writes to an MPTCP client wait for its
// third ACK; past the limit the bytes are written anyway.
constexpr auto kClientRecheck = std::chrono::milliseconds(2);
constexpr auto kClientWaitLimit = std::chrono::seconds(2);

void set_linger_reset(int fd) {
  const linger reset{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
}

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string error_value_text(const convert::ErrorTlv& error) {
  switch (convert::value_shape(error.code)) {
    case convert::ErrorValueShape::ByteList: return "\"" + packetgen::to_hex(error.list) + "\"";
    case convert::ErrorValueShape::ZeroThenBytes: return std::to_string(error.bytes.size()) + "_bytes";
    case convert::ErrorValueShape::SingleByte: return std::to_string(error.value);
  }
  return {};
}

double monotonic_seconds() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

// An event that may mean bytes, an end of stream or an error to read.
bool readable(std::uint32_t events) { return (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0; }

}  // namespace

Session::Session(Worker& worker, std::uint64_t id, Fd client, Endpoint peer)
    : worker_(worker), id_(id), client_(std::move(client)), peer_(peer), last_activity_(Clock::now()) {}

Session::~Session() {
  release_pending();
  if (holds_session_slot_) worker_.shared().sessions.release();
  if (flow_ && worker_.capture() != nullptr) worker_.capture()->forget(*flow_);
}

void Session::release_pending() {
  if (!holds_pending_slot_) return;
  worker_.shared().clients.release_pending(peer_.address);
  holds_pending_slot_ = false;
}

void Session::set_deadline(Clock::time_point deadline) {
  deadline_ = deadline;
  worker_.schedule(id_, deadline);
}

void Session::start() {
  set_deadline(Clock::now() + worker_.shared().config.convert_timeout);
  read_convert();
}

void Session::on_event(Side side, std::uint32_t events) {
  switch (phase_) {
    case Phase::ReadingConvert:
      if (side == Side::Client) read_convert();
      return;
    case Phase::Connecting:
      if (side == Side::Server) {
        check_connect(events);
      } else if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
        spdlog::debug("event=client_gone phase=connecting client={}", peer_);
        abort(ResetSides::Both);
      } else if (readable(events)) {
        client_queue_empty_ = false;
      }
      return;
    case Phase::Relaying:
      relay(side == Side::Client && readable(events), side == Side::Server && readable(events));
      return;
    case Phase::Closing:
      if (side == Side::Client) drain_and_close();
      return;
    case Phase::Replying:
    case Phase::Done: return;
  }
}

void Session::on_timer(Clock::time_point now) {
  if (recheck_scheduled_) {
    recheck_scheduled_ = false;
    if (phase_ == Phase::Replying && client_takes_data())
      write_reply_and_close();
    else if (phase_ == Phase::Replying)
      recheck_client_soon();
    else if (phase_ == Phase::Relaying)
      relay();
  }
  if (now < deadline_) return;
  switch (phase_) {
    case Phase::ReadingConvert:
      spdlog::debug("event=convert_timeout client={} bytes={}", peer_, inbound_.size());
      act(decide_incomplete(inbound_));
      return;
    case Phase::Connecting: downstream_failed({DownstreamFailure::Kind::Timeout, 0, ETIMEDOUT}); return;
    case Phase::Relaying: {
      const auto idle = worker_.shared().config.idle_timeout;
      if (now - last_activity_ < idle) {
        set_deadline(last_activity_ + idle);
        return;
      }
      spdlog::info("event=idle_timeout client={}", peer_);
      abort(ResetSides::Both);
      return;
    }
    case Phase::Closing: finish(); return;
    case Phase::Replying:
    case Phase::Done: return;
  }
}

void Session::on_resume() {
  if (phase_ == Phase::Relaying) relay();
}

// ---------------------------------------------------------------- Convert phase

// Reads until a short read, the end of the stream or EAGAIN. A short read
// usually means the queue is empty; only when the message is still
// incomplete is that confirmed with one more read (edge-triggered epoll
// signals new bytes, but not bytes that were already queued).
void Session::read_convert() {
  for (;;) {
    const auto read = read_client_bytes();
    if (read == ClientRead::Reset) {
      spdlog::debug("event=client_reset phase=reading client={}", peer_);
      abort(ResetSides::None);
      return;
    }
    const auto decision = decide(inbound_, worker_.phase_context(), ClientFacts{peer_.address, unix_seconds()});
    if (!std::holds_alternative<decision::WaitForMore>(decision)) {
      act(decision);
      return;
    }
    if (client_ended_) {
      act(decide_incomplete(inbound_));
      return;
    }
    if (read != ClientRead::Short) return;
  }
}

Session::ClientRead Session::read_client_bytes() {
  while (inbound_.size() < kMaxInbound) {
    std::array<std::uint8_t, 4096> buffer{};
    const auto room = std::min(buffer.size(), kMaxInbound - inbound_.size());
    const auto n = ::recv(client_.get(), buffer.data(), room, MSG_DONTWAIT);
    client_queue_empty_ = n > 0 && static_cast<std::size_t>(n) < room;
    if (n > 0) {
      inbound_.insert(inbound_.end(), buffer.begin(), buffer.begin() + n);
      if (client_queue_empty_) return ClientRead::Short;
      continue;
    }
    if (n == 0) {
      client_ended_ = true;
      return ClientRead::Drained;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      client_queue_empty_ = true;
      return ClientRead::Drained;
    }
    return ClientRead::Reset;
  }
  return ClientRead::Drained;  // as much as a Convert message and its early data may take
}

void Session::act(const Decision& decision) {
  std::visit(
      [&](const auto& chosen) {
        using T = std::decay_t<decltype(chosen)>;
        if constexpr (std::is_same_v<T, decision::WaitForMore>) {
        } else if constexpr (std::is_same_v<T, decision::IgnoreSilently>) {
          spdlog::info("event=ignored client={} reason=not_convert bytes={}", peer_, inbound_.size());
          finish();
        } else if constexpr (std::is_same_v<T, decision::ResetConnection>) {
          if (worker_.shared().config.faults.has(Fault::TotalLengthZeroError)) {
            send_error(echo_error(convert::ErrorCode::MalformedMessage, inbound_));
            return;
          }
          spdlog::info("event=reset client={} reason=total_length_zero", peer_);
          abort(ResetSides::Client);
        } else if constexpr (std::is_same_v<T, decision::SendError>) {
          send_error(chosen.error);
        } else if constexpr (std::is_same_v<T, decision::AnswerInfo>) {
          const auto supported = supported_for_client();
          spdlog::info("event=info client={}", peer_);
          reply_and_close(success_reply(supported, std::nullopt, ReplyFaults::from(worker_.shared().config.faults)));
        } else if constexpr (std::is_same_v<T, decision::OpenDownstream>) {
          open_downstream(chosen);
        }
      },
      decision);
}

void Session::send_error(const convert::ErrorTlv& error) {
  auto& shared = worker_.shared();
  if (!shared.clients.allow_error(peer_.address, monotonic_seconds())) {
    spdlog::debug("event=error_rate_limited client={} code={}", peer_, static_cast<int>(error.code));
    finish();
    return;
  }
  spdlog::info("event=error client={} code={} name=\"{}\" value={}", peer_, static_cast<int>(error.code),
               convert::name(error.code), error_value_text(error));
  if (shared.config.faults.has(Fault::RstInsteadOfError)) {
    abort(ResetSides::Both);
    return;
  }
  reply_and_close(error_reply(error, ReplyFaults::from(shared.config.faults)));
}

// Writes the reply, then FIN; the client gets error_linger to read it and
// close before the socket is released (AMB-03: never an immediate RST).
void Session::reply_and_close(Bytes reply) {
  server_.reset();
  parked_reply_ = std::move(reply);
  phase_ = Phase::Replying;
  if (client_takes_data())
    write_reply_and_close();
  else
    recheck_client_soon();
}

void Session::write_reply_and_close() {
  const Bytes reply = std::move(parked_reply_);
  const auto sent = ::send(client_.get(), reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (sent < static_cast<ssize_t>(reply.size()))
    spdlog::warn("event=reply_short client={} sent={} size={}", peer_, sent, reply.size());
  if (worker_.shared().config.faults.has(Fault::RstAfterError)) {
    abort(ResetSides::Client);
    return;
  }
  ::shutdown(client_.get(), SHUT_WR);
  phase_ = Phase::Closing;
  set_deadline(Clock::now() + worker_.shared().config.error_linger);
  drain_and_close();
}

void Session::drain_and_close() {
  std::array<std::uint8_t, 4096> buffer{};
  constexpr int kMaxReads = 256;
  for (int i = 0; i < kMaxReads; ++i) {
    const auto n = ::recv(client_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n > 0) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    finish();  // end of stream or reset: the client has what it needs
    return;
  }
}

// ---------------------------------------------------------------- downstream

void Session::open_downstream(const decision::OpenDownstream& request) {
  auto& shared = worker_.shared();
  const auto backoff = shared.config.backoff_seconds;
  const auto& faults = shared.config.faults;
  holds_session_slot_ = shared.sessions.try_acquire();
  if (!holds_session_slot_ && !faults.has(Fault::IgnoreSessionLimit)) {
    spdlog::warn("event=session_limit client={} active={}", peer_, shared.sessions.active());
    send_error(convert::ErrorTlv::resource_exceeded(backoff));
    return;
  }
  holds_pending_slot_ = shared.clients.try_acquire_pending(peer_.address);
  if (!holds_pending_slot_ && !faults.has(Fault::IgnorePendingLimit)) {
    spdlog::warn("event=pending_limit client={}", peer_);
    send_error(convert::ErrorTlv::resource_exceeded(backoff));
    return;
  }
  request_ = request;

  const bool leak = faults.has(Fault::ForwardConvertBytes);
  const auto data_start = leak ? 0 : std::min(request.message_size, inbound_.size());
  const packetgen::ByteView early(inbound_.data() + data_start, inbound_.size() - data_start);
  const auto syn = syn_policy(shared.config.syn_retries, shared.config.connect_timeout,
                              faults.has(Fault::AutonomousSynRetransmission));
  const DownstreamSettings settings{shared.mptcp_available, syn.syncnt};
  auto* capture = worker_.capture();
  const auto capture_generation = capture != nullptr ? capture->generation() : 0;
  auto started = start_downstream(request.destination, request.options, early, settings);
  spdlog::debug("event=connect client={} destination={} mptcp={} tfo={} early_bytes={}", peer_, request.destination,
                request.options.mptcp, request.options.fast_open, early.size());
  if (!started.started) {
    downstream_failed(started.failure);
    return;
  }
  server_ = std::move(started.started->fd);
  if (faults.has(Fault::SwallowClientFin)) to_server_.swallow_end();
  to_server_.hold(Bytes(early.begin() + static_cast<std::ptrdiff_t>(started.started->early_bytes_sent), early.end()));
  Bytes().swap(inbound_);  // idle relays should not keep the first read's buffer
  flow_ = FlowKey{started.started->local, request.destination};
  if (capture != nullptr) capture->expect(*flow_, capture_generation);
  phase_ = Phase::Connecting;
  set_deadline(Clock::now() + syn.connect_deadline);
  if (!worker_.watch(server_.get(), id_, Side::Server)) {
    downstream_failed({DownstreamFailure::Kind::Other, 0, errno});
  }
  // Registering reports the connect's state at once (EPOLLOUT or EPOLLERR),
  // even when it finished before: no need to ask the socket here.
}

void Session::check_connect(std::uint32_t events) {
  // Writable without an error: the handshake completed, nothing to ask.
  if ((events & (EPOLLERR | EPOLLHUP)) == 0 && (events & EPOLLOUT) != 0) return downstream_connected(events);
  const auto progress = connect_progress(server_.get(), (events & EPOLLOUT) != 0);
  if (progress.state == ConnectState::Failed)
    downstream_failed(progress.failure);
  else if (progress.state == ConnectState::Connected)
    downstream_connected(events);
}

void Session::downstream_failed(const DownstreamFailure& failure) {
  release_pending();
  server_.reset();
  const auto& faults = worker_.shared().config.faults;
  const auto backoff = worker_.shared().config.backoff_seconds;
  spdlog::info("event=downstream_failed client={} kind={} icmp_code={} errno={}", peer_, static_cast<int>(failure.kind),
               static_cast<int>(failure.icmp_code), failure.error);
  switch (failure.kind) {
    case DownstreamFailure::Kind::Refused:
      send_error(faults.has(Fault::WrongResetCode) ? convert::ErrorTlv::network_failure(backoff)
                                                   : convert::ErrorTlv::connection_reset());
      return;
    case DownstreamFailure::Kind::Unreachable: {
      constexpr std::uint8_t kNotTheCode = 0xff;
      std::uint8_t code = failure.icmp_code;
      if (faults.has(Fault::IcmpCodeNotEchoed)) code = code == 0 ? kNotTheCode : 0;
      send_error(convert::ErrorTlv::destination_unreachable(code));
      return;
    }
    case DownstreamFailure::Kind::Timeout:
    case DownstreamFailure::Kind::Other:
      if (faults.has(Fault::SilentNetworkFailure)) {
        finish();
        return;
      }
      send_error(convert::ErrorTlv::network_failure(backoff));
      return;
  }
}

Bytes Session::server_synack_options() {
  if (auto* capture = worker_.capture()) {
    if (auto options = capture->take(*flow_)) return *options;
    spdlog::warn("event=synack_not_captured client={} destination={} fallback=tcp_info", peer_, flow_->remote);
  } else if (!worker_.shared().tcp_info_fallback_logged.exchange(true)) {
    spdlog::warn(
        "event=synack_capture_unavailable fallback=tcp_info reason=\"no packet socket (CAP_NET_RAW); "
        "Extended TCP Header rebuilt from TCP_INFO, not byte for byte\"");
  }
  return options_from_tcp_info(server_.get());
}

// The Supported TCP Extensions for this client, or nothing when Info is
// ignored; two faults make the list depend on the client's path.
std::optional<std::vector<std::uint8_t>> Session::supported_for_client() {
  const auto& shared = worker_.shared();
  const auto& faults = shared.config.faults;
  if (faults.has(Fault::IgnoreInfo)) return std::nullopt;
  const bool hide_mptcp = faults.has(Fault::MptcpKindOverMptcpOnly) && !mptcp_paths(client_.get()).mptcp;
  auto kinds = supported_kinds(shared.mptcp_available && !hide_mptcp);
  if (faults.has(Fault::TfoKindOverIpv4Only) && !is_ipv4(peer_.address))
    std::erase(kinds, packetgen::tcp::kind::FastOpen);
  return kinds;
}

void Session::downstream_connected(std::uint32_t events) {
  release_pending();
  auto& shared = worker_.shared();
  const auto& faults = shared.config.faults;
  std::optional<std::vector<std::uint8_t>> supported;
  if (request_->info) supported = supported_for_client();
  auto options = server_synack_options();
  flow_.reset();  // the capture forgot it
  if (spdlog::should_log(spdlog::level::debug))
    spdlog::debug("event=connected client={} destination={} synack_options={}", peer_, request_->destination,
                  packetgen::to_hex(options));
  if (!faults.has(Fault::NoSuccessReply))
    to_client_.hold(success_reply(supported, std::move(options), ReplyFaults::from(faults)));
  phase_ = Phase::Relaying;
  if (watches_client_paths()) {
    const auto paths = mptcp_paths(client_.get());
    client_mptcp_at_relay_ = paths.mptcp;
    most_subflows_ = paths.subflows;
  }
  last_activity_ = Clock::now();
  set_deadline(last_activity_ + shared.config.idle_timeout);
  // A new connection has nothing queued that this event did not report; the
  // client's queue was empty after the Convert phase unless an event came.
  to_client_.source_found_empty();
  if (client_queue_empty_) to_server_.source_found_empty();
  relay(false, readable(events));
}

// ---------------------------------------------------------------- relay

bool Session::client_takes_data() {
  if (client_handshake_done_) return true;
  const auto& shared = worker_.shared();
  if (!shared.config.mptcp || !shared.mptcp_available) return client_handshake_done_ = true;  // a TCP listener
  const auto now = Clock::now();
  if (!client_wait_limit_) client_wait_limit_ = now + kClientWaitLimit;
  client_handshake_done_ =
      client_handshake_complete(client_.get()) || shared.config.faults.has(Fault::WriteBeforeMptcpHandshake);
  if (!client_handshake_done_ && now >= *client_wait_limit_) {
    spdlog::warn("event=client_handshake_incomplete client={} action=write_anyway", peer_);
    client_handshake_done_ = true;
  }
  return client_handshake_done_;
}

void Session::recheck_client_soon() {
  if (recheck_scheduled_) return;
  recheck_scheduled_ = true;
  worker_.schedule(id_, Clock::now() + kClientRecheck);
}

bool Session::watches_client_paths() const {
  const auto& faults = worker_.shared().config.faults;
  return faults.has(Fault::ResetOnJoin) || faults.has(Fault::EndOnSubflowLoss) || faults.has(Fault::ResetOnFallback);
}

bool Session::path_fault_struck() {
  const auto& faults = worker_.shared().config.faults;
  if (!client_mptcp_at_relay_ || !watches_client_paths()) return false;
  const auto paths = mptcp_paths(client_.get());
  const bool struck = (faults.has(Fault::ResetOnFallback) && !paths.mptcp) ||
                      (faults.has(Fault::ResetOnJoin) && paths.subflows > 1) ||
                      (faults.has(Fault::EndOnSubflowLoss) && paths.mptcp && paths.subflows < most_subflows_);
  most_subflows_ = std::max(most_subflows_, paths.subflows);
  if (struck) spdlog::info("event=fault client={} cause=mptcp_path subflows={}", peer_, paths.subflows);
  return struck;
}

void Session::relay(bool client_signalled, bool server_signalled) {
  if (path_fault_struck()) return abort(ResetSides::Both);
  std::size_t moved = 0;
  const auto upstream = to_server_.pump(client_.get(), server_.get(), moved, worker_.pipes(), client_signalled);
  if (upstream == PumpStatus::SourceReset || upstream == PumpStatus::SinkReset) {
    propagate_reset(upstream == PumpStatus::SinkReset);
    return;
  }
  if (!client_takes_data()) {
    recheck_client_soon();
    return;
  }
  const auto downstream = to_client_.pump(server_.get(), client_.get(), moved, worker_.pipes(), server_signalled);
  if (downstream == PumpStatus::SourceReset || downstream == PumpStatus::SinkReset) {
    propagate_reset(downstream == PumpStatus::SourceReset);
    return;
  }
  if (moved > 0) last_activity_ = Clock::now();
  if (to_server_.finished() && to_client_.finished()) {
    spdlog::debug("event=closed client={}", peer_);
    finish();
    return;
  }
  if (upstream == PumpStatus::Yielded || downstream == PumpStatus::Yielded) worker_.resume_soon(id_);
}

// ---------------------------------------------------------------- teardown

void Session::finish() {
  client_.reset();
  server_.reset();
  phase_ = Phase::Done;
}

// A reset on one side resets the other (AMB-27: no Error TLV after the
// reply; an MPTCP client sees the kernel's MP_FASTCLOSE).
void Session::propagate_reset(bool by_server) {
  spdlog::info("event=teardown client={} cause={}", peer_, by_server ? "server_reset" : "client_reset");
  // The reset goes on to the side that did not send it (unless a fault
  // turns it into a FIN towards the client).
  if (!by_server)
    return abort(worker_.shared().config.faults.has(Fault::FinOnClientReset) ? ResetSides::None : ResetSides::Server);
  const bool fin_instead = worker_.shared().config.faults.has(Fault::FinOnServerReset);
  abort(fin_instead ? ResetSides::None : ResetSides::Client);
}

void Session::abort(ResetSides reset) {
  const bool reset_client = reset == ResetSides::Client || reset == ResetSides::Both;
  const bool reset_server = reset == ResetSides::Server || reset == ResetSides::Both;
  if (reset_client && client_) set_linger_reset(client_.get());
  if (reset_server && server_) set_linger_reset(server_.get());
  finish();
}

}  // namespace convtest::convproxy
