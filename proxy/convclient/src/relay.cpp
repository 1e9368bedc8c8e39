#include "convclient/relay.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace convtest::convclient {

using packetgen::Bytes;
using packetgen::ByteView;

bool write_all(int fd, ByteView bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

namespace {

constexpr std::size_t kChunk = 64 * 1024;

struct RelayState {
  int connection;
  Streams streams;
  Bytes pending;  // input bytes waiting for room in the socket buffer
  bool input_closed = false;
  bool sent_fin = false;
  bool connection_closed = false;
  bool done() const { return sent_fin && connection_closed; }
};

enum class Step { Continue, Failed };

Step read_connection(RelayState& state) {
  std::array<std::uint8_t, kChunk> buffer{};
  const ssize_t n = ::recv(state.connection, buffer.data(), buffer.size(), MSG_DONTWAIT);
  if (n > 0) {
    if (write_all(state.streams.output, ByteView(buffer.data(), static_cast<std::size_t>(n)))) return Step::Continue;
    spdlog::error("cannot write to the output: {}", std::strerror(errno));
    return Step::Failed;
  }
  if (n == 0) {
    state.connection_closed = true;
    spdlog::debug("connection: peer closed its side");
    return Step::Continue;
  }
  if (errno == EAGAIN || errno == EINTR) return Step::Continue;
  spdlog::error("connection broke during relay: {}", std::strerror(errno));
  return Step::Failed;
}

Step read_input(RelayState& state) {
  std::array<std::uint8_t, kChunk> buffer{};
  const ssize_t n = ::read(state.streams.input, buffer.data(), buffer.size());
  if (n > 0) {
    state.pending.assign(buffer.begin(), buffer.begin() + n);
    return Step::Continue;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return Step::Continue;
  if (n < 0) spdlog::warn("input: {}; treating it as end of input", std::strerror(errno));
  state.input_closed = true;
  return Step::Continue;
}

Step write_connection(RelayState& state) {
  const ssize_t n = ::send(state.connection, state.pending.data(), state.pending.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n > 0) {
    state.pending.erase(state.pending.begin(), state.pending.begin() + n);
    return Step::Continue;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return Step::Continue;
  spdlog::error("connection broke during relay: {}", std::strerror(errno));
  return Step::Failed;
}

void send_fin_when_input_done(RelayState& state) {
  if (state.sent_fin || !state.input_closed || !state.pending.empty()) return;
  ::shutdown(state.connection, SHUT_WR);
  state.sent_fin = true;
  spdlog::debug("input ended: sent FIN");
}

}  // namespace

ExitCode relay(int connection, Streams streams, RelayStart start) {
  RelayState state{connection, streams, std::move(start.to_connection), start.input_closed};
  while (true) {
    send_fin_when_input_done(state);
    if (state.done()) return ExitCode::Ok;
    const bool want_input = !state.input_closed && state.pending.empty();
    std::array<pollfd, 2> fds{};
    fds[0] = {want_input ? streams.input : -1, POLLIN, 0};
    const short connection_events =
        static_cast<short>((state.connection_closed ? 0 : POLLIN) | (state.pending.empty() ? 0 : POLLOUT));
    // After the peer's FIN only our pending bytes matter: a closed socket
    // would otherwise report POLLHUP on every call.
    fds[1] = {connection_events != 0 ? connection : -1, connection_events, 0};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("poll: {}", std::strerror(errno));
      return ExitCode::ConnectionFailed;
    }
    const short input_ready = fds[0].revents;
    const short connection_ready = fds[1].revents;
    Step step = Step::Continue;
    if (connection_ready & (POLLIN | POLLHUP | POLLERR) && !state.connection_closed) step = read_connection(state);
    if (step == Step::Continue && (connection_ready & POLLOUT) && !state.pending.empty())
      step = write_connection(state);
    if (step == Step::Continue && (input_ready & (POLLIN | POLLHUP | POLLERR))) step = read_input(state);
    if (step == Step::Failed) return ExitCode::ConnectionFailed;
  }
}

}  // namespace convtest::convclient
