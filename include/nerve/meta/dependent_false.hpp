// nerve/meta/dependent_false.hpp: a false that waits for instantiation, for static_assert in
// templates whose only job is to fail with a message.
#pragma once

namespace nerve::meta {

template <class...>
inline constexpr bool dependent_false = false;

}  // namespace nerve::meta
