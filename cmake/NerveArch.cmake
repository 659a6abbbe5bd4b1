# nerve_target_arch(target): compile `target` for the instruction set chosen by NERVE_ARCH.
#   native   -march=native (the default: AVX-512 where the machine has it)
#   portable -march=x86-64 (SSE2 only; on other CPUs, the compiler's default)
#   avx2     -march=x86-64-v3
#   anything else is passed to -march= as it is.
function(nerve_target_arch target)
  if(NERVE_ARCH STREQUAL "portable")
    if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
      target_compile_options(${target} PRIVATE -march=x86-64)
    endif()
  elseif(NERVE_ARCH STREQUAL "avx2")
    target_compile_options(${target} PRIVATE -march=x86-64-v3)
  else()
    target_compile_options(${target} PRIVATE -march=${NERVE_ARCH})
  endif()
endfunction()

# nerve_target_defaults(target): the warnings and arch every target of this project uses.
function(nerve_target_defaults target)
  target_link_libraries(${target} PRIVATE nerve::nerve)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  nerve_target_arch(${target})
endfunction()
