# Usage requirements shared by every target of the project. Targets link
# convtest::options instead of relying on global compile flags.
add_library(convtest_options INTERFACE)
add_library(convtest::options ALIAS convtest_options)

target_compile_features(convtest_options INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)

target_compile_options(convtest_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  $<$<BOOL:${CONVTEST_WERROR}>:-Werror>)

if(CONVTEST_SANITIZE)
  set(_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_compile_options(convtest_options INTERFACE ${_sanitizers})
  target_link_options(convtest_options INTERFACE ${_sanitizers})
  # A sanitized executable carries some 400,000 relative relocations (the
  # instrumented globals' descriptors), which the dynamic loader applies at
  # every start, writing to most of its data pages: as a position-dependent
  # executable it has none. The tests start a sanitized convproxy for every
  # case, many thousand times in all (docs/benchmarks.md, "Test time").
  target_link_options(convtest_options INTERFACE -no-pie)
endif()

# Version string baked into every binary (convtest, convproxy, convclient):
# "convtest/version.hpp", regenerated from `git describe` at every build
# (cmake/GitVersion.cmake). Targets that include it depend on convtest_version.
set(CONVTEST_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
add_custom_target(convtest_version
  COMMAND ${CMAKE_COMMAND} -DCONVTEST_SOURCE_DIR=${PROJECT_SOURCE_DIR}
          -DCONVTEST_PROJECT_VERSION=${PROJECT_VERSION}
          -DCONVTEST_VERSION_HEADER=${CONVTEST_GENERATED_DIR}/convtest/version.hpp
          -P ${PROJECT_SOURCE_DIR}/cmake/GitVersion.cmake
  BYPRODUCTS ${CONVTEST_GENERATED_DIR}/convtest/version.hpp
  COMMENT "Version from git describe")
add_library(convtest_version_header INTERFACE)
add_library(convtest::version ALIAS convtest_version_header)
target_include_directories(convtest_version_header INTERFACE ${CONVTEST_GENERATED_DIR})
add_dependencies(convtest_version_header convtest_version)

# Headers that most translation units parse again and again (fmt in half of
# them, GoogleTest and nlohmann/json in a third), compiled once per target.
# Only the sanitized test build turns this on: the release build keeps
# checking that every file includes what it uses.
option(CONVTEST_PCH "Precompile the most-included library headers" OFF)
function(convtest_precompile target)
  if(CONVTEST_PCH)
    target_precompile_headers(${target} PRIVATE ${ARGN})
  endif()
endfunction()

# Unity builds: each target's sources compiled eight to a translation unit,
# so the shared headers are parsed once per eight files (the CI build, about
# half the compile time). File-local names must then be unique among the
# files of a target: a clash is a compile error of the CI build only.
option(CONVTEST_UNITY "Compile each target's sources in batches (unity build)" OFF)
if(CONVTEST_UNITY)
  set(CMAKE_UNITY_BUILD ON)
  set(CMAKE_UNITY_BUILD_BATCH_SIZE 8)
endif()
