#pragma once
// The pieces every HTML page of the reports shares: escaping, links to
// artefacts, anchors for cases, and the page shell with its inline style.

#include <filesystem>
#include <string>
#include <string_view>

namespace convtest::reports::html {

// Text from a report (what a PUT or client printed: quotes, markup, control
// bytes, invalid UTF-8) made safe as element content or attribute value:
// markup characters escaped, invalid UTF-8 replaced by U+FFFD, control bytes
// other than newline and tab shown as their Control Pictures (U+2400 + c).
std::string escape(std::string_view text);

// The id of a case's row on a run page; the matrix links to page#anchor.
// Instance ids hold brackets, commas and '='; the anchor keeps only
// [A-Za-z0-9_-] and spells every other byte as _XX.
std::string case_anchor(std::string_view case_id);

// An href (not yet escaped) to an artefact the report names: relative paths
// start at `base` (the run's working directory); the link is relative to the
// page's directory when both are absolute, so the files can move together.
std::string artifact_href(const std::string& path, const std::filesystem::path& base,
                          const std::filesystem::path& page_directory);

// A link the matrix document gives as is (relative to the matrix page),
// with the bytes a URL cannot hold percent-encoded.
std::string link_href(std::string_view link);

// A whole page: doctype, charset, title, the shared inline style and the
// page's own (CSS text), the body and an inline script (may be empty).
std::string page(std::string_view title, std::string_view style, std::string_view body, std::string_view script);

// "PASS" -> "v-PASS": the class colouring a verdict.
std::string verdict_class(std::string_view verdict);

}  // namespace convtest::reports::html
