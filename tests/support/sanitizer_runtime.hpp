// NERVE_TEST_SANITIZER_RUNTIME: defined when this translation unit is built with AddressSanitizer
// or ThreadSanitizer (g++ or clang). Their runtimes intercept the C library's allocation and lock
// functions themselves, from before main; a test that interposes those functions too (to count
// calls) must not, or the runtime aborts at start-up or misses memory it did not allocate.
#pragma once

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NERVE_TEST_SANITIZER_RUNTIME 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NERVE_TEST_SANITIZER_RUNTIME 1
#endif
