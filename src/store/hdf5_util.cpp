#include "dynamite/store/hdf5_util.hpp"

#include <fmt/format.h>

#include "dynamite/core/error.hpp"

namespace dynamite::store::h5 {

void Handle::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
  id_ = -1;
}

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) throw Error(fmt::format("{}: HDF5 call failed", what));
  return id;
}

void check_status(herr_t status, const std::string& what) {
  if (status < 0) throw Error(fmt::format("{}: HDF5 call failed", what));
}

namespace {
template <class T>
void write_scalar_attr(hid_t obj, const std::string& name, hid_t type, const T& v) {
  Handle space(check(H5Screate(H5S_SCALAR), "attribute space"));
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  Handle a(check(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), "attribute " + name));
  check_status(H5Awrite(a, type, &v), "attribute " + name);
}

Handle string_type() {
  Handle t(check(H5Tcopy(H5T_C_S1), "string type"));
  check_status(H5Tset_size(t, H5T_VARIABLE), "string type");
  check_status(H5Tset_cset(t, H5T_CSET_UTF8), "string type");
  return t;
}
}  // namespace

void write_attr(hid_t obj, const std::string& name, double v) {
  write_scalar_attr(obj, name, H5T_NATIVE_DOUBLE, v);
}
void write_attr(hid_t obj, const std::string& name, long long v) {
  write_scalar_attr(obj, name, H5T_NATIVE_LLONG, v);
}
void write_attr(hid_t obj, const std::string& name, const std::string& v) {
  Handle t = string_type();
  const char* p = v.c_str();
  write_scalar_attr(obj, name, t.get(), p);
}

double read_attr_double(hid_t obj, const std::string& name) {
  Handle a(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "attribute " + name));
  double v = 0;
  check_status(H5Aread(a, H5T_NATIVE_DOUBLE, &v), "attribute " + name);
  return v;
}
long long read_attr_int(hid_t obj, const std::string& name) {
  Handle a(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "attribute " + name));
  long long v = 0;
  check_status(H5Aread(a, H5T_NATIVE_LLONG, &v), "attribute " + name);
  return v;
}
std::string read_attr_string(hid_t obj, const std::string& name) {
  Handle a(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "attribute " + name));
  Handle t = string_type();
  char* p = nullptr;
  check_status(H5Aread(a, t, &p), "attribute " + name);
  std::string s = p ? p : "";
  H5free_memory(p);
  return s;
}

void write_vector(hid_t loc, const std::string& name, const std::vector<double>& v) {
  const hsize_t n = v.size();
  Handle space(check(H5Screate_simple(1, &n, nullptr), "dataspace " + name));
  Handle dcpl = deterministic_dcpl();
  Handle d(check(H5Dcreate2(loc, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                 "dataset " + name));
  if (n > 0) check_status(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
}

std::vector<double> read_vector(hid_t loc, const std::string& name) {
  Handle d(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "dataset " + name));
  Handle space(check(H5Dget_space(d), name));
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<double> v(static_cast<std::size_t>(n));
  if (n > 0) check_status(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
  return v;
}

void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& v) {
  const hsize_t n = v.size();
  Handle space(check(H5Screate_simple(1, &n, nullptr), "dataspace " + name));
  Handle t = string_type();
  Handle dcpl = deterministic_dcpl();
  Handle d(check(H5Dcreate2(loc, name.c_str(), t, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), "dataset " + name));
  std::vector<const char*> ptrs;
  for (const auto& s : v) ptrs.push_back(s.c_str());
  if (n > 0) check_status(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), name);
}

std::vector<std::string> read_strings(hid_t loc, const std::string& name) {
  Handle d(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "dataset " + name));
  Handle space(check(H5Dget_space(d), name));
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  Handle t = string_type();
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  if (n > 0) check_status(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), name);
  std::vector<std::string> out;
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

Handle deterministic_fcpl() {
  Handle p(check(H5Pcreate(H5P_FILE_CREATE), "file creation properties"));
  return p;
}

Handle deterministic_dcpl() {
  Handle p(check(H5Pcreate(H5P_DATASET_CREATE), "dataset creation properties"));
  check_status(H5Pset_obj_track_times(p, false), "obj_track_times");
  return p;
}

}  // namespace dynamite::store::h5
