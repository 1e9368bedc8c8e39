// kill_matrix: runs the catalog against convproxy (or, for a client-role
// matrix, convclient) once per --fault and compares the verdicts with the
// matrix file (or rewrites it from what it
// observed, for a human to review). scripts/kill-matrix.sh wraps it.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>

#include "kill_matrix.hpp"

namespace km = convtest::kill_matrix;
namespace fs = std::filesystem;

namespace {

struct Options {
  fs::path convtest;
  fs::path matrix;
  fs::path work_dir;
  std::vector<std::string> faults;
  bool ci_only = false;
  bool baseline = false;
  fs::path write;
};

// The faults to run: those asked for, else the CI subset or every fault
// convproxy offers.
std::vector<std::string> selected_faults(const Options& options, const km::Matrix& matrix,
                                         const std::vector<std::string>& offered) {
  if (!options.faults.empty()) return options.faults;
  if (options.ci_only) return matrix.ci_faults;
  return offered;
}

int report_coverage(const km::Matrix& matrix, const fs::path& convtest) {
  const auto catalog = km::catalog_metadata(convtest, matrix);
  if (catalog.is_discarded()) {
    fmt::print("kill-matrix: `convtest list --format json` failed\n");
    return 1;
  }
  int problems = 0;
  for (const auto& line : km::coverage_problems(matrix, catalog)) {
    fmt::print("  coverage: {}\n", line);
    ++problems;
  }
  for (const auto& line : km::unknown_cases(matrix, catalog)) {
    fmt::print("  unknown case: {}\n", line);
    ++problems;
  }
  return problems == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kill_matrix: convproxy faults against the catalog (docs/design.md, Proving the suite)"};
  Options options;
  app.add_option("--convtest", options.convtest, "the convtest binary (convproxy next to it)")->required();
  app.add_option("--matrix", options.matrix, "kill_matrix.json")->required();
  app.add_option("--work-dir", options.work_dir, "reports and logs of each run")->required();
  app.add_option("--fault", options.faults, "run only this fault (repeatable)");
  app.add_flag("--ci", options.ci_only, "run only the matrix's CI subset");
  app.add_flag("--baseline", options.baseline, "also run the unfaulted convproxy (always with --write)");
  app.add_option("--write", options.write, "write the observed matrix here instead of comparing");
  CLI11_PARSE(app, argc, argv);

  auto loaded = km::load_matrix(options.matrix);
  if (!loaded) {
    fmt::print(stderr, "kill-matrix: {}\n", loaded.error());
    return 2;
  }
  km::Matrix matrix = std::move(loaded.value());
  const auto program = km::faulted_program(matrix, options.convtest);
  const auto offered = km::offered_faults(program);
  if (offered.empty()) {
    fmt::print(stderr, "kill-matrix: could not read the fault list of {}\n", program.string());
    return 2;
  }
  const km::Tools tools{options.convtest, options.work_dir};
  const auto started = std::chrono::steady_clock::now();
  int mismatched = 0;
  km::Matrix observed = matrix;
  if (options.write.empty())
    for (const auto& name : offered)
      if (matrix.faults.count(name) == 0) {
        fmt::print("kill-matrix: fault {} has no entry in the matrix\n", name);
        ++mismatched;
      }
  if (options.baseline || !options.write.empty()) {
    const km::FaultRun run = km::run_fault(tools, matrix, "");
    observed.baseline = km::observed_effect(run);
    const auto lines = km::differences(matrix.baseline, run);
    fmt::print("{:<28} {:>3} non-PASS  {:5.1f} s  {}\n", "(unfaulted baseline)", observed.baseline.killed().size(),
               run.seconds, lines.empty() ? "as expected" : "DIFFERS");
    for (const auto& line : lines) fmt::print("    {}\n", line);
    if (!lines.empty() && options.write.empty()) ++mismatched;
  }
  for (const auto& fault : selected_faults(options, matrix, offered)) {
    const km::FaultRun run = km::run_fault(tools, matrix, fault);
    const km::FaultEffect effect = km::observed_effect(run);
    const bool kernel_says_no = km::no_effect_on_this_kernel(matrix, run);
    // A kernel that hides the fault says nothing about the kernels that don't: keep what they recorded.
    observed.faults[fault] = kernel_says_no ? matrix.faults[fault] : effect;
    const auto lines = kernel_says_no ? std::vector<std::string>{} : km::differences(matrix.faults[fault], run);
    std::size_t other = 0;
    for (const auto& [verdict, ids] : effect.cases) other += verdict == "FAIL" || verdict == "WARN" ? 0 : ids.size();
    fmt::print("{:<28} {:>3} FAIL {:>3} WARN {:>3} other  {:5.1f} s  {}\n", fault, effect.with("FAIL").size(),
               effect.with("WARN").size(), other, run.seconds,
               kernel_says_no  ? "no effect on this kernel"
               : lines.empty() ? "as expected"
                               : "DIFFERS");
    if (kernel_says_no) fmt::print("    kernel-dependent: {}\n", matrix.kernel_dependent.at(fault));
    if (!options.write.empty() && run.problem.empty()) continue;
    for (const auto& line : lines) fmt::print("    {}\n", line);
    if (!lines.empty()) ++mismatched;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!options.write.empty()) {
    std::erase_if(observed.faults, [&offered](const auto& entry) {
      return std::find(offered.begin(), offered.end(), entry.first) == offered.end();
    });
    std::ofstream(options.write) << km::to_json(observed).dump(2) << "\n";
    fmt::print("kill-matrix: wrote {} ({:.0f} s); review the diff before committing it\n", options.write.string(),
               seconds);
    return report_coverage(observed, options.convtest) == 0 && mismatched == 0 ? 0 : 1;
  }
  const int coverage = report_coverage(matrix, options.convtest);
  fmt::print("kill-matrix: {} ({:.0f} s)\n", mismatched == 0 && coverage == 0 ? "all faults as expected" : "FAILED",
             seconds);
  return mismatched == 0 && coverage == 0 ? 0 : 1;
}
