#pragma once
// Progress output of `convtest run`: a live line on a terminal, one plain
// line per case otherwise (CI logs), or nothing.

#include <cstdio>
#include <map>
#include <memory>

#include "harness/cli/cli.hpp"
#include "harness/runner/runner.hpp"

namespace convtest::harness::cli {

std::unique_ptr<ProgressSink> make_progress(ProgressStyle style, std::FILE* out);

}  // namespace convtest::harness::cli
