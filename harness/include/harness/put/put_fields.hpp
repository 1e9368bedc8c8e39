#pragma once
// The fields of the PUT description, each named once: its JSON key, its flag,
// the member it fills, the values it accepts and its help text. The JSON
// reader and writer, the command line, the merge of a file with flags and the
// repro line all walk this table, so none of them can forget a field or
// accept a value another one rejects.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "harness/put/put_description.hpp"

namespace convtest::harness {

// Inclusive bounds of a number field.
struct NumberRange {
  double min = 0;
  double max = 0;
};

// What a text, or each text of a list, must be.
enum class TextRule : std::uint8_t { Any, Ipv4Address, Ipv6Address, IpAddress };

using PutMember = std::variant<std::string PutDescription::*, std::optional<std::string> PutDescription::*,
                               std::uint16_t PutDescription::*, std::optional<unsigned> PutDescription::*,
                               double PutDescription::*, std::vector<std::string> PutDescription::*,
                               std::set<Feature> PutDescription::*, PutMode PutDescription::*>;

struct PutField {
  std::string_view key;         // in the JSON file
  std::string_view flag;        // on the command line; empty: only in the file
  std::string_view value_name;  // the value's placeholder in --help; empty: a switch without value
  std::string_view help;
  PutMember member;
  std::optional<NumberRange> range;  // integer and seconds fields
  TextRule rule = TextRule::Any;     // text fields and every text of a list
  // The flag value that stands for an empty value ("none": no IPv6 address,
  // no feature). A checked text without one must not be empty.
  std::string_view none_word;
  // A fact about the built-in convproxy: dropped when the flags name another
  // target, so that target starts with no features, limits or special clients.
  bool convproxy_fact = false;
  // Giving the flag switches the description to this mode (--spawn, --netns,
  // --remote); at most one of them per command line.
  std::optional<PutMode> selects;
};

// Every field, in the order of --help and of repro lines.
std::span<const PutField> put_fields();

// A list field: its flag is repeatable and takes comma-separated values.
bool is_list(const PutField& field);

// An error message without the field's name; the caller prefixes the key or
// the flag, whichever the user wrote. Empty: fine.
using FieldError = std::optional<std::string>;

// Stores the field's value read from its JSON value.
FieldError read_json(const PutField& field, const nlohmann::json& value, PutDescription& put);
// Stores the field's value read from the words given to its flag (one word,
// or every word of a repeated or comma-separated list flag; none for a switch).
FieldError read_words(const PutField& field, const std::vector<std::string>& words, PutDescription& put);
// The field's JSON value; nullopt: not written (unset, or an empty text).
std::optional<nlohmann::json> write_json(const PutField& field, const PutDescription& put);
// The flag and values recreating the field's value; a list repeats the flag.
std::vector<std::string> flag_words(const PutField& field, const PutDescription& put);
// Whether the value held is allowed (for descriptions built in code).
FieldError check_value(const PutField& field, const PutDescription& put);

bool same_value(const PutField& field, const PutDescription& a, const PutDescription& b);
void copy_value(const PutField& field, const PutDescription& from, PutDescription& to);

// The help text with the allowed range, as --help shows it.
std::string help_text(const PutField& field);

// A field's flag as given on the command line, with its words.
struct GivenFlag {
  const PutField* field = nullptr;
  std::vector<std::string> words;
};

// The description a command line asks for: the file's, or else the built-in
// convproxy's, with the flags applied over it. A flag naming another target
// than convproxy, without a file, starts from no convproxy facts.
PutResult with_flags(std::optional<PutDescription> from_file, const std::vector<GivenFlag>& flags);

// `description` with the convproxy facts of the built-in target removed: what
// the flags start from when they name another target.
PutDescription without_convproxy_facts(PutDescription description);

}  // namespace convtest::harness
