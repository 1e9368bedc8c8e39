#pragma once
// `convtest fuzz` and `convtest replay` (docs/guide.md, "Fuzzing a converter").

#include <filesystem>
#include <string>

#include "harness/cli/cli.hpp"

namespace convtest::harness::cli {

int run_fuzz(const Invocation& invocation, const std::filesystem::path& bin_dir, const std::string& command_line);
int run_replay(const Invocation& invocation, const std::filesystem::path& bin_dir);

}  // namespace convtest::harness::cli
