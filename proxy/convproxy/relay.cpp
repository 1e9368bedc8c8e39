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

PumpStatus RelayDirection::flush_held(int sink, std::size_t& moved) {
  while (held_offset_ < held_.size()) {
    const auto n = ::send(sink, held_.data() + held_offset_, held_.size() - held_offset_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) return would_block(errno) ? PumpStatus::Blocked : PumpStatus::SinkReset;
    held_offset_ += static_cast<std::size_t>(n);
    moved += static_cast<std::size_t>(n);
  }
  held_.clear();
  held_offset_ = 0;
  return PumpStatus::Finished;
}

PumpStatus RelayDirection::pump(int source, int sink, std::size_t& moved, PipePool& pipes) {
  if (shut_down_) return PumpStatus::Finished;
  const PumpStatus status = move_bytes(source, sink, moved, pipes);
  if (pipe_ && in_pipe_ == 0) {
    pipes.give_back(std::move(*pipe_));
    pipe_.reset();
  }
  return status;
}

// Without a pipe (splice refused, or no descriptor left) bytes go through a
// user-space buffer, one read at a time.
PumpStatus RelayDirection::copy_from(int source) {
  std::array<std::uint8_t, kSpliceChunk> buffer{};
  const auto n = ::recv(source, buffer.data(), buffer.size(), MSG_DONTWAIT);
  if (n < 0) return would_block(errno) ? PumpStatus::Blocked : PumpStatus::SourceReset;
  if (n == 0)
    source_ended_ = true;
  else
    held_.assign(buffer.begin(), buffer.begin() + n);
  return PumpStatus::Yielded;
}

PumpStatus RelayDirection::move_bytes(int source, int sink, std::size_t& moved, PipePool& pipes) {
  for (int round = 0; round < kMaxRoundsPerPump; ++round) {
    if (!held_.empty()) {
      const auto status = flush_held(sink, moved);
      if (status != PumpStatus::Finished) return status;
    }
    if (in_pipe_ > 0) {
      const auto n = ::splice(pipe_->read.get(), nullptr, sink, nullptr, in_pipe_, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
      if (n < 0) return would_block(errno) ? PumpStatus::Blocked : PumpStatus::SinkReset;
      in_pipe_ -= static_cast<std::size_t>(n);
      moved += static_cast<std::size_t>(n);
      continue;
    }
    if (source_ended_) {
      if (swallow_end_) return PumpStatus::Blocked;
      ::shutdown(sink, SHUT_WR);
      shut_down_ = true;
      return PumpStatus::Finished;
    }
    if (!copy_mode_ && !pipe_) pipe_ = pipes.take();
    if (copy_mode_ || !pipe_) {
      const auto status = copy_from(source);
      if (status != PumpStatus::Yielded) return status;
      continue;
    }
    const auto n =
        ::splice(source, nullptr, pipe_->write.get(), nullptr, kSpliceChunk, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
    if (n < 0) {
      if (would_block(errno)) return PumpStatus::Blocked;
      if (errno == EINVAL || errno == ENOSYS) {
        copy_mode_ = true;
        continue;
      }
      return PumpStatus::SourceReset;
    }
    if (n == 0)
      source_ended_ = true;
    else
      in_pipe_ += static_cast<std::size_t>(n);
  }
  return PumpStatus::Yielded;
}

}  // namespace convtest::convproxy
