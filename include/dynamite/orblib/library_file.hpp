// The orbit-library file: an OrbitLibrary in HDF5, readable with h5py (layout in
// docs/orbit-library-hdf5.md). Moments and histogram values are stored in float32 (they are
// accumulated in double); everything else exactly. Files are written to FILE.tmp and renamed, and
// carry no timestamps, so the same library always gives the same bytes.
#pragma once

#include <filesystem>

#include "dynamite/orblib/orbit_library.hpp"

namespace dynamite::orblib {

void write_library(const std::filesystem::path& file, const OrbitLibrary& lib);
/// Throws InputError naming the file for a missing, foreign or damaged file.
OrbitLibrary read_library(const std::filesystem::path& file);

}  // namespace dynamite::orblib
