// nerve/io/fortunes.hpp: the fortune files of Debian's `fortunes` package (or any folder in the
// same format) as documents, each with the file it came from: text for a language model, and
// labelled text for a classifier that tells which file a fortune came from.
//
// The format (fortune(6), strfile(1)): plain text in which entries are separated by lines that
// hold only `%` (a line such as "%DCL-MEM-BAD" is text). Beside each file strfile writes a
// binary index, name.dat; Debian adds name.u8 links to the same files and puts offensive
// fortunes in a subfolder (off/). A fortune file here is every regular file of the folder
// whose name does not start with '.' nor end in ".dat" or ".u8"; subfolders are not read.
//
// The folder is Options::directory if set, else $NERVE_FORTUNES_DIR if set, else
// /usr/share/games/fortunes. Every problem is an io_error naming the file or folder: a missing
// folder or file, a folder without fortune files, an empty file, a file without any entry,
// invalid UTF-8 (with the byte offset and line).
#pragma once

#include <algorithm>   // std::sort, std::all_of
#include <cstddef>     // std::size_t
#include <cstdint>     // std::uint32_t
#include <cstdlib>     // std::getenv
#include <filesystem>  // std::filesystem::path, directory_iterator
#include <string>
#include <string_view>
#include <system_error>
#include <utility>     // std::move
#include <vector>

#include "nerve/io/error.hpp"  // nerve::io_error
#include "nerve/io/text.hpp"   // nerve::read_text, nerve::TextUnit

namespace nerve::fortunes {

inline constexpr std::string_view default_directory = "/usr/share/games/fortunes";
inline constexpr const char* directory_variable = "NERVE_FORTUNES_DIR";

// One entry of a fortune file.
struct Fortune {
  // The entry exactly as in the file: its lines, each with its '\n' (the last one too, unless
  // the file ends without one). Joining a file's entries with "%\n" gives the file back, minus
  // entries that were empty or only white space.
  std::string text;
  // Which file it came from: an index into Corpus::names and Corpus::paths (the class label).
  std::uint32_t file = 0;
};

struct Corpus {
  std::vector<std::string> names;            // file names, e.g. "computers"
  std::vector<std::filesystem::path> paths;  // paths[i] is the file of names[i]
  std::vector<Fortune> fortunes;             // file by file, in the order of each file

  std::size_t size() const noexcept { return fortunes.size(); }
  std::size_t files() const noexcept { return names.size(); }
  // How many fortunes each file gave, by file index.
  std::vector<std::size_t> counts() const {
    std::vector<std::size_t> out(names.size(), 0);
    for (const auto& f : fortunes) ++out[f.file];
    return out;
  }
  // fortunes[i].file for every i: the labels of a classifier.
  std::vector<std::uint32_t> labels() const {
    std::vector<std::uint32_t> out;
    out.reserve(fortunes.size());
    for (const auto& f : fortunes) out.push_back(f.file);
    return out;
  }
  // fortunes[i].text for every i.
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    out.reserve(fortunes.size());
    for (const auto& f : fortunes) out.push_back(f.text);
    return out;
  }
};

struct Options {
  // The folder; empty means $NERVE_FORTUNES_DIR, else default_directory.
  std::filesystem::path directory{};
  // Only these files, in this order (file index i is files[i]); empty: every fortune file of
  // the folder, sorted by name. A name that is not there is an io_error.
  std::vector<std::string> files{};
  // Leave out files with fewer entries than this (a classifier needs enough of each class).
  std::size_t min_entries = 0;
  // code_points: files must be valid UTF-8; bytes: any bytes are taken as they are.
  TextUnit unit = TextUnit::code_points;
};

// The folder that load() reads with these options.
inline std::filesystem::path directory(const Options& options = {}) {
  if (!options.directory.empty()) return options.directory;
  if (const char* env = std::getenv(directory_variable); env && *env) return env;
  return std::filesystem::path(default_directory);
}

// Whether `name` (a file name, no folder) is a fortune file's name rather than an index, a
// link Debian adds, or a hidden file.
inline bool is_fortune_file_name(std::string_view name) {
  return !name.empty() && !name.starts_with('.') && !name.ends_with(".dat") &&
         !name.ends_with(".u8");
}

