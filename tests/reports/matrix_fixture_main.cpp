// Writes the matrix of the real reports (real_reports.hpp) for the browser
// test, which renders it with `convtest report --html`.
// Usage: matrix_fixture DATA_DIRECTORY OUTPUT.json

#include <fmt/format.h>

#include "real_reports.hpp"
#include "reports/json_report.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: matrix_fixture DATA_DIRECTORY OUTPUT.json\n");
    return 3;
  }
  const auto matrix = convtest::reports::testing::real_matrix(argv[1]);
  std::string error = matrix.error;
  if (error.empty()) error = convtest::reports::write_file_atomically(argv[2], matrix.document.dump(2) + "\n");
  if (!error.empty()) {
    fmt::print(stderr, "matrix_fixture: {}\n", error);
    return 1;
  }
  return 0;
}
