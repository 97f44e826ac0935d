// Exceptions of DYNAMITE-MPI.
//
// Every user-facing failure is an exception whose message names what went wrong and where: the file,
// the YAML path or line, the class. The driver catches them at the top level, prints the message and
// exits with a non-zero code; nothing is written after an input error is detected.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace dynamite {

/// Base of all DYNAMITE-MPI errors.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A problem with the user's inputs (config, data files): exit code 2.
class InputError : public Error {
 public:
  /// `file`: the offending file; `where`: a YAML path ("system_components.stars.parameters.q.value"),
  /// a column or a line description (may be empty); `line`: 1-based line number or 0 if unknown.
  InputError(const std::filesystem::path& file, const std::string& where, int line,
             const std::string& what);
  const std::filesystem::path& file() const noexcept { return file_; }
  const std::string& where() const noexcept { return where_; }
  int line() const noexcept { return line_; }
  const std::string& detail() const noexcept { return detail_; }

 private:
  std::filesystem::path file_;
  std::string where_;
  int line_;
  std::string detail_;
};

/// A numerical failure (integration, deprojection, solver) that is not the user's fault.
class NumericalError : public Error {
 public:
  using Error::Error;
};

/// A feature of the original that is recognised but not implemented yet.
class NotSupportedError : public Error {
 public:
  using Error::Error;
};

/// Process exit codes used by dynamite_mpi.
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int failure = 1;      ///< a run failed (numerics, I/O)
inline constexpr int input_error = 2;  ///< invalid config or input data: nothing was written
inline constexpr int interrupted = 3;  ///< stopped by a signal after a clean checkpoint
}  // namespace exit_code

}  // namespace dynamite
