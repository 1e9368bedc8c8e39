#include "convclient/session.hpp"

#include <fmt/format.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "convclient/backoff.hpp"
#include "convclient/relay.hpp"
#include "convclient/reply.hpp"
#include "convclient/request.hpp"
#include "convclient/socket.hpp"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

namespace convtest::convclient {

using packetgen::Bytes;
using packetgen::ByteView;
using Clock = std::chrono::steady_clock;

namespace {

struct Failure {
  ExitCode code;
  std::string message;
};

template <class T>
using Outcome = packetgen::Result<T, Failure>;

Failure fail(ExitCode code, std::string message) { return {code, std::move(message)}; }

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(left.count(), 0));
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd pfd{fd, events, 0};
    const int n = ::poll(&pfd, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

// The TFO client needs bit 0x1; bit 0x4 (SYN data without a cookie option)
// can be replaced by the per-socket TCP_FASTOPEN_NO_COOKIE.
Outcome<FastOpenSysctl> check_fastopen() {
  auto sysctl = read_fastopen_sysctl();
  if (!sysctl) return packetgen::failure(fail(ExitCode::Environment, sysctl.error()));
  if (!sysctl->client_enabled())
    return packetgen::failure(fail(
        ExitCode::Environment, fmt::format("net.ipv4.tcp_fastopen is {:#x}: the client bit 0x1 is off, so the Convert "
                                           "message cannot ride in the SYN; run sysctl -w net.ipv4.tcp_fastopen=5 "
                                           "(0x1|0x4)",
                                           sysctl->value)));
  return *sysctl;
}

Outcome<UniqueFd> open_socket(const ClientOptions& options, const FastOpenSysctl& sysctl) {
  const int family = options.converter.is_ipv4() ? AF_INET : AF_INET6;
  const int type = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
  UniqueFd fd(::socket(family, type, options.mptcp ? IPPROTO_MPTCP : IPPROTO_TCP));
  if (!fd.valid() && options.mptcp) {
    spdlog::warn("MPTCP socket unavailable ({}); falling back to TCP (net.mptcp.enabled?)", std::strerror(errno));
    fd = UniqueFd(::socket(family, type, IPPROTO_TCP));
  }
  if (!fd.valid())
    return packetgen::failure(fail(ExitCode::Environment, fmt::format("socket: {}", std::strerror(errno))));
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!sysctl.client_no_cookie() && ::setsockopt(fd.get(), IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, &one, sizeof one) != 0)
    return packetgen::failure(fail(
        ExitCode::Environment, fmt::format("net.ipv4.tcp_fastopen is {:#x} without bit 0x4 and TCP_FASTOPEN_NO_COOKIE "
                                           "failed ({}); run sysctl -w net.ipv4.tcp_fastopen=5 (0x1|0x4)",
                                           sysctl.value, std::strerror(errno))));
  return fd;
}

// Early data: what stdin holds right now, up to the limit (never blocks).
Bytes take_early_input(int input, std::size_t limit, bool& input_closed) {
  pollfd pfd{input, POLLIN, 0};
  if (limit == 0 || ::poll(&pfd, 1, 0) <= 0) return {};
  Bytes buffer(limit);
  const ssize_t n = ::read(input, buffer.data(), buffer.size());
  if (n <= 0) {
    input_closed = (n == 0);
    return {};
  }
  buffer.resize(static_cast<std::size_t>(n));
  return buffer;
}

// sendto(MSG_FASTOPEN): the SYN carries the first bytes. Returns how many.
Outcome<std::size_t> send_syn(int fd, const Endpoint& converter, ByteView bytes) {
  const SocketAddress address = to_socket_address(converter);
  const ssize_t n =
      ::sendto(fd, bytes.data(), bytes.size(), MSG_FASTOPEN | MSG_NOSIGNAL, address.get(), address.length);
  if (n > 0) return static_cast<std::size_t>(n);
  if (n < 0 && errno == EOPNOTSUPP)
    return packetgen::failure(fail(ExitCode::Environment,
                                   "the kernel refused MSG_FASTOPEN; check net.ipv4.tcp_fastopen "
                                   "(needs 0x1|0x4)"));
  if (n < 0 && errno != EINPROGRESS)
    return packetgen::failure(
        fail(ExitCode::ConnectionFailed,
             fmt::format("cannot connect to converter {}: {}", converter.to_string(), std::strerror(errno))));
  return packetgen::failure(fail(ExitCode::Environment,
                                 "the kernel sent the SYN without data; the Convert message "
                                 "must ride in the SYN (net.ipv4.tcp_fastopen needs 0x1|0x4)"));
}

Outcome<bool> wait_connected(int fd, const ClientOptions& options) {
  if (!wait_for(fd, POLLOUT, Clock::now() + options.connect_timeout))
    return packetgen::failure(
        fail(ExitCode::ConnectionFailed, fmt::format("converter {} did not answer within {} ms",
                                                     options.converter.to_string(), options.connect_timeout.count())));
  int error = 0;
  socklen_t length = sizeof error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0)
    return packetgen::failure(
        fail(ExitCode::ConnectionFailed,
             fmt::format("cannot connect to converter {}: {}", options.converter.to_string(), std::strerror(error))));
  return true;
}

