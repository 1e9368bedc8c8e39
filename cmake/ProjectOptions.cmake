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
endif()

# Version string baked into every binary (convtest, convproxy, convclient).
target_compile_definitions(convtest_options INTERFACE
  CONVTEST_VERSION="${PROJECT_VERSION}")

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
