// The NGC6278 reference model of ../shared/reference-outputs/NGC6278_ml654 (its infil/parameters_pot.in
// as the original's Fortran read it), embedded so the benchmarks run without ../shared.
#pragma once

#include "dynamite/physics/galaxy_potential.hpp"

namespace dynamite::bench {

inline physics::GalaxyPotentialSpec reference_model() {
  physics::GalaxyPotentialSpec s;
  s.mge = io::Mge({{26819.14, 0.49416, 0.89541, 0.0},
                   {2456.39, 2.04299, 0.79093, 0.0},
                   {456.80, 2.44313, 0.99990, 0.0},
                   {645.49, 6.53050, 0.55097, 0.0},
                   {14.73, 17.41488, 0.99990, 0.0},
                   {123.85, 21.84711, 0.55097, 0.0}});
  s.distance_mpc = 39.96;
  s.angles = {82.444308859, 84.245110877, 90.021481540};
  s.ml = 5.0;
  s.bh_mass = 1e5;
  s.bh_softening_arcsec = 0.001;
  s.halo = {physics::HaloType::NFW, {1000.0, 10.0}};
  s.logrmin = -0.101275;
  s.logrmax = 1.99123;
  return s;
}

}  // namespace dynamite::bench
