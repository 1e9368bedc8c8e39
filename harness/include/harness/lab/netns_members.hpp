#pragma once
// The processes living in a network namespace, found by their
// /proc/PID/ns/net inode. A PUT that double-forks and calls setsid leaves
// the process group the harness stops, but not the namespace the harness
// made for the case: sweeping that namespace ends every process the case
// started, and tells which ones could not be ended.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace convtest::harness {

struct NetnsMember {
  pid_t pid = 0;
  std::string command;  // its command line, arguments joined by spaces
};

// Every process (thread-group leader) whose network namespace has this
// inode, except the calling process itself (whose threads enter the
// namespace to talk to it).
std::vector<NetnsMember> netns_members(unsigned long netns_inode);

// SIGKILLs every member of the namespace, again and again (a daemon may fork
// while it is being killed), until none is left or `within` has passed;
// returns those still there at the end. Only for a namespace the caller made
// for itself: it ends everything inside.
std::vector<NetnsMember> kill_netns_members(unsigned long netns_inode, std::chrono::milliseconds within);

}  // namespace convtest::harness
