// expect: Named<"name", Layer>: the name must not be empty nor contain '.'
// A dotted name would read, in a checkpoint, as a module inside a module.
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<16>, Named<"encoder.fc", Dense<8>>, ReLU, Dense<2>>;
#else
using Net = Network<Input<16>, Named<"encoder_fc", Dense<8>>, ReLU, Dense<2>>;
#endif

static_assert(Net::output_shape == Shape<2>{});