// RFC 8803 section 8 (CLI-026): a SYN-ACK that does not acknowledge the SYN
// payload means a middlebox stripped it; stop using this converter.
Outcome<bool> check_syn_data_acked(int fd) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) {
    spdlog::debug("TCP_INFO unavailable ({}): SYN data acknowledgement not checked", std::strerror(errno));
    return true;
  }
  if ((info.tcpi_options & TCPI_OPT_SYN_DATA) != 0) return true;
  return packetgen::failure(fail(ExitCode::BadReply,
                                 "the converter's SYN-ACK did not acknowledge the Convert message "
                                 "in the SYN (a middlebox may strip SYN data); not using this "
                                 "converter"));
}

Outcome<bool> send_rest(int fd, ByteView bytes, Clock::time_point deadline) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return packetgen::failure(fail(ExitCode::ConnectionFailed, fmt::format("send: {}", std::strerror(errno))));
    if (!wait_for(fd, POLLOUT, deadline)) return packetgen::failure(fail(ExitCode::ConnectionFailed, "send timed out"));
  }
  return true;
}

Outcome<ReplyState> read_reply(int fd, const ClientOptions& options) {
  ReplyReader reader(options.faults);
  const auto deadline = Clock::now() + options.reply_timeout;
  std::array<std::uint8_t, 4096> buffer{};
  while (true) {
    if (!wait_for(fd, POLLIN, deadline))
      return packetgen::failure(
          fail(ExitCode::BadReply, fmt::format("no complete Convert reply within {} ms ({} bytes seen)",
                                               options.reply_timeout.count(), reader.buffered())));
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0)
      return packetgen::failure(
          fail(ExitCode::BadReply,
               fmt::format("connection failed before a complete Convert reply: {}", std::strerror(errno))));
    if (n == 0)
      return packetgen::failure(fail(ExitCode::BadReply, fmt::format("converter closed the connection before a "
                                                                     "complete Convert reply ({} bytes seen)",
                                                                     reader.buffered())));
    ReplyState state = reader.feed(ByteView(buffer.data(), static_cast<std::size_t>(n)));
    if (!std::holds_alternative<ReplyIncomplete>(state)) return state;
  }
}

void log_transport(int fd) {
  int is_mptcp = 0;
  socklen_t length = sizeof is_mptcp;
  constexpr int kTcpIsMptcp = 43;
  if (::getsockopt(fd, IPPROTO_TCP, kTcpIsMptcp, &is_mptcp, &length) == 0)
    spdlog::debug("upstream connection is {}", is_mptcp != 0 ? "MPTCP" : "plain TCP");
}

// The Convert message, then the early data right after it (CLI-002, CLI-003).
Bytes syn_payload_of(const Bytes& message, const Bytes& early, const FaultSet& faults) {
  Bytes payload;
  if (faults.has(Fault::AppDataFirst)) packetgen::put_bytes(payload, early);
  packetgen::put_bytes(payload, message);
  if (faults.has(Fault::GapBeforeAppData)) payload.insert(payload.end(), 4, 0);
  if (!faults.has(Fault::AppDataFirst)) packetgen::put_bytes(payload, early);
  return payload;
}

struct Connected {
  UniqueFd fd;
  RelayStart start;
  Bytes early;  // what the SYN carried after the Convert message: a retry sends it again
};

Outcome<Connected> connect_through_converter(const ClientOptions& options, Streams streams) {
  auto sysctl = check_fastopen();
  if (!sysctl) return packetgen::failure(sysctl.error());
  auto request = build_request(options);
  if (!request) return packetgen::failure(fail(ExitCode::Usage, request.error()));
  bool input_closed = false;
  Bytes early = options.early_data ? Bytes(options.early_data->begin(), options.early_data->end())
                                   : take_early_input(streams.input, options.early_data_limit, input_closed);
  const Bytes message = std::move(request).value();
  const std::size_t message_size = message.size();
  const Bytes syn_payload = syn_payload_of(message, early, options.faults);

  auto fd = open_socket(options, *sysctl);
  if (!fd) return packetgen::failure(fd.error());
  auto in_syn = send_syn(fd->get(), options.converter, syn_payload);
  if (!in_syn) return packetgen::failure(in_syn.error());
  spdlog::debug("SYN carries {} of {} bytes ({} Convert, {} early data)", *in_syn, syn_payload.size(), message_size,
                early.size());
  if (auto connected = wait_connected(fd->get(), options); !connected) return packetgen::failure(connected.error());
  log_transport(fd->get());
  if (!options.faults.has(Fault::IgnoreUnackedSynData)) {
    if (auto acked = check_syn_data_acked(fd->get()); !acked) {
      close_with_reset(*fd);  // stop using this converter at once
      return packetgen::failure(acked.error());
    }
  }
  const ByteView rest = ByteView(syn_payload).subspan(*in_syn);
  if (auto sent = send_rest(fd->get(), rest, Clock::now() + options.connect_timeout); !sent)
    return packetgen::failure(sent.error());
  return Connected{std::move(fd).value(), RelayStart{{}, input_closed}, early};
}

