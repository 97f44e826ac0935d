// Reading an orbit library of the original DYNAMITE (its orblib_XXX_YYY directory: datfil/*.dat.bz2
// gfortran unformatted files, datfil/*_orbclass.out, infil/orblib.in and the bins files) into an
// OrbitLibrary, so that libraries users already paid for can be reused and compared.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <filesystem>
#include <span>
#include <vector>

#include "dynamite/orblib/orbit_library.hpp"

namespace dynamite::orblib {

/// The whole content of a file, bzip2-decompressed when its name ends in ".bz2".
std::vector<char> read_maybe_bz2(const std::filesystem::path& file);

/// Records of a gfortran sequential unformatted file (4-byte little-endian length markers before
/// and after each record). Throws InputError naming the file and byte offset on a bad marker.
class FortranRecords {
 public:
  FortranRecords(std::vector<char> bytes, std::filesystem::path name);
  bool done() const { return pos_ >= bytes_.size(); }
  /// The next record's payload.
  std::span<const char> next();
  template <class T>
  std::vector<T> next_as() {
    const auto r = next();
    if (r.size() % sizeof(T) != 0) fail("record size is not a multiple of the element size");
    std::vector<T> v(r.size() / sizeof(T));
    std::memcpy(v.data(), r.data(), r.size());
    return v;
  }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::vector<char> bytes_;
  std::filesystem::path name_;
  std::size_t pos_ = 0;
};

/// Import the tube and box libraries of an original orblib directory.
OrbitLibrary import_legacy_library(const std::filesystem::path& orblib_dir);

}  // namespace dynamite::orblib
