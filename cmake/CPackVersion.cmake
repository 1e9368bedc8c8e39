# Read by cpack (CPACK_PROJECT_CONFIG_FILE): the package carries the version
# the binaries report, from `git describe` at packaging time. Debian versions
# may not hold '-' in the upstream part, so the describe suffix joins with '+'.
include(${CMAKE_CURRENT_LIST_DIR}/GitVersion.cmake)
convtest_git_version("${CPACK_CONVTEST_SOURCE_DIR}" "${CPACK_PACKAGE_VERSION}" convtest_version)
string(REPLACE "-" "+" CPACK_DEBIAN_PACKAGE_VERSION "${convtest_version}")
set(CPACK_PACKAGE_VERSION "${convtest_version}")
