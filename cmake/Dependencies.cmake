# Every dependency comes from a Debian 12 package (see scripts/install-deps.sh).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
# libtins ships no CMake package config; its .pc adds -I/usr/include/tins,
# so project headers must never be named config.h.
pkg_check_modules(TINS REQUIRED IMPORTED_TARGET libtins)
pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)
pkg_check_modules(NLROUTE REQUIRED IMPORTED_TARGET libnl-route-3.0)
if(CONVTEST_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
