// Tests of the io module: the original's input formats read from the real NGC6278 files, broken
// inputs that must be rejected with a message naming the file, and ECSV round trips with astropy.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "dynamite/core/error.hpp"
#include "dynamite/io/ecsv.hpp"
#include "dynamite/io/kinematics.hpp"
#include "dynamite/io/mge.hpp"
#include "test_support.hpp"

using namespace dynamite;
namespace fs = std::filesystem;
using dynamite::testing::TempDir;

namespace {
void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

/// Expect an InputError whose message contains the file name and `needle`.
template <class F>
void expect_input_error(F f, const fs::path& file, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error for " << file;
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(file.filename().string()), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }
}

io::KinematicsSpec ngc6278_spec(const fs::path& dir) {
  io::KinematicsSpec s;
  s.name = "kinset1";
  s.datafile = dir / "gauss_hermite_kins.ecsv";
  s.aperturefile = dir / "aperture.dat";
  s.binfile = dir / "bins.dat";
  return s;
}

const char* kSmallGh =
    "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: vbin_id, datatype: int64}\n# - {name: v, datatype: float64}\n"
    "# - {name: dv, datatype: float64}\n# - {name: sigma, datatype: float64}\n# - {name: dsigma, datatype: float64}\n"
    "# - {name: h3, datatype: float64}\n# - {name: dh3, datatype: float64}\n"
    "# meta: !!omap\n# - PSF:\n#     sigma: [1.0, 2.0]\n#     weight: [0.7, 0.3]\n# schema: astropy-2.0\n"
    "vbin_id v dv sigma dsigma h3 dh3\n1 10.0 2.0 100.0 3.0 0.01 0.02\n2 -20.0 2.5 120.0 3.5 -0.02 0.03\n";
}  // namespace

TEST(Ecsv, ReadsAstropyFileWithOmapMeta) {
  DYNAMITE_REQUIRE_SHARED(shared);
  const auto t = io::EcsvTable::read(shared / "data/NGC6278_input/gauss_hermite_kins.ecsv");
  EXPECT_EQ(t.n_rows(), 152u);
  EXPECT_EQ(t.n_cols(), 9u);
  EXPECT_EQ(t.column("vbin_id").datatype, "int64");
  EXPECT_DOUBLE_EQ(t.doubles("v")[0], -44.7518);
  EXPECT_DOUBLE_EQ(t.doubles("dsigma")[2], 3.7142);
  EXPECT_DOUBLE_EQ(t.meta()["PSF"]["sigma"][0].as<double>(), 1.06);
}

TEST(Mge, ReadsNgc6278AndClipsRoundGaussians) {
  DYNAMITE_REQUIRE_SHARED(shared);
  const auto m = io::Mge::read(shared / "data/NGC6278_input/mge.ecsv");
  ASSERT_EQ(m.size(), 6u);
  EXPECT_DOUBLE_EQ(m.gaussians()[0].surface_density, 26819.14);
  EXPECT_DOUBLE_EQ(m.gaussians()[5].sigma_arcsec, 21.84711);
  EXPECT_DOUBLE_EQ(m.min_q(), 0.55097);
  EXPECT_DOUBLE_EQ(m.gaussians()[2].q_obs, 0.9999);
  EXPECT_DOUBLE_EQ(m.max_sigma_arcsec(), 21.84711);
}

TEST(Mge, LegacyRoundingAndOldFormat) {
  TempDir tmp("io");
  write(tmp / "old.txt", "2\n123.456 1.234567 0.812346 3.14159\n7.891 9.87654321 0.999999 0\n");
  const auto m = io::Mge::read(tmp / "old.txt");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_DOUBLE_EQ(m.gaussians()[1].q_obs, 0.9999);
  const auto r = m.rounded_like_legacy();
  EXPECT_DOUBLE_EQ(r.gaussians()[0].surface_density, 123.46);
  EXPECT_DOUBLE_EQ(r.gaussians()[0].sigma_arcsec, 1.23457);
  EXPECT_DOUBLE_EQ(r.gaussians()[0].q_obs, 0.81235);
  EXPECT_DOUBLE_EQ(r.gaussians()[0].pa_twist_deg, 3.14);
}

