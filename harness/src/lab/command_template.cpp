#include "harness/lab/command_template.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace convtest::harness {
namespace {

using packetgen::failure;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

bool escapable_in_double_quotes(char c) { return c == '"' || c == '\\' || c == '$' || c == '`'; }

std::string known_names(const NamedValues& values) {
  std::string names;
  for (const auto& [name, value] : values) names += fmt::format("{}{{{}}}", names.empty() ? "" : " ", name);
  return names;
}

// `replaced_before`: placeholders the caller has already replaced (the PUT
// template's {bin}), named in the error all the same.
packetgen::Result<std::string, std::string> substitute(const std::string& word, const NamedValues& values,
                                                       std::string_view replaced_before = {}) {
  std::string out;
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    if ((c == '{' || c == '}') && i + 1 < word.size() && word[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    const std::size_t close = word.find('}', i);
    if (close == std::string::npos) return failure(fmt::format("unclosed '{{' in '{}'", word));
    const std::string name = word.substr(i + 1, close - i - 1);
    const auto found =
        std::find_if(values.begin(), values.end(), [&](const auto& named) { return named.first == name; });
    if (found == values.end())
      return failure(fmt::format("unknown placeholder {{{}}} (known: {}{}{})", name, known_names(values),
                                 replaced_before.empty() ? "" : " ", replaced_before));
    out += found->second;
    i = close;
  }
  return out;
}

}  // namespace

packetgen::Result<Argv, std::string> split_command(std::string_view text) {
  Argv words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_blank(c)) {
      if (in_word) words.push_back(std::exchange(word, {}));
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == text.size()) return failure(std::string("command ends with a backslash"));
      word += text[i];
    } else if (c == '\'') {
      const std::size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) return failure(std::string("unbalanced ' in command"));
      word.append(text.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '"') {
      bool closed = false;
      for (++i; i < text.size(); ++i) {
        if (text[i] == '"') {
          closed = true;
          break;
        }
        if (text[i] == '\\' && i + 1 < text.size() && escapable_in_double_quotes(text[i + 1])) ++i;
        word += text[i];
      }
      if (!closed) return failure(std::string("unbalanced \" in command"));
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) return failure(std::string("empty command"));
  return words;
}

packetgen::Result<std::string, std::string> expand_word(std::string_view word, const NamedValues& values) {
  return substitute(std::string(word), values);
}

namespace {

packetgen::Result<Argv, std::string> expand_words(std::string_view command_template, const NamedValues& values,
                                                  std::string_view replaced_before) {
  auto words = split_command(command_template);
  if (!words) return words;
  Argv expanded;
  for (const auto& word : *words) {
    auto replaced = substitute(word, values, replaced_before);
    if (!replaced) return failure(replaced.error());
    expanded.push_back(std::move(*replaced));
  }
  return expanded;
}

}  // namespace

packetgen::Result<Argv, std::string> expand_command(std::string_view command_template, const NamedValues& values) {
  return expand_words(command_template, values, {});
}

packetgen::Result<Argv, std::string> expand_command(std::string_view command_template,
                                                    const PlaceholderValues& values) {
  // {bin} is replaced first (with_bin_dir), where the convtest binary is known.
  return expand_words(
      command_template,
      NamedValues{{"addr", values.addr}, {"addr6", values.addr6}, {"port", std::to_string(values.port)}}, "{bin}");
}

std::string quote_command(const Argv& argv) {
  std::string out;
  for (const auto& word : argv) {
    if (!out.empty()) out += ' ';
    const bool plain =
        !word.empty() &&
        word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%") ==
            std::string::npos;
    if (plain) {
      out += word;
      continue;
    }
    out += '\'';
    for (const char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

}  // namespace convtest::harness
