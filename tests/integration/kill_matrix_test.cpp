// The kill matrix in ctest: the matrix names every convproxy fault, every MUST
// case is killed by some fault (or says why none can exist), and the faults
// of the CI subset change exactly the verdicts the matrix records. The full
// matrix runs through scripts/kill-matrix.sh (docs/faults.md).

#include "kill_matrix.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

namespace {

namespace km = convtest::kill_matrix;
namespace fs = std::filesystem;

const char* const kRegenerate =
    "regenerate with scripts/kill-matrix.sh --write (then review the diff of tests/integration/kill_matrix.json)";

km::Matrix the_matrix() {
  auto loaded = km::load_matrix(KILL_MATRIX_FILE);
  if (!loaded) throw std::runtime_error(loaded.error());
  return loaded.value();
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += "  " + line + "\n";
  return text;
}

TEST(KillMatrix, NamesEveryConvproxyFault) {
  const auto matrix = the_matrix();
  const auto offered = km::convproxy_faults(fs::path(CONVTEST_BINARY).parent_path() / "convproxy");
  ASSERT_FALSE(offered.empty()) << "convproxy did not list its faults";
  std::set<std::string> in_matrix;
  for (const auto& [fault, effect] : matrix.faults) in_matrix.insert(fault);
  EXPECT_EQ(in_matrix, std::set<std::string>(offered.begin(), offered.end())) << kRegenerate;
  for (const auto& fault : matrix.ci_faults) EXPECT_EQ(in_matrix.count(fault), 1U) << fault;
}

// CI must judge every fault it runs the same on every kernel.
TEST(KillMatrix, KernelDependentFaultsAreKnownAndStayOutOfCi) {
  const auto matrix = the_matrix();
  for (const auto& [fault, why] : matrix.kernel_dependent) {
    EXPECT_EQ(matrix.faults.count(fault), 1U) << fault << " is kernel-dependent but has no entry";
    EXPECT_FALSE(why.empty()) << fault << ": say which kernels hide the fault and why";
    EXPECT_EQ(std::count(matrix.ci_faults.begin(), matrix.ci_faults.end(), fault), 0) << fault;
  }
}

TEST(KillMatrix, EveryMustCaseIsKilledOrSaysWhyNot) {
  const auto matrix = the_matrix();
  const auto catalog = km::catalog_metadata(CONVTEST_BINARY, matrix.dimensions);
  ASSERT_FALSE(catalog.is_discarded()) << "convtest list --format json failed";
  const auto unknown = km::unknown_cases(matrix, catalog);
  EXPECT_TRUE(unknown.empty()) << "the matrix names cases the catalog lacks:\n" << joined(unknown) << kRegenerate;
  const auto problems = km::coverage_problems(matrix, catalog);
  EXPECT_TRUE(problems.empty()) << joined(problems)
                                << "add a convproxy fault (docs/faults.md) or fill CaseSpec::unkillable_reason";
}

TEST(KillMatrix, RecordsOnlyVerdictsAFaultCanCause) {
  for (const auto& [fault, effect] : the_matrix().faults)
    for (const auto& [verdict, ids] : effect.cases) {
      EXPECT_NE(verdict, "ERROR") << fault << ": a harness error is a defect, never an expectation";
      EXPECT_NE(verdict, "SKIP") << fault;
      EXPECT_NE(verdict, "UNSUPPORTED") << fault;
    }
}

// What a user needs from a FAIL to debug it: the case's pcap and a repro line
// that keeps the faulted PUT.
std::vector<std::string> failing_result_problems(const fs::path& report_path) {
  std::ifstream in(report_path);
  const auto report = nlohmann::json::parse(in, nullptr, false);
  if (report.is_discarded()) return {"the report is not JSON"};
  std::vector<std::string> problems;
  for (const auto& result : report["results"]) {
    if (result["verdict"] != "FAIL") continue;
    const std::string id = result["id"];
    if (result["pcap"].is_null()) problems.push_back(id + ": a failing case keeps no pcap");
    if (result["requirements"].empty()) problems.push_back(id + ": fails without naming a requirement");
    if (result["repro"].get<std::string>().find("--fault") == std::string::npos)
      problems.push_back(id + ": the repro line lost the PUT's --fault");
  }
  return problems;
}

class KillMatrixFault : public ::testing::TestWithParam<std::string> {};

TEST_P(KillMatrixFault, ChangesExactlyTheRecordedVerdicts) {
  ASSERT_EQ(::geteuid(), 0U) << "the kill matrix needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) for the lab";
  const auto matrix = the_matrix();
  const std::string& fault = GetParam();
  const fs::path work_dir = fs::temp_directory_path() / fmt::format("convtest-kill-matrix-{}-{}", ::getpid(), fault);
  const km::FaultRun run = km::run_fault({CONVTEST_BINARY, work_dir}, matrix, fault);
  const auto lines = km::differences(matrix.faults.at(fault), run);
  EXPECT_TRUE(lines.empty()) << fault << " (" << run.seconds << " s):\n"
                             << joined(lines) << "convtest output: " << run.log << "\n"
                             << kRegenerate;
  EXPECT_FALSE(km::observed_effect(run).killed().empty()) << fault << " kills no case";
  for (const auto& problem : failing_result_problems(run.report)) ADD_FAILURE() << fault << ": " << problem;
  if (lines.empty()) fs::remove_all(work_dir);
}

std::vector<std::string> ci_faults() {
  try {
    return the_matrix().ci_faults;
  } catch (const std::exception&) {
    return {"unreadable-matrix"};  // fails in the test body with the reason
  }
}

INSTANTIATE_TEST_SUITE_P(Ci, KillMatrixFault, ::testing::ValuesIn(ci_faults()),
                         [](const ::testing::TestParamInfo<std::string>& parameter) {
                           std::string name = parameter.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
