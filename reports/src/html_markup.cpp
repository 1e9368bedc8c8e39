#include "html_markup.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace convtest::reports::html {
namespace {

// nlohmann/json already knows how to replace invalid UTF-8 by U+FFFD: a
// round trip through its serialiser gives a valid string.
std::string valid_utf8(std::string_view text) {
  const std::string quoted =
      nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(quoted).get<std::string>();
}

void append_control_picture(std::string& out, unsigned char byte) {
  // U+2400 + byte (U+2421 for DEL), three bytes of UTF-8.
  const unsigned code = byte == 0x7f ? 0x2421U : 0x2400U + byte;
  out += static_cast<char>(0xe0U | (code >> 12));
  out += static_cast<char>(0x80U | ((code >> 6) & 0x3fU));
  out += static_cast<char>(0x80U | (code & 0x3fU));
}

bool url_safe(unsigned char byte) {
  return (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9') ||
         std::string_view("-._~/#:").find(static_cast<char>(byte)) != std::string_view::npos;
}

std::string percent_encode(std::string_view text, bool keep_fragment) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (url_safe(byte) && (keep_fragment || c != '#'))
      out += c;
    else
      out += fmt::format("%{:02X}", byte);
  }
  return out;
}

constexpr std::string_view kStyle = R"(
:root{font-family:system-ui,sans-serif;font-size:14px;color:#1b1b1b;background:#fff}
body{margin:1.2em 2em}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.2em 0 .4em}
table{border-collapse:collapse}
th,td{border:1px solid #ccc;padding:.2em .45em;text-align:left;vertical-align:top}
th{background:#f0f0f0}
pre{white-space:pre-wrap;word-break:break-all;margin:.2em 0;max-height:30em;overflow:auto;background:#f7f7f7;padding:.3em}
code{background:#f3f3f3}
.v-PASS{background:#c8ecc8}.v-FAIL{background:#f4b4b4}.v-WARN{background:#fbe0a0}
.v-INCONCLUSIVE{background:#dccdf0}.v-UNSUPPORTED{background:#d4dde6}.v-SKIP{background:#e8e8e8}
.v-ERROR{background:#8b1a1a;color:#fff}.v-XFAIL{background:#e6d2bd}.v-XPASS{background:#b8e0f0}
.v-ERROR a{color:#fff}
.muted{color:#777}
)";

}  // namespace

std::string escape(std::string_view text) {
  const std::string valid = valid_utf8(text);
  std::string out;
  out.reserve(valid.size());
  for (const char c : valid) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\n':
      case '\t': out += c; break;
      default:
        if (byte < 0x20 || byte == 0x7f)
          append_control_picture(out, byte);
        else
          out += c;
    }
  }
  return out;
}

std::string case_anchor(std::string_view case_id) {
  std::string out = "case-";
  for (const char c : case_id) {
    const auto byte = static_cast<unsigned char>(c);
    const bool plain =
        (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9') || c == '-';
    out += plain ? std::string(1, c) : fmt::format("_{:02X}", byte);
  }
  return out;
}

std::string artifact_href(const std::string& path, const std::filesystem::path& base,
                          const std::filesystem::path& page_directory) {
  std::filesystem::path target(path);
  if (target.is_relative()) target = base / target;
  target = target.lexically_normal();
  if (target.is_absolute() && page_directory.is_absolute()) {
    const auto relative = target.lexically_relative(page_directory.lexically_normal());
    if (!relative.empty()) return percent_encode(relative.generic_string(), false);
  }
  if (target.is_absolute()) return "file://" + percent_encode(target.generic_string(), false);
  return percent_encode(target.generic_string(), false);
}

std::string link_href(std::string_view link) { return percent_encode(link, true); }

std::string page(std::string_view title, std::string_view style, std::string_view body, std::string_view script) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}{}</style>\n"
      // Marks the page scripted before the first layout, so that folded
      // rows are never laid out unfolded first (long pages load far faster).
      "<script>document.documentElement.classList.add('js')</script>\n</head>\n<body>\n{}",
      escape(title), kStyle, style, body);
  if (!script.empty()) out += fmt::format("<script>{}</script>\n", script);
  out += "</body>\n</html>\n";
  return out;
}

std::string verdict_class(std::string_view verdict) { return "v-" + escape(verdict); }

}  // namespace convtest::reports::html
