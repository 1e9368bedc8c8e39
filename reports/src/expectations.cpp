#include "reports/expectations.hpp"

#include <fmt/format.h>
#include <fnmatch.h>
#include <openssl/evp.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

namespace convtest::reports {
namespace {

using nlohmann::json;

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// An expectation names a deviation: a verdict the run would otherwise
// count against the implementation.
std::optional<Verdict> deviation(std::string_view text) {
  const auto verdict = parse_verdict(text);
  if (verdict == Verdict::Fail || verdict == Verdict::Warn || verdict == Verdict::Inconclusive ||
      verdict == Verdict::Error)
    return verdict;
  return std::nullopt;
}

constexpr std::string_view kDeviations = "FAIL, WARN, INCONCLUSIVE or ERROR";

ParsedExpectations parse_json(std::string_view text) {
  ParsedExpectations parsed;
  const json document = json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) return {{}, "not valid JSON"};
  if (document.value("format", "") != "convtest-expect" || document.value("version", 0) != 1)
    return {{}, "not a convtest expectation file (format \"convtest-expect\", version 1)"};
  const auto rows = document.find("expectations");
  if (rows == document.end() || !rows->is_array()) return {{}, "\"expectations\" is not an array"};
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const json& row = (*rows)[i];
    const auto fail = [&](std::string_view what) {
      return ParsedExpectations{{}, fmt::format("expectation {}: {}", i + 1, what)};
    };
    if (!row.is_object() || !row.contains("case") || !row["case"].is_string() || row["case"].get<std::string>().empty())
      return fail("no \"case\"");
    if (!row.contains("verdict") || !row["verdict"].is_string()) return fail("no \"verdict\"");
    const auto verdict = deviation(row["verdict"].get<std::string>());
    if (!verdict) return fail(fmt::format("\"verdict\" must be {}", kDeviations));
    if (!row.contains("why") || !row["why"].is_string() || trimmed(row["why"].get<std::string>()).empty())
      return fail("no \"why\": every expected deviation needs its justification");
    parsed.rows.push_back({row["case"].get<std::string>(), *verdict, row["why"].get<std::string>()});
  }
  return parsed;
}

ParsedExpectations parse_lines(std::string_view text) {
  ParsedExpectations parsed;
  std::istringstream in{std::string(text)};
  std::string raw;
  for (std::size_t number = 1; std::getline(in, raw); ++number) {
    std::string_view line = raw;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trimmed(line);
    if (line.empty()) continue;
    const auto fail = [&](std::string_view what) {
      return ParsedExpectations{{}, fmt::format("line {}: {}", number, what)};
    };
    const auto first_space = line.find_first_of(" \t");
    if (first_space == std::string_view::npos) return fail("want CASE VERDICT JUSTIFICATION");
    const std::string_view pattern = line.substr(0, first_space);
    std::string_view rest = trimmed(line.substr(first_space));
    const auto second_space = rest.find_first_of(" \t");
    const std::string_view verdict_text = rest.substr(0, second_space);
    const auto verdict = deviation(verdict_text);
    if (!verdict) return fail(fmt::format("\"{}\" is not {}", verdict_text, kDeviations));
    const std::string_view why = second_space == std::string_view::npos ? "" : trimmed(rest.substr(second_space));
    if (why.empty()) return fail("no justification: every expected deviation needs one");
    parsed.rows.push_back({std::string(pattern), *verdict, std::string(why)});
  }
  return parsed;
}

// '*' and '?' are wildcards; brackets are literal, as in instance ids
// ("hdr-*[v6]").
bool matches(const std::string& pattern, const std::string& id) {
  std::string literal_brackets;
  for (const char c : pattern) {
    if (c == '[' || c == ']' || c == '\\') literal_brackets += '\\';
    literal_brackets += c;
  }
  return ::fnmatch(literal_brackets.c_str(), id.c_str(), 0) == 0;
}

}  // namespace

ParsedExpectations parse_expectations(std::string_view text) {
  const std::string_view start = trimmed(text);
  return !start.empty() && start.front() == '{' ? parse_json(text) : parse_lines(text);
}

LoadedExpectations load_expectations(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, fmt::format("cannot read {}", path.string())};
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ParsedExpectations parsed = parse_expectations(bytes);
  if (!parsed.error.empty()) return {std::nullopt, fmt::format("{}: {}", path.string(), parsed.error)};
  Expectations expectations;
  expectations.rows = std::move(parsed.rows);
  expectations.path = path.string();
  expectations.sha256 = sha256_hex(bytes);
  return {std::move(expectations), ""};
}

const Expectation* find_expectation(const Expectations& expectations, const CaseResult& result) {
  for (const Expectation& row : expectations.rows)
    if (matches(row.pattern, result.id) || (!result.case_id.empty() && matches(row.pattern, result.case_id)))
      return &row;
  return nullptr;
}

void apply_expectation(const Expectations& expectations, CaseResult& result) {
  const Expectation* row = find_expectation(expectations, result);
  if (row == nullptr) return;
  const Verdict original = result.verdict;
  if (original == row->verdict)
    result.verdict = Verdict::ExpectedFail;
  else if (original == Verdict::Pass)
    result.verdict = Verdict::UnexpectedPass;
  else
    return;  // another deviation than the one expected, or not judged: stays as it is
  result.expectation = CaseResult::ExpectationApplied{row->verdict, row->why, row->pattern, original};
}

}  // namespace convtest::reports
