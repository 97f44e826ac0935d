// Run under mpiexec with 2 and 3 ranks: the library built over all ranks is bit-identical to the
// one built on a single rank.
#include <gtest/gtest.h>
#include <mpi.h>

#include <fstream>
#include <iterator>

#include "builder_fixture.hpp"
#include "dynamite/orblib/library_file.hpp"
#include "test_support.hpp"

using namespace dynamite::orblib;
using namespace dynamite::orblib::testfix;

TEST(LibraryBuilderMpi, IdenticalForAnyNumberOfRanks) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  ASSERT_GE(size, 2);
  LibrarySettings s = small_settings();
  std::vector<StartPoint> tubes, boxes;
  make_start_spaces(s, tubes, boxes);
  const auto builder = make_builder(s);
  const OrbitLibrary parallel = builder.build(MPI_COMM_WORLD, tubes, boxes, nullptr);
  // Pairs of orbits integrated side by side (two bundles per task, first attempts failing for some
  // orbits, which are retried alone) over the ranks: the library of one rank without pairs.
  const OrbitLibrary paired =
      make_flaky_builder(s, std::make_shared<int>(0)).build(MPI_COMM_WORLD, tubes, boxes, nullptr);
  if (rank != 0) return;
  expect_same_library(paired, make_flaky_builder(s, nullptr).build(MPI_COMM_SELF, tubes, boxes, nullptr));
  const OrbitLibrary serial = builder.build(MPI_COMM_SELF, tubes, boxes, nullptr);
  expect_same_library(parallel, serial);
  // The HDF5 files are byte for byte the same.
  dynamite::testing::TempDir tmp("mpi-h5");
  write_library(tmp / "parallel.h5", parallel);
  write_library(tmp / "serial.h5", serial);
  auto bytes = [](const std::filesystem::path& f) {
    std::ifstream in(f, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  EXPECT_EQ(bytes(tmp / "parallel.h5"), bytes(tmp / "serial.h5"));
}
