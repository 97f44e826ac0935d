#include "dynamite/io/ecsv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>

#include "dynamite/core/error.hpp"

namespace fs = std::filesystem;

namespace dynamite::io {

// ---------------------------------------------------------------- columns

std::size_t EcsvColumn::size() const {
  return std::visit([](const auto& v) { return v.size(); }, data);
}

bool EcsvColumn::is_numeric() const {
  return std::holds_alternative<std::vector<double>>(data) ||
         std::holds_alternative<std::vector<std::int64_t>>(data);
}

std::vector<double> EcsvColumn::as_doubles() const {
  if (const auto* d = std::get_if<std::vector<double>>(&data)) return *d;
  if (const auto* i = std::get_if<std::vector<std::int64_t>>(&data))
    return std::vector<double>(i->begin(), i->end());
  throw InputError("", name, 0, fmt::format("EcsvColumn: column '{}' ({}) is not numeric", name, datatype));
}

// ---------------------------------------------------------------- helpers

namespace {

enum class Kind { Float, Int, Bool, String };

Kind kind_of(const std::string& datatype) {
  if (datatype == "float64" || datatype == "float32" || datatype == "float16" || datatype == "float128")
    return Kind::Float;
  if (datatype.rfind("int", 0) == 0 || datatype.rfind("uint", 0) == 0) return Kind::Int;
  if (datatype == "bool") return Kind::Bool;
  if (datatype == "string") return Kind::String;
  return Kind::String;  // unknown types are kept as text; checked by the caller
}

bool known_datatype(const std::string& t) {
  static const char* known[] = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                "uint64", "float16", "float32", "float64", "float128", "string"};
  return std::find(std::begin(known), std::end(known), t) != std::end(known);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

/// Split a data line. With a space delimiter runs of blanks separate fields; quoted fields may hold
/// the delimiter, and "" inside quotes is a literal quote (astropy's csv dialect).
std::vector<std::string> split_fields(const std::string& line, char delim, bool& ok) {
  std::vector<std::string> out;
  ok = true;
  std::size_t i = 0;
  const std::size_t n = line.size();
  auto is_sep = [&](char c) { return delim == ' ' ? (c == ' ' || c == '\t') : c == delim; };
  while (true) {
    if (delim == ' ')
      while (i < n && is_sep(line[i])) ++i;
    if (i >= n) {
      if (delim != ' ' && !line.empty() && is_sep(line[n - 1])) out.emplace_back();
      break;
    }
    std::string field;
    if (line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field += line[i++];
      }
      if (!closed) ok = false;
    } else {
      while (i < n && !is_sep(line[i])) field += line[i++];
    }
    out.push_back(field);
    if (i < n && is_sep(line[i]) && delim != ' ') ++i;
  }
  return out;
}

bool parse_double(const std::string& s, double& v) {
  std::string t = s;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t == "nan" || t == "+nan" || t == "-nan") {
    v = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (t == "inf" || t == "+inf" || t == "infinity") {
    v = std::numeric_limits<double>::infinity();
    return true;
  }
  if (t == "-inf" || t == "-infinity") {
    v = -std::numeric_limits<double>::infinity();
    return true;
  }
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b != e && *b == '+') ++b;
  auto r = std::from_chars(b, e, v);
  return r.ec == std::errc() && r.ptr == e;
}

bool parse_int(const std::string& s, std::int64_t& v) {
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b != e && *b == '+') ++b;
  auto r = std::from_chars(b, e, v);
  return r.ec == std::errc() && r.ptr == e;
}

/// Astropy writes ordered meta as "!!omap": a sequence of one-key maps. Turn it into a map.
YAML::Node normalise_meta(const YAML::Node& meta) {
  if (!meta || meta.IsNull()) return YAML::Node(YAML::NodeType::Map);
  if (meta.IsSequence()) {
    YAML::Node m(YAML::NodeType::Map);
    for (const auto& item : meta)
      if (item.IsMap())
        for (const auto& kv : item) m[kv.first.as<std::string>()] = kv.second;
    return m;
  }
  return meta;
}

std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{}", v);
}

