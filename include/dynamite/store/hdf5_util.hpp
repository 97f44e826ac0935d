// Small RAII helpers over the HDF5 C API shared by the HDF5 files of DYNAMITE-MPI.
#pragma once

#include <hdf5.h>

#include <string>
#include <vector>

namespace dynamite::store::h5 {

/// Owns an HDF5 identifier and closes it with the matching H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      o.id_ = -1;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();

 private:
  hid_t id_ = -1;
};

/// Throw dynamite::Error("<what>: HDF5 call failed") when id < 0.
hid_t check(hid_t id, const std::string& what);
void check_status(herr_t status, const std::string& what);

void write_attr(hid_t obj, const std::string& name, double v);
void write_attr(hid_t obj, const std::string& name, long long v);
void write_attr(hid_t obj, const std::string& name, const std::string& v);
double read_attr_double(hid_t obj, const std::string& name);
long long read_attr_int(hid_t obj, const std::string& name);
std::string read_attr_string(hid_t obj, const std::string& name);

void write_vector(hid_t loc, const std::string& name, const std::vector<double>& v);
std::vector<double> read_vector(hid_t loc, const std::string& name);
void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& v);
std::vector<std::string> read_strings(hid_t loc, const std::string& name);

/// A file-creation property list with object time tracking off (bit-reproducible files).
Handle deterministic_fcpl();
Handle deterministic_dcpl();

}  // namespace dynamite::store::h5