TEST(Kinematics, Ngc6278SetWithDefaultsFromTheData) {
  DYNAMITE_REQUIRE_SHARED(shared);
  const fs::path dir = shared / "data/NGC6278_input";
  const auto k = io::read_kinematic_set(ngc6278_spec(dir));
  ASSERT_TRUE(k.gh.has_value());
  EXPECT_EQ(k.n_bins(), 152u);
  EXPECT_EQ(k.gh->max_gh_order(), 4);
  EXPECT_EQ(k.bins.n_bins, 152);
  EXPECT_EQ(k.apertures.nx, 58);
  EXPECT_EQ(k.apertures.ny, 52);
  EXPECT_DOUBLE_EQ(k.apertures.min_x, -29.5);
  EXPECT_DOUBLE_EQ(k.apertures.angle_deg, -36.0);
  EXPECT_EQ(k.psf.sigma_arcsec, std::vector<double>{1.06});
  // Defaults computed independently here: width 2 max(|v| + 3 sigma), bins ceil(w / (0.1 min sigma)) odd.
  const auto t = io::EcsvTable::read(dir / "gauss_hermite_kins.ecsv");
  const auto v = t.doubles("v"), s = t.doubles("sigma");
  double w = 0, smin = 1e300;
  for (std::size_t i = 0; i < v.size(); ++i) w = std::max(w, std::abs(v[i]) + 3 * s[i]), smin = std::min(smin, s[i]);
  EXPECT_DOUBLE_EQ(k.histogram.width, 2 * w);
  int bins = static_cast<int>(std::ceil(2 * w / (0.1 * smin)));
  EXPECT_EQ(k.histogram.bins, bins % 2 ? bins : bins + 1);
  EXPECT_EQ(k.histogram.bins % 2, 1);
  EXPECT_EQ(k.histogram.center, 0.0);
}

TEST(Kinematics, SystematicsAndOrderAdjustment) {
  TempDir tmp("io");
  write(tmp / "k.ecsv", kSmallGh);
  const auto t = io::EcsvTable::read(tmp / "k.ecsv");
  io::GaussHermiteData d;
  {
    io::KinematicsSpec s;  // read through the public path to fill d
    write(tmp / "a.dat", "#counter_rotation_boxed_aperturefile_version_2\n0 0\n2 1\n0\n2 1\n");
    write(tmp / "b.dat", "#Counterrotation_binning_version_1\n2\n1 2\n");
    s.datafile = tmp / "k.ecsv", s.aperturefile = tmp / "a.dat", s.binfile = tmp / "b.dat";
    d = *io::read_kinematic_set(s).gh;
  }
  EXPECT_EQ(d.max_gh_order(), 3);
  io::apply_gh_settings(d, 4, "1.0 2.0 0.1 0.3", tmp / "k.ecsv");
  EXPECT_EQ(d.max_gh_order(), 4);
  EXPECT_DOUBLE_EQ(d.dv[0], std::sqrt(4.0 + 1.0));
  EXPECT_DOUBLE_EQ(d.dsigma[1], std::sqrt(3.5 * 3.5 + 4.0));
  EXPECT_DOUBLE_EQ(d.dh[0][0], std::sqrt(0.02 * 0.02 + 0.01));
  EXPECT_DOUBLE_EQ(d.h[1][0], 0.0);   // added h4
  EXPECT_DOUBLE_EQ(d.dh[1][1], 0.3);  // its error is the systematic
  io::GaussHermiteData d2 = d;
  EXPECT_THROW(io::apply_gh_settings(d2, 6, "1 1 1 1 0 0", tmp / "k.ecsv"), InputError);
  EXPECT_THROW(io::apply_gh_settings(d2, 4, "1 1 1", tmp / "k.ecsv"), InputError);
  io::GaussHermiteData d3 = d;
  d3.dv[1] = 0;
  expect_input_error([&] { io::apply_gh_settings(d3, 2, "0 0", tmp / "k.ecsv"); }, tmp / "k.ecsv", "vbin_id: [2]");
  EXPECT_EQ(d3.h.size(), 0u);
}

