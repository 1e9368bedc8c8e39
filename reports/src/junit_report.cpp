#include "reports/junit_report.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "reports/json_report.hpp"

namespace convtest::reports {
namespace {

// Length of the valid UTF-8 sequence starting at text[i], 0 if invalid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF)
    length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF)
    length = 3;
  else if (lead >= 0xF0 && lead <= 0xF4)
    length = 4;
  else
    return 0;
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k)
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  return length;
}

double seconds(std::chrono::milliseconds duration) { return static_cast<double>(duration.count()) / 1000.0; }

std::string details(const CaseResult& result) {
  std::string text = fmt::format("requirements: {}\nsection: {}\nlevel: {}\nexpected: {}\nobserved: {}\n",
                                 fmt::join(result.requirements, ", "), result.section, name(result.level),
                                 result.expected, result.observed);
  if (result.put_output) text += fmt::format("PUT output: {}\n", *result.put_output);
  text += fmt::format("repro: {}\n", result.repro);
  if (!result.log.empty()) text += fmt::format("log:\n  {}\n", fmt::join(result.log, "\n  "));
  // The attachments convention of Jenkins and GitLab: the file is kept with the test.
  if (result.pcap) text += fmt::format("[[ATTACHMENT|{}]]\n", *result.pcap);
  return text;
}

std::string expectation_note(const CaseResult& result) {
  if (!result.expectation) return {};
  return fmt::format("{}: expected {} ({}), the case gave {}\n", name(result.verdict),
                     name(result.expectation->expected), result.expectation->why, name(result.expectation->original));
}

std::string problem(std::string_view element, std::string_view type, const std::string& message) {
  return fmt::format("<{0} type=\"{1}\" message=\"{2}\"/>", element, type, xml_escape(message));
}

// The failure, error or skip element of a case, if any.
std::string outcome_element(const CaseResult& result, const JunitOptions& options, bool strict_expect) {
  switch (result.verdict) {
    case Verdict::Pass:
    case Verdict::ExpectedFail: return {};
    case Verdict::Warn: return options.warn_as_failure ? problem("failure", "WARN", result.observed) : "";
    case Verdict::Fail: return problem("failure", "FAIL", result.observed);
    case Verdict::UnexpectedPass: return strict_expect ? problem("failure", "XPASS", expectation_note(result)) : "";
    case Verdict::Inconclusive:
    case Verdict::Error: return problem("error", name(result.verdict), result.observed);
    case Verdict::Unsupported:
    case Verdict::Skip:
      return fmt::format("<skipped message=\"{}\"/>",
                         xml_escape(fmt::format("{}: {}", name(result.verdict), result.observed)));
  }
  return {};
}

std::string testcase(const CaseResult& result, const JunitOptions& options, bool strict_expect) {
  std::string body = outcome_element(result, options, strict_expect);
  if (result.verdict != Verdict::Pass)
    body += fmt::format(
        "<system-out>{}</system-out>",
        xml_escape(fmt::format("{}\n{}{}", name(result.verdict), expectation_note(result), details(result))));
  std::string properties;
  for (const auto& requirement : result.requirements)
    properties += fmt::format("<property name=\"requirement\" value=\"{}\"/>", xml_escape(requirement));
  properties += fmt::format("<property name=\"verdict\" value=\"{}\"/>", name(result.verdict));
  return fmt::format(
      "    <testcase classname=\"convtest.rfc8803.s{}\" name=\"{}\" time=\"{:.3f}\">"
      "<properties>{}</properties>{}</testcase>\n",
      xml_escape(result.section), xml_escape(result.id), seconds(result.duration), properties, body);
}

// Strict JUnit schemas want xs:dateTime without a zone: UTC, said in a property.
std::string junit_timestamp(std::chrono::system_clock::time_point time) { return iso8601_utc(time).substr(0, 19); }

std::string this_hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// The suite is named after what was judged, so suites of several
// implementations in one CI server do not collide.
std::string suite_name(const Provenance& provenance) {
  if (provenance.role == "client" && provenance.client && !provenance.client->name.empty())
    return provenance.client->name;
  return provenance.put.name.empty() ? "rfc8803" : provenance.put.name;
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, i);
      if (length == 0) {
        out += '?';
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (byte) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += "&#10;"; break;
      case '\t': out += "&#9;"; break;
      case '\r': out += "&#13;"; break;
      default: out += byte < 0x20 ? '?' : static_cast<char>(byte);
    }
    ++i;
  }
  return out;
}

std::string to_junit_xml(const RunReport& report, const JunitOptions& options) {
  const VerdictCounts counts = report.counts();
  const bool strict_expect = report.provenance.expectations && report.provenance.expectations->strict;
  const std::size_t failures = counts.at(Verdict::Fail) + (strict_expect ? counts.at(Verdict::UnexpectedPass) : 0) +
                               (options.warn_as_failure ? counts.at(Verdict::Warn) : 0);
  const std::size_t errors = counts.at(Verdict::Error) + counts.at(Verdict::Inconclusive);
  const std::size_t skipped = counts.at(Verdict::Skip) + counts.at(Verdict::Unsupported);
  const Provenance& p = report.provenance;
  std::string cases;
  for (const auto& result : report.results) cases += testcase(result, options, strict_expect);
  const std::string attributes =
      fmt::format("tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\"", report.results.size(),
                  failures, errors, skipped, seconds(report.wall_time()));
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"convtest\" {0}>\n"
      "  <testsuite name=\"{10}\" {0} timestamp=\"{1}\" hostname=\"{11}\">\n"
      "    <properties>"
      "<property name=\"tool_version\" value=\"{2}\"/>"
      "<property name=\"catalog_sha256\" value=\"{3}\"/>"
      "<property name=\"put\" value=\"{4}\"/>"
      "<property name=\"put_version\" value=\"{5}\"/>"
      "<property name=\"seed\" value=\"{6}\"/>"
      "<property name=\"profile\" value=\"{7}\"/>"
      "<property name=\"interrupted\" value=\"{8}\"/>"
      "<property name=\"role\" value=\"{12}\"/>"
      "<property name=\"timestamp_zone\" value=\"UTC\"/>"
      "<property name=\"warn_count\" value=\"{13}\"/>"
      "</properties>\n{9}"
      "  </testsuite>\n"
      "</testsuites>\n",
      attributes, junit_timestamp(p.started), xml_escape(p.tool_version), p.catalog_hash, xml_escape(p.put.name),
      xml_escape(p.put.version.value_or("")), p.seed, xml_escape(p.profile), p.interrupted ? "true" : "false", cases,
      xml_escape(suite_name(p)), xml_escape(options.hostname.empty() ? this_hostname() : options.hostname),
      xml_escape(p.role), counts.at(Verdict::Warn));
}

std::string write_junit_report(const std::filesystem::path& path, const RunReport& report,
                               const JunitOptions& options) {
  return write_file_atomically(path, to_junit_xml(report, options));
}

}  // namespace convtest::reports
