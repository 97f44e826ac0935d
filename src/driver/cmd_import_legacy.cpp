// `dynamite_mpi import-legacy ORBLIB_DIR [-o FILE.h5]`: read an orbit library of the original DYNAMITE
// (datfil/*.dat.bz2, orbclass files, infil/orblib.in) into DYNAMITE-MPI's HDF5 library file, so that
// libraries users already paid for can be reused.
#include <fmt/format.h>

#include <iostream>

#include "dynamite/driver/commands.hpp"
#include "dynamite/orblib/legacy_import.hpp"
#include "dynamite/orblib/library_file.hpp"

namespace dynamite::driver {

void register_import_legacy(CLI::App& app, CommandRunner& selected) {
  auto* cmd = app.add_subcommand("import-legacy", "Convert an orbit library of the original DYNAMITE "
                                                  "(orblib_XXX_YYY directory) into an HDF5 library file");
  auto dir = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("orblib_dir", *dir, "The original's orbit-library directory (with datfil/ and infil/)")->required();
  cmd->add_option("-o,--output", *out, "Output file (default: ORBLIB_DIR/orblib.h5)");
  cmd->callback([&selected, dir, out] {
    selected = [dir, out] {
      const std::filesystem::path d(*dir);
      const orblib::OrbitLibrary lib = orblib::import_legacy_library(d);
      const std::filesystem::path file = out->empty() ? d / "orblib.h5" : std::filesystem::path(*out);
      orblib::write_library(file, lib);
      double worst = 0;
      for (const auto* s : {&lib.tube, &lib.box})
        for (int b = 0; b < s->n_bundles; ++b) {
          double m = 0;
          for (int c = 0; c < lib.grid.n_cells(); ++c) m += s->density(b, c);
          worst = std::max(worst, std::abs(m - 1));
        }
      std::cout << fmt::format("Imported {}: nE x nI2 x nI3 = {} x {} x {}, dithering {}, {} tube + {} box bundles\n",
                               d.string(), lib.nE, lib.nI2, lib.nI3, lib.dithering, lib.tube.n_bundles, lib.box.n_bundles);
      for (const auto& c : lib.tube.losvd)
        std::cout << fmt::format("  kinematic set: {} apertures, {} velocity bins of {:.6f} km/s\n", c.n_apertures,
                                 c.n_vbins, c.dv);
      std::cout << fmt::format("  intrinsic grid {} x {} x {}; largest deviation of a bundle's mass sum from 1: {:.2e}\n",
                               lib.grid.nr(), lib.grid.nth(), lib.grid.nph(), worst);
      std::cout << fmt::format("  wrote {}\n", file.string());
      return 0;
    };
  });
}

}  // namespace dynamite::driver
