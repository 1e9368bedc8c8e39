#pragma once
// The sandbox the `convtest` binary uses: a harness Lab per case (fresh
// network namespace, TUN link, capture, and the PUT launched, joined or
// reached remotely as the PUT description says). In the client role the lab
// holds the client addresses and no PUT: each case launches the client under
// test itself, toward the destination it chooses.

#include <filesystem>
#include <memory>
#include <optional>

#include "harness/put/client_description.hpp"
#include "harness/put/put_description.hpp"
#include "harness/runner/sandbox.hpp"

namespace convtest::harness {

struct LabSandboxOptions {
  std::filesystem::path bin_dir;  // {bin} in spawn templates: where convtest lives
  double time_scale = 1.0;
  std::optional<ClientDescription> client;           // set: the client role
  std::filesystem::path work_dir = "out/artifacts";  // the PUT's output files live in work_dir/put-output
};

std::unique_ptr<SandboxFactory> make_lab_sandboxes(const PutDescription& put, LabSandboxOptions options);

}  // namespace convtest::harness
