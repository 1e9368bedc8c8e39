#pragma once
// The matrix of the real reports in tests/reports/data (see regenerate.sh
// there): convproxy, a convproxy with two faults, and convclient, with two
// client x converter cells. Both the unit tests and the browser test draw it.

#include <filesystem>
#include <string>
#include <vector>

#include "reports/html_report.hpp"
#include "reports/matrix.hpp"

namespace convtest::reports::testing {

inline constexpr const char* kRealReportNames[] = {"convproxy", "convproxy-faulty", "convclient"};

// Each report named after its file; its page is expected beside the matrix page as NAME.html.
inline std::vector<MatrixRun> real_runs(const std::filesystem::path& data_directory) {
  std::vector<MatrixRun> runs;
  for (const char* name : kRealReportNames) {
    const std::string file = std::string(name) + ".json";
    runs.push_back({name, read_json_file(data_directory / file).document, file, std::string(name) + ".html"});
  }
  return runs;
}

inline MatrixDocument real_matrix(const std::filesystem::path& data_directory) {
  return matrix_from_reports(
      "convproxy, a faulty convproxy and convclient", real_runs(data_directory),
      {{"convclient", "convproxy", Verdict::Pass, "convclient.html", "convclient.json", std::nullopt},
       {"convclient", "convproxy-faulty", Verdict::Fail, "convproxy-faulty.html", std::nullopt,
        VerdictCounts{{Verdict::Fail, 17}}}});
}

}  // namespace convtest::reports::testing
