cmake_policy(SET CMP0007 NEW)
# cmake -DCOMPILER=... -DSOURCE=file.cpp -DINCLUDE_DIR=... -DWORK_DIR=... -P check_compile_fail.cmake
file(STRINGS ${SOURCE} expect_lines REGEX "^// expect: ")
if(NOT expect_lines)
  message(FATAL_ERROR "${SOURCE}: no '// expect: <message>' line at its top")
endif()
list(GET expect_lines 0 expect_line)
string(REPLACE "// expect: " "" expected "${expect_line}")

set(flags -std=c++20 -fsyntax-only -I${INCLUDE_DIR})

# 1. As written, the file must not compile, and must say why early.
execute_process(COMMAND ${COMPILER} ${flags} ${SOURCE}
  RESULT_VARIABLE result ERROR_VARIABLE output OUTPUT_VARIABLE ignored)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must fail with: ${expected}")
endif()
string(REPLACE "\n" ";" lines "${output}")
list(LENGTH lines count)
if(count GREATER 10)
  list(SUBLIST lines 0 10 lines)
endif()
string(JOIN "\n" head ${lines})
string(FIND "${head}" "${expected}" found)
if(found EQUAL -1)
  message(FATAL_ERROR "${SOURCE} failed to compile, but the first 10 lines do not say:\n"
                      "  ${expected}\nThey are:\n${head}")
endif()

# ... and say nothing from inside nerve's own machinery: an invalid network stands in with a
# placeholder shape, and an alias that indexed past it printed "nerve::meta::at: index out of
# range" under the layer's message (a second error that names no mistake of the user's).
string(FIND "${output}" "nerve::meta::at: index out of range" internal)
if(NOT internal EQUAL -1)
  message(FATAL_ERROR "${SOURCE}: besides its message, g++ printed nerve's internal "
                      "\"nerve::meta::at: index out of range\":\n${output}")
endif()

# 2. With its fix, the same file must compile.
execute_process(COMMAND ${COMPILER} ${flags} -DNERVE_FIXED ${SOURCE}
  RESULT_VARIABLE result ERROR_VARIABLE output OUTPUT_VARIABLE ignored)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} with -DNERVE_FIXED must compile, but:\n${output}")
endif()
message(STATUS "fails as expected: ${expected}")
