// expect: AvgPool's window does not fit its input: the kernel is larger than the height or width of the (padded) image named in the 'In instantiation of' line
// A 5x5 window on the 4x4 map that two stride-2 convolutions leave of a 16x16 image.
#include <nerve/layers/avg_pool.hpp>
#include <nerve/nerve.hpp>
using namespace nerve;

#ifndef NERVE_FIXED
using Net = Network<Input<1, 16, 16>, Conv2D<4, Kernel<3, 3>, Stride<2>, Pad<1>>, ReLU,
                    Conv2D<8, Kernel<3, 3>, Stride<2>, Pad<1>>, ReLU, AvgPool<5>, Flatten, Dense<10>>;
#else
using Net = Network<Input<1, 16, 16>, Conv2D<4, Kernel<3, 3>, Stride<2>, Pad<1>>, ReLU,
                    Conv2D<8, Kernel<3, 3>, Stride<2>, Pad<1>>, ReLU, AvgPool<4>, Flatten, Dense<10>>;
#endif

static_assert(Net::output_shape == Shape<10>{});
