# Runs nerve-codegen on a bad INPUT and checks what a user would: exit status 1, a message on
# stderr matching EXPECT (it names the file and the problem), and no header written: OUTPUT keeps
# the text it had before, and no temporary file is left beside it.
#   cmake -DTOOL=... -DINPUT=... -DOUTPUT=... -DEXPECT=regex -P expect_error.cmake
file(WRITE "${OUTPUT}" "the previous header\n")
execute_process(COMMAND "${TOOL}" "${INPUT}" -o "${OUTPUT}" --namespace bad
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "exit status ${rc}, not 1\nstdout: ${out}\nstderr: ${err}")
endif()
if(NOT err MATCHES "${EXPECT}")
  message(FATAL_ERROR "the message does not match '${EXPECT}':\n${err}")
endif()
string(FIND "${err}" "${INPUT}" named)
if(named EQUAL -1)
  message(FATAL_ERROR "the message does not name the input ${INPUT}:\n${err}")
endif()
file(READ "${OUTPUT}" kept)
if(NOT kept STREQUAL "the previous header\n")
  message(FATAL_ERROR "${OUTPUT} was changed by a failed run")
endif()
file(GLOB left "${OUTPUT}.tmp*")
if(left)
  message(FATAL_ERROR "temporary files left: ${left}")
endif()
message(STATUS "${err}")
