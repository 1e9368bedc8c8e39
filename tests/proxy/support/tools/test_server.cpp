// A small TCP server for the end-to-end tests, run inside the server
// namespace: it accepts connections one after the other, sends a greeting,
// records every byte it receives to a file, and after the client's FIN
// sends a reply (so half-close is observable), then closes.
//
//   proxy_test_server ADDR PORT RECORD_FILE READY_FILE GREETING REPLY [CONNECTIONS] [LIFETIME_S]
//
// A greeting "hex:0102|2263" is sent as bytes, one segment per '|' part with
// a pause between them: it then plays a converter whose reply arrives split.
// The listener accepts SYN data (TCP_FASTOPEN), as a converter must.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "packetgen/bytes.hpp"

namespace {

int listen_on(const std::string& address, int port) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
  if (address.find(':') != std::string::npos) {
    family = AF_INET6;
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) != 1) return -1;
    length = sizeof *v6;
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) != 1) return -1;
    length = sizeof *v4;
  }
  const int fd = ::socket(family, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 || ::listen(fd, 16) != 0) return -1;
  const int queue = 16;
  ::setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &queue, sizeof queue);
  return fd;
}

// The greeting as the segments to send.
std::vector<std::string> greeting_segments(const std::string& greeting) {
  if (!greeting.starts_with("hex:")) return {greeting};
  std::vector<std::string> segments;
  std::size_t start = 4;
  while (start <= greeting.size()) {
    const std::size_t end = std::min(greeting.find('|', start), greeting.size());
    const auto bytes = convtest::packetgen::parse_hex(greeting.substr(start, end - start));
    segments.emplace_back(bytes.bytes.begin(), bytes.bytes.end());
    start = end + 1;
  }
  return segments;
}

bool send_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void serve(int connection, std::ofstream& record, const std::string& greeting, const std::string& reply) {
  const int one = 1;
  ::setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const auto segments = greeting_segments(greeting);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!segments[i].empty()) send_all(connection, segments[i]);
  }
  char buffer[16384];
  while (true) {
    const ssize_t n = ::recv(connection, buffer, sizeof buffer, 0);
    if (n <= 0) {
      record.flush();
      if (n == 0) send_all(connection, reply);  // after the client's FIN
      return;
    }
    record.write(buffer, n);
    record.flush();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s ADDR PORT RECORD READY GREETING REPLY [N] [LIFETIME_S]\n", argv[0]);
    return 2;
  }
  const int connections = argc > 7 ? std::atoi(argv[7]) : 1;
  ::alarm(argc > 8 ? static_cast<unsigned>(std::atoi(argv[8])) : 30u);  // bounded lifetime
  const int listener = listen_on(argv[1], std::atoi(argv[2]));
  if (listener < 0) {
    std::perror("listen");
    return 1;
  }
  std::ofstream record(argv[3], std::ios::binary | std::ios::trunc);
  std::ofstream(argv[4]) << "ready\n";
  for (int i = 0; i < connections; ++i) {
    const int connection = ::accept(listener, nullptr, nullptr);
    if (connection < 0) return 1;
    serve(connection, record, argv[5], argv[6]);
    ::close(connection);
  }
  return 0;
}
