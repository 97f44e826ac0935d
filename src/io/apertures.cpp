#include "dynamite/io/apertures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "dynamite/core/error.hpp"

namespace dynamite::io {

namespace {

/// A line whose first non-space character is '#' is a comment (the original strips spaces only).
bool is_comment(const std::string& line) {
  const auto p = line.find_first_not_of(' ');
  return p != std::string::npos && line[p] == '#';
}

bool is_blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

}  // namespace

ApertureGrid ApertureGrid::read(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file, "", 0, "ApertureGrid: cannot open aperture file");
  std::vector<std::pair<int, std::string>> content;
  std::string line;
  int lineno = 0;
  while (content.size() < 4 && std::getline(in, line)) {
    ++lineno;
    if (is_comment(line)) continue;
    if (is_blank(line))
      throw InputError(file, "", lineno,
                       "ApertureGrid: blank line where a content line is expected (the original fails "
                       "on it too); expected 4 lines: 'min_x min_y', 'extent_x extent_y', 'angle', 'nx ny'");
    content.emplace_back(lineno, line);
  }
  if (content.size() < 4)
    throw InputError(file, "", lineno,
                     fmt::format("ApertureGrid: found {} content lines, expected 4: 'min_x min_y', "
                                 "'extent_x extent_y', 'angle', 'nx ny'",
                                 content.size()));
  auto numbers = [&](int idx, int count, const char* what) {
    std::istringstream ls(content[idx].second);
    std::vector<double> v(count);
    for (auto& x : v)
      if (!(ls >> x))
        throw InputError(file, what, content[idx].first,
                         fmt::format("ApertureGrid: expected {} number(s) for {}", count, what));
    std::string extra;
    if (ls >> extra)
      throw InputError(file, what, content[idx].first,
                       fmt::format("ApertureGrid: unexpected '{}' after {}", extra, what));
    for (double x : v)
      if (!std::isfinite(x)) throw InputError(file, what, content[idx].first, "ApertureGrid: value not finite");
    return v;
  };
  ApertureGrid g;
  const auto c0 = numbers(0, 2, "min_x min_y");
  const auto c1 = numbers(1, 2, "extent_x extent_y");
  const auto c2 = numbers(2, 1, "angle");
  const auto c3 = numbers(3, 2, "nx ny");
  g.min_x = c0[0], g.min_y = c0[1], g.extent_x = c1[0], g.extent_y = c1[1], g.angle_deg = c2[0];
  if (c3[0] != std::floor(c3[0]) || c3[1] != std::floor(c3[1]) || c3[0] < 1 || c3[1] < 1)
    throw InputError(file, "nx ny", content[3].first, "ApertureGrid: pixel counts must be positive integers");
  g.nx = static_cast<int>(c3[0]), g.ny = static_cast<int>(c3[1]);
  if (g.extent_x <= 0 || g.extent_y <= 0)
    throw InputError(file, "extent_x extent_y", content[1].first, "ApertureGrid: extents must be positive");
  return g;
}

BinMap BinMap::read(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file, "", 0, "BinMap: cannot open bins file");
  std::string line;
  int lineno = 0;
  long npix = -1;
  int count_line = 0;
  BinMap m;
  while (std::getline(in, line)) {
    ++lineno;
    if (is_comment(line)) continue;
    std::istringstream ls(line);
    std::string tok;
    if (npix < 0) {
      if (!(ls >> tok))
        throw InputError(file, "", lineno, "BinMap: expected the number of pixels on the first content line");
      try {
        std::size_t used = 0;
        npix = std::stol(tok, &used);
        if (used != tok.size() || npix <= 0) throw std::invalid_argument("");
      } catch (const std::exception&) {
        throw InputError(file, "", lineno, fmt::format("BinMap: '{}' is not a pixel count", tok));
      }
      count_line = lineno;
      continue;
    }
    while (ls >> tok) {
      long id;
      try {
        std::size_t used = 0;
        id = std::stol(tok, &used);
        if (used != tok.size()) throw std::invalid_argument("");
      } catch (const std::exception&) {
        throw InputError(file, "", lineno, fmt::format("BinMap: '{}' is not a bin id", tok));
      }
      if (id < 0) throw InputError(file, "", lineno, fmt::format("BinMap: negative bin id {}", id));
      m.pixel_bin.push_back(static_cast<int>(id));
    }
  }
  if (npix < 0) throw InputError(file, "", 0, "BinMap: empty bins file");
  if (static_cast<long>(m.pixel_bin.size()) != npix)
    throw InputError(file, "", count_line,
                     fmt::format("BinMap: the count line says {} pixels, the file lists {} bin ids", npix,
                                 m.pixel_bin.size()));
  m.n_bins = m.pixel_bin.empty() ? 0 : *std::max_element(m.pixel_bin.begin(), m.pixel_bin.end());
  if (m.n_bins == 0) throw InputError(file, "", 0, "BinMap: no pixel belongs to a bin");
  return m;
}

void BinMap::check_against(const ApertureGrid& grid, const std::filesystem::path& aperture_file,
                           const std::filesystem::path& bins_file) const {
  const long npix = static_cast<long>(grid.nx) * grid.ny;
  if (npix != static_cast<long>(pixel_bin.size()))
    throw InputError(bins_file, "", 0,
                     fmt::format("Numbers of apertures do not match: {} has {} x {} = {} pixels, {} has {}",
                                 aperture_file.filename().string(), grid.nx, grid.ny, npix,
                                 bins_file.filename().string(), pixel_bin.size()));
}

}  // namespace dynamite::io
