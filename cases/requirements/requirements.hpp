#pragma once
// The requirement table of the catalog, one file per kind of row: every id a
// case may cite, with its section, level and sentence, and for an ambiguity
// the position taken and why (harness/runner/requirement.hpp).

#include <span>

#include "harness/runner/requirement.hpp"

namespace convtest::cases {

std::span<const harness::Requirement> converter_requirements();  // CONV-xxx, CONV-Ixx
std::span<const harness::Requirement> client_requirements();     // CLI-xxx, CLI-Ixx
std::span<const harness::Requirement> ambiguity_positions();     // AMB-xx
std::span<const harness::Requirement> reference_requirements();  // REF-xx (RFC 7413, RFC 8684)

// All of them, in that order.
harness::RequirementTable requirement_table();

}  // namespace convtest::cases
