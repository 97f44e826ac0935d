// ECSV tables (astropy's "Enhanced Character Separated Values"), read and written the way astropy does.
//
// DYNAMITE's inputs (mge.ecsv, kinematics) and outputs (all_models.ecsv, orbit_weights.ecsv,
// mass_*.ecsv) are ECSV files. The header is YAML behind "# " (ECSV 0.9 and 1.0), parsed with
// yaml-cpp; it lists each column's name and datatype and the table meta. The body is a delimited
// table (space by default) whose first line holds the column names.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace dynamite::io {

/// One column. Numeric integer types are held as int64, floating types as double, bool as bool,
/// everything else (string) as std::string. `datatype` keeps the ECSV datatype name for writing.
struct EcsvColumn {
  std::string name;
  std::string datatype;  ///< "float64", "float32", "int64", "int32", "bool", "string", ...
  std::string unit;      ///< optional
  std::string format;    ///< optional astropy format, e.g. ".6f" (kept, unused)
  std::variant<std::vector<double>, std::vector<std::int64_t>, std::vector<bool>,
               std::vector<std::string>>
      data;

  std::size_t size() const;
  bool is_numeric() const;  ///< double or int64
  /// The values as doubles (ints converted); throws InputError for string/bool columns.
  std::vector<double> as_doubles() const;
};

class EcsvTable {
 public:
  EcsvTable() = default;

  /// Read an ECSV file; any malformed header, unknown datatype, wrong number of fields in a row,
  /// or unparsable value throws InputError naming the file and line.
  static EcsvTable read(const std::filesystem::path& file);

  /// Write with an "# %ECSV 1.0" header, "schema: astropy-2.0", space delimiter, strings quoted
  /// where needed, nan/inf written as astropy writes them. Writes to a temporary file and renames,
  /// so an existing file is never left half-written.
  void write(const std::filesystem::path& file) const;

  std::size_t n_rows() const;
  std::size_t n_cols() const { return columns_.size(); }
  const std::vector<EcsvColumn>& columns() const { return columns_; }
  bool has_column(const std::string& name) const;
  const EcsvColumn& column(const std::string& name) const;  ///< throws InputError if absent
  std::vector<double> doubles(const std::string& name) const;

  void add_column(EcsvColumn col);  ///< throws if the length differs from existing columns
  YAML::Node& meta() { return meta_; }
  const YAML::Node& meta() const { return meta_; }
  const std::filesystem::path& source() const { return source_; }

 private:
  std::vector<EcsvColumn> columns_;
  YAML::Node meta_;
  std::filesystem::path source_;
};

}  // namespace dynamite::io
