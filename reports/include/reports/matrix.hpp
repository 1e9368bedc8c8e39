#pragma once
// The matrix document (format "convtest-matrix", version 1; JSON Schema
// reports/schema/matrix-v1.schema.json): several runs side by side, each
// implementation's verdict per case and one verdict per client x converter
// pair. render_matrix_html (reports/html_report.hpp) draws it.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reports/run_report.hpp"

namespace convtest::reports {

inline constexpr int kMatrixFormatVersion = 1;

// One run to put in the matrix.
struct MatrixRun {
  std::string id;                   // unique in the matrix; empty: the judged implementation's name
  nlohmann::json report;            // its JSON report
  std::string report_path;          // where the report is
  std::optional<std::string> page;  // its HTML page, relative to the matrix page
  // A run that left no readable report (it timed out, or its convtest
  // exited without one): why, with the implementation's name and role; the
  // entry is then INCONCLUSIVE with no case verdicts.
  std::optional<std::string> problem{};
  std::string name{};
  std::string role{};
};

// One client x converter cell.
struct MatrixPair {
  std::string client;
  std::string converter;
  Verdict verdict = Verdict::Skip;
  std::optional<std::string> page;    // the pair run's HTML page
  std::optional<std::string> report;  // the pair run's JSON report
  std::optional<VerdictCounts> counts;
  // An end-to-end cell of `convtest matrix`: its variant, what it saw and
  // its folder (pcap, both sides' output).
  std::optional<std::string> family{};     // "v4", "v6"
  std::optional<std::string> transport{};  // "tcp", "mptcp" (client to converter)
  std::optional<std::string> profile{};    // middlebox profile, "none" for a plain path
  std::optional<std::string> observed{};
  std::optional<std::string> folder{};
};

struct MatrixDocument {
  nlohmann::json document;
  std::string error;  // empty on success: names the run whose report does not read, or a repeated id
};

MatrixDocument matrix_from_reports(const std::string& title, const std::vector<MatrixRun>& runs,
                                   const std::vector<MatrixPair>& pairs);

// The one verdict standing for a run: the worst present, in the order FAIL,
// ERROR, INCONCLUSIVE, WARN, PASS, UNSUPPORTED, SKIP (SKIP when empty).
Verdict overall_verdict(const VerdictCounts& counts);

}  // namespace convtest::reports
