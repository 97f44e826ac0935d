#include "dynamite/search/all_models.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "dynamite/core/error.hpp"
#include "dynamite/io/ecsv.hpp"

namespace dynamite::search {

double ModelRow::value(const std::string& which) const {
  if (which == "chi2") return chi2;
  if (which == "kinchi2") return kinchi2;
  return kinmapchi2;
}

long AllModels::max_iter() const {
  long m = -1;
  for (const auto& r : rows_) m = std::max(m, r.which_iter);
  return m;
}

std::string utc_timestamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void AllModels::write(const std::filesystem::path& file) const {
  io::EcsvTable t;
  for (std::size_t k = 0; k < names_.size(); ++k) {
    std::vector<double> v;
    for (const auto& r : rows_) v.push_back(r.par[k]);
    t.add_column({names_[k], "float64", "", "", v});
  }
  auto col = [&](const char* name, auto get) {
    std::vector<double> v;
    for (const auto& r : rows_) v.push_back(get(r));
    t.add_column({name, "float64", "", "", v});
  };
  col("chi2", [](const ModelRow& r) { return r.chi2; });
  col("kinchi2", [](const ModelRow& r) { return r.kinchi2; });
  col("kinmapchi2", [](const ModelRow& r) { return r.kinmapchi2; });
  std::vector<std::string> times, dirs;
  std::vector<bool> od, wd, ad;
  std::vector<std::int64_t> it;
  for (const auto& r : rows_) {
    times.push_back(r.time_modified), dirs.push_back(r.directory);
    od.push_back(r.orblib_done), wd.push_back(r.weights_done), ad.push_back(r.all_done);
    it.push_back(r.which_iter);
  }
  t.add_column({"time_modified", "string", "", "", times});
  t.add_column({"orblib_done", "bool", "", "", od});
  t.add_column({"weights_done", "bool", "", "", wd});
  t.add_column({"all_done", "bool", "", "", ad});
  t.add_column({"which_iter", "int64", "", "", it});
  t.add_column({"directory", "string", "", "", dirs});
  t.write(file);
}

AllModels AllModels::read(const std::filesystem::path& file, const std::vector<std::string>& names) {
  const io::EcsvTable t = io::EcsvTable::read(file);
  AllModels m(names);
  for (const auto& n : names)
    if (!t.has_column(n))
      throw InputError(file, n, 0, fmt::format("the all-models table has no column '{}': it belongs to another "
                                               "parameter space (remove it or use another output directory)", n));
  const std::size_t n_rows = t.n_rows();
  auto doubles = [&](const char* c) { return t.has_column(c) ? t.doubles(c) : std::vector<double>(n_rows, NAN); };
  const auto chi2 = doubles("chi2"), kin = doubles("kinchi2"), kinmap = doubles("kinmapchi2");
  auto bools = [&](const char* c) {
    if (!t.has_column(c)) return std::vector<bool>(n_rows, false);
    return std::get<std::vector<bool>>(t.column(c).data);
  };
  const auto od = bools("orblib_done"), wd = bools("weights_done"), ad = bools("all_done");
  auto strings = [&](const char* c) {
    if (!t.has_column(c)) return std::vector<std::string>(n_rows);
    return std::get<std::vector<std::string>>(t.column(c).data);
  };
  const auto times = strings("time_modified"), dirs = strings("directory");
  const auto iters = t.doubles("which_iter");
  std::vector<std::vector<double>> cols;
  for (const auto& n : names) cols.push_back(t.doubles(n));
  for (std::size_t i = 0; i < n_rows; ++i) {
    ModelRow r;
    for (const auto& c : cols) r.par.push_back(c[i]);
    r.chi2 = chi2[i], r.kinchi2 = kin[i], r.kinmapchi2 = kinmap[i];
    r.time_modified = times[i], r.directory = dirs[i];
    r.orblib_done = od[i], r.weights_done = wd[i], r.all_done = ad[i];
    r.which_iter = static_cast<long>(iters[i]);
    m.rows_.push_back(std::move(r));
  }
  return m;
}

}  // namespace dynamite::search
