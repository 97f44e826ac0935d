#include "dynamite/core/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "dynamite/core/error.hpp"

namespace dynamite::logging {

spdlog::level::level_enum parse_level(const std::string& name, const std::string& option) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "debug") return spdlog::level::debug;
  if (n == "info") return spdlog::level::info;
  if (n == "warning" || n == "warn") return spdlog::level::warn;
  if (n == "error") return spdlog::level::err;
  if (n == "critical") return spdlog::level::critical;
  if (n == "off") return spdlog::level::off;
  throw InputError("", option, 0,
                   fmt::format("unknown log level '{}' (expected debug, info, warning, error, "
                               "critical or off)",
                               name));
}

std::optional<std::filesystem::path> logfile_path(const Options& opt) {
  if (opt.no_logfile) return std::nullopt;
  std::string name = opt.logfile;
  if (name == "timestamp") {
    // The original's timestamped name: UTC, 4-digit year, microseconds.
    const auto now = std::chrono::system_clock::now();
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    name = fmt::format("dynamite{:%Y%m%d-%H%M%S}{:06d}", tm, us);
  }
  std::filesystem::path p = name + ".log";
  return p.is_absolute() || opt.directory.empty() ? p : opt.directory / p;
}

void setup(const Options& opt) {
  const auto console_level = parse_level(opt.console_level, "--console-level");
  const auto file_level = parse_level(opt.logfile_level, "--logfile-level");
  std::vector<spdlog::sink_ptr> sinks;
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  if (opt.rank == 0) {
    console->set_level(console_level);
    console->set_pattern("[%^%l%$] %H:%M:%S - %n - %v");
  } else {
    console->set_level(std::max(console_level, spdlog::level::warn));
    console->set_pattern(fmt::format("[%^%l%$] %H:%M:%S - rank {} - %n - %v", opt.rank));
  }
  sinks.push_back(console);
  if (opt.rank == 0) {
    if (auto path = logfile_path(opt)) {
      auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path->string(), true);
      file->set_level(file_level);
      file->set_pattern("[%l] %b %d %H:%M:%S - %n - %v");
      sinks.push_back(file);
    }
  }
  auto logger = std::make_shared<spdlog::logger>("dynamite", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::debug);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace dynamite::logging
