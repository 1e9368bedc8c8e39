#pragma once
// The requirement table: every id a case may cite (CONV-xxx and CONV-Ixx for
// the converter, CLI-xxx for the client, AMB-xx for a position on an
// ambiguity, REF-xx for a rule of RFC 7413 / RFC 8684 the flows rely on),
// with its section, level and sentence; for an ambiguity also the position
// the catalog takes and why. The rows are catalog knowledge and live in
// cases/requirements/; the harness checks citations against them and prints
// them (`convtest list --requirements`, docs/catalog.md).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace convtest::harness {

enum class RequirementKind : std::uint8_t { Converter, Client, Ambiguity, Reference };
std::string_view name(RequirementKind kind);  // "converter", "client", "ambiguity", "reference"

// The text members view string literals of the catalog (static storage).
struct Requirement {
  std::string_view id;               // "CONV-045", "CONV-I04", "CLI-018", "AMB-05", "REF-10"
  std::string_view section;          // RFC 8803 section(s) ("6.2.8", "4.2, 6.2.2"); REF: "RFC 8684 3.1"
  std::string_view level;            // BCP 14 keyword, "behaviour" (no keyword) or, for AMB, "position"
  std::string_view sentence;         // what the RFC says (its own words in quotes) or, for AMB, what is unclear
  std::string_view position{};       // AMB: what the catalog judges conformant
  std::string_view rationale{};      // AMB: why it takes that position
  bool operational = false;          // an operator-checklist item ([ops]): no harness can judge it
  std::string_view not_automated{};  // black-box testable in principle: why this catalog does not

  RequirementKind kind() const;
};

class RequirementTable {
 public:
  explicit RequirementTable(std::vector<Requirement> rows) : rows_(std::move(rows)) {}

  const std::vector<Requirement>& rows() const { return rows_; }
  const Requirement* find(std::string_view id) const;
  // Malformed or duplicate ids, missing texts, an AMB row without position
  // or rationale: one line each.
  std::vector<std::string> problems() const;

 private:
  std::vector<Requirement> rows_;
};

// CONV-xxx, CONV-Ixx, CLI-xxx, CLI-Ixx, AMB-xx or REF-xx.
bool is_requirement_id(std::string_view id);

}  // namespace convtest::harness
