// tests/support/allocation_probe.hpp: one heap allocation that no optimiser may remove, for a test
// that counts allocations to check that its counter sees them (else a count of 0 proves nothing).
//
// A new-expression whose result is only deleted again may be elided altogether ([expr.new]: "an
// implementation is allowed to omit a call to a replaceable global allocation function"); clang 19
// does so for `delete new int(3)` at -O2, g++ 12 does not. A call of ::operator new itself is no
// new-expression and may not be omitted, and the volatile pointer keeps it from being folded away.
#pragma once

#include <cstddef>  // std::size_t
#include <new>      // ::operator new, ::operator delete

namespace nerve_test {

// Allocates and frees `bytes` through the global operator new and delete, as a function call.
inline void allocate_once(std::size_t bytes = sizeof(int)) {
  void* volatile p = ::operator new(bytes);
  ::operator delete(p);
}

}  // namespace nerve_test
