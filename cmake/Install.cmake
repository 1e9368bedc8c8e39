# `cmake --install` and CPack: the three programs in bin/, the JSON Schemas
# and the Wireshark dissector in share/convtest/, the documentation in
# share/doc/convtest/. convtest finds convproxy and convclient beside itself
# and the dissector in ../share/convtest/wireshark/.
include(GNUInstallDirs)

install(TARGETS convtest convproxy convclient RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/reports/schema/ DESTINATION ${CMAKE_INSTALL_DATADIR}/convtest/schema
        FILES_MATCHING PATTERN "*.schema.json")
install(FILES ${PROJECT_SOURCE_DIR}/tools/wireshark/convert.lua DESTINATION ${CMAKE_INSTALL_DATADIR}/convtest/wireshark)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME convtest)
set(CPACK_PACKAGE_VENDOR "convtest")
set(CPACK_PACKAGE_CONTACT "convtest maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Conformance suite for RFC 8803 Transport Converters, with a reference converter and client")
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # the Debian 12 libraries the binaries link
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "iproute2, tshark")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
# The version is read from git again when cpack runs, not when cmake configured.
set(CPACK_CONVTEST_SOURCE_DIR ${PROJECT_SOURCE_DIR})
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/cmake/CPackVersion.cmake)
include(CPack)
