#pragma once
// One direction of a relayed connection: bytes already held (the Convert
// reply, or the early data after the TLVs) go first, then splice() through a
// pipe borrowed from the worker's pool for as long as it holds bytes; end of
// stream becomes shutdown(SHUT_WR) on the other side, in the same segment as
// the last bytes when both were queued together.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "convproxy/pipe_pool.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::convproxy {

enum class PumpStatus : std::uint8_t {
  Blocked,      // waiting for the source to be readable or the sink writable
  Finished,     // the source ended and the half-close was passed on
  SourceReset,  // reading failed: the source side is gone (RST)
  SinkReset,    // writing failed: the sink side is gone (RST)
  Yielded,      // moved its share for this turn; pump again soon
};

class RelayDirection {
 public:
  RelayDirection() = default;
  void hold(packetgen::Bytes bytes);  // written before anything spliced
  [[nodiscard]] bool holding() const { return !held_.empty(); }
  // Moves bytes until neither side can make progress. `moved` grows by the
  // number of bytes delivered to the sink. An emptied pipe goes back to `pipes`.
  // Without `source_signalled` (no event on the source since the last pump)
  // a source whose last read heard EAGAIN is not read again: edge-triggered
  // epoll reports any byte or end of stream that arrives after that read.
  PumpStatus pump(int source, int sink, std::size_t& moved, PipePool& pipes, bool source_signalled = true);
  // The owner found the source's queue empty (a read that came up short).
  void source_found_empty() { source_empty_ = true; }
  [[nodiscard]] bool finished() const { return shut_down_; }
  // Fault injection only: the source's FIN is not passed on to the sink.
  void swallow_end() { swallow_end_ = true; }

 private:
  enum class Fill : std::uint8_t {
    Drained,  // the source has nothing more queued now, or it ended
    Full,     // stopped with bytes to write first (maybe more to read)
    Reset,    // reading failed
  };
  PumpStatus move_bytes(int source, int sink, std::size_t& moved, PipePool& pipes, bool read_first);
  PumpStatus flush_held(int sink, std::size_t& moved, bool more_follows);
  Fill fill(int source, PipePool& pipes);
  Fill copy_from(int source);

  packetgen::Bytes held_;
  std::size_t held_offset_ = 0;
  std::optional<Pipe> pipe_;
  std::size_t in_pipe_ = 0;
  bool source_ended_ = false;
  bool source_empty_ = false;  // the last read found nothing queued
  bool shut_down_ = false;
  bool copy_mode_ = false;  // splice() refused for this socket type
  bool swallow_end_ = false;
};

}  // namespace convtest::convproxy
