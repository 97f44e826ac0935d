// Physical units and constants of DYNAMITE-MPI, in one place.
//
// Internally everything is in the original DYNAMITE's unit system: lengths in km, velocities in km/s,
// times in s, masses in solar masses. Observational inputs (arcsec, L_sun/pc^2, Mpc, kpc) are converted
// at the boundary only, with the functions below. The constants are the original's to the last digit,
// because start conditions and chi2 are compared with the original's outputs.
#pragma once

#include <cmath>
#include <numbers>

namespace dynamite::units {

inline constexpr double pi = std::numbers::pi;

/// Gravitational constant in km^3 s^-2 Msun^-1 (6.67428e-11 m^3 kg^-1 s^-2 * 1.98892e30 kg / 1e9).
inline constexpr double G = 6.67428e-11 * 1.98892e30 / 1e9;

/// Astronomical unit in km, and the parsec derived from it exactly as the original does.
inline constexpr double au_km = 1.4959787068e8;
inline constexpr double parsec_km = au_km * 648000.0 / pi;

/// Seconds in a kiloparsec per (km/s): Omega in km/s/kpc divided by this gives s^-1.
inline constexpr double kpc_km = 1000.0 * parsec_km;

/// Hubble constant hard-wired in the original (km/s/Mpc) and the critical density in Msun/km^3.
inline constexpr double H0 = 70.0;
inline double rho_crit() {
  const double h_per_s = 7e-5 / parsec_km;  // 70 km/s/Mpc in s^-1
  return 3.0 * h_per_s * h_per_s / (8.0 * pi * G);
}

/// km per arcsec at a distance of `distance_mpc` megaparsec (the original's `conversion_factor`).
inline double arcsec_to_km(double distance_mpc) {
  return distance_mpc * 1e6 * std::tan(pi / 648000.0) * parsec_km;
}

/// Surface density: L_sun/pc^2 (or Msun/pc^2) to per km^2.
inline constexpr double per_pc2_to_per_km2(double v) { return v / (parsec_km * parsec_km); }

inline constexpr double deg_to_rad(double d) { return d * pi / 180.0; }
inline constexpr double rad_to_deg(double r) { return r * 180.0 / pi; }

}  // namespace dynamite::units
