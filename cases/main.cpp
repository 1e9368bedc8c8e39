// convtest: the conformance suite binary. Composes the catalog with the
// harness command line.

#include "catalog.hpp"
#include "harness/cli/cli.hpp"

int main(int argc, char** argv) {
  convtest::harness::Registry registry;
  convtest::cases::register_all(registry);
  return convtest::harness::cli::main(argc, argv, registry);
}
