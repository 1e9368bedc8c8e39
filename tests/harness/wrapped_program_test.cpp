#include "harness/put/wrapped_program.hpp"

#include <gtest/gtest.h>

namespace convtest::harness {
namespace {

using Words = std::vector<std::string>;

TEST(WrappedProgram, APlainExecutableIsItself) {
  const WrappedProgram program = wrapped_program({"/opt/vx/bin/vxconv", "-l", "192.0.2.1"});
  EXPECT_EQ(program.index, 0U);
  EXPECT_FALSE(program.script);
  EXPECT_EQ(program.version_command, (Words{"/opt/vx/bin/vxconv", "--version"}));
}

TEST(WrappedProgram, AnInterpretedScriptIsTheProgramAndItsInterpreterAsksItsVersion) {
  const WrappedProgram program = wrapped_program({"python3", "-u", "-W", "ignore", "put.py", "--port", "5124"});
  EXPECT_EQ(program.index, 4U);
  EXPECT_TRUE(program.script);
  EXPECT_EQ(program.version_command, (Words{"python3", "-u", "-W", "ignore", "put.py", "--version"}));
}

TEST(WrappedProgram, EnvAndOtherWrappersAreSkipped) {
  EXPECT_EQ(wrapped_program({"/usr/bin/env", "-u", "HOME", "A=1", "vxconv", "-p", "1"}).index, 4U);
  const Words nested{"nice", "-n",   "5",  "taskset",      "3",          "timeout",
                     "-s",   "KILL", "60", "/usr/bin/env", "python3.11", "/srv/put.py"};
  const WrappedProgram program = wrapped_program(nested);
  EXPECT_EQ(program.index, nested.size() - 1);
  EXPECT_EQ(program.version_command, (Words{"python3.11", "/srv/put.py", "--version"}));
  EXPECT_EQ(wrapped_program({"ip", "netns", "exec", "lab", "vxconv"}).index, 4U);
}

TEST(WrappedProgram, InlineCodeLeavesTheInterpreterAsTheProgram) {
  const WrappedProgram program = wrapped_program({"sh", "-c", "exec vxconv"});
  EXPECT_EQ(program.index, 0U);
  EXPECT_FALSE(program.script);
  EXPECT_EQ(wrapped_program({"env", "python3", "-m", "vxconv"}).index, 1U);
  EXPECT_EQ(wrapped_program({"env"}).index, 0U);
}

}  // namespace
}  // namespace convtest::harness
