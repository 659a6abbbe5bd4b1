// expect: MaxPool's window does not fit its input: the kernel is larger than the height or width of the (padded) image named in the 'In instantiation of' line: use a smaller kernel, pad the image, or pool an earlier, larger map
// Two 2x2 pools shrink an 8x8 image to 2x2; a 3x3 window no longer fits it.
#include <nerve/layers/max_pool.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 8, 8>, MaxPool<2>, MaxPool<2>, MaxPool<3>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 8, 8>, MaxPool<2>, MaxPool<2>, MaxPool<2>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
