#include "dynamite/orblib/legacy_import.hpp"

#include <bzlib.h>
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"
#include "dynamite/io/apertures.hpp"

namespace fs = std::filesystem;

namespace dynamite::orblib {

std::vector<char> read_maybe_bz2(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file, "", 0, "cannot open file");
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (file.extension() != ".bz2") return raw;
  bz_stream s{};
  if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK) throw Error("read_maybe_bz2: bzip2 initialisation failed");
  std::vector<char> out(raw.size() * 8 + 1024);
  s.next_in = raw.data();
  s.avail_in = static_cast<unsigned>(raw.size());
  int rc = BZ_OK;
  std::size_t produced = 0;
  while (rc == BZ_OK) {
    if (produced == out.size()) out.resize(out.size() * 2);
    s.next_out = out.data() + produced;
    s.avail_out = static_cast<unsigned>(out.size() - produced);
    rc = BZ2_bzDecompress(&s);
    produced = out.size() - s.avail_out;
    if (rc == BZ_OK && s.avail_in == 0 && s.avail_out > 0) {
      rc = BZ_DATA_ERROR_MAGIC;  // input exhausted before the end of the stream: truncated
      break;
    }
  }
  BZ2_bzDecompressEnd(&s);
  if (rc != BZ_STREAM_END)
    throw InputError(file, "", 0, fmt::format("bzip2 data is corrupt or truncated (code {})", rc));
  out.resize(produced);
  return out;
}

FortranRecords::FortranRecords(std::vector<char> bytes, fs::path name) : bytes_(std::move(bytes)), name_(std::move(name)) {}

void FortranRecords::fail(const std::string& what) const {
  throw InputError(name_, fmt::format("byte {}", pos_), 0, fmt::format("Fortran record: {}", what));
}

std::span<const char> FortranRecords::next() {
  auto marker = [&](std::size_t at) {
    if (at + 4 > bytes_.size()) fail("file ends inside a record marker (truncated file)");
    std::int32_t n;
    std::memcpy(&n, bytes_.data() + at, 4);
    return n;
  };
  const std::int32_t n = marker(pos_);
  if (n < 0 || pos_ + 8 + static_cast<std::size_t>(n) > bytes_.size()) fail(fmt::format("record of {} bytes runs past the end of the file", n));
  if (marker(pos_ + 4 + n) != n) fail("leading and trailing record markers differ");
  std::span<const char> payload(bytes_.data() + pos_ + 4, static_cast<std::size_t>(n));
  pos_ += 8 + static_cast<std::size_t>(n);
  return payload;
}