TEST(BrokenInputs, EachIsRejectedWithTheFileNamed) {
  TempDir tmp("io");
  const std::string good_ap = "#counter_rotation_boxed_aperturefile_version_2\n0 0\n2 1\n0\n2 1\n";
  const std::string good_bins = "#Counterrotation_binning_version_1\n2\n1 2\n";
  write(tmp / "a.dat", good_ap);
  write(tmp / "b.dat", good_bins);
  auto spec_for = [&](const fs::path& data) {
    io::KinematicsSpec s;
    s.datafile = data, s.aperturefile = tmp / "a.dat", s.binfile = tmp / "b.dat";
    return s;
  };
  std::string text = kSmallGh;
  // Truncated row.
  write(tmp / "trunc.ecsv", text.substr(0, text.size() - 8));
  expect_input_error([&] { io::read_kinematic_set(spec_for(tmp / "trunc.ecsv")); }, tmp / "trunc.ecsv", "fields");
  // NaN value.
  std::string nan_text = text;
  nan_text.replace(nan_text.find("-20.0"), 5, "nan");
  write(tmp / "nan.ecsv", nan_text);
  expect_input_error([&] { io::read_kinematic_set(spec_for(tmp / "nan.ecsv")); }, tmp / "nan.ecsv", "not finite");
  // Not a number.
  std::string word = text;
  word.replace(word.find("120.0"), 5, "abc");
  write(tmp / "word.ecsv", word);
  expect_input_error([&] { io::read_kinematic_set(spec_for(tmp / "word.ecsv")); }, tmp / "word.ecsv", "not a number");
  // PSF weights.
  std::string psf = text;
  psf.replace(psf.find("0.3]"), 3, "0.4");
  write(tmp / "psf.ecsv", psf);
  expect_input_error([&] { io::read_kinematic_set(spec_for(tmp / "psf.ecsv")); }, tmp / "psf.ecsv", "PSF weights");
  // No PSF.
  std::string nopsf = text;
  nopsf.erase(nopsf.find("# meta"), nopsf.find("# schema") - nopsf.find("# meta"));
  write(tmp / "nopsf.ecsv", nopsf);
  expect_input_error([&] { io::read_kinematic_set(spec_for(tmp / "nopsf.ecsv")); }, tmp / "nopsf.ecsv", "PSF");
  // Not ECSV at all.
  write(tmp / "plain.ecsv", "v dv\n1 2\n");
  expect_input_error([&] { io::EcsvTable::read(tmp / "plain.ecsv"); }, tmp / "plain.ecsv", "ECSV");
  // Missing file.
  expect_input_error([&] { io::EcsvTable::read(tmp / "missing.ecsv"); }, tmp / "missing.ecsv", "cannot open");
  write(tmp / "k.ecsv", text);
  // Aperture file with a missing content line.
  write(tmp / "a3.dat", "#counter_rotation_boxed_aperturefile_version_2\n0 0\n2 1\n0\n");
  expect_input_error([&] { io::ApertureGrid::read(tmp / "a3.dat"); }, tmp / "a3.dat", "expected 4");
  // Aperture line with text.
  write(tmp / "a4.dat", "0 0\n2 one\n0\n2 1\n");
  expect_input_error([&] { io::ApertureGrid::read(tmp / "a4.dat"); }, tmp / "a4.dat", "extent_x");
  // Bins: count line disagrees with the ids.
  write(tmp / "b2.dat", "#x\n3\n1 2\n");
  expect_input_error([&] { io::BinMap::read(tmp / "b2.dat"); }, tmp / "b2.dat", "count line");
  // Grid of 2 x 1 pixels against 3 bin ids.
  write(tmp / "b3.dat", "3\n1 2 0\n");
  auto s3 = spec_for(tmp / "k.ecsv");
  s3.binfile = tmp / "b3.dat";
  expect_input_error([&] { io::read_kinematic_set(s3); }, tmp / "b3.dat", "Numbers of apertures");
  // Kinematics has 2 rows, bins use 3 ids on a 3-pixel grid.
  write(tmp / "a5.dat", "0 0\n3 1\n0\n3 1\n");
  write(tmp / "b4.dat", "3\n1 2 3\n");
  auto s4 = spec_for(tmp / "k.ecsv");
  s4.aperturefile = tmp / "a5.dat", s4.binfile = tmp / "b4.dat";
  expect_input_error([&] { io::read_kinematic_set(s4); }, tmp / "b4.dat", "Numbers of kinematic bins");
  // MGE with NaN.
  write(tmp / "mge.ecsv",
        "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: I, datatype: float64}\n# - {name: sigma, datatype: float64}\n"
        "# - {name: q, datatype: float64}\n# - {name: PA_twist, datatype: float64}\n# schema: astropy-2.0\n"
        "I sigma q PA_twist\n100 1.0 0.8 0\nnan 2.0 0.7 0\n");
  expect_input_error([&] { io::Mge::read(tmp / "mge.ecsv"); }, tmp / "mge.ecsv", "row 2");
}

namespace {
std::string python() {
  const char* p = std::getenv("DYNAMITE_PYTHON");
  return p ? p : "/usr/bin/python3";
}
bool have_astropy() {
  return dynamite::testing::run_command(python() + " -c 'import astropy'").exit_code == 0;
}
}  // namespace

