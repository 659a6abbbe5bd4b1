cmake_policy(SET CMP0007 NEW)
# cmake -DCOMPILER=... [-DCOMPILER_ID=GNU] -DSOURCE=file.cpp -DINCLUDE_DIR=... -DWORK_DIR=... -P check_compile_fail.cmake
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

# ... and be the only error from inside nerve or the compiler: errors in the test's own lines (a
# static_assert on the network's output shape) may follow it, but a second error from nerve's
# headers means the mistake also broke nerve's machinery (an invalid network's placeholder shape
# indexed, a wrong kind of argument asserted inside a check that then fails too) and the user
# reads a cascade. Checked with g++, whose output nerve's diagnostics are shaped for (clang goes
# on past a failed static_assert and prints up to 20 errors).
if(NOT DEFINED COMPILER_ID OR COMPILER_ID STREQUAL "GNU")
set(nerve_errors "")
# Semicolons and square brackets in g++'s lines would split or join CMake list items.
string(REGEX REPLACE "[][;]" "_" flat "${output}")
string(REPLACE "\n" ";" all_lines "${flat}")
foreach(line IN LISTS all_lines)
  string(FIND "${line}" "error:" at)
  string(FIND "${line}" "${SOURCE}:" own)
  if(NOT at EQUAL -1 AND NOT own EQUAL 0)
    list(APPEND nerve_errors "${line}")
  endif()
endforeach()
list(LENGTH nerve_errors error_count)
if(NOT error_count EQUAL 1)
  string(JOIN "\n" listed ${nerve_errors})
  message(FATAL_ERROR "${SOURCE}: ${error_count} errors outside the test file, where one (nerve's "
                      "message) is expected:\n${listed}")
endif()
endif()

# 2. With its fix, the same file must compile.
execute_process(COMMAND ${COMPILER} ${flags} -DNERVE_FIXED ${SOURCE}
  RESULT_VARIABLE result ERROR_VARIABLE output OUTPUT_VARIABLE ignored)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} with -DNERVE_FIXED must compile, but:\n${output}")
endif()
message(STATUS "fails as expected: ${expected}")
