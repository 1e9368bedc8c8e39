#include "requirements.hpp"

namespace convtest::cases {

harness::RequirementTable requirement_table() {
  std::vector<harness::Requirement> rows;
  for (const auto part :
       {converter_requirements(), client_requirements(), ambiguity_positions(), reference_requirements()})
    rows.insert(rows.end(), part.begin(), part.end());
  return harness::RequirementTable(std::move(rows));
}

}  // namespace convtest::cases
