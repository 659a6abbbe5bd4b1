// A save killed in the middle never damages the last good checkpoint: a child process saves a
// network over and over and is killed (SIGKILL, no chance to clean up) at random moments; every
// time, the file at the path must load, whole, as one of the two networks that were saved there.
// The test also counts the kills that landed while a save was under way (its temporary file left
// behind), and requires some: otherwise it would only have killed an idle child or one that had
// not opened its file yet.
#include <catch2/catch.hpp>

#include <nerve/io/checkpoint.hpp>
#include <nerve/nerve.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace nerve;

namespace {

// About 86,000 parameters: a save writes about 350 KB, long enough to be caught in the middle.
using Net = Network<Input<64>, Dense<256>, ReLU, Dense<256>, ReLU, Dense<10>>;

template <class N>
std::vector<std::vector<float>> arrays_of(const N& net) {
  std::vector<std::vector<float>> out;
  for (const auto& name : array_names(net)) out.push_back(read_array(net, name));
  return out;
}

}  // namespace

TEST_CASE("a save killed midway leaves the last good checkpoint whole", "[checkpoint][crash]") {
  const auto dir = std::filesystem::temp_directory_path() / "nerve_checkpoint_crash";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto path = dir / "net.safetensors";

  const Net good{Seed{1}}, other{Seed{2}};
  const auto good_arrays = arrays_of(good), other_arrays = arrays_of(other);
  // How long one save takes here: sanitizers and a loaded machine stretch it tenfold, so the kills
  // are spread over three saves' time rather than a fixed window. (A fixed 0-4 ms once landed all
  // 40 kills before the child's first save had opened its file, under ASan on a loaded machine.)
  const auto timing = dir / "timing.safetensors";
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) save(other, timing);
  const auto save_us = std::max<long long>(
      1, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count() / 3);
  std::filesystem::remove(timing);
  std::mt19937 rng(7);
  int mid_save = 0;
  const int trials = 80;
  for (int trial = 0; trial < trials; ++trial) {
    save(good, path);
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // The child: one save, then say it is in its loop, then save the other network until it
      // is killed. From then on it is nearly always inside a save.
      ::close(ready[0]);
      try {
        save(other, path);
        const char go = 1;
        if (::write(ready[1], &go, 1) != 1) ::_exit(3);
        for (;;) save(other, path);
      } catch (...) {
        ::_exit(2);
      }
    }
    ::close(ready[1]);
    char go = 0;
    REQUIRE(::read(ready[0], &go, 1) == 1);
    ::close(ready[0]);
    std::this_thread::sleep_for(std::chrono::microseconds(
        std::uniform_int_distribution<long long>(0, 3 * save_us)(rng)));
    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));  // it was saving, not failing

    // What a crash leaves: the checkpoint, and perhaps the temporary file of the save it stopped.
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path() != path) {
        ++mid_save;
        std::filesystem::remove(e.path());
      }
    }
    Net loaded{Seed{3}};
    INFO("trial " << trial);
    REQUIRE_NOTHROW(load(loaded, path));
    const auto got = arrays_of(loaded);
    CHECK((got == good_arrays || got == other_arrays));
  }
  INFO(mid_save << " of " << trials << " kills landed in the middle of a save (a save takes about "
                << save_us << " us here)");
  // Kills that find the temporary file open: about a third of them in a Release build, an eighth
  // under ASan (most of a save is spent before the file is opened); 2 of 80 fail by chance about
  // once in 2,000 runs at an eighth.
  CHECK(mid_save >= trials / 40);
  std::filesystem::remove_all(dir);
}
