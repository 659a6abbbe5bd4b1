// summary(): the Keras-like table of a network.
#include <catch2/catch.hpp>

#include <nerve/nerve.hpp>

#include <sstream>
#include <string>

using namespace nerve;

TEST_CASE("summary: the MLP prints its output shapes and 101,770 parameters", "[summary]") {
  using Net = Network<Input<784>, Dense<128>, ReLU, Dense<10>, Softmax>;
  const std::string table = Net::summary_string();
  INFO(table);
  std::istringstream lines(table);
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(lines, line)) rows.push_back(line);
  // header, rule, five entries, rule, totals, in -> out, inference and training costs
  REQUIRE(rows.size() == 12);
  CHECK(rows[2].find("Input<784>") != std::string::npos);
  CHECK(rows[3].find("Dense<128>") != std::string::npos);
  CHECK(rows[3].find("(128)") != std::string::npos);
  CHECK(rows[3].find("100,480") != std::string::npos);
  CHECK(rows[4].find("ReLU") != std::string::npos);
  CHECK(rows[5].find("Dense<10>") != std::string::npos);
  CHECK(rows[5].find("(10)") != std::string::npos);
  CHECK(rows[5].find("1,290") != std::string::npos);
  CHECK(rows[6].find("Softmax") != std::string::npos);
  CHECK(rows[8].find("Total params: 101,770") != std::string::npos);
  // 2*784*128 + 128 (Dense), 128 (ReLU), 2*128*10 + 10 (Dense), 5*10 (Softmax)
  CHECK(rows[10].find("Inference: 203,580 FLOPs") != std::string::npos);
  // forward, plus 4*K*M + M for each Dense, 2 per ReLU element, twice the Softmax: 610,602 x 32
  CHECK(rows[11].find("Training step at batch 32: 19,539,264 FLOPs") != std::string::npos);
}

TEST_CASE("summary: rank-3 shapes and bias-free layers", "[summary]") {
  using Net = Network<Input<4, 4, 16>, Flatten, Dense<3, NoBias>>;
  const std::string table = Net::summary_string();
  INFO(table);
  CHECK(table.find("(4, 4, 16)") != std::string::npos);
  CHECK(table.find("(256)") != std::string::npos);
  CHECK(table.find("Dense<3, NoBias>") != std::string::npos);
  CHECK(table.find("Total params: 768") != std::string::npos);
}

TEST_CASE("summary: thousands separators", "[summary]") {
  CHECK(detail::with_thousands(0) == "0");
  CHECK(detail::with_thousands(999) == "999");
  CHECK(detail::with_thousands(1000) == "1,000");
  CHECK(detail::with_thousands(101770) == "101,770");
  CHECK(detail::with_thousands(1234567) == "1,234,567");
}
