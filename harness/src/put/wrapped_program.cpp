#include "harness/put/wrapped_program.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>
#include <string_view>

namespace convtest::harness {
namespace {

// A program that runs the command after its own options and arguments.
struct Wrapper {
  std::string_view name;
  std::array<std::string_view, 4> options_with_value;  // given as a separate word
  std::size_t arguments = 0;                           // words after the options, before the command
  bool interpreter = false;                            // runs a script: keep it to ask the script's version
  std::array<std::string_view, 3> inline_code;         // options after which no script file follows
};

// GCC 12 warns about members a designated initializer leaves to their defaults.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
constexpr std::array<Wrapper, 22> kWrappers{{
    {.name = "env", .options_with_value = {"-u", "-C", "--unset", "--chdir"}},
    {.name = "nice", .options_with_value = {"-n", "--adjustment"}},
    {.name = "ionice", .options_with_value = {"-c", "-n", "-t"}},
    {.name = "chrt", .arguments = 1},
    {.name = "taskset", .arguments = 1},
    {.name = "timeout", .options_with_value = {"-s", "-k", "--signal", "--kill-after"}, .arguments = 1},
    {.name = "stdbuf", .options_with_value = {"-i", "-o", "-e"}},
    {.name = "setsid"},
    {.name = "nohup"},
    {.name = "exec"},
    {.name = "sudo", .options_with_value = {"-u", "-g", "-C", "-D"}},
    {.name = "strace", .options_with_value = {"-o", "-e", "-s", "-p"}},
    {.name = "ltrace", .options_with_value = {"-o", "-e", "-s", "-p"}},
    {.name = "valgrind"},
    {.name = "sh", .options_with_value = {"-o"}, .interpreter = true, .inline_code = {"-c"}},
    {.name = "bash", .options_with_value = {"-o", "-O", "--rcfile"}, .interpreter = true, .inline_code = {"-c"}},
    {.name = "dash", .options_with_value = {"-o"}, .interpreter = true, .inline_code = {"-c"}},
    {.name = "perl", .interpreter = true, .inline_code = {"-e", "-E"}},
    {.name = "ruby", .options_with_value = {"-r", "-I"}, .interpreter = true, .inline_code = {"-e"}},
    {.name = "node", .options_with_value = {"-r", "--require"}, .interpreter = true, .inline_code = {"-e", "-p"}},
    {.name = "lua", .options_with_value = {"-l"}, .interpreter = true, .inline_code = {"-e"}},
    {.name = "python", .options_with_value = {"-W", "-X", "-Q"}, .interpreter = true, .inline_code = {"-c", "-m"}},
}};
#pragma GCC diagnostic pop

// python3, python3.11, pypy3 are pythons.
std::string_view family_name(std::string_view base) {
  if (base.starts_with("python") || base.starts_with("pypy")) return "python";
  return base;
}

const Wrapper* wrapper_for(const std::string& word) {
  const std::string base = std::filesystem::path(word).filename().string();
  const std::string_view family = family_name(base);
  const auto* found =
      std::find_if(kWrappers.begin(), kWrappers.end(), [&](const Wrapper& wrapper) { return wrapper.name == family; });
  return found == kWrappers.end() ? nullptr : found;
}

bool among(std::string_view word, const auto& names) {
  return std::find(names.begin(), names.end(), word) != names.end();
}

// `ip netns exec NAME command`: four words before the command.
bool is_ip_netns_exec(const std::vector<std::string>& words, std::size_t at) {
  return words.size() > at + 3 && std::filesystem::path(words[at]).filename() == "ip" && words[at + 1] == "netns" &&
         words[at + 2] == "exec";
}

}  // namespace

WrappedProgram wrapped_program(const std::vector<std::string>& words) {
  std::size_t at = 0;
  std::optional<std::size_t> interpreter;
  while (at < words.size()) {
    if (is_ip_netns_exec(words, at)) {
      at += 4;
      continue;
    }
    const Wrapper* wrapper = wrapper_for(words[at]);
    if (wrapper == nullptr) break;
    const std::size_t wrapper_at = at++;
    bool inline_code = false;
    while (at < words.size() && words[at].starts_with('-') && words[at] != "--") {
      inline_code = inline_code || among(words[at], wrapper->inline_code);
      at += among(words[at], wrapper->options_with_value) ? 2 : 1;
    }
    if (at < words.size() && words[at] == "--") ++at;
    // env's NAME=VALUE words come before the command.
    while (wrapper->name == "env" && at < words.size() && words[at].find('=') != std::string::npos) ++at;
    at += wrapper->arguments;
    if (inline_code || at >= words.size()) {
      at = wrapper_at;  // nothing behind it: the wrapper is what runs
      break;
    }
    if (wrapper->interpreter) interpreter = wrapper_at;
  }
  WrappedProgram program;
  program.index = std::min(at, words.empty() ? 0 : words.size() - 1);
  program.script = interpreter.has_value();
  const std::size_t first = interpreter.value_or(program.index);
  program.version_command.assign(
      words.begin() + static_cast<std::ptrdiff_t>(std::min(first, program.index)),
      words.begin() + static_cast<std::ptrdiff_t>(std::min(program.index + 1, words.size())));
  program.version_command.emplace_back("--version");
  return program;
}

}  // namespace convtest::harness
