#include "dynamite/orblib/library_file.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <system_error>

#include "dynamite/core/error.hpp"
#include "dynamite/store/hdf5_util.hpp"

namespace fs = std::filesystem;

namespace dynamite::orblib {

namespace h5 = store::h5;

namespace {

constexpr const char* kFormat = "dynamite_mpi.orbit_library";
constexpr long long kVersion = 1;

template <class T>
hid_t file_type();
template <>
hid_t file_type<std::int32_t>() { return H5T_STD_I32LE; }
template <>
hid_t file_type<std::int64_t>() { return H5T_STD_I64LE; }
template <>
hid_t file_type<double>() { return H5T_IEEE_F64LE; }
template <class T>
hid_t mem_type();
template <>
hid_t mem_type<std::int32_t>() { return H5T_NATIVE_INT32; }
template <>
hid_t mem_type<std::int64_t>() { return H5T_NATIVE_INT64; }
template <>
hid_t mem_type<double>() { return H5T_NATIVE_DOUBLE; }

/// A 1-D dataset; `as_float32` stores doubles in single precision, compressed.
template <class T>
void put(hid_t loc, const std::string& name, const std::vector<T>& v, bool as_float32 = false) {
  const hsize_t n = v.size();
  h5::Handle space(h5::check(H5Screate_simple(1, &n, nullptr), name));
  h5::Handle dcpl = h5::deterministic_dcpl();
  if (n > 0) {
    const hsize_t chunk = std::min<hsize_t>(n, 1 << 16);
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 4);
  }
  const hid_t ft = as_float32 ? H5T_IEEE_F32LE : file_type<T>();
  h5::Handle d(h5::check(H5Dcreate2(loc, name.c_str(), ft, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), "dataset " + name));
  if (n > 0) h5::check_status(H5Dwrite(d, mem_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "write " + name);
}

template <class T>
std::vector<T> get(hid_t loc, const std::string& name) {
  h5::Handle d(h5::check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "dataset " + name));
  h5::Handle space(h5::check(H5Dget_space(d), name));
  std::vector<T> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  if (!v.empty()) h5::check_status(H5Dread(d, mem_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "read " + name);
  return v;
}

h5::Handle group(hid_t loc, const std::string& name) {
  return h5::Handle(h5::check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "group " + name));
}
h5::Handle open_group(hid_t loc, const std::string& name) {
  return h5::Handle(h5::check(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), "group " + name));
}

void write_set(hid_t f, const std::string& name, const BundleSet& s, const std::vector<std::string>& set_names) {
  h5::Handle g = group(f, name);
  h5::write_attr(g, "n_bundles", static_cast<long long>(s.n_bundles));
  h5::write_attr(g, "members", static_cast<long long>(s.members));
  h5::write_attr(g, "n_cells", static_cast<long long>(s.n_cells()));
  put(g, "eiii", s.eiii);
  put(g, "notreg", s.notreg);
  put(g, "member_type", s.member_type);
  put(g, "member_failed", s.member_failed);
  put(g, "classification", s.classification);
  put(g, "qgrid", s.qgrid, true);
  h5::Handle lg = group(g, "losvd");
  for (std::size_t k = 0; k < s.losvd.size(); ++k) {
    const LosvdCube& c = s.losvd[k];
    h5::Handle cg = group(lg, k < set_names.size() ? set_names[k] : fmt::format("set{}", k));
    h5::write_attr(cg, "index", static_cast<long long>(k));
    h5::write_attr(cg, "n_apertures", static_cast<long long>(c.n_apertures));
    h5::write_attr(cg, "n_vbins", static_cast<long long>(c.n_vbins));
    h5::write_attr(cg, "dv", c.dv);
    h5::write_attr(cg, "center", c.center);
    put(cg, "first", c.first);
    put(cg, "count", c.count);
    put(cg, "offset", c.offset);
    put(cg, "values", c.values, true);
  }
}

