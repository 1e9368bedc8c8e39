// A stand-in PUT for the lab's spawn tests: listens on TCP ADDRESS PORT,
// reports on stdout and stderr, exits on SIGTERM (or never, with --ignore-term,
// so the SIGKILL path is exercised), or at once with --exit-early CODE.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile sig_atomic_t stop_requested = 0;
void on_term(int /*signal*/) { stop_requested = 1; }

int listen_on(const std::string& address, int port) {
  const bool v6 = address.find(':') != std::string::npos;
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET6, address.c_str(), &in6->sin6_addr) != 1) return -1;
    length = sizeof *in6;
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, address.c_str(), &in4->sin_addr) != 1) return -1;
    length = sizeof *in4;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) return -1;
  if (::listen(fd, 16) != 0) return -1;
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "--exit-early") == 0) {
    std::fprintf(stderr, "test_listener: exiting early as asked\n");
    return std::atoi(argv[2]);
  }
  bool ignore_term = false;
  int first = 1;
  if (argc >= 2 && std::strcmp(argv[1], "--ignore-term") == 0) {
    ignore_term = true;
    first = 2;
  }
  if (argc - first < 2) {
    std::fprintf(stderr, "usage: test_listener [--ignore-term] ADDRESS PORT | --exit-early CODE\n");
    return 2;
  }
  std::signal(SIGTERM, ignore_term ? SIG_IGN : on_term);
  const int fd = listen_on(argv[first], std::atoi(argv[first + 1]));
  if (fd < 0) {
    std::fprintf(stderr, "test_listener: cannot listen on %s port %s: %s\n", argv[first], argv[first + 1],
                 std::strerror(errno));
    return 1;
  }
  std::printf("test_listener: listening on %s port %s\n", argv[first], argv[first + 1]);
  std::fflush(stdout);
  std::fprintf(stderr, "test_listener: stderr works\n");
  // Bounded: a stray listener dies by itself after a minute.
  for (int tick = 0; tick < 600 && stop_requested == 0; ++tick) ::usleep(100'000);
  std::printf("test_listener: stopping\n");
  return 0;
}
