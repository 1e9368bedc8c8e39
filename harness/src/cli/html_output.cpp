#include "html_output.hpp"

#include <fmt/format.h>

#include "harness/cli/cli.hpp"
#include "reports/html_report.hpp"
#include "reports/json_report.hpp"

namespace convtest::harness::cli {
namespace {

reports::HtmlRunContext run_context(const nlohmann::json& document, const std::filesystem::path& page,
                                    const RequirementTable& table) {
  reports::HtmlRunContext context;
  for (const auto& row : table.rows()) context.requirement_sentences.emplace(row.id, row.sentence);
  std::error_code error;
  // The report names artefacts as the run was given them: relative to the
  // directory it ran in, which is this one for `run --html`.
  context.artifact_base = std::filesystem::current_path(error);
  context.page_directory = std::filesystem::absolute(page, error).parent_path();
  context.put_outputs = reports::read_put_outputs(document, context.artifact_base);
  return context;
}

}  // namespace

std::string write_html_page(const nlohmann::json& document, const std::filesystem::path& page,
                            const RequirementTable& table) {
  const reports::HtmlPage rendered = reports::render_html(document, run_context(document, page, table));
  if (!rendered.error.empty()) return rendered.error;
  return reports::write_file_atomically(page, rendered.html);
}

int render_report(const std::filesystem::path& input, const std::filesystem::path& page,
                  const RequirementTable& table) {
  const reports::JsonFile file = reports::read_json_file(input);
  std::string error = file.error;
  if (error.empty()) error = write_html_page(file.document, page, table);
  if (!error.empty()) {
    fmt::print(stderr, "convtest: {}\n", error);
    return kExitUsage;
  }
  fmt::print("html: {}\n", page.string());
  return kExitOk;
}

}  // namespace convtest::harness::cli
