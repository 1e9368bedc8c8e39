#pragma once
// The PUT's command line, e.g.
//   convproxy --listen {addr} --listen {addr6} --port {port}
// split like a POSIX shell would split words (no expansion, no pipes), then
// placeholders substituted inside each word, so values never re-split.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "packetgen/result.hpp"

namespace convtest::harness {

using Argv = std::vector<std::string>;

// Words separated by blanks; '...' literal; "..." with \" \\ \$ \` escapes;
// a backslash outside quotes escapes the next character. Unbalanced quotes
// and a trailing backslash are errors.
packetgen::Result<Argv, std::string> split_command(std::string_view text);

struct PlaceholderValues {
  std::string addr;        // {addr}: the converter's IPv4 address
  std::string addr6;       // {addr6}: the converter's IPv6 address
  std::uint16_t port = 0;  // {port}
};

// Splits, then replaces {addr} {addr6} {port}; "{{" and "}}" are literal
// braces. Any other {name} is an error (a typo would launch a broken PUT).
packetgen::Result<Argv, std::string> expand_command(std::string_view command_template, const PlaceholderValues& values);

// Any set of placeholders: {"conv", "192.0.2.1"} replaces {conv}.
using NamedValues = std::vector<std::pair<std::string, std::string>>;
packetgen::Result<Argv, std::string> expand_command(std::string_view command_template, const NamedValues& values);
// One word (an environment value) with the same rules, not split.
packetgen::Result<std::string, std::string> expand_word(std::string_view word, const NamedValues& values);

// For logs and repro lines: words quoted only where the shell needs it.
std::string quote_command(const Argv& argv);

}  // namespace convtest::harness
