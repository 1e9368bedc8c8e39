#include "convproxy/pipe_pool.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace convtest::convproxy {

std::optional<Pipe> PipePool::take() {
  if (!spare_.empty()) {
    Pipe pipe = std::move(spare_.back());
    spare_.pop_back();
    return pipe;
  }
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return std::nullopt;
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

void PipePool::give_back(Pipe pipe) {
  if (spare_.size() < spare_limit_) spare_.push_back(std::move(pipe));
}

}  // namespace convtest::convproxy
