#!/usr/bin/env python3
"""Regenerate the corpus of broken DYNAMITE configs and inputs used by tests/driver.

Each case is a directory with a config.yaml (and its own input/ when an input file is broken).
cases.txt lists "<case> | <substring the error message must contain>". Run from this directory.
"""
import os
import shutil

BASE_CONFIG = """\
system_attributes:
    distMPc: 20.0
    name: TOY
system_components:
    bh:
        type: Plummer
        include: True
        parameters:
            m: {value: 8.0, fixed: True, logarithmic: True}
            a: {value: 0.001, fixed: True}
    dh:
        type: NFW
        include: True
        parameters:
            c: {value: 1.0, fixed: True, logarithmic: True}
            f: {value: 1.0, fixed: True, logarithmic: True}
    stars:
        type: TriaxialVisibleComponent
        include: True
        mge_pot: mge.ecsv
        mge_lum: mge.ecsv
        parameters:
            q:
                value: 0.54
                fixed: True
            p:
                value: 0.99
                fixed: True
            u:
                value: 0.9999
                fixed: True
        kinematics:
            set1:
                type: GaussHermite
                datafile: kins.ecsv
                aperturefile: aperture.dat
                binfile: bins.dat
system_parameters:
    ml:
        value: 5.0
        fixed: False
        par_generator_settings: {lo: 1.0, hi: 9.0, step: 1.0, minstep: 0.5}
orblib_settings:
    nE: 4
    nI2: 4
    nI3: 3
    dithering: 1
    logrmin: -1.0
    logrmax: 1.5
    random_seed: 42
    orbital_periods: 20
    sampling: 1000
    starting_orbit: 1
    number_orbits: -1
    accuracy: '1.0d-5'
weight_solver_settings:
    type: NNLS
    nnls_solver: scipy
    number_GH: 4
    GH_sys_err: '0.0 0.0 0.0 0.0'
    lum_intr_rel_err: 0.01
    sb_proj_rel_err: 0.02
parameter_space_settings:
    generator_type: LegacyGridSearch
    which_chi2: kinchi2
    generator_settings:
        threshold_del_chi2_abs: 0.5
    stopping_criteria:
        min_delta_chi2_abs: 0.5
        n_max_mods: 4
        n_max_iter: 3
io_settings:
    input_directory: ../input_base/
    output_directory: output/
    all_models_file: all_models.ecsv
multiprocessing_settings: {}
"""

MGE = """\
# %ECSV 1.0
# ---
# datatype:
# - {name: I, datatype: float64}
# - {name: sigma, datatype: float64}
# - {name: q, datatype: float64}
# - {name: PA_twist, datatype: float64}
# schema: astropy-2.0
I sigma q PA_twist
1000.0 1.0 0.6 0.0
100.0 5.0 0.8 0.0
"""

KINS = """\
# %ECSV 1.0
# ---
# datatype:
# - {name: vbin_id, datatype: int64}
# - {name: v, datatype: float64}
# - {name: dv, datatype: float64}
# - {name: sigma, datatype: float64}
# - {name: dsigma, datatype: float64}
# - {name: h3, datatype: float64}
# - {name: dh3, datatype: float64}
# - {name: h4, datatype: float64}
# - {name: dh4, datatype: float64}
# meta: !!omap
# - PSF:
#     sigma: [0.5]
#     weight: [1.0]
# schema: astropy-2.0
vbin_id v dv sigma dsigma h3 dh3 h4 dh4
1 10.0 2.0 150.0 2.5 0.01 0.02 0.0 0.02
2 -5.0 2.1 140.0 2.6 0.00 0.02 0.01 0.02
3 20.0 2.4 130.0 2.7 -0.01 0.03 0.0 0.03
4 -15.0 2.2 120.0 2.8 0.02 0.03 -0.01 0.03
"""

APERTURE = "#counter_rotation_boxed_aperturefile_version_2\n\t-2.0\t-2.0\n\t4.0\t4.0\n\t0.0\n\t2\t2\n"
BINS = "#Counterrotaton_binning_version_1\n4\n\t1\t2\t3\t4\n"

