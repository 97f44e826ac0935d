#include "dynamite/search/generator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "dynamite/core/error.hpp"

namespace dynamite::search {

namespace {
constexpr double kEps = std::numeric_limits<double>::epsilon();
double nanmin_of(const AllModels& t, const std::string& which, long iter_lt, long iter_eq = -2) {
  double m = std::numeric_limits<double>::quiet_NaN();
  for (const auto& r : t.rows()) {
    if (iter_eq != -2 ? r.which_iter != iter_eq : r.which_iter >= iter_lt) continue;
    const double v = r.value(which);
    if (!std::isnan(v) && (std::isnan(m) || v < m)) m = v;
  }
  return m;
}
bool differs(double a, double b) {  // the original's 1e-6 test, relative when |a| > 1e-6
  return std::abs(a) > 1e-6 ? std::abs(b - a) / std::abs(a) > 1e-6 : std::abs(b - a) > 1e-6;
}
}  // namespace

ParameterGenerator::ParameterGenerator(std::vector<config::Parameter> params, config::ParameterSpaceSettings s,
                                       ParsetValidity valid)
    : p_(std::move(params)), s_(std::move(s)), valid_(std::move(valid)) {
  for (const auto& p : p_)
    if (!p.fixed && (!p.generator || !p.generator->lo || !p.generator->hi))
      throw InputError("", p.name, 0, "ParameterGenerator: non-fixed parameters need hi and lo settings");
  if (!s_.n_max_mods && !s_.n_max_iter) throw InputError("", "stopping_criteria", 0, "need n_max_mods or n_max_iter");
}

std::vector<double> ParameterGenerator::raw_of(const ModelRow& r) const {
  std::vector<double> raw;
  for (std::size_t k = 0; k < p_.size(); ++k) raw.push_back(config::Parameter::raw_from_par(r.par[k], p_[k].logarithmic));
  return raw;
}
std::vector<double> ParameterGenerator::par_of(const std::vector<double>& raw) const {
  std::vector<double> par;
  for (std::size_t k = 0; k < p_.size(); ++k) par.push_back(p_[k].logarithmic ? std::pow(10.0, raw[k]) : raw[k]);
  return par;
}
std::vector<double> ParameterGenerator::config_raw() const {
  std::vector<double> raw;
  for (const auto& p : p_) raw.push_back(p.raw_value);
  return raw;
}
double ParameterGenerator::clip(double v, int k) const {
  const auto& g = p_[k].generator;
  if (!g || !g->lo || !g->hi) return v;
  if (*g->lo > *g->hi) throw InputError("", p_[k].name, 0, "clip: lo > hi");
  return std::clamp(v, *g->lo, *g->hi);
}

bool ParameterGenerator::is_new(const AllModels& table, const std::vector<double>& raw) const {
  if (!valid_(raw)) return false;
  const auto par = par_of(raw);
  for (const auto& r : table.rows()) {
    bool close = true;  // numpy.allclose(row, model, rtol=1e-10, atol=1e-8)
    for (std::size_t k = 0; k < par.size() && close; ++k)
      close = std::abs(r.par[k] - par[k]) <= 1e-8 + 1e-10 * std::abs(par[k]);
    if (close) return false;
  }
  return true;
}

int ParameterGenerator::centre_row(const AllModels& t) const {
  if (t.rows().size() == 1) return 0;
  int best = -1;
  for (std::size_t i = 0; i < t.rows().size(); ++i) {
    const double v = t.rows()[i].value(s_.which_chi2);
    if (!std::isnan(v) && (best < 0 || v < t.rows()[best].value(s_.which_chi2))) best = static_cast<int>(i);
  }
  if (best < 0) throw Error(fmt::format("All ({}) values are nan.", s_.which_chi2));
  return best;
}

bool ParameterGenerator::specific_stop(const AllModels& t) const {
  long it = t.max_iter();
  if (it <= 0) return false;
  while (it > 0 && std::isnan(nanmin_of(t, s_.which_chi2, 0, it))) --it;
  if (it == 0) return false;
  const double last = nanmin_of(t, s_.which_chi2, 0, it);
  const double previous = nanmin_of(t, s_.which_chi2, it);
  if (std::isnan(previous)) return false;
  const double delta = previous - last;
  if (s_.min_delta_chi2_rel) return delta / previous < *s_.min_delta_chi2_rel;
  if (s_.min_delta_chi2_abs) return delta < *s_.min_delta_chi2_abs;
  return false;
}

GeneratorStatus ParameterGenerator::generate(AllModels& t) {
  bool stop = status_.last_iter_added_no_new_models;
  if (!t.rows().empty()) {
    status_.n_max_mods_reached = s_.n_max_mods && static_cast<long>(t.rows().size()) >= *s_.n_max_mods;
    status_.n_max_iter_reached = s_.n_max_iter && t.max_iter() >= *s_.n_max_iter;
    status_.min_delta_chi2_reached = specific_stop(t);
    stop = stop || status_.n_max_mods_reached || status_.n_max_iter_reached || status_.min_delta_chi2_reached;
  }
  const long this_iter = t.max_iter() + 1;
  int added = 0;
  auto add_all = [&](long iter) {
    int n = 0;
    for (const auto& raw : propose(t)) {
      if (!is_new(t, raw)) continue;
      ModelRow r;
      r.par = par_of(raw);
      r.which_iter = iter;
      r.time_modified = utc_timestamp();
      t.rows().push_back(std::move(r));
      ++n;
    }
    return n;
  };
  if (!stop) {
    added = add_all(this_iter);
    if (this_iter == 0 && added > 0) added += add_all(1);  // iterations 0 and 1 together
  }
  status_.n_new_models = added;
  status_.last_iter_added_no_new_models = added == 0;
  status_.stop = added == 0;
  return status_;
}

// ------------------------------------------------------------------ LegacyGridSearch

class LegacyGridSearch final : public ParameterGenerator {
 public:
  using ParameterGenerator::ParameterGenerator;
  void init() {
    for (const auto& p : p_) {
      if (p.fixed) {
        step_.push_back(0), minstep_.push_back(0);
        continue;
      }
      if (!p.generator->step) throw InputError("", p.name, 0, "LegacyGridSearch: non-fixed parameters need step setting");
      step_.push_back(*p.generator->step);
      minstep_.push_back(p.generator->minstep.value_or(*p.generator->step));
    }
  }

