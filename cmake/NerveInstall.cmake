include(CMakePackageConfigHelpers)

install(TARGETS nerve nerve_native nerve_optimised EXPORT nerveTargets)
install(DIRECTORY include/nerve DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT nerveTargets NAMESPACE nerve:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nerve)

configure_package_config_file(cmake/nerveConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/nerveConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nerve)
# Header-only: the version file does not pin an architecture.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/nerveConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/nerveConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/nerveConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/nerveBuild.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nerve)
