#pragma once
// HTML pages of reports (docs/guide.md, "HTML reports"): one self-contained
// file each (inline style and script, no external asset) that opens offline
// from file:// and shows every datum with JavaScript off. Pages are rendered
// from the JSON documents, so any report written earlier re-renders.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace convtest::reports {

// What a run page shows that the JSON report does not hold.
struct HtmlRunContext {
  // Requirement id -> its sentence, from the catalog's requirement table
  // (ids are stable, so today's table serves old reports too).
  std::map<std::string, std::string, std::less<>> requirement_sentences;
  // The report's put_output path -> what the file holds (see read_put_outputs).
  std::map<std::string, std::string, std::less<>> put_outputs;
  // Where the report's relative artefact paths start: the run's working directory.
  std::filesystem::path artifact_base;
  // The directory of the page: links to pcaps are relative to it.
  std::filesystem::path page_directory;
};

// A rendered page, or why there is none (the document is no report of a
// format this build reads; the text names the first field that does not fit).
struct HtmlPage {
  std::string html;
  std::string error;  // empty on success
};

// The page of one run: provenance, verdict counts, the case table with
// filters (section, level, verdict, tag) and a detail row per case.
HtmlPage render_run_html(const nlohmann::json& report, const HtmlRunContext& context);

// The page of a matrix document (reports/schema/matrix-v1.schema.json):
// case x implementation grids and the client x converter grid.
HtmlPage render_matrix_html(const nlohmann::json& matrix);

// Either of the above, chosen by the document's "format".
HtmlPage render_html(const nlohmann::json& document, const HtmlRunContext& context);

// The files the report's put_output fields name, read from `artifact_base`;
// a file longer than `limit` bytes keeps its last `limit` bytes (the end of
// a log explains the failure). Unreadable files are left out.
std::map<std::string, std::string, std::less<>> read_put_outputs(const nlohmann::json& report,
                                                                 const std::filesystem::path& artifact_base,
                                                                 std::size_t limit = 64 * 1024);

// A JSON file, or why it could not be read or parsed.
struct JsonFile {
  nlohmann::json document;
  std::string error;  // empty on success
};
JsonFile read_json_file(const std::filesystem::path& path);

}  // namespace convtest::reports
