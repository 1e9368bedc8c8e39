#pragma once
// Splice pipes are lent to a relay direction only while bytes sit in them, so
// an idle relayed connection holds its two sockets and nothing else: 10,000
// idle connections fit a 20,000-descriptor budget. Each worker owns a pool;
// a few spare pipes stay open so a busy relay does not pay pipe2() per burst.

#include <cstddef>
#include <optional>
#include <vector>

#include "convproxy/fd.hpp"

namespace convtest::convproxy {

struct Pipe {
  Fd read;
  Fd write;
};

class PipePool {
 public:
  explicit PipePool(std::size_t spare_limit) : spare_limit_(spare_limit) {}

  // A spare pipe or a new one; nothing when the process is out of descriptors.
  std::optional<Pipe> take();
  // An empty pipe comes back; beyond the spare limit it is closed.
  void give_back(Pipe pipe);

  [[nodiscard]] std::size_t spare() const { return spare_.size(); }

 private:
  std::vector<Pipe> spare_;
  std::size_t spare_limit_;
};

}  // namespace convtest::convproxy
