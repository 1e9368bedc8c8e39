#pragma once
// HTML pages from the command line: `run --html FILE` and `report --html`.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/runner/requirement.hpp"

namespace convtest::harness::cli {

// Renders `document` (a report or a matrix) to `page`: requirement sentences
// from `table`, artefact paths relative to the working directory. Returns
// an error text or "".
std::string write_html_page(const nlohmann::json& document, const std::filesystem::path& page,
                            const RequirementTable& table);

// `convtest report --html INPUT [--out PAGE]`; returns the exit code.
int render_report(const std::filesystem::path& input, const std::filesystem::path& page, const RequirementTable& table);

}  // namespace convtest::harness::cli
