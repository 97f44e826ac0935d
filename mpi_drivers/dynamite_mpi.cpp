// dynamite_mpi: the single executable of DYNAMITE-MPI; see `dynamite_mpi --help`.
#include "dynamite/driver/commands.hpp"

int main(int argc, char** argv) { return dynamite::driver::main(argc, argv); }
