#include "convproxy/relay.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace convtest::convproxy {

namespace {
constexpr std::size_t kSpliceChunk = 1 << 16;
constexpr int kMaxRoundsPerPump = 64;  // then yield: fairness between connections

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK; }
}  // namespace

void RelayDirection::hold(packetgen::Bytes bytes) { held_.insert(held_.end(), bytes.begin(), bytes.end()); }

PumpStatus RelayDirection::flush_held(int sink, std::size_t& moved, bool more_follows) {
  const int flags = MSG_NOSIGNAL | MSG_DONTWAIT | (more_follows ? MSG_MORE : 0);
  while (held_offset_ < held_.size()) {
    const auto n = ::send(sink, held_.data() + held_offset_, held_.size() - held_offset_, flags);
    if (n < 0) return would_block(errno) ? PumpStatus::Blocked : PumpStatus::SinkReset;
    held_offset_ += static_cast<std::size_t>(n);
    moved += static_cast<std::size_t>(n);
  }
  held_.clear();
  held_offset_ = 0;
  return PumpStatus::Finished;
}

PumpStatus RelayDirection::pump(int source, int sink, std::size_t& moved, PipePool& pipes, bool source_signalled) {
  if (shut_down_) return PumpStatus::Finished;
  const PumpStatus status = move_bytes(source, sink, moved, pipes, source_signalled || !source_empty_);
  if (pipe_ && in_pipe_ == 0) {
    pipes.give_back(std::move(*pipe_));
    pipe_.reset();
  }
  return status;
}

// Without a pipe (splice refused, or no descriptor left) bytes go through a
// user-space buffer, one read at a time.
RelayDirection::Fill RelayDirection::copy_from(int source) {
  std::array<std::uint8_t, kSpliceChunk> buffer{};
  const auto n = ::recv(source, buffer.data(), buffer.size(), MSG_DONTWAIT);
  source_empty_ = n < 0 && would_block(errno);
  if (n < 0) return source_empty_ ? Fill::Drained : Fill::Reset;
  if (n == 0)
    source_ended_ = true;
  else
    held_.assign(buffer.begin(), buffer.begin() + n);
  return n == 0 ? Fill::Drained : Fill::Full;
}

// Reads what the source has queued before writing: bytes that arrived
// together leave together, and when the end of stream is already queued
// behind them the last write carries MSG_MORE, so the FIN rides in their
// segment (a converted connection's reply, response and FIN: one segment
// instead of three). A read that finds nothing costs no more than before:
// the write-then-read order made the same call after the write.
PumpStatus RelayDirection::move_bytes(int source, int sink, std::size_t& moved, PipePool& pipes, bool read_first) {
  for (int round = 0; round < kMaxRoundsPerPump; ++round) {
    const auto read = round > 0 || read_first ? fill(source, pipes) : Fill::Drained;
    if (read == Fill::Reset) return PumpStatus::SourceReset;
    const bool fin_follows = source_ended_ && !swallow_end_;
    if (!held_.empty()) {
      const auto status = flush_held(sink, moved, in_pipe_ > 0 || fin_follows);
      if (status != PumpStatus::Finished) return status;
    }
    if (in_pipe_ > 0) {
      const unsigned more = fin_follows ? SPLICE_F_MORE : 0;
      const auto n =
          ::splice(pipe_->read.get(), nullptr, sink, nullptr, in_pipe_, SPLICE_F_NONBLOCK | SPLICE_F_MOVE | more);
      if (n < 0) return would_block(errno) ? PumpStatus::Blocked : PumpStatus::SinkReset;
      in_pipe_ -= static_cast<std::size_t>(n);
      moved += static_cast<std::size_t>(n);
      if (in_pipe_ > 0) continue;
    }
    if (source_ended_) {
      if (swallow_end_) return PumpStatus::Blocked;
      ::shutdown(sink, SHUT_WR);
      shut_down_ = true;
      return PumpStatus::Finished;
    }
    if (read == Fill::Drained) return PumpStatus::Blocked;
  }
  return PumpStatus::Yielded;
}

// Takes from the source what fits: into the pipe until the source is empty,
// ends or the pipe is full, or (copy mode) one read into the held bytes.
RelayDirection::Fill RelayDirection::fill(int source, PipePool& pipes) {
  if (source_ended_) return Fill::Drained;
  if (!copy_mode_ && !pipe_) pipe_ = pipes.take();
  if (copy_mode_ || !pipe_) return held_.empty() ? copy_from(source) : Fill::Full;
  source_empty_ = false;
  while (in_pipe_ < kSpliceChunk) {
    const auto n = ::splice(source, nullptr, pipe_->write.get(), nullptr, kSpliceChunk - in_pipe_,
                            SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
    if (n > 0) {
      in_pipe_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) {
      source_ended_ = true;
      return Fill::Drained;
    }
    // EAGAIN with bytes in the pipe may mean a full pipe: write, then read again.
    if (would_block(errno)) {
      source_empty_ = in_pipe_ == 0;
      return source_empty_ ? Fill::Drained : Fill::Full;
    }
    if (errno == EINVAL || errno == ENOSYS) {
      copy_mode_ = true;
      return in_pipe_ > 0 ? Fill::Full : (held_.empty() ? copy_from(source) : Fill::Full);
    }
    return Fill::Reset;
  }
  return Fill::Full;
}

}  // namespace convtest::convproxy