 protected:
  std::vector<std::vector<double>> propose(const AllModels& t) override {
    if (t.rows().empty()) return {config_raw()};
    std::vector<int> P;
    if (t.rows().size() == 1) {
      P = {0};
    } else {
      const double best = t.rows()[centre_row(t)].value(s_.which_chi2);
      for (std::size_t i = 0; i < t.rows().size(); ++i)
        if (std::abs(t.rows()[i].value(s_.which_chi2) - best) <= s_.threshold_del_chi2) P.push_back(static_cast<int>(i));
    }
    std::vector<std::vector<double>> out;
    AllModels scratch = t;  // proposals already made count as existing (rows are added one by one)
    bool step_ok = true;
    while (step_ok && out.empty()) {
      for (std::size_t k = 0; k < p_.size(); ++k) {
        if (p_[k].fixed) continue;
        for (int m : P) {
          std::vector<double> work = raw_of(t.rows()[m]);
          const double c = work[k];
          for (double s : {-1.0, 1.0}) {
            const double nv = clip(c + s * step_[k], static_cast<int>(k));
            // As the original: compared with the value currently in the working set, which after an
            // accepted -step is the shifted one.
            if (std::abs(nv - work[k]) >= minstep_[k] - kEps) {
              work[k] = nv;
              if (is_new(scratch, work)) {
                out.push_back(work);
                ModelRow r;
                r.par = par_of(work);
                scratch.rows().push_back(r);
              }
            }
          }
        }
      }
      if (out.empty()) {
        step_ok = false;
        for (std::size_t k = 0; k < p_.size(); ++k)
          if (!p_[k].fixed && step_[k] / 2 >= minstep_[k]) step_[k] /= 2, step_ok = true;
      }
    }
    return out;
  }

 private:
  std::vector<double> step_, minstep_;
};

// ------------------------------------------------------------------ GridWalk and FullGrid

class GridGenerator final : public ParameterGenerator {
 public:
  GridGenerator(std::vector<config::Parameter> params, config::ParameterSpaceSettings s, ParsetValidity valid, bool full)
      : ParameterGenerator(std::move(params), std::move(s), std::move(valid)), full_(full) {
    for (const auto& p : p_)
      if (!p.fixed && !p.generator->step)
        throw InputError("", p.name, 0, fmt::format("{}: non-fixed parameters need step setting", full ? "FullGrid" : "GridWalk"));
  }