TEST(Ecsv, AstropyReadsWhatWeWrite) {
  if (!have_astropy()) GTEST_SKIP() << "python3 with astropy not available";
  TempDir tmp("ecsv");
  io::EcsvTable t;
  t.add_column({"x", "float64", "", "", std::vector<double>{1.5, std::nan(""), 1e-300}});
  t.add_column({"n", "int64", "", "", std::vector<std::int64_t>{1, -2, 3}});
  t.add_column({"ok", "bool", "", "", std::vector<bool>{true, false, true}});
  t.add_column({"dir", "string", "", "", std::vector<std::string>{"orblib_000_000/ml05.00/", "", "a b"}});
  t.meta()["chi2_tot"] = 161946.7287;
  t.write(tmp / "t.ecsv");
  const auto r = dynamite::testing::run_command(
      python() + " -c \"from astropy.table import Table; t=Table.read('" + (tmp / "t.ecsv").string() +
      "', format='ascii.ecsv'); print(list(t['x']), list(t['n']), list(t['ok']), list(t['dir']), "
      "t.meta['chi2_tot'], t['n'].dtype, t['ok'].dtype)\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[1.5, nan, 1e-300]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[1, -2, 3]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[True, False, True]"), std::string::npos) << r.out;
  // astropy writes an empty string as "" and reads it back as masked; we write what it writes.
  EXPECT_NE(r.out.find("'orblib_000_000/ml05.00/', masked, 'a b'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("161946.7287"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("int64 bool"), std::string::npos) << r.out;
}

TEST(Ecsv, WeReadWhatAstropyWrites) {
  if (!have_astropy()) GTEST_SKIP() << "python3 with astropy not available";
  TempDir tmp("ecsv");
  const auto r = dynamite::testing::run_command(
      python() + " -c \"from astropy.table import Table; import numpy as np; "
                 "t=Table({'a':[1.25,np.nan],'s':['x y','']}); t['b']=np.array([True,False]); t['i']=[3,4]; "
                 "t.meta['note']='hello'; t.write('" + (tmp / "py.ecsv").string() + "', format='ascii.ecsv')\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto t = io::EcsvTable::read(tmp / "py.ecsv");
  ASSERT_EQ(t.n_rows(), 2u);
  EXPECT_EQ(t.doubles("a")[0], 1.25);
  EXPECT_TRUE(std::isnan(t.doubles("a")[1]));
  EXPECT_EQ(std::get<std::vector<std::string>>(t.column("s").data)[0], "x y");
  EXPECT_EQ(std::get<std::vector<std::string>>(t.column("s").data)[1], "");
  EXPECT_EQ(std::get<std::vector<bool>>(t.column("b").data)[0], true);
  EXPECT_EQ(t.meta()["note"].as<std::string>(), "hello");
}

TEST(Kinematics, BayesLosvdFileWithDefaults) {
  TempDir tmp("bayes");
  std::string t =
      "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: binID_BayesLOSVD, datatype: int64}\n"
      "# - {name: bin_flux, datatype: float64}\n# - {name: binID_dynamite, datatype: int64}\n";
  for (int j = 0; j < 3; ++j)
    t += fmt::format("# - {{name: losvd_{0}, datatype: float64}}\n# - {{name: dlosvd_{0}, datatype: float64}}\n", j);
  t += "# meta:\n#   dv: 50.0\n#   vcent: [-50.0, 0.0, 50.0]\n#   nbins: 2\n#   nvbins: 3\n"
       "#   PSF: {sigma: [1.0], weight: [1.0]}\n# schema: astropy-2.0\n"
       "binID_BayesLOSVD bin_flux binID_dynamite losvd_0 dlosvd_0 losvd_1 dlosvd_1 losvd_2 dlosvd_2\n"
       "0 1.0 1 0.2 0.01 0.6 0.02 0.2 0.01\n1 0.5 2 0.1 0.01 0.5 0.02 0.4 0.01\n";
  write(tmp / "b.ecsv", t);
  write(tmp / "a.dat", "0 0\n2 1\n0\n2 1\n");
  write(tmp / "bins.dat", "2\n1 2\n");
  io::KinematicsSpec s;
  s.type = io::KinematicsType::BayesLOSVD;
  s.datafile = tmp / "b.ecsv", s.aperturefile = tmp / "a.dat", s.binfile = tmp / "bins.dat";
  const auto k = io::read_kinematic_set(s);
  ASSERT_TRUE(k.bayes.has_value());
  EXPECT_EQ(k.n_bins(), 2u);
  EXPECT_DOUBLE_EQ(k.bayes->losvd[1][2], 0.4);
  EXPECT_DOUBLE_EQ(k.bayes->dlosvd[0][1], 0.02);
  // Defaults (§4.7): width 4 max(|vcent0 - dv/2|, |vcent_last + dv/2|) = 300, bins ceil(300/5) = 60 -> 61.
  EXPECT_DOUBLE_EQ(k.histogram.width, 300.0);
  EXPECT_EQ(k.histogram.bins, 61);
  // A non-positive LOSVD error is rejected with the file, column and bin named.
  write(tmp / "b2.ecsv", t.replace(t.find("0.1 0.01 0.5"), 12, "0.1 0.00 0.5"));
  s.datafile = tmp / "b2.ecsv";
  expect_input_error([&] { io::read_kinematic_set(s); }, tmp / "b2.ecsv", "dlosvd_0");
}
