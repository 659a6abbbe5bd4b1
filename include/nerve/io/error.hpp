// nerve/io/error.hpp: io_error, the one exception for every file nerve reads (IDX files,
// datasets, checkpoints, text corpora).
//
// A bad file is the user's problem to fix, so the message says which file and what is wrong
// with it, in that order: "<path>: <problem>". The parts stay available for programs that
// want to report them their own way.
#pragma once

#include <filesystem>  // std::filesystem::path
#include <stdexcept>   // std::runtime_error
#include <string>
#include <utility>     // std::move

namespace nerve {

class io_error : public std::runtime_error {
 public:
  io_error(std::filesystem::path path, std::string problem)
      : std::runtime_error(path.string() + ": " + problem),
        path_(std::move(path)),
        problem_(std::move(problem)) {}

  // The file the problem is in, as it was given to the reader.
  const std::filesystem::path& path() const noexcept { return path_; }
  // What is wrong with it, without the path: "bad magic: ...", "truncated: ...".
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::filesystem::path path_;
  std::string problem_;
};

}  // namespace nerve
