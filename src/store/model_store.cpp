#include "dynamite/store/model_store.hpp"

#include <fmt/format.h>

#include <system_error>

#include "dynamite/core/error.hpp"
#include "dynamite/store/hdf5_util.hpp"

namespace fs = std::filesystem;

namespace dynamite::store {

namespace {
constexpr const char* kFormat = "dynamite_mpi.model_result";
constexpr long long kFormatVersion = 1;
}  // namespace

void write_model_result(const fs::path& file, const ModelResult& r) {
  if (r.parameter_names.size() != r.parameter_values.size())
    throw Error("write_model_result: parameter names and values differ in length");
  const fs::path tmp = file.string() + ".tmp";
  {
    h5::Handle f(h5::check(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                           "write_model_result: cannot create " + tmp.string()));
    h5::write_attr(f, "format", std::string(kFormat));
    h5::write_attr(f, "format_version", kFormatVersion);
    h5::write_attr(f, "chi2", r.chi2);
    h5::write_attr(f, "kinchi2", r.kinchi2);
    h5::write_attr(f, "kinmapchi2", r.kinmapchi2);
    h5::write_attr(f, "solver", r.solver);
    h5::write_attr(f, "solver_status", r.solver_status);
    h5::write_attr(f, "success", static_cast<long long>(r.success));
    h5::write_attr(f, "ml", r.ml);
    h5::write_attr(f, "velocity_scale", r.velocity_scale);
    h5::write_attr(f, "orblib_directory", r.orblib_directory);
    h5::write_attr(f, "orblib_seconds", r.orblib_seconds);
    h5::write_attr(f, "weights_seconds", r.weights_seconds);
    h5::write_attr(f, "created_utc", r.created_utc);
    h5::write_attr(f, "version", r.version);
    h5::write_attr(f, "config", r.config_text);
    h5::write_strings(f, "parameter_names", r.parameter_names);
    h5::write_vector(f, "parameter_values", r.parameter_values);
    h5::write_vector(f, "weights", r.weights);
    h5::check_status(H5Fflush(f, H5F_SCOPE_GLOBAL), "flush " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) throw Error(fmt::format("write_model_result: cannot rename {} to {}: {}", tmp.string(),
                                  file.string(), ec.message()));
}

ModelResult read_model_result(const fs::path& file) {
  if (!fs::is_regular_file(file)) throw InputError(file, "", 0, "model result file not found");
  // Silence HDF5's own error stack printing: we report with the file name ourselves.
  H5E_auto2_t old_func;
  void* old_data;
  H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  struct Restore {
    H5E_auto2_t f;
    void* d;
    ~Restore() { H5Eset_auto2(H5E_DEFAULT, f, d); }
  } restore{old_func, old_data};
  try {
    h5::Handle f(h5::check(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open"));
    if (h5::read_attr_string(f, "format") != kFormat)
      throw InputError(file, "format", 0, "not a DYNAMITE-MPI model result file");
    ModelResult r;
    r.chi2 = h5::read_attr_double(f, "chi2");
    r.kinchi2 = h5::read_attr_double(f, "kinchi2");
    r.kinmapchi2 = h5::read_attr_double(f, "kinmapchi2");
    r.solver = h5::read_attr_string(f, "solver");
    r.solver_status = h5::read_attr_string(f, "solver_status");
    r.success = h5::read_attr_int(f, "success") != 0;
    r.ml = h5::read_attr_double(f, "ml");
    r.velocity_scale = h5::read_attr_double(f, "velocity_scale");
    r.orblib_directory = h5::read_attr_string(f, "orblib_directory");
    r.orblib_seconds = h5::read_attr_double(f, "orblib_seconds");
    r.weights_seconds = h5::read_attr_double(f, "weights_seconds");
    r.created_utc = h5::read_attr_string(f, "created_utc");
    r.version = h5::read_attr_string(f, "version");
    r.config_text = h5::read_attr_string(f, "config");
    r.parameter_names = h5::read_strings(f, "parameter_names");
    r.parameter_values = h5::read_vector(f, "parameter_values");
    r.weights = h5::read_vector(f, "weights");
    return r;
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    throw InputError(file, "", 0, fmt::format("unreadable model result ({})", e.what()));
  }
}

}  // namespace dynamite::store
