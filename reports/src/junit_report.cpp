#include "reports/junit_report.hpp"

#include <fmt/format.h>

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
  if (result.pcap) text += fmt::format("pcap: {}\n", *result.pcap);
  if (result.put_output) text += fmt::format("PUT output: {}\n", *result.put_output);
  text += fmt::format("repro: {}\n", result.repro);
  return text;
}

std::string expectation_note(const CaseResult& result) {
  if (!result.expectation) return {};
  return fmt::format("{}: expected {} ({}), the case gave {}\n", name(result.verdict),
                     name(result.expectation->expected), result.expectation->why, name(result.expectation->original));
}

std::string testcase(const CaseResult& result, bool strict_expect) {
  std::string body;
  const std::string message = xml_escape(result.observed);
  switch (result.verdict) {
    case Verdict::Pass: break;
    case Verdict::Warn:
      body = fmt::format("<system-out>{}</system-out>", xml_escape("WARN\n" + details(result)));
      break;
    case Verdict::Fail:
      body = fmt::format("<failure type=\"FAIL\" message=\"{}\">{}</failure>", message, xml_escape(details(result)));
      break;
    case Verdict::Inconclusive:
    case Verdict::Error:
      body = fmt::format("<error type=\"{}\" message=\"{}\">{}</error>", name(result.verdict), message,
                         xml_escape(details(result)));
      break;
    case Verdict::ExpectedFail:
      body = fmt::format("<system-out>{}</system-out>", xml_escape(expectation_note(result) + details(result)));
      break;
    case Verdict::UnexpectedPass:
      body = strict_expect ? fmt::format("<failure type=\"XPASS\" message=\"{}\">{}</failure>",
                                         xml_escape(expectation_note(result)), xml_escape(details(result)))
                           : fmt::format("<system-out>{}</system-out>", xml_escape(expectation_note(result)));
      break;
    case Verdict::Unsupported:
    case Verdict::Skip:
      body = fmt::format("<skipped message=\"{}\"/>",
                         xml_escape(fmt::format("{}: {}", name(result.verdict), result.observed)));
      break;
  }
  std::string properties;
  for (const auto& requirement : result.requirements)
    properties += fmt::format("<property name=\"requirement\" value=\"{}\"/>", xml_escape(requirement));
  properties += fmt::format("<property name=\"verdict\" value=\"{}\"/>", name(result.verdict));
  return fmt::format(
      "    <testcase classname=\"convtest.rfc8803.s{}\" name=\"{}\" time=\"{:.3f}\">"
      "<properties>{}</properties>{}</testcase>\n",
      xml_escape(result.section), xml_escape(result.id), seconds(result.duration), properties, body);
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

std::string to_junit_xml(const RunReport& report) {
  const VerdictCounts counts = report.counts();
  const bool strict_expect = report.provenance.expectations && report.provenance.expectations->strict;
  const std::size_t failures = counts.at(Verdict::Fail) + (strict_expect ? counts.at(Verdict::UnexpectedPass) : 0);
  const std::size_t errors = counts.at(Verdict::Error) + counts.at(Verdict::Inconclusive);
  const std::size_t skipped = counts.at(Verdict::Skip) + counts.at(Verdict::Unsupported);
  const Provenance& p = report.provenance;
  std::string cases;
  for (const auto& result : report.results) cases += testcase(result, strict_expect);
  const std::string attributes =
      fmt::format("tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\"", report.results.size(),
                  failures, errors, skipped, seconds(report.wall_time()));
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"convtest\" {0}>\n"
      "  <testsuite name=\"rfc8803\" {0} timestamp=\"{1}\">\n"
      "    <properties>"
      "<property name=\"tool_version\" value=\"{2}\"/>"
      "<property name=\"catalog_sha256\" value=\"{3}\"/>"
      "<property name=\"put\" value=\"{4}\"/>"
      "<property name=\"put_version\" value=\"{5}\"/>"
      "<property name=\"seed\" value=\"{6}\"/>"
      "<property name=\"profile\" value=\"{7}\"/>"
      "<property name=\"interrupted\" value=\"{8}\"/>"
      "</properties>\n{9}"
      "  </testsuite>\n"
      "</testsuites>\n",
      attributes, iso8601_utc(p.started), xml_escape(p.tool_version), p.catalog_hash, xml_escape(p.put.name),
      xml_escape(p.put.version.value_or("")), p.seed, xml_escape(p.profile), p.interrupted ? "true" : "false", cases);
}

std::string write_junit_report(const std::filesystem::path& path, const RunReport& report) {
  return write_file_atomically(path, to_junit_xml(report));
}

}  // namespace convtest::reports
