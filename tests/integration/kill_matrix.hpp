#pragma once
// The kill matrix (docs/design.md, "Proving the suite"): for every convproxy --fault, the exact
// set of catalog cases that stop passing. The expectations live in
// kill_matrix.json; the ctest (a CI subset of faults) and the full-matrix
// tool (scripts/kill-matrix.sh) share this code. docs/faults.md explains the
// profile and verdict rules.

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "packetgen/result.hpp"

namespace convtest::kill_matrix {

namespace fs = std::filesystem;

using Verdicts = std::map<std::string, std::string>;  // case id -> "PASS", "FAIL", ...

// What one fault does to the catalog: verdict -> case ids, for every verdict
// other than PASS. SKIP and UNSUPPORTED never appear: they follow from the
// case metadata and the PUT's features, never from a fault.
// A FAIL the runner's health rule made (the PUT exited or no longer served
// valid requests after the case), recorded apart: it shows the fault, but not
// that the case can fail on its own requirement.
inline constexpr std::string_view kPutUnhealthy = "FAIL-PUT-UNHEALTHY";

struct FaultEffect {
  std::map<std::string, std::set<std::string>> cases;

  // The cases that detect the fault on their own requirement: FAIL or WARN.
  std::set<std::string> killed() const;
  const std::set<std::string>& with(std::string_view verdict) const;
};

struct Matrix {
  // Whom the faults are injected into: "converter" (convproxy --fault) or
  // "client" (convclient --fault, the catalog run with --role client).
  std::string role = "converter";
  bool strict = false;  // the profile the matrix is recorded in
  unsigned jobs = 2;
  std::uint64_t seed = 11;
  std::vector<std::string> ci_faults;  // the subset ctest runs
  // --dim filters of every run: the matrix judges each case's base instance
  // (IPv4, TCP, whole message, no TFO option), which every case has.
  std::vector<std::string> dimensions;
  // The unfaulted convproxy's non-PASS verdicts (SHOULDs it cannot follow):
  // a case that is not PASS there is not killed by a fault.
  FaultEffect baseline;
  std::map<std::string, FaultEffect> faults;
  // Faults whose recorded effect depends on the kernel (fault -> why): on a
  // kernel that does by itself what the fault takes out of convproxy, the
  // fault changes nothing, and that is accepted too.
  std::map<std::string, std::string> kernel_dependent;
};

packetgen::Result<Matrix, std::string> load_matrix(const fs::path& path);
nlohmann::json to_json(const Matrix& matrix);

struct Tools {
  fs::path convtest;  // convproxy sits next to it
  fs::path work_dir;  // reports and logs of each fault run
};

struct FaultRun {
  std::string fault;  // empty: the unfaulted convproxy
  int exit_code = -1;
  double seconds = 0;
  Verdicts verdicts;
  std::string problem;  // non-empty: no usable report
  fs::path log;         // convtest's output
  fs::path report;      // convtest's JSON report
};

// The whole catalog of the matrix's role against convproxy (or convclient)
// --fault FAULT (empty: no fault), in the matrix's profile.
FaultRun run_fault(const Tools& tools, const Matrix& matrix, const std::string& fault);

// The run's verdicts in matrix form.
FaultEffect observed_effect(const FaultRun& run);

// One line per case whose verdict is not the expected one.
std::vector<std::string> differences(const FaultEffect& expected, const FaultRun& run);

// A kernel-dependent fault that changed no verdict on this kernel.
bool no_effect_on_this_kernel(const Matrix& matrix, const FaultRun& run);

// MUST cases of the catalog (`convtest list --format json`) that no fault of
// the matrix kills and that give no unkillable_reason; and cases that give a
// reason but are killed after all (the reason is stale).
std::vector<std::string> coverage_problems(const Matrix& matrix, const nlohmann::json& catalog);

// Case ids the matrix names that the catalog does not have.
std::vector<std::string> unknown_cases(const Matrix& matrix, const nlohmann::json& catalog);

// The faults convproxy or convclient offers, from its own error message for
// an unknown one.
std::vector<std::string> offered_faults(const fs::path& program);
// The program whose faults the matrix records: convproxy or convclient,
// next to convtest.
fs::path faulted_program(const Matrix& matrix, const fs::path& convtest);

// `convtest list --role ROLE --format json` of the matrix's cases, parsed
// (discarded on failure).
nlohmann::json catalog_metadata(const fs::path& convtest, const Matrix& matrix);

}  // namespace convtest::kill_matrix
