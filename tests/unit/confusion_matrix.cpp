// ConfusionMatrix's precision and recall on counts where every class's precision differs from its
// recall, so that the two cannot stand in for each other (tests/unit/train_metrics.cpp's matrix
// has precision(c) == recall(c) for the classes it checks, and a precision computed over the row,
// recall's denominator, passed it: scripts/mutants.py, train-precision-as-recall).
#include <catch2/catch.hpp>

#include <nerve/train/metrics.hpp>

#include <cstddef>

using nerve::ConfusionMatrix;

TEST_CASE("ConfusionMatrix: precision divides by the predictions, recall by the labels",
          "[train][metrics]") {
  // counts(label, predicted):
  //             predicted 0  1  2
  //   label 0             5  1  0     recall 5/6
  //   label 1             3  2  1     recall 2/6
  //   label 2             0  4  4     recall 4/8
  //   precision           5/8 2/7 4/5
  const std::size_t counts[3][3] = {{5, 1, 0}, {3, 2, 1}, {0, 4, 4}};
  ConfusionMatrix<3> cm;
  for (std::size_t l = 0; l < 3; ++l)
    for (std::size_t p = 0; p < 3; ++p)
      for (std::size_t k = 0; k < counts[l][p]; ++k) cm.add(l, p);
  CHECK(cm.total() == 20);
  CHECK(cm.accuracy() == Approx(11.0 / 20));
  CHECK(cm.recall(0) == Approx(5.0 / 6));
  CHECK(cm.recall(1) == Approx(2.0 / 6));
  CHECK(cm.recall(2) == Approx(4.0 / 8));
  CHECK(cm.precision(0) == Approx(5.0 / 8));
  CHECK(cm.precision(1) == Approx(2.0 / 7));
  CHECK(cm.precision(2) == Approx(4.0 / 5));
}
