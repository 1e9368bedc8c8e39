#pragma once
// What the runner needs around one case: a fresh lab (namespace, link, PUT),
// its capture and the PUT's output. The lab-backed implementation is in
// lab_sandbox.hpp; the runner only sees this interface so that it can be
// driven by any way of reaching a PUT.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/runner/case.hpp"
#include "packetgen/result.hpp"

namespace convtest::harness {

class CaseSandbox {
 public:
  virtual ~CaseSandbox() = default;
  CaseSandbox() = default;
  CaseSandbox(const CaseSandbox&) = delete;
  CaseSandbox& operator=(const CaseSandbox&) = delete;

  virtual Lab* lab() = 0;
  // The PUT's stdout and stderr so far ("" when the harness did not launch it).
  virtual std::string put_output() = 0;
  // Set when a PUT the harness launched is gone: "exited with status 1",
  // "killed by signal 11".
  virtual std::optional<std::string> put_exit() = 0;
  // Where this case's packets were captured, if anywhere.
  virtual std::optional<std::filesystem::path> pcap() const = 0;
  // How long each step of the set-up took ("netns", "tun", "put_ready"...).
  virtual std::vector<std::pair<std::string, std::chrono::microseconds>> setup_phases() const { return {}; }
  // Stops a PUT the harness launched (the destructor would too): the
  // runner times it apart from the rest of the teardown.
  virtual void stop_put() {}
};

struct SandboxRequest {
  std::size_t worker = 0;
  std::optional<std::filesystem::path> pcap;  // capture every packet of the case here
  std::filesystem::path work_dir;             // scratch files (PUT output) go here
  std::uint64_t seed = 0;
};

struct SandboxError {
  // true: the machine lacks something (privilege, binary, kernel feature):
  // the case is INCONCLUSIVE and the run exits 2. false: a harness bug (ERROR).
  bool environment = false;
  std::string text;
  bool put_did_not_start = false;  // the spawned PUT exited or never listened
};

using SandboxResult = packetgen::Result<std::unique_ptr<CaseSandbox>, SandboxError>;

class SandboxFactory {
 public:
  virtual ~SandboxFactory() = default;
  SandboxFactory() = default;
  SandboxFactory(const SandboxFactory&) = delete;
  SandboxFactory& operator=(const SandboxFactory&) = delete;

  // What keeps every case from running (e.g. "needs root: CAP_NET_ADMIN", a
  // PUT that does not start or never listens), checked once before the run;
  // empty when all is well.
  virtual std::vector<std::string> preflight() = 0;
  // After the last case: tidy what the sandboxes shared in `work_dir`.
  virtual void finished(const std::filesystem::path& work_dir) { (void)work_dir; }
  // After the last case: what the sandboxes could not clean up (a process
  // that survived its case's namespace), each an environment problem.
  virtual std::vector<std::string> leftovers() const { return {}; }
  // Called on the worker thread that runs the case, and the sandbox is
  // destroyed on that thread too (namespace membership is per thread).
  virtual SandboxResult create(const CaseSpec& spec, const SandboxRequest& request) = 0;
};

}  // namespace convtest::harness
