// The page of a matrix document: who was judged, the case x implementation
// grid of each role and the client x converter grid, every cell coloured by
// verdict and linking to the run page that holds it.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

#include "html_markup.hpp"
#include "reports/html_report.hpp"
#include "reports/matrix.hpp"

namespace convtest::reports {
namespace {

using html::escape;
using nlohmann::json;

std::string text_of(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object.at(key).is_string() ? object.at(key).get<std::string>()
                                                                                  : std::string();
}

// The shape the page relies on; the schema says more, the page needs no more.
std::string shape_problem(const json& matrix) {
  if (!matrix.is_object() || text_of(matrix, "format") != "convtest-matrix")
    return "not a convtest matrix (\"format\" is not \"convtest-matrix\")";
  if (!matrix.contains("version") || matrix.at("version") != kMatrixFormatVersion)
    return fmt::format("unsupported matrix version (this build reads version {})", kMatrixFormatVersion);
  for (const char* list : {"implementations", "cases", "pairs"}) {
    if (!matrix.contains(list) || !matrix.at(list).is_array()) return fmt::format("\"{}\" is not an array", list);
    for (const auto& item : matrix.at(list))
      if (!item.is_object()) return fmt::format("\"{}\" holds a non-object", list);
  }
  for (const auto& item : matrix.at("cases"))
    if (!item.contains("verdicts") || !item.at("verdicts").is_object()) return "a case has no \"verdicts\" object";
  return {};
}

std::string counts_text(const json& counts) {
  std::vector<std::string> parts;
  if (counts.is_object())
    for (const auto& [verdict, count] : counts.items())
      if (count.is_number() && count.get<double>() > 0) parts.push_back(fmt::format("{} {}", count.dump(), verdict));
  return fmt::format("{}", fmt::join(parts, ", "));
}

// A link cell's content: the text, linked when there is a target.
std::string maybe_linked(const std::string& text, const std::string& href) {
  if (href.empty()) return escape(text);
  return fmt::format("<a href=\"{}\">{}</a>", escape(html::link_href(href)), escape(text));
}

std::string implementations_table(const json& matrix) {
  std::string rows;
  for (const auto& implementation : matrix.at("implementations")) {
    const std::string verdict = text_of(implementation, "verdict");
    rows += fmt::format(
        "<tr data-impl=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td>"
        "<td>{}</td></tr>\n",
        escape(text_of(implementation, "id")),
        maybe_linked(text_of(implementation, "id"), text_of(implementation, "page")),
        escape(text_of(implementation, "name")), escape(text_of(implementation, "role")),
        escape(text_of(implementation, "version")), html::verdict_class(verdict), escape(verdict),
        escape(text_of(implementation, "problem").empty() ? counts_text(implementation.value("counts", json::object()))
                                                          : text_of(implementation, "problem")),
        maybe_linked(text_of(implementation, "report"), text_of(implementation, "report")));
  }
  return "<h2>Implementations</h2>\n<table id=\"implementations\">\n<thead><tr><th>id</th><th>name</th><th>role</th>"
         "<th>version</th><th>verdict</th><th>counts</th><th>report</th></tr></thead>\n<tbody>\n" +
         rows + "</tbody></table>\n";
}

std::string case_cell(const json& row, const json& implementation) {
  const std::string id = text_of(implementation, "id");
  const std::string verdict = text_of(row.at("verdicts"), id.c_str());
  if (verdict.empty())
    return fmt::format("<td class=\"cell missing\" data-impl=\"{}\" data-verdict=\"\" title=\"not run\">–</td>",
                       escape(id));
  const std::string page = text_of(implementation, "page");
  const std::string href = page.empty() ? "" : page + "#" + html::case_anchor(text_of(row, "id"));
  return fmt::format("<td class=\"cell {}\" data-impl=\"{}\" data-verdict=\"{}\">{}</td>", html::verdict_class(verdict),
                     escape(id), escape(verdict), maybe_linked(verdict, href));
}

// Rows: the role's cases; columns: the role's implementations.
std::string case_grid(const json& matrix, const std::string& role) {
  std::vector<const json*> columns;
  for (const auto& implementation : matrix.at("implementations"))
    if (text_of(implementation, "role") == role) columns.push_back(&implementation);
  if (columns.empty()) return {};
  std::string header = "<tr><th>case</th><th>section</th><th>level</th>";
  for (const json* implementation : columns)
    header +=
        fmt::format("<th>{}</th>", maybe_linked(text_of(*implementation, "id"), text_of(*implementation, "page")));
  std::string rows;
  for (const auto& row : matrix.at("cases")) {
    if (text_of(row, "role") != role) continue;
    std::string cells;
    bool all_pass = true;
    for (const json* implementation : columns) {
      cells += case_cell(row, *implementation);
      all_pass = all_pass && text_of(row.at("verdicts"), text_of(*implementation, "id").c_str()) == "PASS";
    }
    rows += fmt::format("<tr data-case=\"{}\" data-all-pass=\"{}\"><td>{}</td><td>{}</td><td>{}</td>{}</tr>\n",
                        escape(text_of(row, "id")), all_pass ? "yes" : "no", escape(text_of(row, "id")),
                        escape(text_of(row, "section")), escape(text_of(row, "level")), cells);
  }
  return fmt::format(
      "<h2>{} cases × implementations</h2>\n<table class=\"case-grid\" data-role=\"{}\">\n<thead>{}</tr></thead>\n"
      "<tbody>\n{}</tbody></table>\n",
      role == "client" ? "Client" : "Converter", escape(role), header, rows);
}

std::vector<std::string> distinct(const json& pairs, const char* key) {
  std::vector<std::string> out;
  for (const auto& pair : pairs)
    if (std::find(out.begin(), out.end(), text_of(pair, key)) == out.end()) out.push_back(text_of(pair, key));
  return out;
}

// "v4 · mptcp · none" for a cell of `convtest matrix`; "" for a plain pair.
std::string variant_of(const json& pair) {
  std::vector<std::string> parts;
  for (const char* key : {"family", "transport", "profile"})
    if (!text_of(pair, key).empty()) parts.push_back(text_of(pair, key));
  return fmt::format("{}", fmt::join(parts, " · "));
}

std::string pair_cell(const json& pairs, const std::string& variant, const std::string& client,
                      const std::string& converter) {
  for (const auto& pair : pairs) {
    if (text_of(pair, "client") != client || text_of(pair, "converter") != converter || variant_of(pair) != variant)
      continue;
    const std::string verdict = text_of(pair, "verdict");
    const std::string title = text_of(pair, "observed").empty() ? counts_text(pair.value("counts", json::object()))
                                                                : text_of(pair, "observed");
    return fmt::format(
        "<td class=\"pair {}\" data-client=\"{}\" data-converter=\"{}\" data-verdict=\"{}\" data-variant=\"{}\" "
        "title=\"{}\">{}</td>",
        html::verdict_class(verdict), escape(client), escape(converter), escape(verdict), escape(variant),
        escape(title), maybe_linked(verdict, text_of(pair, "page")));
  }
  return fmt::format(
      "<td class=\"pair missing\" data-client=\"{}\" data-converter=\"{}\" data-verdict=\"\" data-variant=\"{}\" "
      "title=\"not run\">–</td>",
      escape(client), escape(converter), escape(variant));
}

// One client x converter table per variant (family, transport, profile).
std::string pair_table(const json& pairs, const std::string& variant) {
  const auto clients = distinct(pairs, "client");
  const auto converters = distinct(pairs, "converter");
  std::string header = "<tr><th>client \\ converter</th>";
  for (const auto& converter : converters) header += fmt::format("<th>{}</th>", escape(converter));
  std::string rows;
  for (const auto& client : clients) {
    rows += fmt::format("<tr><th>{}</th>", escape(client));
    for (const auto& converter : converters) rows += pair_cell(pairs, variant, client, converter);
    rows += "</tr>\n";
  }
  const std::string caption = variant.empty() ? "" : fmt::format("<caption>{}</caption>", escape(variant));
  return fmt::format(
      "<table class=\"pair-grid\" data-variant=\"{}\">{}\n<thead>{}</tr></thead>\n<tbody>\n{}</tbody></table>\n",
      escape(variant), caption, header, rows);
}

std::string pair_grid(const json& matrix) {
  const json& pairs = matrix.at("pairs");
  if (pairs.empty()) return "<h2>Clients × converters</h2>\n<p class=\"muted\">No client × converter run.</p>\n";
  std::vector<std::string> variants;
  for (const auto& pair : pairs)
    if (std::find(variants.begin(), variants.end(), variant_of(pair)) == variants.end())
      variants.push_back(variant_of(pair));
  std::string tables;
  for (const auto& variant : variants) tables += pair_table(pairs, variant);
  return "<h2>Clients × converters</h2>\n<div id=\"pairs\">\n" + tables + "</div>\n";
}

std::string legend() {
  std::string items;
  for (Verdict verdict : kAllVerdicts)
    items += fmt::format("<span class=\"{}\">{}</span> ", html::verdict_class(name(verdict)), name(verdict));
  return "<p class=\"legend\">" + items + "<span class=\"missing\">– not run</span></p>\n";
}

// One filter: hide the rows every implementation passed.
constexpr std::string_view kMatrixScript = R"(
(function(){
var box=document.getElementById('only-differences');box.closest('p').hidden=false;
box.addEventListener('change',function(){
  document.querySelectorAll('.case-grid tbody tr').forEach(function(r){r.hidden=box.checked&&r.dataset.allPass==='yes';});
});
})();
)";

constexpr std::string_view kMatrixStyle =
    ".cell,.pair{text-align:center;white-space:nowrap}.missing{color:#999}"
    ".pair-grid{display:inline-table;margin:0 1.5em 1em 0}.pair-grid caption{font-weight:bold;text-align:left}"
    ".legend span{padding:.1em .5em;margin-right:.2em}.case-grid td:first-child{font-family:monospace}";

}  // namespace

HtmlPage render_matrix_html(const json& matrix) {
  if (auto problem = shape_problem(matrix); !problem.empty()) return {{}, "not a readable matrix: " + problem};
  const std::string title = text_of(matrix, "title").empty() ? "convtest matrix" : text_of(matrix, "title");
  std::string body = fmt::format("<h1>{}</h1>\n", escape(title));
  if (const std::string generated = text_of(matrix, "generated"); !generated.empty())
    body += fmt::format("<p>generated {}</p>\n", escape(generated));
  body += legend() + implementations_table(matrix) + pair_grid(matrix) +
          "<p hidden><label><input type=\"checkbox\" id=\"only-differences\"> only cases not every implementation "
          "passed</label></p>\n" +
          case_grid(matrix, "converter") + case_grid(matrix, "client");
  return {html::page(title, kMatrixStyle, body, kMatrixScript), {}};
}

}  // namespace convtest::reports
