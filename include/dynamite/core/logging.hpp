// Logging of DYNAMITE-MPI (spdlog), following the original's conventions: console on stderr at INFO,
// a DEBUG log file `dynamite.log` (overwritten at each run), `--logfile NAME` (".log" appended),
// `--logfile timestamp` (dynamiteYYYYMMDD-HHMMSSffffff.log in UTC), `--no-logfile`.
// Under MPI only rank 0 writes the console and the file; other ranks print warnings and errors to
// the console with their rank in the prefix.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

namespace dynamite::logging {

struct Options {
  std::string logfile = "dynamite";  ///< name without ".log"; "timestamp" for a UTC-stamped name
  bool no_logfile = false;
  std::string console_level = "info";
  std::string logfile_level = "debug";
  std::filesystem::path directory;  ///< where a relative log file goes (the config's directory)
  int rank = 0;
};

/// The log-file path these options produce (nullopt with no_logfile).
std::optional<std::filesystem::path> logfile_path(const Options& opt);

/// Install the default logger. Throws InputError for an unknown level name.
void setup(const Options& opt);

/// Parse "debug", "info", "warning"/"warn", "error", "critical", "off" (case-insensitive).
spdlog::level::level_enum parse_level(const std::string& name, const std::string& option);

}  // namespace dynamite::logging