INPUTS = {"mge.ecsv": MGE, "kins.ecsv": KINS, "aperture.dat": APERTURE, "bins.dat": BINS}

CASES = []


def case(name, expect, replace=None, config=None, inputs=None):
    """replace: list of (old, new) applied to the base config; inputs: {file: text} broken inputs."""
    text = BASE_CONFIG if config is None else config
    for old, new in replace or []:
        assert old in text, (name, old)
        text = text.replace(old, new, 1)
    d = name
    os.makedirs(d, exist_ok=True)
    if inputs is not None:
        files = dict(INPUTS)
        files.update(inputs)
        os.makedirs(os.path.join(d, "input"), exist_ok=True)
        for f, t in files.items():
            if t is not None:
                with open(os.path.join(d, "input", f), "w") as fh:
                    fh.write(t)
        text = text.replace("input_directory: ../input_base/", "input_directory: input/")
    with open(os.path.join(d, "config.yaml"), "w") as fh:
        fh.write(text)
    CASES.append((name, expect))


def main():
    for d in os.listdir("."):
        if os.path.isdir(d):
            shutil.rmtree(d)
    os.makedirs("input_base")
    for f, t in INPUTS.items():
        with open(os.path.join("input_base", f), "w") as fh:
            fh.write(t)
    os.makedirs("valid_base")
    with open("valid_base/config.yaml", "w") as fh:
        fh.write(BASE_CONFIG)

    case("missing_section", "required section 'orblib_settings'",
         [(BASE_CONFIG[BASE_CONFIG.index("orblib_settings:"):BASE_CONFIG.index("weight_solver_settings:")], "")])
    case("missing_key", "orblib_settings.nE", [("    nE: 4\n", "")])
    case("wrong_type", "expected a number, got 'four'", [("    nE: 4\n", "    nE: four\n")])
    case("duplicate_top_key", "Duplicate key in configuration file: 'io_settings'",
         [("multiprocessing_settings: {}\n",
           "multiprocessing_settings: {}\nio_settings:\n    input_directory: x\n")])
    case("duplicate_nested_key", "Duplicate key in configuration file: 'value'",
         [("                value: 0.54\n", "                value: 0.54\n                value: 0.55\n")])
    case("unknown_top_key", "unknown key 'orblib_setings'", [("orblib_settings:", "orblib_setings:")])
    case("unknown_parameter_key", "unknown key 'fixd'", [("                fixed: True\n            p:",
                                                          "                fixd: True\n            p:")])
    case("impossible_pqu", "cannot be deprojected", [("value: 0.99", "value: 0.5")])
    case("nI2_too_small", "nI2 must be >= 4", [("    nI2: 4\n", "    nI2: 3\n")])
    case("value_out_of_bounds", "out of bounds", [("        value: 5.0\n", "        value: 10.0\n")])
    case("unknown_generator", "generator_type must be in", [("LegacyGridSearch", "SimulatedAnnealing")])
    case("both_thresholds", "not both", [("        threshold_del_chi2_abs: 0.5\n",
                                          "        threshold_del_chi2_abs: 0.5\n"
                                          "        threshold_del_chi2_as_frac_of_sqrt2nobs: 0.1\n")])
    case("both_min_delta", "exactly one of the options", [("        min_delta_chi2_abs: 0.5\n",
                                                           "        min_delta_chi2_abs: 0.5\n"
                                                           "        min_delta_chi2_rel: 0.01\n")])
    case("gh_sys_err_not_string", "GH_sys_err must be a string", [("GH_sys_err: '0.0 0.0 0.0 0.0'", "GH_sys_err: 0.5")])
    case("even_hist_bins", "must be odd", [("                binfile: bins.dat\n",
                                             "                binfile: bins.dat\n                hist_bins: 100\n")])
    case("missing_mge_file", "does not exist", [("mge_pot: mge.ecsv", "mge_pot: nothing.ecsv")])
    case("mge_nan", "not finite", inputs={"mge.ecsv": MGE.replace("100.0 5.0", "nan 5.0")})
    case("truncated_ecsv", "fields", inputs={"kins.ecsv": KINS[:-20]})
    case("aperture_missing_line", "expected 4", inputs={"aperture.dat": APERTURE.rsplit("\t2\t2\n", 1)[0]})
    case("aperture_bad_number", "extent_x extent_y", inputs={"aperture.dat": APERTURE.replace("\t4.0\t4.0", "\t4.0\tfour")})
    case("bins_vs_grid", "Numbers of apertures", inputs={"bins.dat": "#x\n5\n1 2 3 4 0\n"})
    case("bins_vs_kinematics", "Numbers of kinematic bins",
         inputs={"bins.dat": "#x\n4\n1 2 3 3\n", "kins.ecsv": KINS})
    case("kinematics_rows_vs_bins", "Numbers of kinematic bins",
         inputs={"kins.ecsv": KINS.rsplit("4 -15.0", 1)[0]})
    case("psf_missing", "PSF", inputs={"kins.ecsv": KINS.replace("# meta: !!omap\n# - PSF:\n#     sigma: [0.5]\n#     weight: [1.0]\n", "")})
    case("psf_weights", "PSF weights add up to 0.9", inputs={"kins.ecsv": KINS.replace("weight: [1.0]", "weight: [0.9]")})
    case("zero_dv", "cannot be zero or negative", inputs={"kins.ecsv": KINS.replace("2 -5.0 2.1", "2 -5.0 0.0")})
    case("kinematics_nan", "not finite", inputs={"kins.ecsv": KINS.replace("3 20.0 2.4 130.0", "3 20.0 2.4 nan")})
    case("kinematics_word", "is not a number", inputs={"kins.ecsv": KINS.replace("3 20.0 2.4 130.0", "3 20.0 2.4 abc")})
    case("io_settings_extra", "io_settings must contain", [("    all_models_file: all_models.ecsv\n",
                                                             "    all_models_file: all_models.ecsv\n    plot_directory: plots/\n")])
    case("missing_input_directory", "input directory", [("../input_base/", "no_such_dir/")])
    case("wrong_parameter_names", "Plummer needs parameter(s)", [("            m: {value", "            mass: {value")])
    case("two_plummers", "exactly one Plummer",
         [("    dh:\n        type: NFW", "    bh2:\n        type: Plummer\n        include: True\n        parameters:\n"
           "            m: {value: 8.0, fixed: True}\n            a: {value: 0.001, fixed: True}\n    dh:\n        type: NFW")])
    case("bool_wrong", "expected True or False", [("                fixed: True\n            p:", "                fixed: maybe\n            p:")])
    case("yaml_syntax", "YAML syntax error", [("    name: TOY\n", "    name: [TOY\n")])
    case("free_without_bounds", "need hi and lo", [("        par_generator_settings: {lo: 1.0, hi: 9.0, step: 1.0, minstep: 0.5}\n", "")])
    case("which_chi2_wrong", "which_chi2 must be one of", [("which_chi2: kinchi2", "which_chi2: chi3")])
    case("ml_not_first", "ml as its first parameter", [("system_parameters:\n    ml:", "system_parameters:\n    mass:")])
    case("chi2ext_unsupported", "not supported yet", [("    dh:\n        type: NFW", "    gas:\n        type: Chi2Ext\n        include: True\n        parameters: {x: {value: 1, fixed: True}}\n    dh:\n        type: NFW")])
    case("number_gh_missing", "number_GH is required", [("    number_GH: 4\n", "")])
    case("lo_above_hi", "is larger than hi", [("{lo: 1.0, hi: 9.0,", "{lo: 9.5, hi: 9.0,")])
    case("nnls_solver_unknown", "nnls_solver must be", [("nnls_solver: scipy", "nnls_solver: galahad")])
    case("negative_bh_softening", "non-logarithmic values must be >= 0", [("a: {value: 0.001", "a: {value: -0.001")])

    with open("cases.txt", "w") as fh:
        fh.write("# case directory | substring the error message must contain (exit code 2 expected)\n")
        for name, expect in CASES:
            fh.write(f"{name} | {expect}\n")
    print(f"{len(CASES)} cases")


if __name__ == "__main__":
    main()