// The entries of one fortune file. Empty entries (two % lines in a row, a % line at the end)
// and entries of only white space are skipped; a file with no entry left is an io_error.
inline std::vector<std::string> read_file(const std::filesystem::path& path,
                                          TextUnit unit = TextUnit::code_points) {
  const std::string text = read_text(path, {.unit = unit});  // missing, empty, bad UTF-8
  std::vector<std::string> entries;
  auto keep = [&](std::size_t begin, std::size_t end) {
    const std::string_view entry(text.data() + begin, end - begin);
    const bool blank = std::all_of(entry.begin(), entry.end(), [](char c) {
      return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    });
    if (!blank) entries.emplace_back(entry);
  };
  std::size_t entry_begin = 0;
  for (std::size_t line = 0; line < text.size();) {
    std::size_t end = text.find('\n', line);
    const std::size_t next = end == std::string::npos ? text.size() : end + 1;
    if (end == std::string::npos) end = text.size();
    std::string_view content(text.data() + line, end - line);
    if (content.ends_with('\r')) content.remove_suffix(1);  // a file with CRLF line ends
    if (content == "%") {
      keep(entry_begin, line);
      entry_begin = next;
    }
    line = next;
  }
  keep(entry_begin, text.size());
  if (entries.empty()) {
    throw io_error(path, "no fortunes: the file holds no text between its % lines");
  }
  return entries;
}

// The fortune files of a folder (see the top of this file), sorted by name. A missing folder,
// a path that is not a folder and a folder without fortune files are io_errors.
inline std::vector<std::filesystem::path> list_files(const std::filesystem::path& folder) {
  std::error_code ec;
  if (!std::filesystem::exists(folder, ec)) {
    throw io_error(folder, std::string("missing: no such folder; install Debian's fortunes "
                                       "package, or set ") +
                               directory_variable +
                               " or fortunes::Options::directory to a folder of fortune files");
  }
  if (!std::filesystem::is_directory(folder, ec)) {
    throw io_error(folder, "not a folder: fortunes are read from a folder of fortune files");
  }
  std::vector<std::filesystem::path> out;
  std::filesystem::directory_iterator it(folder, ec), end;
  if (ec) throw io_error(folder, "cannot list the folder: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw io_error(folder, "cannot list the folder: " + ec.message());
    const auto& path = it->path();
    std::error_code file_ec;
    if (is_fortune_file_name(path.filename().string()) &&
        std::filesystem::is_regular_file(path, file_ec)) {  // follows links
      out.push_back(path);
    }
  }
  if (out.empty()) {
    throw io_error(folder, "no fortune files: the folder holds nothing but .dat indexes, .u8 "
                           "links, hidden files or subfolders");
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The fortunes of a folder, each with its file as a label. See Options.
inline Corpus load(const Options& options = {}) {
  const std::filesystem::path folder = directory(options);
  std::vector<std::filesystem::path> paths;
  if (options.files.empty()) {
    paths = list_files(folder);
  } else {
    list_files(folder);  // the folder's own errors first
    for (const auto& name : options.files) {
      const std::filesystem::path path = folder / name;
      std::error_code ec;
      if (!is_fortune_file_name(name) || !std::filesystem::is_regular_file(path, ec)) {
        throw io_error(path, "missing: no fortune file of this name in " + folder.string());
      }
      paths.push_back(path);
    }
  }
  Corpus corpus;
  std::size_t largest = 0;
  std::string largest_name;
  for (const auto& path : paths) {
    std::vector<std::string> entries = read_file(path, options.unit);
    if (entries.size() > largest) {
      largest = entries.size();
      largest_name = path.filename().string();
    }
    if (entries.size() < options.min_entries) continue;
    const auto index = static_cast<std::uint32_t>(corpus.names.size());
    corpus.names.push_back(path.filename().string());
    corpus.paths.push_back(path);
    for (auto& e : entries) corpus.fortunes.push_back(Fortune{std::move(e), index});
  }
  if (corpus.names.empty()) {
    throw io_error(folder, "no fortune file has at least " + std::to_string(options.min_entries) +
                               " entries (min_entries); the largest, " + largest_name + ", has " +
                               std::to_string(largest));
  }
  return corpus;
}

// Whether load(options) would find a folder with fortune files (the files are not read).
inline bool available(const Options& options = {}) {
  try {
    list_files(directory(options));
    return true;
  } catch (const io_error&) {
    return false;
  }
}

}  // namespace nerve::fortunes
