# cmake -DMODE=find_package|add_subdirectory|fetchcontent ... -P check_consumer.cmake
# Configures tests/install/consumer without CMAKE_BUILD_TYPE (what a user who forgets it gets),
# checks nerve's configure-time warning names exactly the target that links nerve without
# nerve::optimised, then builds and runs the three executables; each checks what
# nerve::this_build() reports for the targets it linked.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGV}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

set(args -DNERVE_VIA=${MODE} -DNERVE_SOURCE_DIR=${NERVE_SOURCE_DIR})
if(MODE STREQUAL "find_package")
  set(prefix ${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} --install ${NERVE_BINARY_DIR} --prefix ${prefix})
  file(GLOB_RECURSE version_file ${prefix}/*/nerveConfigVersion.cmake)
  if(NOT version_file)
    message(FATAL_ERROR "the install to ${prefix} has no nerveConfigVersion.cmake")
  endif()
  list(APPEND args -DCMAKE_PREFIX_PATH=${prefix})
endif()

run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build -G ${GENERATOR} ${args})
string(REGEX REPLACE "[ \n]+" " " configure_log "${err}")
if(NOT configure_log MATCHES "nerve: CMAKE_BUILD_TYPE is not set, so consumer_plain \\(1 target")
  message(FATAL_ERROR "configuring without CMAKE_BUILD_TYPE: expected nerve's warning naming "
                      "consumer_plain only (the one target without nerve::optimised), got:\n${err}")
endif()
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
foreach(exe consumer consumer_plain consumer_portable)
  run(${WORK_DIR}/build/${exe})
  string(REGEX MATCH "optimised [^\n]*" report "${out}")
  message(STATUS "${MODE}: ${exe}: ${report}")
endforeach()

# With a build type the configure step says nothing about it.
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build_release -G ${GENERATOR} ${args}
    -DCMAKE_BUILD_TYPE=Release)
if(err MATCHES "CMAKE_BUILD_TYPE is not set")
  message(FATAL_ERROR "configuring with CMAKE_BUILD_TYPE=Release still warned:\n${err}")
endif()
message(STATUS "${MODE}: the consumers built and ran")
