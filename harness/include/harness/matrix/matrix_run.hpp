#pragma once
// `convtest matrix EVENT.json --out DIR` (docs/interop-event.md): the
// converter catalog against every converter and the client catalog against
// every client (one `convtest run` child each, under DIR/runs/ID/), then
// every client through every converter to the pair server
// (DIR/pairs/CLIENT/CONVERTER/FAMILY-TRANSPORT-PROFILE/), then
// DIR/matrix.json and DIR/index.html. Each unit leaves a unit file
// (run.json or cell.json, reports/schema/matrix-unit-v1.schema.json) as its
// last write; --resume keeps a unit whose file is complete and whose inputs
// are unchanged, and re-runs the others.

#include <filesystem>
#include <string>

#include "harness/runner/case.hpp"

namespace convtest::harness::matrix {

struct MatrixOptions {
  std::filesystem::path event;
  std::filesystem::path out;
  unsigned jobs = 0;  // 0: one per core
  bool resume = false;
  std::filesystem::path convtest_binary;  // the child runs' program (this one)
  std::filesystem::path bin_dir;          // {bin}: convproxy and convclient live there
};

// Runs the whole matrix; returns the process exit code (docs/interop-event.md).
// Once `stop` is requested (Ctrl-C) no unit starts, the running catalog runs
// are interrupted (their unit files say so, so --resume runs them again),
// the running pair cells finish, and matrix.json marks what did not run.
int run_matrix(const MatrixOptions& options, const StopFlag& stop);

}  // namespace convtest::harness::matrix
