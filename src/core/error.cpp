#include "dynamite/core/error.hpp"

#include <fmt/format.h>

namespace dynamite {

namespace {
std::string compose(const std::filesystem::path& file, const std::string& where, int line,
                    const std::string& what) {
  std::string msg;
  if (!file.empty()) msg += file.string();
  if (line > 0) msg += fmt::format(":{}", line);
  if (!where.empty()) msg += (msg.empty() ? "" : ": ") + where;
  if (!msg.empty()) msg += ": ";
  return msg + what;
}
}  // namespace

InputError::InputError(const std::filesystem::path& file, const std::string& where, int line,
                       const std::string& what)
    : Error(compose(file, where, line, what)), file_(file), where_(where), line_(line), detail_(what) {}

}  // namespace dynamite
