#pragma once
// `convtest compare BASE.json NEW.json`: what changed between two reports of
// the same implementation, by case id, so that a CI gate fails on any
// regression and across tool versions as long as the ids exist.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reports/run_report.hpp"

namespace convtest::reports {

struct VerdictChange {
  std::string id;
  Verdict before = Verdict::Pass;
  Verdict after = Verdict::Pass;
  std::string observed;  // the new result's, for a regression's reason
};

struct Comparison {
  std::vector<VerdictChange> regressions;  // worse than before (PASS -> WARN, WARN -> FAIL, ...)
  std::vector<VerdictChange> fixes;        // better than before
  std::vector<VerdictChange> other;        // changed without a better or worse (e.g. to UNSUPPORTED)
  std::vector<std::string> added;          // ids only in the new report
  std::vector<std::string> removed;        // ids only in the base report
  std::string base_catalog;
  std::string new_catalog;
  bool catalog_changed() const { return base_catalog != new_catalog; }
};

Comparison compare_reports(const RunReport& base, const RunReport& next);

std::string comparison_text(const Comparison& comparison);
std::string comparison_markdown(const Comparison& comparison);
// Schema: reports/schema/compare-v1.schema.json.
nlohmann::json comparison_json(const Comparison& comparison);

}  // namespace convtest::reports
