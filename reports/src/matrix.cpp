#include "reports/matrix.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "reports/json_report.hpp"

namespace convtest::reports {
namespace {

using nlohmann::json;

json counts_json(const VerdictCounts& counts) {
  json out = json::object();
  for (const auto& [verdict, count] : counts) out[std::string(name(verdict))] = count;
  return out;
}

json optional_json(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

std::string judged_name(const RunReport& report) {
  if (report.provenance.role == "client" && report.provenance.client) return report.provenance.client->name;
  return report.provenance.put.name;
}

std::optional<std::string> judged_version(const RunReport& report) {
  if (report.provenance.role == "client" && report.provenance.client) return report.provenance.client->version;
  return report.provenance.put.version;
}

// The case rows in the order the runs list them, merged by (role, id).
class CaseRows {
 public:
  void add(const std::string& role, const CaseResult& result, const std::string& implementation) {
    const auto key = std::pair{role, result.id};
    auto found = index_.find(key);
    if (found == index_.end()) {
      found = index_.emplace(key, rows_.size()).first;
      rows_.push_back({{"id", result.id},
                       {"role", role},
                       {"section", result.section},
                       {"level", name(result.level)},
                       {"requirements", result.requirements},
                       {"verdicts", json::object()}});
    }
    rows_[found->second]["verdicts"][implementation] = name(result.verdict);
  }
  json take() { return json(std::move(rows_)); }

 private:
  std::vector<json> rows_;
  std::map<std::pair<std::string, std::string>, std::size_t> index_;
};

json unreported_run(const MatrixRun& run) {
  return {{"id", run.id},
          {"name", run.name},
          {"role", run.role},
          {"version", nullptr},
          {"report", run.report_path},
          {"page", optional_json(run.page)},
          {"verdict", name(Verdict::Inconclusive)},
          {"counts", json::object()},
          {"problem", *run.problem}};
}

}  // namespace

Verdict overall_verdict(const VerdictCounts& counts) {
  for (Verdict verdict : {Verdict::Fail, Verdict::Error, Verdict::Inconclusive, Verdict::Warn, Verdict::UnexpectedPass,
                          Verdict::ExpectedFail, Verdict::Pass, Verdict::Unsupported}) {
    const auto found = counts.find(verdict);
    if (found != counts.end() && found->second > 0) return verdict;
  }
  return Verdict::Skip;
}

MatrixDocument matrix_from_reports(const std::string& title, const std::vector<MatrixRun>& runs,
                                   const std::vector<MatrixPair>& pairs) {
  json implementations = json::array();
  CaseRows cases;
  std::set<std::string> ids;
  for (const auto& run : runs) {
    if (run.problem) {
      if (!ids.insert(run.id).second)
        return {{}, fmt::format("{}: implementation id \"{}\" is taken", run.report_path, run.id)};
      implementations.push_back(unreported_run(run));
      continue;
    }
    ParsedReport parsed = from_json(run.report);
    if (!parsed.error.empty()) return {{}, fmt::format("{}: not a readable report: {}", run.report_path, parsed.error)};
    const RunReport& report = parsed.report;
    const std::string id = run.id.empty() ? judged_name(report) : run.id;
    if (!ids.insert(id).second) return {{}, fmt::format("{}: implementation id \"{}\" is taken", run.report_path, id)};
    const std::string& role = report.provenance.role;
    implementations.push_back({{"id", id},
                               {"name", judged_name(report)},
                               {"role", role},
                               {"version", optional_json(judged_version(report))},
                               {"report", run.report_path},
                               {"page", optional_json(run.page)},
                               {"verdict", name(overall_verdict(report.counts()))},
                               {"counts", counts_json(report.counts())}});
    for (const auto& result : report.results) cases.add(role, result, id);
  }
  json pair_cells = json::array();
  for (const auto& pair : pairs) {
    json cell = {{"client", pair.client},
                 {"converter", pair.converter},
                 {"verdict", name(pair.verdict)},
                 {"page", optional_json(pair.page)},
                 {"report", optional_json(pair.report)}};
    if (pair.counts) cell["counts"] = counts_json(*pair.counts);
    for (const auto& [key, value] : {std::pair{"family", &pair.family}, std::pair{"transport", &pair.transport},
                                     std::pair{"profile", &pair.profile}, std::pair{"observed", &pair.observed},
                                     std::pair{"folder", &pair.folder}})
      if (*value) cell[key] = **value;
    pair_cells.push_back(std::move(cell));
  }
  return {{{"format", "convtest-matrix"},
           {"version", kMatrixFormatVersion},
           {"title", title},
           {"generated", iso8601_utc(std::chrono::system_clock::now())},
           {"implementations", std::move(implementations)},
           {"cases", cases.take()},
           {"pairs", std::move(pair_cells)}},
          {}};
}

}  // namespace convtest::reports