BundleSet read_set(hid_t f, const std::string& name, const std::vector<std::string>& set_names) {
  h5::Handle g = open_group(f, name);
  BundleSet s;
  s.n_bundles = static_cast<int>(h5::read_attr_int(g, "n_bundles"));
  s.members = static_cast<int>(h5::read_attr_int(g, "members"));
  s.set_n_cells(static_cast<int>(h5::read_attr_int(g, "n_cells")));
  s.eiii = get<std::int32_t>(g, "eiii");
  s.notreg = get<std::int32_t>(g, "notreg");
  s.member_type = get<std::int32_t>(g, "member_type");
  s.member_failed = get<std::int32_t>(g, "member_failed");
  s.classification = get<double>(g, "classification");
  s.qgrid = get<double>(g, "qgrid");
  h5::Handle lg = open_group(g, "losvd");
  for (const auto& n : set_names) {
    h5::Handle cg = open_group(lg, n);
    LosvdCube c;
    c.n_bundles = s.n_bundles;
    c.n_apertures = static_cast<int>(h5::read_attr_int(cg, "n_apertures"));
    c.n_vbins = static_cast<int>(h5::read_attr_int(cg, "n_vbins"));
    c.dv = h5::read_attr_double(cg, "dv");
    c.center = h5::read_attr_double(cg, "center");
    c.first = get<std::int32_t>(cg, "first");
    c.count = get<std::int32_t>(cg, "count");
    c.offset = get<std::int64_t>(cg, "offset");
    c.values = get<double>(cg, "values");
    s.losvd.push_back(std::move(c));
  }
  if (s.qgrid.size() != static_cast<std::size_t>(s.n_bundles) * s.n_cells() * kMoments)
    throw Error(fmt::format("{}: qgrid has {} values, expected {}", name, s.qgrid.size(),
                            static_cast<std::size_t>(s.n_bundles) * s.n_cells() * kMoments));
  return s;
}

}  // namespace

void write_library(const fs::path& file, const OrbitLibrary& lib) {
  const fs::path tmp = file.string() + ".tmp";
  {
    h5::Handle f(h5::check(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                           "write_library: cannot create " + tmp.string()));
    h5::write_attr(f, "format", std::string(kFormat));
    h5::write_attr(f, "format_version", kVersion);
    h5::write_attr(f, "nE", static_cast<long long>(lib.nE));
    h5::write_attr(f, "nI2", static_cast<long long>(lib.nI2));
    h5::write_attr(f, "nI3", static_cast<long long>(lib.nI3));
    h5::write_attr(f, "dithering", static_cast<long long>(lib.dithering));
    h5::write_attr(f, "arcsec_to_km", lib.arcsec_to_km);
    h5::write_attr(f, "ml", lib.ml);
    h5::write_attr(f, "random_seed", static_cast<long long>(lib.random_seed));
    h5::write_attr(f, "provenance", lib.provenance);
    h5::write_strings(f, "kinematic_sets", lib.kinematic_set_names);
    {
      h5::Handle g = group(f, "grid");
      put(g, "r_edges", lib.grid.r_edges);
      put(g, "theta_edges", lib.grid.theta_edges);
      put(g, "phi_edges", lib.grid.phi_edges);
    }
    write_set(f, "tube", lib.tube, lib.kinematic_set_names);
    write_set(f, "box", lib.box, lib.kinematic_set_names);
    h5::check_status(H5Fflush(f, H5F_SCOPE_GLOBAL), "flush " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) throw Error(fmt::format("write_library: cannot rename {} to {}: {}", tmp.string(), file.string(), ec.message()));
}

OrbitLibrary read_library(const fs::path& file) {
  if (!fs::is_regular_file(file)) throw InputError(file, "", 0, "orbit-library file not found");
  H5E_auto2_t func;
  void* data;
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  struct Restore {
    H5E_auto2_t f;
    void* d;
    ~Restore() { H5Eset_auto2(H5E_DEFAULT, f, d); }
  } restore{func, data};
  try {
    h5::Handle f(h5::check(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open"));
    if (h5::read_attr_string(f, "format") != kFormat)
      throw InputError(file, "format", 0, "not a DYNAMITE-MPI orbit-library file");
    OrbitLibrary lib;
    lib.nE = static_cast<int>(h5::read_attr_int(f, "nE"));
    lib.nI2 = static_cast<int>(h5::read_attr_int(f, "nI2"));
    lib.nI3 = static_cast<int>(h5::read_attr_int(f, "nI3"));
    lib.dithering = static_cast<int>(h5::read_attr_int(f, "dithering"));
    lib.arcsec_to_km = h5::read_attr_double(f, "arcsec_to_km");
    lib.ml = h5::read_attr_double(f, "ml");
    lib.random_seed = h5::read_attr_int(f, "random_seed");
    lib.provenance = h5::read_attr_string(f, "provenance");
    lib.kinematic_set_names = h5::read_strings(f, "kinematic_sets");
    {
      h5::Handle g = open_group(f, "grid");
      lib.grid.r_edges = get<double>(g, "r_edges");
      lib.grid.theta_edges = get<double>(g, "theta_edges");
      lib.grid.phi_edges = get<double>(g, "phi_edges");
    }
    lib.tube = read_set(f, "tube", lib.kinematic_set_names);
    lib.box = read_set(f, "box", lib.kinematic_set_names);
    return lib;
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    throw InputError(file, "", 0, fmt::format("unreadable orbit-library file ({})", e.what()));
  }
}

}  // namespace dynamite::orblib
