# Included by nerve's CMakeLists.txt after the nerve target exists: the targets and functions that
# give a program nerve's speed, for nerve's own targets and for the projects that use nerve.
#
#   nerve::native     nerve::nerve plus -march=native: the widest SIMD registers of the machine
#                     that builds (so the binary needs a CPU at least as new).
#   nerve::optimised  nerve::nerve plus -O2 in configurations that do not optimise (no
#                     CMAKE_BUILD_TYPE, Debug); Release, RelWithDebInfo and MinSizeRel keep theirs.
#   nerve_target_arch(), nerve_check_build_type(): see nerveBuild.cmake.
#
# The same targets are exported (nerveTargets.cmake) and the functions installed next to
# nerveConfig.cmake, so find_package, add_subdirectory and FetchContent users see one interface.
include(${CMAKE_CURRENT_LIST_DIR}/nerveBuild.cmake)

set(_nerve_gnu_like "$<COMPILE_LANG_AND_ID:CXX,GNU,Clang,AppleClang,IntelLLVM>")

add_library(nerve_native INTERFACE)
add_library(nerve::native ALIAS nerve_native)
set_target_properties(nerve_native PROPERTIES EXPORT_NAME native)
target_link_libraries(nerve_native INTERFACE nerve)
target_compile_options(nerve_native INTERFACE "$<${_nerve_gnu_like}:-march=native>")

add_library(nerve_optimised INTERFACE)
add_library(nerve::optimised ALIAS nerve_optimised)
set_target_properties(nerve_optimised PROPERTIES EXPORT_NAME optimised)
target_link_libraries(nerve_optimised INTERFACE nerve)
set(_nerve_unoptimised_config "$<NOT:$<CONFIG:Release,RelWithDebInfo,MinSizeRel>>")
target_compile_options(nerve_optimised INTERFACE
  "$<$<AND:${_nerve_unoptimised_config},${_nerve_gnu_like}>:-O2>"
  "$<$<AND:${_nerve_unoptimised_config},$<COMPILE_LANG_AND_ID:CXX,MSVC>>:/O2>")
unset(_nerve_gnu_like)
unset(_nerve_unoptimised_config)

# nerve_target_defaults(target): the warnings and arch every target of this project uses.
function(nerve_target_defaults target)
  target_link_libraries(${target} PRIVATE nerve::nerve)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  nerve_target_arch(${target})
endfunction()

nerve_check_build_type()
