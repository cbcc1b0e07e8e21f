// The values a Go template sees, modelled on the Go types Prometheus' templates actually meet:
// bool, int, float64, string (and html/template.HTML), map[string]string and map[string]any,
// template.queryResult ([]*sample), *template.sample, the alert-data struct, *time.Time and
// *time.Duration. The invalid value is Go's zero reflect.Value (a nil interface): it prints as
// "<no value>" in an action and "<nil>" through fmt.
//
// Invariants: a Value is cheap to copy (composites are shared, immutable except that
// sortByLabel sorts a queryResult in place, as Go's sort.Stable does on the shared slice);
// TypeName() is Go's %T of the value, which error messages quote.
#ifndef PROMLET_RULES_TEMPLATE_VALUE_H_
#define PROMLET_RULES_TEMPLATE_VALUE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace promlet::rules::tmpl {

enum class Kind : uint8_t {
  kInvalid,   // nil interface / zero reflect.Value
  kBool,
  kInt,       // Go int
  kFloat,     // float64
  kString,    // string, or template.HTML when `html` is set
  kMap,       // map[string]string, or map[string]interface {} when `any_elems` is set
  kList,      // template.queryResult: a slice of *template.sample
  kStruct,    // a struct, or a pointer to one when `pointer` is set (*template.sample)
  kTime,      // *time.Time: i = Unix nanoseconds (UTC)
  kDuration,  // *time.Duration: i = nanoseconds
};

struct Value;
using MapData = std::map<std::string, Value>;  // Go prints and ranges maps in key order
struct ListData;
struct StructData;

struct Value {
  Kind kind = Kind::kInvalid;
  bool html = false;       // kString: template.HTML
  bool any_elems = false;  // kMap: map[string]interface {}
  bool pointer = false;    // kStruct: *T
  bool nil_iface = false;  // kInvalid: a nil interface {} still in its interface (a missing
                           // key of map[string]interface {}), which field access refuses
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::shared_ptr<const MapData> map;
  std::shared_ptr<ListData> list;
  std::shared_ptr<const StructData> st;

  static Value Bool(bool v) {
    Value x;
    x.kind = Kind::kBool;
    x.b = v;
    return x;
  }
  static Value Int(int64_t v) {
    Value x;
    x.kind = Kind::kInt;
    x.i = v;
    return x;
  }
  static Value Float(double v) {
    Value x;
    x.kind = Kind::kFloat;
    x.f = v;
    return x;
  }
  static Value String(std::string v, bool html = false) {
    Value x;
    x.kind = Kind::kString;
    x.s = std::move(v);
    x.html = html;
    return x;
  }
  static Value Map(MapData m, bool any_elems) {
    Value x;
    x.kind = Kind::kMap;
    x.map = std::make_shared<const MapData>(std::move(m));
    x.any_elems = any_elems;
    return x;
  }
  static Value StringMap(const std::map<std::string, std::string>& m);
  static Value Time(int64_t unix_nanos) {
    Value x;
    x.kind = Kind::kTime;
    x.i = unix_nanos;
    return x;
  }
  static Value Duration(int64_t nanos) {
    Value x;
    x.kind = Kind::kDuration;
    x.i = nanos;
    return x;
  }

  bool valid() const { return kind != Kind::kInvalid; }
  // Go's %T.
  std::string TypeName() const;
};

struct ListData {
  std::vector<Value> items;
};

struct StructData {
  std::string type_name;  // Go's %T of the struct itself (without the pointer star)
  std::vector<std::pair<std::string, Value>> fields;
  const Value* Field(std::string_view name) const {
    for (const auto& [n, v] : fields) {
      if (n == name) return &v;
    }
    return nullptr;
  }
};

// The zero value of a map's element type: "" for map[string]string, nil for map[string]any.
Value MapZero(const Value& map);

// Go's template truth (text/template isTrue); `ok` false when the value has no truth value.
bool IsTrue(const Value& v, bool* ok = nullptr);

// Go's len() where defined (string bytes, map entries, slice elements); -1 otherwise.
int64_t Length(const Value& v);

// time.Time.String() and time.Duration.String().
std::string GoTimeString(int64_t unix_nanos);
std::string GoDurationString(int64_t nanos);

}  // namespace promlet::rules::tmpl

#endif  // PROMLET_RULES_TEMPLATE_VALUE_H_