namespace {

/// What infil/orblib.in says about the kinematic apertures: per aperture set its bins file and
/// histogram (width, centre, nbins).
struct ApertureSet {
  fs::path bins;
  double width = 0, center = 0;
  int nbins = 0;
  int n_apertures = 0;
};

std::vector<ApertureSet> read_orblib_in(const fs::path& dir) {
  const fs::path file = dir / "infil/orblib.in";
  std::ifstream in(file);
  if (!in) throw InputError(file, "", 0, "cannot open the original's orblib.in");
  std::vector<std::string> lines;
  std::string l;
  while (std::getline(in, l)) lines.push_back(l);
  std::size_t i = 0;
  auto tok = [&](const char* what) {
    if (i >= lines.size()) throw InputError(file, what, static_cast<int>(i), "file ends early");
    std::istringstream ls(lines[i++]);
    std::string t;
    ls >> t;
    if (t.size() >= 2 && t.front() == '"') t = t.substr(1, t.size() - 2);
    return t;
  };
  for (int k = 0; k < 8; ++k) tok("header");
  const int n_psf = std::stoi(tok("n_psf"));
  std::vector<int> n_gauss;
  for (int k = 0; k < n_psf; ++k) n_gauss.push_back(std::stoi(tok("n_gauss")));
  for (int g : n_gauss)
    for (int k = 0; k < g; ++k) tok("psf component");
  const int n_aper = std::stoi(tok("n_aper"));
  std::vector<ApertureSet> sets(n_aper);
  std::vector<int> psf_of(n_aper), dim_of(n_aper);
  for (int a = 0; a < n_aper; ++a) {
    tok("aperture file");
    psf_of[a] = std::stoi(tok("psf index"));
    dim_of[a] = std::stoi(tok("hist dim"));
  }
  std::vector<std::array<double, 3>> hist(n_psf);
  for (int p = 0; p < n_psf; ++p) {
    std::istringstream ls(lines.at(i++));
    ls >> hist[p][0] >> hist[p][1] >> hist[p][2];
  }
  std::vector<int> use_bins(n_aper);
  for (int a = 0; a < n_aper; ++a) use_bins[a] = std::stoi(tok("bin type"));
  for (int a = 0; a < n_aper; ++a) {
    if (dim_of[a] != 1) throw NotSupportedError(fmt::format("{}: population (0-d) apertures are not supported yet", file.string()));
    if (use_bins[a] == 1) sets[a].bins = dir / tok("bins file");
    const auto& h = hist[psf_of[a] - 1];
    sets[a].width = h[0], sets[a].center = h[1], sets[a].nbins = static_cast<int>(h[2]);
    sets[a].n_apertures = io::BinMap::read(sets[a].bins).n_bins;
  }
  return sets;
}

/// Read one bundle set (tubes: "orblib", boxes: "orblibbox").
BundleSet read_bundle_set(const fs::path& dir, const std::string& stem, const std::vector<ApertureSet>& sets,
                          OrbitLibrary& lib) {
  BundleSet bs;
  FortranRecords q(read_maybe_bz2(dir / "datfil" / (stem + "_qgrid.dat.bz2")), dir / "datfil" / (stem + "_qgrid.dat.bz2"));
  const auto h1 = q.next_as<std::int32_t>();
  const auto h2 = q.next_as<std::int32_t>();
  if (h1.size() != 5 || h2.size() != 4 || h2[0] != kMoments) q.fail("unexpected qgrid header");
  const int norb = h1[0], nd = h1[4];
  lib.nE = h1[1], lib.nI2 = h1[2], lib.nI3 = h1[3], lib.dithering = nd;
  if (norb != lib.nE * lib.nI2 * lib.nI3) q.fail("number of bundles differs from nE*nI2*nI3");
  lib.grid.r_edges = q.next_as<double>();
  lib.grid.theta_edges = q.next_as<double>();
  lib.grid.phi_edges = q.next_as<double>();
  const int ncell = lib.grid.n_cells();
  if (h2[1] != lib.grid.nph() || h2[2] != lib.grid.nth() || h2[3] != lib.grid.nr()) q.fail("grid edges disagree with the header");
  bs.n_bundles = norb;
  bs.members = nd * nd * nd;
  bs.set_n_cells(ncell);
  bs.qgrid.reserve(static_cast<std::size_t>(norb) * ncell * kMoments);
  for (int b = 0; b < norb; ++b) {
    const auto id = q.next_as<std::int32_t>();
    const auto types = q.next_as<std::int32_t>();
    const auto light = q.next_as<double>();
    if (id.size() != 5 || static_cast<int>(types.size()) != bs.members || static_cast<int>(light.size()) != ncell * kMoments)
      q.fail(fmt::format("bundle {} has records of unexpected sizes", b + 1));
    bs.eiii.insert(bs.eiii.end(), id.begin() + 1, id.begin() + 4);
    bs.notreg.push_back(id[4]);
    bs.member_type.insert(bs.member_type.end(), types.begin(), types.end());
    bs.member_failed.insert(bs.member_failed.end(), bs.members, 0);
    bs.qgrid.insert(bs.qgrid.end(), light.begin(), light.end());
  }
  // LOSVDs: per bundle, per aperture of all sets in order.
  FortranRecords l(read_maybe_bz2(dir / "datfil" / (stem + "_losvd_hist.dat.bz2")), dir / "datfil" / (stem + "_losvd_hist.dat.bz2"));
  l.next();  // header: total apertures, nvhist, dvhist
  for (const auto& s : sets) {
    LosvdCube c;
    c.n_apertures = s.n_apertures, c.n_vbins = s.nbins, c.dv = s.width / s.nbins, c.center = 0.0;  // the original centres on 0
    c.offset.push_back(0);
    bs.losvd.push_back(std::move(c));
  }
  for (int b = 0; b < norb; ++b)
    for (std::size_t k = 0; k < sets.size(); ++k) {
      LosvdCube& c = bs.losvd[k];
      const int nv0 = (c.n_vbins - 1) / 2;
      for (int a = 0; a < c.n_apertures; ++a) {
        const auto iv = l.next_as<std::int32_t>();
        if (iv.size() != 2) l.fail("expected an [ivmin, ivmax] record");
        std::vector<double> v;
        if (iv[0] <= iv[1]) {
          v = l.next_as<double>();
          if (static_cast<int>(v.size()) != iv[1] - iv[0] + 1) l.fail("histogram record length differs from ivmax-ivmin+1");
          if (iv[0] + nv0 < 0 || iv[1] + nv0 >= c.n_vbins) l.fail("histogram bins outside the velocity range");
        }
        c.first.push_back(v.empty() ? 0 : iv[0] + nv0);
        c.count.push_back(static_cast<std::int32_t>(v.size()));
        c.values.insert(c.values.end(), v.begin(), v.end());
        c.offset.push_back(c.offset.back() + static_cast<std::int64_t>(v.size()));
      }
    }
  for (auto& c : bs.losvd) c.n_bundles = norb;
  // Classification: 5 numbers per member, per bundle (Fortran order (5, nd^3, norb)).
  const fs::path cls = dir / "datfil" / (stem + ".dat_orbclass.out");
  std::ifstream in(cls);
  if (!in) throw InputError(cls, "", 0, "cannot open orbit classification file");
  double v;
  while (in >> v) bs.classification.push_back(v);
  if (bs.classification.size() != static_cast<std::size_t>(5) * bs.members * norb)
    throw InputError(cls, "", 0, fmt::format("expected {} numbers, found {}", 5 * bs.members * norb, bs.classification.size()));
  return bs;
}

}  // namespace

OrbitLibrary import_legacy_library(const fs::path& dir) {
  if (!fs::is_directory(dir / "datfil") || !fs::is_directory(dir / "infil"))
    throw InputError(dir, "", 0, "not an orbit-library directory of the original (needs datfil/ and infil/)");
  const auto sets = read_orblib_in(dir);
  OrbitLibrary lib;
  lib.tube = read_bundle_set(dir, "orblib", sets, lib);
  lib.box = read_bundle_set(dir, "orblibbox", sets, lib);
  for (std::size_t k = 0; k < sets.size(); ++k) lib.kinematic_set_names.push_back(fmt::format("kinset{}", k + 1));
  // Distance and ml from parameters_pot.in (line N+2 and N+4).
  std::ifstream p(dir / "infil/parameters_pot.in");
  int n = 0;
  if (p >> n) {
    std::string line;
    std::getline(p, line);
    for (int k = 0; k < n; ++k) std::getline(p, line);
    double d = 0, th, ph, ps, ml = 0;
    if (p >> d >> th >> ph >> ps >> ml) lib.arcsec_to_km = units::arcsec_to_km(d), lib.ml = ml;
  }
  lib.provenance = "import-legacy " + fs::absolute(dir).string();
  return lib;
}

}  // namespace dynamite::orblib
