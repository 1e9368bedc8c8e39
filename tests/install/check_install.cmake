# cmake -P: installs the build tree (MODE=install: `cmake --install` to a
# temporary prefix; MODE=deb: cpack's .deb, unpacked with dpkg-deb -x) and
# checks what a user would run: every program's --version names the commit
# of the sources, convtest finds convproxy beside itself, and the schemas,
# the dissector and the docs are where the docs say.
include(${SOURCE_DIR}/cmake/GitVersion.cmake)
convtest_git_version("${SOURCE_DIR}" "0" expected)
string(REGEX REPLACE "^0-" "" expected_commit "${expected}")  # no tag: 0-g<commit>[-dirty]

set(work ${BUILD_DIR}/install-test-${MODE})
file(REMOVE_RECURSE ${work})
file(MAKE_DIRECTORY ${work})

macro(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed (${status}):\n${output}\n${errors}")
  endif()
endmacro()

if(MODE STREQUAL "install")
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${work}/prefix)
  set(prefix ${work}/prefix)
elseif(MODE STREQUAL "deb")
  find_program(DPKG_DEB dpkg-deb)
  if(NOT DPKG_DEB)
    message(FATAL_ERROR "dpkg-deb is missing: the .deb cannot be checked (apt-get install dpkg)")
  endif()
  get_filename_component(cmake_dir ${CMAKE_COMMAND} DIRECTORY)
  run(${cmake_dir}/cpack --config ${BUILD_DIR}/CPackConfig.cmake -B ${work}/packages)
  file(GLOB debs ${work}/packages/*.deb)
  list(LENGTH debs count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "cpack made ${count} .deb files: ${debs}")
  endif()
  run(${DPKG_DEB} --field ${debs} Version Depends)
  message(STATUS "package: ${output}")
  # Debian versions take "+" where git describe has "-" ("+dirty"): a plain
  # search, since "+" means something in a regular expression.
  string(REPLACE "-" "+" deb_commit "${expected_commit}")
  string(REGEX MATCH "Version: [^\n]*" version_line "${output}")
  string(FIND "${version_line}" "${deb_commit}" commit_at)
  if(commit_at EQUAL -1)
    message(FATAL_ERROR "the package version does not name the commit ${expected_commit}:\n${output}")
  endif()
  run(${DPKG_DEB} -x ${debs} ${work}/root)
  set(prefix ${work}/root/usr)
else()
  message(FATAL_ERROR "MODE must be install or deb")
endif()

foreach(program convtest convproxy convclient)
  run(${prefix}/bin/${program} --version)
  if(NOT output MATCHES "^${program} [0-9][^\n]*${expected_commit}")
    message(FATAL_ERROR "${prefix}/bin/${program} --version does not name the commit ${expected_commit}:\n${output}")
  endif()
  if(program STREQUAL "convtest" AND NOT output MATCHES "\ncatalog version [0-9]+")
    message(FATAL_ERROR "convtest --version names no catalog version:\n${output}")
  endif()
  message(STATUS "${output}")
endforeach()
foreach(file share/convtest/schema/report-v1.schema.json share/convtest/schema/put-v1.schema.json
             share/convtest/wireshark/convert.lua share/doc/convtest/guide.md share/doc/convtest/catalog-changelog.md
             share/doc/convtest/README.md)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "${file} is not installed")
  endif()
endforeach()
# The installed catalog lists (no root needed).
run(${prefix}/bin/convtest list --case hdr-* --format json)
file(REMOVE_RECURSE ${work})
