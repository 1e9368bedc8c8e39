// The page of one run. Rendered through from_json, which already knows every
// older shape of the report, so an old report re-renders like a new one.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include "html_markup.hpp"
#include "reports/html_report.hpp"
#include "reports/json_report.hpp"
#include "reports/text_summary.hpp"

namespace convtest::reports {
namespace {

using html::escape;

std::string exit_code_meaning(ExitCode code) {
  switch (code) {
    case ExitCode::Ok: return "nothing failed";
    case ExitCode::Failed: return "at least one FAIL";
    case ExitCode::Environment: return "environment problem, interrupted, INCONCLUSIVE or nothing judged";
    case ExitCode::HarnessError: return "harness ERROR";
  }
  return "";
}

std::string subject(const RunReport& report) {
  const Provenance& provenance = report.provenance;
  if (provenance.role == "client" && provenance.client) return provenance.client->name;
  return provenance.put.name;
}

std::string row(std::string_view label, std::string_view value) {
  return fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", escape(label), escape(value));
}

std::string optional_row(std::string_view label, const std::optional<std::string>& value) {
  return value ? row(label, *value) : std::string();
}

std::string provenance_table(const RunReport& report) {
  const Provenance& p = report.provenance;
  std::string rows = row("role", p.role);
  if (p.client) {
    rows += row("client", p.client->name);
    rows += optional_row("client version", p.client->version);
    rows += optional_row("client SHA-256", p.client->binary_sha256);
    rows += row("client command", p.client->command);
    rows += row("client features", fmt::format("{}", fmt::join(p.client->features, ", ")));
  }
  rows += row(p.role == "client" ? "converter" : "PUT", fmt::format("{} ({})", p.put.name, p.put.mode));
  rows += optional_row("PUT version", p.put.version);
  rows += optional_row("PUT SHA-256", p.put.binary_sha256);
  rows += optional_row("image digest", p.put.image_digest);
  if (!p.put.target.empty()) rows += row("PUT target", p.put.target);
  rows += row("addresses", fmt::format("{} port {}", fmt::join(p.put.addresses, ", "), p.put.port));
  rows += row("PUT features", fmt::format("{}", fmt::join(p.put.features, ", ")));
  rows += row("command line", p.command_line);
  rows += row("seed", std::to_string(p.seed));
  rows += row("profile", p.profile);
  rows += row("time scale", fmt::format("{}", p.time_scale));
  rows += row("jobs", std::to_string(p.jobs));
  rows += row("tool", "convtest " + p.tool_version);
  rows += row("catalog",
              fmt::format("{} ({} instances, pairwise seed {})", p.catalog_hash, p.catalog_size, p.pairwise_seed));
  rows += row("kernel", p.kernel);
  rows += row("started", iso8601_utc(p.started));
  rows += row("finished", iso8601_utc(p.finished));
  // Long and rarely read: folded, and open to a click even without script.
  return "<details><summary>Provenance: what was tested, with what, where</summary>\n<table id=\"provenance\">\n" +
         rows + "</table>\n</details>\n";
}

std::string summary_section(const RunReport& report) {
  std::string counts;
  for (const auto& [verdict, count] : report.counts())
    counts += fmt::format("<li class=\"{}\" data-verdict=\"{}\"><b class=\"count\">{}</b> {}</li>\n",
                          html::verdict_class(name(verdict)), name(verdict), count, name(verdict));
  const ExitCode code = exit_code_for(report);
  std::string out = fmt::format(
      "<section id=\"summary\">\n<h2>Summary</h2>\n<ul id=\"counts\">\n{}</ul>\n"
      "<p><span id=\"total\">{}</span> case instance(s), suite run time {}, exit code <b id=\"exit-code\">{}</b> ({})"
      "</p>\n",
      counts, report.results.size(), escape(format_duration(report.wall_time())), static_cast<int>(code),
      escape(exit_code_meaning(code)));
  if (report.provenance.interrupted)
    out += "<p class=\"v-FAIL\">The run was interrupted: the report is incomplete.</p>\n";
  for (const auto& problem : report.environment_problems)
    out += fmt::format("<p class=\"v-INCONCLUSIVE\">environment: {}</p>\n", escape(problem));
  return out + provenance_table(report) + "</section>\n";
}

// One <select> of the filter form with every distinct value.
std::string filter_select(std::string_view field, std::string_view label, const std::set<std::string>& values) {
  std::string options = fmt::format("<option value=\"\">every {}</option>", escape(label));
  for (const auto& value : values) options += fmt::format("<option>{}</option>", escape(value));
  return fmt::format("<label>{} <select name=\"{}\">{}</select></label>\n", escape(label), field, options);
}

std::string filter_form(const RunReport& report) {
  std::set<std::string> sections, levels, verdicts, tags;
  for (const auto& result : report.results) {
    sections.insert(result.section);
    levels.insert(std::string(name(result.level)));
    verdicts.insert(std::string(name(result.verdict)));
    tags.insert(result.tags.begin(), result.tags.end());
  }
  // Hidden until the script runs: without it the form could not filter.
  return "<form id=\"filters\" hidden>\n" + filter_select("section", "section", sections) +
         filter_select("level", "level", levels) + filter_select("verdict", "verdict", verdicts) +
         filter_select("tag", "tag", tags) +
         "<button type=\"button\" id=\"expand-all\">expand all</button>\n"
         "<button type=\"button\" id=\"collapse-all\">collapse all</button>\n"
         "<span id=\"shown\"></span>\n</form>\n";
}

std::string requirement_list(const CaseResult& result, const HtmlRunContext& context) {
  std::string items;
  for (const auto& id : result.requirements) {
    const auto sentence = context.requirement_sentences.find(id);
    items += fmt::format("<li><b>{}</b>: {}</li>", escape(id),
                         sentence == context.requirement_sentences.end()
                             ? std::string("<span class=\"muted\">(not in this catalog's requirement table)</span>")
                             : escape(sentence->second));
  }
  return "<ul class=\"requirements\">" + items + "</ul>";
}

std::string instance_text(const CaseResult& result) {
  std::vector<std::string> values;
  for (const auto& [dimension, value] : result.instance) values.push_back(dimension + "=" + value);
  if (values.empty()) return result.case_id;
  return fmt::format("{} with {} ({} grid)", result.case_id, fmt::join(values, ", "), result.expansion);
}

std::string phases_text(const CaseResult& result) {
  std::vector<std::string> parts;
  for (const auto& [phase, spent] : result.phases)
    parts.push_back(fmt::format("{} {:.3f} s", phase, static_cast<double>(spent.count()) / 1e6));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string link_or_none(const std::optional<std::string>& path, std::string_view css_class,
                         const HtmlRunContext& context) {
  if (!path) return "<span class=\"muted\">not kept</span>";
  return fmt::format("<a class=\"{}\" href=\"{}\">{}</a>", css_class,
                     escape(html::artifact_href(*path, context.artifact_base, context.page_directory)), escape(*path));
}

std::string put_output_block(const CaseResult& result, const HtmlRunContext& context) {
  std::string out = link_or_none(result.put_output, "put-output", context);
  if (!result.put_output) return out;
  const auto text = context.put_outputs.find(*result.put_output);
  if (text == context.put_outputs.end()) return out + " <span class=\"muted\">(file not found when rendered)</span>";
  return out + "<pre class=\"put-output\">" + escape(text->second) + "</pre>";
}

std::string detail_cell(const CaseResult& result, const HtmlRunContext& context) {
  std::string out = "<dl>\n";
  auto item = [&out](std::string_view term, const std::string& description) {
    out += fmt::format("<dt>{}</dt><dd>{}</dd>\n", term, description);
  };
  item("requirements", requirement_list(result, context));
  item("expected", "<pre class=\"expected\">" + escape(result.expected) + "</pre>");
  item("observed", "<pre class=\"observed\">" + escape(result.observed) + "</pre>");
  item("instance", escape(instance_text(result)));
  item("class", escape(name(result.case_class)));
  item("time", escape(phases_text(result)));
  item("log", "<pre class=\"log\">" + escape(fmt::format("{}", fmt::join(result.log, "\n"))) + "</pre>");
  item("PUT output", put_output_block(result, context));
  item("pcap", link_or_none(result.pcap, "pcap", context));
  item("repro", "<pre class=\"repro\">" + escape(result.repro) + "</pre>");
  return out + "</dl>";
}

std::string case_rows(const CaseResult& result, const HtmlRunContext& context) {
  const std::string verdict(name(result.verdict));
  const std::string level(name(result.level));
  return fmt::format(
      "<tbody class=\"case\" id=\"{}\" data-verdict=\"{}\" data-section=\"{}\" data-level=\"{}\" data-tags=\"{}\">\n"
      "<tr class=\"row\"><td class=\"verdict {}\">{}</td><td class=\"id\">{}</td><td>{}</td><td>{}</td>"
      "<td>{}</td><td>{}</td><td>{}</td></tr>\n"
      "<tr class=\"detail\"><td colspan=\"7\">{}</td></tr>\n</tbody>\n",
      html::case_anchor(result.id), verdict, escape(result.section), escape(level),
      escape(fmt::format("{}", fmt::join(result.tags, " "))), html::verdict_class(verdict), verdict, escape(result.id),
      escape(result.section), escape(level), escape(fmt::format("{}", fmt::join(result.requirements, ", "))),
      escape(fmt::format("{}", fmt::join(result.tags, ", "))), escape(format_duration(result.duration)),
      detail_cell(result, context));
}

std::string cases_section(const RunReport& report, const HtmlRunContext& context) {
  std::string out = "<section id=\"results\">\n<h2>Cases</h2>\n" + filter_form(report) +
                    "<table id=\"cases\">\n<thead><tr><th>verdict</th><th>instance</th><th>section</th><th>level</th>"
                    "<th>requirements</th><th>tags</th><th>duration</th></tr></thead>\n";
  for (const auto& result : report.results) out += case_rows(result, context);
  return out + "</table>\n</section>\n";
}

// Filters and row expansion. Without it every detail row stays visible.
constexpr std::string_view kRunScript = R"(
(function(){
var form=document.getElementById('filters');form.hidden=false;
var cases=Array.prototype.slice.call(document.querySelectorAll('tbody.case'));
function apply(){
  var f={};Array.prototype.forEach.call(form.elements,function(e){if(e.name)f[e.name]=e.value;});
  var shown=0;
  cases.forEach(function(c){var d=c.dataset;
    var ok=(!f.section||d.section===f.section)&&(!f.level||d.level===f.level)&&
      (!f.verdict||d.verdict===f.verdict)&&(!f.tag||d.tags.split(' ').indexOf(f.tag)>=0);
    c.hidden=!ok;if(ok)shown++;});
  document.getElementById('shown').textContent=shown+' of '+cases.length+' shown';
}
form.addEventListener('change',apply);
cases.forEach(function(c){c.querySelector('tr.row').addEventListener('click',function(){c.classList.toggle('open');});});
function all(open){cases.forEach(function(c){c.classList.toggle('open',open);});}
document.getElementById('expand-all').addEventListener('click',function(){all(true);});
document.getElementById('collapse-all').addEventListener('click',function(){all(false);});
document.querySelectorAll('#counts li').forEach(function(li){li.addEventListener('click',function(){
  form.elements.verdict.value=li.dataset.verdict;apply();});});
function follow(){var target=location.hash&&document.getElementById(location.hash.slice(1));
  if(target&&target.classList.contains('case')){target.classList.add('open');target.scrollIntoView();}}
window.addEventListener('hashchange',follow);
apply();follow();
})();
)";

constexpr std::string_view kRunStyle =
    ".js tr.detail{display:none}.js tbody.open tr.detail{display:table-row}"
    ".js tr.row{cursor:pointer}tr.row:hover td{outline:1px solid #999}"
    "#counts{list-style:none;padding:0;display:flex;gap:.4em;flex-wrap:wrap}"
    "#counts li{padding:.3em .7em;border-radius:.3em;cursor:pointer}"
    "#filters:not([hidden]){margin:.5em 0;display:flex;gap:.8em;flex-wrap:wrap;align-items:center}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em .8em;margin:.3em 0}dt{font-weight:bold}"
    "dd{margin:0}ul.requirements{margin:0;padding-left:1.2em}\n";

}  // namespace

HtmlPage render_run_html(const nlohmann::json& document, const HtmlRunContext& context) {
  ParsedReport parsed = from_json(document);
  if (!parsed.error.empty()) return {{}, "not a readable report: " + parsed.error};
  const RunReport& report = parsed.report;
  const std::string title = fmt::format("convtest: {} ({} role)", subject(report), report.provenance.role);
  const std::string body =
      fmt::format("<h1>{}</h1>\n", escape(title)) + summary_section(report) + cases_section(report, context);
  return {html::page(title, kRunStyle, body, kRunScript), {}};
}

HtmlPage render_html(const nlohmann::json& document, const HtmlRunContext& context) {
  if (document.is_object() && document.value("format", "") == "convtest-matrix") return render_matrix_html(document);
  return render_run_html(document, context);
}

std::map<std::string, std::string, std::less<>> read_put_outputs(const nlohmann::json& report,
                                                                 const std::filesystem::path& artifact_base,
                                                                 std::size_t limit) {
  std::map<std::string, std::string, std::less<>> outputs;
  if (!report.is_object() || !report.contains("results") || !report.at("results").is_array()) return outputs;
  for (const auto& result : report.at("results")) {
    if (!result.is_object() || !result.contains("put_output") || !result.at("put_output").is_string()) continue;
    const std::string listed = result.at("put_output").get<std::string>();
    std::filesystem::path path(listed);
    if (path.is_relative()) path = artifact_base / path;
    std::ifstream in(path, std::ios::binary);
    if (!in) continue;
    std::string text(std::istreambuf_iterator<char>(in), {});
    if (text.size() > limit)
      text = fmt::format("[first {} bytes left out]\n", text.size() - limit) + text.substr(text.size() - limit);
    outputs.emplace(listed, std::move(text));
  }
  return outputs;
}

JsonFile read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {{}, fmt::format("cannot read {}: {}", path.string(), std::strerror(errno))};
  try {
    return {nlohmann::json::parse(in), {}};
  } catch (const nlohmann::json::parse_error& error) {
    // The library's message names the byte where parsing stopped.
    return {{}, fmt::format("{} is not valid JSON: {}", path.string(), error.what())};
  }
}

}  // namespace convtest::reports