 protected:
  std::vector<std::vector<double>> propose(const AllModels& t) override {
    if (t.rows().empty()) return {config_raw()};
    const auto centre = raw_of(t.rows()[centre_row(t)]);
    std::vector<std::vector<double>> lists;
    for (std::size_t k = 0; k < p_.size(); ++k) {
      const auto& p = p_[k];
      const int ki = static_cast<int>(k);
      if (p.fixed) {
        if (std::abs(centre[k] - p.raw_value) > 1e-6) throw Error("Something is wrong: fixed parameter value not in center");
        lists.push_back({p.raw_value});
        continue;
      }
      const double c = centre[k], step = *p.generator->step, minstep = p.generator->minstep.value_or(step);
      std::vector<double> l;
      if (!full_) {
        const double a = clip(c - step, ki);
        if (std::abs(c - a) >= minstep - kEps) l.push_back(a);
        const double mid = clip(c, ki);
        if (l.empty() || differs(l.back(), mid)) l.push_back(mid);
        const double b = clip(c + step, ki);
        if (std::abs(b - c) >= minstep - kEps && differs(l.back(), b)) l.push_back(b);
      } else {
        const double tol = std::max(minstep, 1e-6) - kEps;
        l.push_back(clip(c, ki));
        for (double r = c; r >= *p.generator->lo;) {
          const double r2 = clip(r - step, ki);
          if (std::abs(r - r2) < tol) break;
          l.push_back(r2);
          r = r2;
        }
        for (double r = c; r <= *p.generator->hi;) {
          const double r2 = clip(r + step, ki);
          if (std::abs(r - r2) < tol) break;
          l.push_back(r2);
          r = r2;
        }
      }
      lists.push_back(l);
    }
    // Cartesian product, first parameter fastest.
    std::vector<std::vector<double>> out;
    std::vector<std::size_t> idx(lists.size(), 0);
    while (true) {
      std::vector<double> v;
      for (std::size_t k = 0; k < lists.size(); ++k) v.push_back(lists[k][idx[k]]);
      out.push_back(v);
      std::size_t k = 0;
      while (k < lists.size() && ++idx[k] == lists[k].size()) idx[k++] = 0;
      if (k == lists.size()) break;
    }
    return out;
  }

 private:
  bool full_;
};

// ------------------------------------------------------------------ SpecificModels

class SpecificModels final : public ParameterGenerator {
 public:
  using ParameterGenerator::ParameterGenerator;

 protected:
  bool specific_stop(const AllModels&) const override { return true; }
  std::vector<std::vector<double>> propose(const AllModels&) override {
    const auto base = config_raw();
    std::vector<std::size_t> which;
    for (std::size_t k = 0; k < p_.size(); ++k)
      if (p_[k].generator && p_[k].generator->specific_values) which.push_back(k);
    if (which.empty()) return {base};
    std::vector<std::vector<double>> out;
    if (s_.specific_models_mode == "list") {
      const std::size_t n = p_[which[0]].generator->specific_values->size();
      for (std::size_t k : which)
        if (p_[k].generator->specific_values->size() != n)
          throw InputError("", "specific_values", 0, "For a simple list of new models all specific_values lists must be of equal length.");
      for (std::size_t i = 0; i < n; ++i) {
        auto v = base;
        for (std::size_t k : which) v[k] = (*p_[k].generator->specific_values)[i];
        out.push_back(v);
      }
      return out;
    }
    // Cartesian product, last parameter fastest (itertools.product).
    std::vector<std::size_t> idx(which.size(), 0);
    while (true) {
      auto v = base;
      for (std::size_t q = 0; q < which.size(); ++q) v[which[q]] = (*p_[which[q]].generator->specific_values)[idx[q]];
      out.push_back(v);
      int q = static_cast<int>(which.size()) - 1;
      while (q >= 0 && ++idx[q] == p_[which[q]].generator->specific_values->size()) idx[q--] = 0;
      if (q < 0) break;
    }
    return out;
  }
};

std::unique_ptr<ParameterGenerator> make_generator(const std::vector<config::Parameter>& params,
                                                   const config::ParameterSpaceSettings& s, ParsetValidity valid) {
  if (s.generator_type == "LegacyGridSearch") {
    auto g = std::make_unique<LegacyGridSearch>(params, s, valid);
    g->init();
    return g;
  }
  if (s.generator_type == "GridWalk") return std::make_unique<GridGenerator>(params, s, valid, false);
  if (s.generator_type == "FullGrid") return std::make_unique<GridGenerator>(params, s, valid, true);
  if (s.generator_type == "SpecificModels") return std::make_unique<SpecificModels>(params, s, valid);
  throw InputError("", "generator_type", 0, fmt::format("unknown generator {}", s.generator_type));
}

}  // namespace dynamite::search
