// The spatial sampling of the kinematic data: the pixel grid of aperture.dat and the Voronoi bin
// map of bins.dat (the original's formats, read exactly as it reads them).
#pragma once

#include <filesystem>
#include <vector>

namespace dynamite::io {

/// aperture.dat: lower-left corner, extent (arcsec), rotation angle (deg) and pixel counts.
struct ApertureGrid {
  double min_x = 0, min_y = 0;        ///< arcsec
  double extent_x = 0, extent_y = 0;  ///< arcsec
  double angle_deg = 0;               ///< 90 - PA: ccw from the galaxy major axis to the data x-axis
  int nx = 0, ny = 0;

  /// Lines whose first non-space character is '#' are skipped anywhere; exactly four content
  /// lines are needed (later lines are ignored). Errors name the file and line.
  static ApertureGrid read(const std::filesystem::path& file);
  double pixel_size() const { return extent_x / nx; }
};

/// bins.dat: for every pixel (x fastest) its bin id; 0 = unused, 1..n_bins = aperture index.
struct BinMap {
  std::vector<int> pixel_bin;  ///< size nx*ny
  int n_bins = 0;              ///< number of kinematic bins (max id)

  /// Accepts both header spellings (any leading '#' line is a comment). Checks the pixel count
  /// line against the number of ids. Errors name the file and line.
  static BinMap read(const std::filesystem::path& file);
  /// Throws InputError unless nx*ny == number of pixels (names both files).
  void check_against(const ApertureGrid& grid, const std::filesystem::path& aperture_file,
                     const std::filesystem::path& bins_file) const;
};

}  // namespace dynamite::io
