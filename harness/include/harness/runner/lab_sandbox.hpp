#pragma once
// The sandbox the `convtest` binary uses: a harness Lab per case (fresh
// network namespace, TUN link, capture, and the PUT launched, joined or
// reached remotely as the PUT description says).

#include <filesystem>
#include <memory>

#include "harness/put/put_description.hpp"
#include "harness/runner/sandbox.hpp"

namespace convtest::harness {

struct LabSandboxOptions {
  std::filesystem::path bin_dir;  // {bin} in spawn templates: where convtest lives
  double time_scale = 1.0;
};

std::unique_ptr<SandboxFactory> make_lab_sandboxes(const PutDescription& put, LabSandboxOptions options);

}  // namespace convtest::harness
