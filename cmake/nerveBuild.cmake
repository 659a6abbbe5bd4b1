# nerve's CMake helpers for the code that uses it. Loaded by nerve's own build (NerveArch.cmake)
# and, after an install, by nerveConfig.cmake, so add_subdirectory, FetchContent and find_package
# users get the same functions:
#
#   nerve_target_arch(<target> [ARCH native|portable|avx2|<-march value>])
#       Compiles <target> for that instruction set (PRIVATE). Without ARCH: ${NERVE_ARCH} if set,
#       else native. native is -march=native (AVX-512 where the machine has it); portable is the
#       x86-64 baseline (SSE2); avx2 is -march=x86-64-v3. Any other choice than native is taken
#       as deliberate, so it also defines NERVE_NO_SIMD_WARNING (nerve then does not warn at run
#       time that the CPU could do better).
#
#   nerve_check_build_type()
#       At the end of the configure step, warns when the build is single-configuration, has no
#       CMAKE_BUILD_TYPE, and some target links nerve without nerve::optimised: such a program
#       gets no -O flag at all and runs nerve about 100-1000x slower. (Debug is a deliberate
#       choice and is not warned about here; the program itself still says so at run time.)
#       Silence it with -DNERVE_NO_BUILD_TYPE_WARNING=ON.
include_guard(GLOBAL)

function(nerve_target_arch target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "ARCH" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "nerve_target_arch(${target}): unknown arguments ${arg_UNPARSED_ARGUMENTS}; "
                        "usage: nerve_target_arch(<target> [ARCH native|portable|avx2|<-march value>])")
  endif()
  set(arch "${arg_ARCH}")
  if(arch STREQUAL "")
    set(arch "${NERVE_ARCH}")
  endif()
  if(arch STREQUAL "")
    set(arch native)
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "MSVC")
    # MSVC has no -march; /arch:AVX2 and /arch:AVX512 are the choices it offers.
    if(arch STREQUAL "avx2")
      target_compile_options(${target} PRIVATE /arch:AVX2)
    endif()
  elseif(arch STREQUAL "portable")
    if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
      target_compile_options(${target} PRIVATE -march=x86-64)
    endif()
  elseif(arch STREQUAL "avx2")
    target_compile_options(${target} PRIVATE -march=x86-64-v3)
  else()
    target_compile_options(${target} PRIVATE -march=${arch})
  endif()
  if(NOT arch STREQUAL "native")
    target_compile_definitions(${target} PRIVATE NERVE_NO_SIMD_WARNING)
  endif()
endfunction()

# The targets of `dir` and of its subdirectories, recursively.
function(_nerve_targets_below dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    _nerve_targets_below("${sub}" more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(_nerve_report_unoptimised)
  _nerve_targets_below("${CMAKE_SOURCE_DIR}" targets)
  set(slow)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(NOT type MATCHES "EXECUTABLE|LIBRARY" OR type STREQUAL "INTERFACE_LIBRARY")
      continue()
    endif()
    get_target_property(libs ${t} LINK_LIBRARIES)
    if(libs MATCHES "(^|;)nerve(::(nerve|native))?($|;)" AND NOT libs MATCHES "nerve::optimised")
      list(APPEND slow ${t})
    endif()
  endforeach()
  list(LENGTH slow count)
  if(count EQUAL 0)
    return()
  endif()
  if(count GREATER 5)
    list(SUBLIST slow 0 5 slow)
    list(APPEND slow "...")
  endif()
  list(JOIN slow ", " names)
  message(WARNING "nerve: CMAKE_BUILD_TYPE is not set, so ${names} (${count} target(s) using nerve) compile without "
    "optimisation, and nerve's training and inference run about 100-1000x slower. Configure with "
    "-DCMAKE_BUILD_TYPE=Release, or link nerve::optimised (it adds -O2 where the configuration "
    "does not optimise). -DNERVE_NO_BUILD_TYPE_WARNING=ON silences this.")
endfunction()

function(nerve_check_build_type)
  get_property(multi GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  get_property(deferred GLOBAL PROPERTY _NERVE_BUILD_TYPE_CHECK_DEFERRED)
  if(multi OR deferred OR NERVE_NO_BUILD_TYPE_WARNING)
    return()
  endif()
  if(CMAKE_BUILD_TYPE)
    return()
  endif()
  set_property(GLOBAL PROPERTY _NERVE_BUILD_TYPE_CHECK_DEFERRED ON)
  # The targets that link nerve are known only once the whole project is read.
  cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL _nerve_report_unoptimised)
endfunction()
