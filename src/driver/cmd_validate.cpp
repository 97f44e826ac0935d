// `dynamite_mpi validate config.yaml`: read and check a DYNAMITE configuration and all its input
// files, and print what a user checks before spending cluster hours. Writes nothing.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

#include "dynamite/config/config.hpp"
#include "dynamite/driver/commands.hpp"

namespace dynamite::driver {

namespace {

std::string opt(const std::optional<double>& v) { return v ? fmt::format("{}", *v) : "-"; }

void print_summary(const config::Config& c, std::ostream& os) {
  os << fmt::format("Configuration {}\n", c.file().string());
  os << fmt::format("System: {} at {} Mpc ({:.6e} km per arcsec)\n", c.system_name(), c.distance_mpc(),
                    c.arcsec_to_km());
  os << "\nComponents and parameters (raw values are what the search steps in):\n";
  for (const auto& comp : c.components()) {
    os << fmt::format("  {} ({})\n", comp.name, config::to_string(comp.type));
    if (comp.mge_pot)
      os << fmt::format("    mge_pot {} ({} Gaussians, flattest q' = {}), mge_lum {} ({} Gaussians)\n",
                        comp.mge_pot_file.filename().string(), comp.mge_pot->size(), comp.mge_pot->min_q(),
                        comp.mge_lum_file.filename().string(), comp.mge_lum->size());
  }
  os << fmt::format("  {:<10} {:>6} {:>14} {:>14} {:>10} {:>10} {:>10} {:>10} {}\n", "parameter", "free", "raw value",
                    "value", "lo", "hi", "step", "minstep", "log");
  for (const auto& p : c.parameters()) {
    const auto& g = p.generator;
    os << fmt::format("  {:<10} {:>6} {:>14.8g} {:>14.8g} {:>10} {:>10} {:>10} {:>10} {}\n", p.name,
                      p.fixed ? "fixed" : "free", p.raw_value, p.par_value(), g ? opt(g->lo) : "-",
                      g ? opt(g->hi) : "-", g ? opt(g->step) : "-", g ? opt(g->minstep) : "-",
                      p.logarithmic ? "yes" : "no");
  }
  const auto& ws = c.weight_solver();
  os << "\nKinematic sets:\n";
  for (const auto& k : c.visible().kinematics) {
    os << fmt::format("  {} ({}): {} bins, {}\n", k.name, k.gh ? "GaussHermite" : "BayesLOSVD", k.n_bins(),
                      k.datafile.filename().string());
    if (k.gh)
      os << fmt::format("    Gauss-Hermite orders fitted: number_GH = {} (data now h1..h{}), GH_sys_err '{}'\n",
                        ws.number_GH.value_or(0), k.gh->max_gh_order(), ws.GH_sys_err.value_or(""));
    else
      os << fmt::format("    {} LOSVD bins of {} km/s\n", k.bayes->vcent.size(), k.bayes->dv);
    os << fmt::format("    PSF sigma [arcsec] {} weights {}\n", k.psf.sigma_arcsec, k.psf.weight);
    os << fmt::format("    apertures {}: {} x {} pixels of {:.4g} arcsec from ({}, {}), angle {} deg; bins {}\n",
                      k.aperturefile.filename().string(), k.apertures.nx, k.apertures.ny, k.apertures.pixel_size(),
                      k.apertures.min_x, k.apertures.min_y, k.apertures.angle_deg, k.binfile.filename().string());
    os << fmt::format("    orbit-library histogram: width {} km/s, centre {} km/s, {} bins of {:.6g} km/s\n",
                      k.histogram.width, k.histogram.center, k.histogram.bins, k.histogram.width / k.histogram.bins);
  }
  const auto& o = c.orblib();
  const long bundles = o.n_bundles();
  os << "\nOrbit library per model:\n";
  os << fmt::format("  nE x nI2 x nI3 = {} x {} x {} = {} bundles per family (tubes, boxes), dithering {}\n", o.nE,
                    o.nI2, o.nI3, bundles, o.dithering);
  os << fmt::format("  {} orbit weights; {} integrations of {} orbital periods with {} samples, accuracy {}\n",
                    3 * bundles, o.n_integrations(), o.orbital_periods, o.sampling, o.accuracy);
  os << fmt::format("  radial range 10^{} .. 10^{} arcsec; intrinsic grid {} x {} x {}; random_seed {}\n", o.logrmin,
                    o.logrmax, o.quad_nr, o.quad_nth, o.quad_nph, o.random_seed);
  const auto& a = c.viewing_angles();
  os << fmt::format("\nViewing angles of the start model: theta = {:.9f}, phi = {:.9f}, psi = {:.9f} deg\n",
                    a.theta_deg, a.phi_deg, a.psi_deg);
  os << fmt::format("\nWeight solver: {} / {}, CRcut {}, lum_intr_rel_err {}, sb_proj_rel_err {}\n", ws.type,
                    ws.nnls_solver, ws.CRcut ? "on" : "off", ws.lum_intr_rel_err, ws.sb_proj_rel_err);
  const auto& ps = c.parameter_space();
  os << fmt::format("Search: {} on {}; n_max_mods {}, n_max_iter {}", ps.generator_type, ps.which_chi2,
                    ps.n_max_mods.value_or(0), ps.n_max_iter.value_or(0));
  if (ps.min_delta_chi2_abs) os << fmt::format(", min_delta_chi2_abs {}", *ps.min_delta_chi2_abs);
  if (ps.min_delta_chi2_rel) os << fmt::format(", min_delta_chi2_rel {}", *ps.min_delta_chi2_rel);
  if (ps.generator_type == "LegacyGridSearch")
    os << fmt::format(", threshold_del_chi2 {:.6g} (n_obs {})", ps.threshold_del_chi2, c.n_obs());
  if (ps.generator_type == "SpecificModels") os << ", mode " << ps.specific_models_mode;
  os << "\n";
  os << fmt::format("\nPaths:\n  input   {}\n  output  {}\n  models  {}\n  table   {}\n",
                    c.io().input_directory.string(), c.io().output_directory.string(),
                    c.io().model_directory().string(), c.io().all_models_path().string());
  if (!c.notices().empty()) {
    os << "\nNotices:\n";
    for (const auto& n : c.notices()) os << "  " << n << "\n";
  }
  os << "\nThe configuration is valid.\n";
}

}  // namespace

void register_validate(CLI::App& app, CommandRunner& selected) {
  auto* cmd = app.add_subcommand("validate", "Check a DYNAMITE config and all its input files; print a summary "
                                             "(writes nothing)");
  auto path = std::make_shared<std::string>();
  cmd->add_option("config", *path, "The DYNAMITE YAML configuration file")->required();
  cmd->callback([&selected, path] {
    selected = [path] {
      const config::Config c = config::Config::load(*path);
      print_summary(c, std::cout);
      return 0;
    };
  });
}

}  // namespace dynamite::driver