std::string quote_if_needed(const std::string& s) {
  const bool needs = s.empty() || s.find_first_of(" \t\"#,") != std::string::npos;
  if (!needs) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

// ---------------------------------------------------------------- table

std::size_t EcsvTable::n_rows() const { return columns_.empty() ? 0 : columns_.front().size(); }

bool EcsvTable::has_column(const std::string& name) const {
  return std::any_of(columns_.begin(), columns_.end(), [&](const auto& c) { return c.name == name; });
}

const EcsvColumn& EcsvTable::column(const std::string& name) const {
  for (const auto& c : columns_)
    if (c.name == name) return c;
  throw InputError(source_, name, 0, fmt::format("EcsvTable: no column '{}'", name));
}

std::vector<double> EcsvTable::doubles(const std::string& name) const {
  const auto& c = column(name);
  if (!c.is_numeric())
    throw InputError(source_, name, 0, fmt::format("column '{}' is {} where numbers are expected", name, c.datatype));
  return c.as_doubles();
}

void EcsvTable::add_column(EcsvColumn col) {
  if (!columns_.empty() && col.size() != n_rows())
    throw std::invalid_argument(fmt::format("EcsvTable: column '{}' has {} rows, table has {}",
                                            col.name, col.size(), n_rows()));
  if (has_column(col.name))
    throw std::invalid_argument(fmt::format("EcsvTable: duplicate column '{}'", col.name));
  columns_.push_back(std::move(col));
}

EcsvTable EcsvTable::read(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file, "", 0, "cannot open file for reading");
  std::string line;
  int lineno = 0;
  if (!std::getline(in, line)) throw InputError(file, "", 1, "empty file: expected an ECSV header");
  ++lineno;
  if (trim(line).rfind("# %ECSV", 0) != 0)
    throw InputError(file, "", 1, "not an ECSV file: the first line must be '# %ECSV <version>'");
  const std::string version = trim(trim(line).substr(7));
  if (version != "0.9" && version != "1.0")
    throw InputError(file, "", 1, fmt::format("unsupported ECSV version '{}' (expected 0.9 or 1.0)", version));

  // Header: every line starting with '#', the '# ' prefix removed, is YAML.
  std::string yaml_text;
  int header_end = 1;
  std::streampos data_pos = in.tellg();
  while (std::getline(in, line)) {
    ++lineno;
    if (line.rfind("#", 0) != 0) break;
    std::string body = line.substr(1);
    if (!body.empty() && body[0] == ' ') body = body.substr(1);
    if (trim(body) == "---") continue;
    yaml_text += body + "\n";
    header_end = lineno;
    data_pos = in.tellg();
  }
  YAML::Node header;
  try {
    header = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw InputError(file, "header", e.mark.line >= 0 ? e.mark.line + 3 : 0,
                     fmt::format("malformed ECSV header YAML: {}", e.msg));
  }
  if (!header || !header.IsMap() || !header["datatype"] || !header["datatype"].IsSequence())
    throw InputError(file, "header", 2, "ECSV header has no 'datatype' list");

  EcsvTable t;
  t.source_ = file;
  t.meta_ = normalise_meta(header["meta"]);
  char delim = ' ';
  if (header["delimiter"]) {
    const std::string d = header["delimiter"].as<std::string>();
    if (d.size() != 1) throw InputError(file, "delimiter", 0, "delimiter must be one character");
    delim = d[0];
  }
  std::vector<Kind> kinds;
  for (const auto& c : header["datatype"]) {
    if (!c.IsMap() || !c["name"] || !c["datatype"])
      throw InputError(file, "datatype", 0, "each column needs a name and a datatype");
    EcsvColumn col;
    col.name = c["name"].as<std::string>();
    col.datatype = c["datatype"].as<std::string>();
    if (!known_datatype(col.datatype))
      throw InputError(file, "datatype", 0,
                       fmt::format("column '{}' has unsupported datatype '{}'", col.name, col.datatype));
    if (c["unit"]) col.unit = c["unit"].as<std::string>();
    if (c["format"]) col.format = c["format"].as<std::string>();
    if (c["subtype"])
      throw InputError(file, col.name, 0,
                       fmt::format("column '{}' is multidimensional (subtype {}), which is not supported",
                                   col.name, c["subtype"].as<std::string>()));
    const Kind k = kind_of(col.datatype);
    kinds.push_back(k);
    switch (k) {
      case Kind::Float: col.data = std::vector<double>{}; break;
      case Kind::Int: col.data = std::vector<std::int64_t>{}; break;
      case Kind::Bool: col.data = std::vector<bool>{}; break;
      case Kind::String: col.data = std::vector<std::string>{}; break;
    }
    t.columns_.push_back(std::move(col));
  }

  // Data: the first non-comment line holds the column names.
  in.clear();
  in.seekg(data_pos);
  lineno = header_end;
  bool have_names = false;
  while (std::getline(in, line)) {
    ++lineno;
    const std::string tl = trim(line);
    if (tl.empty() || tl[0] == '#') continue;
    bool ok = true;
    const auto fields = split_fields(line, delim, ok);
    if (!ok) throw InputError(file, "", lineno, "unterminated quoted field");
    if (!have_names) {
      have_names = true;
      std::vector<std::string> expected;
      for (const auto& c : t.columns_) expected.push_back(c.name);
      if (fields != expected)
        throw InputError(file, "", lineno,
                         fmt::format("column names '{}' do not match the header's '{}'", fmt::join(fields, " "),
                                     fmt::join(expected, " ")));
      continue;
    }
    if (fields.size() != t.columns_.size())
      throw InputError(file, "", lineno,
                       fmt::format("row has {} fields, expected {} (truncated or malformed row)",
                                   fields.size(), t.columns_.size()));
    for (std::size_t c = 0; c < fields.size(); ++c) {
      auto& col = t.columns_[c];
      const std::string& f = fields[c];
      switch (kinds[c]) {
        case Kind::Float: {
          double v;
          if (!parse_double(f, v))
            throw InputError(file, col.name, lineno, fmt::format("'{}' is not a number", f));
          std::get<std::vector<double>>(col.data).push_back(v);
          break;
        }
        case Kind::Int: {
          std::int64_t v;
          if (!parse_int(f, v))
            throw InputError(file, col.name, lineno, fmt::format("'{}' is not an integer", f));
          std::get<std::vector<std::int64_t>>(col.data).push_back(v);
          break;
        }
        case Kind::Bool: {
          if (f != "True" && f != "False" && f != "true" && f != "false" && f != "1" && f != "0")
            throw InputError(file, col.name, lineno, fmt::format("'{}' is not True or False", f));
          std::get<std::vector<bool>>(col.data).push_back(f == "True" || f == "true" || f == "1");
          break;
        }
        case Kind::String: std::get<std::vector<std::string>>(col.data).push_back(f); break;
      }
    }
  }
  if (!have_names) throw InputError(file, "", lineno, "no column-name line after the ECSV header");
  return t;
}

