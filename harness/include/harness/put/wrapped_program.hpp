#pragma once
// The program a command line really runs, behind wrappers and interpreters:
// `python3 -u put.py`, `/usr/bin/env FOO=1 vxconv`, `nice -n 5 taskset 3 vxconv`.
// The report's provenance hashes that program, not the interpreter.

#include <cstddef>
#include <string>
#include <vector>

namespace convtest::harness {

struct WrappedProgram {
  std::size_t index = 0;  // of the program's word in the command
  bool script = false;    // run by an interpreter: a file that need not be executable nor on PATH
  // Words that run it asking for its version: `python3 put.py --version`
  // for a script, `vxconv --version` for an executable behind `env`.
  std::vector<std::string> version_command;
};

// The first word that is neither a known wrapper (env, nice, taskset,
// timeout, stdbuf, setsid, nohup, sudo, ip netns exec NAME, ...) nor an
// interpreter (python3, perl, sh, ...), nor one of their options. An
// interpreter running inline code (`sh -c '...'`) is itself the program.
WrappedProgram wrapped_program(const std::vector<std::string>& words);

}  // namespace convtest::harness
