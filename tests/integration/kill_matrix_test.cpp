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
    "regenerate with scripts/kill-matrix.sh [--client] --write (then review the diff of the matrix file)";

// The converter role's matrix (convproxy faults) and the client role's
// (convclient faults).
const std::vector<std::string> kMatrixFiles = {KILL_MATRIX_FILE, CLIENT_KILL_MATRIX_FILE};

km::Matrix the_matrix(const std::string& file) {
  auto loaded = km::load_matrix(file);
  if (!loaded) throw std::runtime_error(loaded.error());
  return loaded.value();
}

class KillMatrixFile : public ::testing::TestWithParam<std::string> {
 protected:
  km::Matrix matrix() const { return the_matrix(GetParam()); }
};

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += "  " + line + "\n";
  return text;
}

TEST_P(KillMatrixFile, NamesEveryFaultOfItsProgram) {
  const auto matrix = this->matrix();
  const auto offered = km::offered_faults(km::faulted_program(matrix, CONVTEST_BINARY));
  ASSERT_FALSE(offered.empty()) << matrix.role << ": the faulted program did not list its faults";
  std::set<std::string> in_matrix;
  for (const auto& [fault, effect] : matrix.faults) in_matrix.insert(fault);
  EXPECT_EQ(in_matrix, std::set<std::string>(offered.begin(), offered.end())) << kRegenerate;
  for (const auto& fault : matrix.ci_faults) EXPECT_EQ(in_matrix.count(fault), 1U) << fault;
}

// CI must judge every fault it runs the same on every kernel.
TEST_P(KillMatrixFile, KernelDependentFaultsAreKnownAndStayOutOfCi) {
  const auto matrix = this->matrix();
  for (const auto& [fault, why] : matrix.kernel_dependent) {
    EXPECT_EQ(matrix.faults.count(fault), 1U) << fault << " is kernel-dependent but has no entry";
    EXPECT_FALSE(why.empty()) << fault << ": say which kernels hide the fault and why";
    EXPECT_EQ(std::count(matrix.ci_faults.begin(), matrix.ci_faults.end(), fault), 0) << fault;
  }
}

TEST_P(KillMatrixFile, EveryMustCaseIsKilledOrSaysWhyNot) {
  const auto matrix = this->matrix();
  const auto catalog = km::catalog_metadata(CONVTEST_BINARY, matrix);
  ASSERT_FALSE(catalog.is_discarded()) << "convtest list --format json failed";
  const auto unknown = km::unknown_cases(matrix, catalog);
  EXPECT_TRUE(unknown.empty()) << "the matrix names cases the catalog lacks:\n" << joined(unknown) << kRegenerate;
  const auto problems = km::coverage_problems(matrix, catalog);
  EXPECT_TRUE(problems.empty()) << joined(problems)
                                << "add a fault (docs/faults.md) or fill CaseSpec::unkillable_reason";
}

TEST_P(KillMatrixFile, RecordsOnlyVerdictsAFaultCanCause) {
  for (const auto& [fault, effect] : matrix().faults)
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

INSTANTIATE_TEST_SUITE_P(Roles, KillMatrixFile, ::testing::ValuesIn(kMatrixFiles),
                         [](const ::testing::TestParamInfo<std::string>& parameter) {
                           return fs::path(parameter.param).stem().string();
                         });

// (matrix file, fault)
using FaultOfMatrix = std::pair<std::string, std::string>;
class KillMatrixFault : public ::testing::TestWithParam<FaultOfMatrix> {};

TEST_P(KillMatrixFault, ChangesExactlyTheRecordedVerdicts) {
  ASSERT_EQ(::geteuid(), 0U) << "the kill matrix needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) for the lab";
  const auto matrix = the_matrix(GetParam().first);
  const std::string& fault = GetParam().second;
  const fs::path work_dir =
      fs::temp_directory_path() / fmt::format("convtest-kill-matrix-{}-{}-{}", ::getpid(), matrix.role, fault);
  const km::FaultRun run = km::run_fault({CONVTEST_BINARY, work_dir}, matrix, fault);
  const auto lines = km::differences(matrix.faults.at(fault), run);
  EXPECT_TRUE(lines.empty()) << fault << " (" << run.seconds << " s):\n"
                             << joined(lines) << "convtest output: " << run.log << "\n"
                             << kRegenerate;
  EXPECT_FALSE(km::observed_effect(run).killed().empty()) << fault << " kills no case";
  for (const auto& problem : failing_result_problems(run.report)) ADD_FAILURE() << fault << ": " << problem;
  if (lines.empty()) fs::remove_all(work_dir);
}

std::vector<FaultOfMatrix> ci_faults() {
  std::vector<FaultOfMatrix> faults;
  for (const auto& file : kMatrixFiles) {
    try {
      for (const auto& fault : the_matrix(file).ci_faults) faults.emplace_back(file, fault);
    } catch (const std::exception&) {
      faults.emplace_back(file, "unreadable-matrix");  // fails in the test body with the reason
    }
  }
  return faults;
}

INSTANTIATE_TEST_SUITE_P(Ci, KillMatrixFault, ::testing::ValuesIn(ci_faults()),
                         [](const ::testing::TestParamInfo<FaultOfMatrix>& parameter) {
                           std::string name =
                               fs::path(parameter.param.first).stem().string() + "_" + parameter.param.second;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