void EcsvTable::write(const fs::path& file) const {
  std::ostringstream os;
  os << "# %ECSV 1.0\n# ---\n# datatype:\n";
  for (const auto& c : columns_) {
    os << "# - {name: " << c.name;
    if (!c.unit.empty()) os << ", unit: " << c.unit;
    os << ", datatype: " << c.datatype;
    if (!c.format.empty()) os << ", format: '" << c.format << "'";
    os << "}\n";
  }
  if (meta_ && meta_.IsMap() && meta_.size() > 0) {
    YAML::Emitter em;
    em.SetIndent(2);
    em << meta_;
    std::istringstream ms(em.c_str());
    std::string l;
    os << "# meta:\n";
    while (std::getline(ms, l)) os << "#   " << l << "\n";
  }
  os << "# schema: astropy-2.0\n";
  for (std::size_t c = 0; c < columns_.size(); ++c) os << (c ? " " : "") << columns_[c].name;
  os << "\n";
  for (std::size_t r = 0; r < n_rows(); ++r) {
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      if (c) os << ' ';
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::vector<double>>)
              os << format_double(v[r]);
            else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>)
              os << v[r];
            else if constexpr (std::is_same_v<T, std::vector<bool>>)
              os << (v[r] ? "True" : "False");
            else
              os << quote_if_needed(v[r]);
          },
          columns_[c].data);
    }
    os << "\n";
  }
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw Error(fmt::format("EcsvTable: cannot write {}", tmp.string()));
    out << os.str();
    if (!out.flush()) throw Error(fmt::format("EcsvTable: error writing {}", tmp.string()));
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) throw Error(fmt::format("EcsvTable: cannot rename {} to {}: {}", tmp.string(), file.string(), ec.message()));
}

}  // namespace dynamite::io
