// convtest: the conformance suite binary. Composes the catalog with the
// harness command line.

#include "catalog.hpp"
#include "harness/cli/cli.hpp"

int main(int argc, char** argv) { return convtest::harness::cli::main(argc, argv, convtest::cases::make_catalog); }