ExitCode report_refusal(const ReplyRefused& refused, UniqueFd& fd, const ClientOptions& options) {
  const bool print_reply = options.print_reply;
  if (options.faults.has(Fault::FinOnError))
    fd.reset();
  else
    close_with_reset(fd);  // CLI-018
  if (print_reply) spdlog::info("{}", describe_reply(packetgen::convert::Message{{refused.error}}, refused.raw));
  spdlog::error("converter refused: {}", describe_error(refused.error));
  if (refused.error.code == packetgen::convert::ErrorCode::MissingCookie)
    spdlog::error("retry with --cookie {}", fmt::format("{:02x}", fmt::join(refused.error.bytes, "")));
  return exit_code_for(refused.error.code);
}

}  // namespace

ExitCode run_once(const ClientOptions& options, Streams streams, bool first_attempt);

// CLI-020, CLI-I02: the same request again, with the converter's cookie.
ClientOptions with_cookie(const ClientOptions& options, const Bytes& cookie, const Bytes& early) {
  ClientOptions retry = options;
  retry.cookie = cookie;
  if (options.faults.has(Fault::CookieAltered) && !retry.cookie->empty()) retry.cookie->front() ^= 0xff;
  retry.early_data = std::string(early.begin(), early.end());
  spdlog::info("retrying with the converter's cookie");
  return retry;
}

namespace {

// CLI-021, CLI-022: a converter that asked for a back-off is left alone
// until it ends; the problem when it is still running.
std::optional<ExitCode> still_backing_off(const ClientOptions& options) {
  if (!options.state_dir || options.faults.has(Fault::IgnoreBackoff)) return std::nullopt;
  auto remaining = backoff_remaining(*options.state_dir, options.converter, SystemClock::now());
  if (!remaining) {
    spdlog::warn("back-off state ignored: {}", remaining.error());
    return std::nullopt;
  }
  if (!*remaining) return std::nullopt;
  spdlog::error("converter {} asked to be left alone: {} s to go", options.converter.to_string(),
                (*remaining)->count());
  return ExitCode::ConverterSideError;
}

void remember_requested_backoff(const ClientOptions& options, const packetgen::convert::ErrorTlv& error) {
  const auto delay = requested_backoff(error, options.faults.has(Fault::BackoffZeroIsNone));
  if (!delay || !options.state_dir || options.faults.has(Fault::IgnoreBackoff)) return;
  if (auto problem = remember_backoff(*options.state_dir, options.converter, *delay, SystemClock::now()))
    spdlog::warn("back-off not remembered: {}", *problem);
  else
    spdlog::info("leaving converter {} alone for {} s", options.converter.to_string(), delay->count());
}

}  // namespace

ExitCode run_session(const ClientOptions& options, Streams streams) {
  if (auto waiting = still_backing_off(options)) return *waiting;
  return run_once(options, streams, true);
}

ExitCode run_once(const ClientOptions& options, Streams streams, bool first_attempt) {
  auto connected = connect_through_converter(options, streams);
  if (!connected) {
    spdlog::error("{}", connected.error().message);
    return connected.error().code;
  }
  UniqueFd fd = std::move(connected->fd);
  auto reply = read_reply(fd.get(), options);
  if (!reply) {
    close_with_reset(fd);
    spdlog::error("{}", reply.error().message);
    return reply.error().code;
  }
  if (const auto* refused = std::get_if<ReplyRefused>(&*reply)) {
    const ExitCode code = report_refusal(*refused, fd, options);
    remember_requested_backoff(options, refused->error);
    if (refused->error.code == packetgen::convert::ErrorCode::MissingCookie && options.retry_with_cookie &&
        first_attempt)
      return run_once(with_cookie(options, refused->error.bytes, connected->early), streams, false);
    // CLI-019: with no version in common there is nothing to retry with.
    const bool retry = refused->error.code == packetgen::convert::ErrorCode::UnsupportedVersion &&
                       options.faults.has(Fault::RetrySameVersion) && first_attempt;
    return retry ? run_once(options, streams, false) : code;
  }
  if (const auto* invalid = std::get_if<ReplyInvalid>(&*reply)) {
    close_with_reset(fd);  // CLI-006, CLI-010, CLI-011, CLI-027
    spdlog::error("{}", invalid->reason);
    return ExitCode::BadReply;
  }
  const auto& accepted = std::get<ReplyAccepted>(*reply);
  if (options.print_reply) spdlog::info("{}", describe_reply(accepted.message, accepted.raw));
  if (!write_all(streams.output, accepted.application_data)) {
    spdlog::error("cannot write to the output: {}", std::strerror(errno));
    return ExitCode::ConnectionFailed;
  }
  return relay(fd.get(), streams, std::move(connected->start));
}

}  // namespace convtest::convclient
