# nerve's dependencies: xsimd, Boost (headers), zlib.
#
# xsimd comes one of three ways, and nerve links the target `xsimd` whichever it is:
#   - NERVE_XSIMD_INCLUDE_DIR set: the xsimd header tree there (the directory holding
#     xsimd/xsimd.hpp: an xsimd source checkout's include/, or an install's include/), with no
#     find_package. For trying nerve against another xsimd release without installing it.
#   - a target `xsimd` already defined by the project that adds nerve (add_subdirectory,
#     FetchContent): that one.
#   - otherwise find_package(xsimd): Debian's libxsimd-dev (8.1), or the xsimd whose
#     xsimdConfig.cmake xsimd_DIR or CMAKE_PREFIX_PATH points at. Any release from 8 on; nerve's
#     few version-dependent calls are in include/nerve/config.hpp.
include(GNUInstallDirs)

set(NERVE_XSIMD_HEADERS "")

set(NERVE_XSIMD_INCLUDE_DIR "" CACHE PATH
    "xsimd header tree to use instead of find_package(xsimd): the directory holding xsimd/xsimd.hpp")

if(NERVE_XSIMD_INCLUDE_DIR)
  get_filename_component(_nerve_xsimd_dir "${NERVE_XSIMD_INCLUDE_DIR}" ABSOLUTE)
  set(_nerve_xsimd_config "${_nerve_xsimd_dir}/xsimd/config/xsimd_config.hpp")
  if(NOT EXISTS "${_nerve_xsimd_dir}/xsimd/xsimd.hpp" OR NOT EXISTS "${_nerve_xsimd_config}")
    message(FATAL_ERROR "NERVE_XSIMD_INCLUDE_DIR=${NERVE_XSIMD_INCLUDE_DIR} has no xsimd/xsimd.hpp "
                        "and xsimd/config/xsimd_config.hpp: give the directory that holds xsimd/ "
                        "(an xsimd checkout's include/)")
  endif()
  file(STRINGS "${_nerve_xsimd_config}" _nerve_xsimd_version_lines
       REGEX "^#define XSIMD_VERSION_(MAJOR|MINOR|PATCH) +[0-9]+")
  set(_nerve_xsimd_version "")
  foreach(part IN ITEMS MAJOR MINOR PATCH)
    string(REGEX MATCH "XSIMD_VERSION_${part} +([0-9]+)" _ "${_nerve_xsimd_version_lines}")
    list(APPEND _nerve_xsimd_version "${CMAKE_MATCH_1}")
  endforeach()
  list(JOIN _nerve_xsimd_version "." NERVE_XSIMD_VERSION)
  if(TARGET xsimd)
    message(FATAL_ERROR "NERVE_XSIMD_INCLUDE_DIR is set but a target named xsimd already exists: "
                        "nerve would link that one. Unset one of the two.")
  endif()
  # IMPORTED, so that its headers are system headers (no -Wpedantic noise from them), and so that
  # nerve's install exports the name `xsimd` for nerveConfig.cmake to define again (GLOBAL: the
  # nerve target is made in the directory that includes this file).
  add_library(xsimd INTERFACE IMPORTED GLOBAL)
  set_target_properties(xsimd PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_nerve_xsimd_dir}"
    INTERFACE_COMPILE_FEATURES cxx_std_14)
  set(NERVE_XSIMD_SOURCE "NERVE_XSIMD_INCLUDE_DIR (${_nerve_xsimd_dir})")
  set(NERVE_XSIMD_HEADERS "${_nerve_xsimd_dir}")  # written into the installed nerveConfig.cmake
elseif(TARGET xsimd)
  set(NERVE_XSIMD_VERSION "${xsimd_VERSION}")
  set(NERVE_XSIMD_SOURCE "the target xsimd defined before nerve")
else()
  # An xsimd configured with ENABLE_XTL_COMPLEX, as Debian's 8.1 package is, links "xtl" by name:
  # xtl must be found first. Others do not need it. No version in find_package: xsimd's version
  # file accepts only its own major version.
  find_package(xtl QUIET)
  find_package(xsimd REQUIRED)
  set(NERVE_XSIMD_VERSION "${xsimd_VERSION}")
  set(NERVE_XSIMD_SOURCE "find_package (${xsimd_DIR})")
  get_target_property(_nerve_xsimd_links xsimd INTERFACE_LINK_LIBRARIES)
  if(_nerve_xsimd_links MATCHES "(^|;)xtl($|;)" AND NOT TARGET xtl)
    message(FATAL_ERROR "this xsimd (${xsimd_DIR}) links xtl, which was not found: install xtl "
                        "(Debian: libxtl-dev), or point nerve at another xsimd with "
                        "-DNERVE_XSIMD_INCLUDE_DIR=<its include directory>")
  endif()
endif()
if(NERVE_XSIMD_VERSION AND NERVE_XSIMD_VERSION VERSION_LESS 8)
  message(FATAL_ERROR "nerve needs xsimd 8 or later; ${NERVE_XSIMD_SOURCE} is ${NERVE_XSIMD_VERSION}")
endif()
message(STATUS "nerve: xsimd ${NERVE_XSIMD_VERSION} from ${NERVE_XSIMD_SOURCE}")

find_package(Boost 1.74 REQUIRED)
find_package(ZLIB REQUIRED)
