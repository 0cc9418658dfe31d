//! Go values as `text/template` sees them.
//!
//! A template walks Go data through reflection, and much of what a user sees depends on the
//! *Go type* of a value, not only on its contents: `eq 1 1.0` is an error, `typeOf` prints
//! `int64` or `float64`, a function declared with a `string` parameter rejects an `int`. So a
//! [`Value`] keeps the Go type it models:
//!
//! | Go                       | here                                   |
//! |--------------------------|----------------------------------------|
//! | untyped `nil`            | [`Value::Nil`]                         |
//! | `bool`                   | [`Value::Bool`]                        |
//! | `int`                    | [`Value::Int`]                         |
//! | `int64`                  | [`Value::Int64`]                       |
//! | `float64`                | [`Value::Float`]                       |
//! | `string`                 | [`Value::String`]                      |
//! | `[]T`                    | [`Value::List`] with `elem` = `T`      |
//! | `map[string]T`           | [`Value::Map`] with `elem` = `T`       |
//! | anything else (structs, pointers, `time.Time`, `*semver.Version`, Helm's `.Files`) | [`Value::Object`] |
//!
//! Maps are shared and mutable, as Go maps are reference types: Sprig's `set` on a dict
//! that is also reachable from `.Values` changes what every later template sees, and real
//! charts rely on that. Lists are immutable (no Sprig or Helm function mutates a slice in
//! place), so they are shared without a lock.

use std::collections::BTreeMap;
use std::fmt;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::func::Sig;

/// An immutable, cheaply cloned string.
pub type Str = Arc<str>;

/// The Go static types a template can meet: element types of lists and maps, and parameter
/// types of functions. Only the types that Sprig, Helm and `text/template` actually use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `interface {}`: accepts any value.
    Any,
    Bool,
    Int,
    Int64,
    Float64,
    String,
    /// `[]interface {}`
    AnySlice,
    /// `[]string`
    StringSlice,
    /// `[]int`
    IntSlice,
    /// `map[string]interface {}`
    AnyMap,
    /// `map[string]string`
    StringMap,
    /// `reflect.Value`: like [`Type::Any`], but a missing value is passed as is instead of
    /// being an error (the built-ins `index`, `len`, `eq`, ... take this).
    Reflect,
}

impl Type {
    /// The type's name as Go's `%T` and reflection print it.
    pub fn go_name(self) -> &'static str {
        match self {
            Type::Any => "interface {}",
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Int64 => "int64",
            Type::Float64 => "float64",
            Type::String => "string",
            Type::AnySlice => "[]interface {}",
            Type::StringSlice => "[]string",
            Type::IntSlice => "[]int",
            Type::AnyMap => "map[string]interface {}",
            Type::StringMap => "map[string]string",
            Type::Reflect => "reflect.Value",
        }
    }

    /// The element type of a slice or map type, if this is one.
    pub fn elem(self) -> Option<Type> {
        match self {
            Type::AnySlice | Type::AnyMap => Some(Type::Any),
            Type::StringSlice | Type::StringMap => Some(Type::String),
            Type::IntSlice => Some(Type::Int),
            _ => None,
        }
    }

    /// The slice type whose elements are `elem`.
    pub fn slice_of(elem: Type) -> Type {
        match elem {
            Type::String => Type::StringSlice,
            Type::Int => Type::IntSlice,
            _ => Type::AnySlice,
        }
    }

    /// The `map[string]elem` type.
    pub fn map_of(elem: Type) -> Type {
        match elem {
            Type::String => Type::StringMap,
            _ => Type::AnyMap,
        }
    }
}

/// Go's `reflect.Kind`, as Sprig's `kindOf` prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Invalid,
    Bool,
    Int,
    Int64,
    Float64,
    String,
    Slice,
    Map,
    Struct,
    Ptr,
    Func,
    Interface,
}

impl Kind {
    pub fn go_name(self) -> &'static str {
        match self {
            Kind::Invalid => "invalid",
            Kind::Bool => "bool",
            Kind::Int => "int",
            Kind::Int64 => "int64",
            Kind::Float64 => "float64",
            Kind::String => "string",
            Kind::Slice => "slice",
            Kind::Map => "map",
            Kind::Struct => "struct",
            Kind::Ptr => "ptr",
            Kind::Func => "func",
            Kind::Interface => "interface",
        }
    }
}

/// A Go slice: its element type and its items.
#[derive(Debug, Clone)]
pub struct List {
    pub elem: Type,
    pub items: Vec<Value>,
    /// A nil slice of this type (Go's `[]T(nil)`): empty, but encoded as `null` by JSON and
    /// YAML, and unlike an untyped nil it still is a slice to reflection (`uniq`, `len`).
    pub nil: bool,
}

/// A Go `map[string]T`. Keys iterate in Go's sorted order (byte-wise), which is the order
/// `range`, `fmt` and every encoder use.
#[derive(Debug, Clone, Default)]
pub struct Map {
    pub elem: Type,
    pub entries: BTreeMap<Str, Value>,
}

impl Default for Type {
    fn default() -> Self {
        Type::Any
    }
}

// Dropping nested lists and maps without recursion. The compiler's drop glue would recurse
// once per level, so a value nested 100000 deep (a template loop of `dict "a" $d`, a deep
// `fromJson` document) would overflow the stack. Instead, a list or map holding other lists
// or maps hands its children to `drop_nested_values`, which unpacks every container it owns
// alone onto a heap stack before letting it go; each container then drops with nothing
// nested in it, so the real recursion is never more than one level.

impl Drop for List {
    fn drop(&mut self) {
        if self.items.iter().any(Value::is_container) {
            drop_nested_values(std::mem::take(&mut self.items));
        }
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        if self.entries.values().any(Value::is_container) {
            drop_nested_values(std::mem::take(&mut self.entries).into_values().collect());
        }
    }
}

/// Drops `pending` and everything nested in it, iteratively (see above). A container still
/// shared with another value is only released (its count drops); its owner frees it later.
fn drop_nested_values(mut pending: Vec<Value>) {
    while let Some(mut value) = pending.pop() {
        match &mut value {
            Value::List(list) => {
                if let Some(list) = Arc::get_mut(list) {
                    pending.append(&mut list.items);
                }
            }
            Value::Map(map) => {
                if let Some(cell) = Arc::get_mut(&mut map.0) {
                    let map = cell.lock.get_mut().unwrap_or_else(|e| e.into_inner());
                    pending.extend(std::mem::take(&mut map.entries).into_values());
                }
            }
            _ => {}
        }
        // `value` drops here with its own children already moved out.
    }
}

/// A shared, mutable Go map.
#[derive(Clone)]
pub struct MapRef(Arc<MapCell>);

impl Default for MapRef {
    fn default() -> MapRef {
        MapRef::new(Map::default())
    }
}

struct MapCell {
    /// The [`WriteFence`] generation current when the map was made.
    born: u64,
    lock: RwLock<Map>,
}

impl MapRef {
    pub fn new(map: Map) -> MapRef {
        MapRef(Arc::new(MapCell { born: GENERATION.load(Ordering::Relaxed), lock: RwLock::new(map) }))
    }

    /// Read access. Never hold the guard across a call back into the engine: a template may
    /// reach the same map again and write to it.
    pub fn read(&self) -> RwLockReadGuard<'_, Map> {
        self.0.lock.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Write access; the same rule as [`MapRef::read`] applies. Inside
    /// [`WriteFence::run`], writing to a map made before the fence abandons the run instead.
    pub fn write(&self) -> RwLockWriteGuard<'_, Map> {
        let fence = FENCE.with(Cell::get);
        if fence != 0 && self.0.born < fence {
            // Not a panic: `resume_unwind` skips the panic hook, and `WriteFence::run`
            // catches exactly this payload.
            std::panic::resume_unwind(Box::new(FencedWrite));
        }
        self.0.lock.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether two references point at the same Go map.
    pub fn ptr_eq(&self, other: &MapRef) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    pub fn get(&self, key: &str) -> Option<Value> {
        self.read().entries.get(key).cloned()
    }

    pub fn insert(&self, key: impl Into<Str>, value: Value) {
        self.write().entries.insert(key.into(), value);
    }

    pub fn remove(&self, key: &str) -> Option<Value> {
        self.write().entries.remove(key)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.read().entries.contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.read().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A snapshot of the keys, sorted.
    pub fn keys(&self) -> Vec<Str> {
        self.read().entries.keys().cloned().collect()
    }

    /// A snapshot of the entries, sorted by key.
    pub fn entries(&self) -> Vec<(Str, Value)> {
        self.read().entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    pub fn elem(&self) -> Type {
        self.read().elem
    }
}

// ----- write fences: running templates side by side safely -----
//
// Helm executes a chart's templates one after another, and a template may change values
// the next one reads (`set $.Values ...`, `set . ...`). Templates that do not are
// independent, and can run on several threads. A fence tells the two apart at run time:
// while a run is inside one, every map made before the fence is read-only, and an attempt
// to write one abandons the run before anything changes, so the caller can start over
// one template at a time from the unchanged values.

/// Counts fences; a map records the count when it is made. Only ever grows, so a map made
/// by any thread before a fence was raised has a smaller number than the fence.
static GENERATION: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The fence the current thread runs inside, 0 when none.
    static FENCE: Cell<u64> = const { Cell::new(0) };
}

/// The unwind payload of a write to a fenced map.
struct FencedWrite;

/// A write to a map made before the fence was attempted; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FencedWriteAttempted;

/// A line between the maps that exist now (read-only inside [`WriteFence::run`]) and the
/// maps made afterwards (free to change). Cheap: one atomic increment.
#[derive(Debug, Clone, Copy)]
pub struct WriteFence {
    generation: u64,
}

impl WriteFence {
    pub fn raise() -> WriteFence {
        WriteFence { generation: GENERATION.fetch_add(1, Ordering::Relaxed) + 1 }
    }

    /// Runs `f` on this thread with every map older than the fence read-only. `Err` when `f`
    /// tried to write one (it was stopped before the write; whatever it built is dropped).
    /// Other panics continue unwinding.
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> Result<R, FencedWriteAttempted> {
        struct Restore(u64);
        impl Drop for Restore {
            fn drop(&mut self) {
                FENCE.with(|fence| fence.set(self.0));
            }
        }
        let _restore = Restore(FENCE.with(|fence| fence.replace(self.generation)));
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(r) => Ok(r),
            Err(payload) if payload.is::<FencedWrite>() => Err(FencedWriteAttempted),
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
}

impl fmt::Debug for MapRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.read().entries.iter()).finish()
    }
}

/// A Go value that is not one of the plain data types: a struct, a pointer, a `time.Time`,
/// a `*semver.Version`, Helm's `.Files`, `.Capabilities`, ...
///
/// Templates reach into it with `.Field` (a field, or a method called without arguments)
/// and `.Method arg...`.
pub trait Object: Send + Sync + 'static {
    /// The Go type name as `%T` prints it, e.g. `*chart.Metadata`, `time.Time`.
    fn type_name(&self) -> &str;

    /// The reflect kind, for `kindOf`/`kindIs` and for `%v` formatting decisions.
    fn kind(&self) -> Kind {
        Kind::Struct
    }

    /// A method of this name, if the type has one: its signature (for argument checking
    /// and conversion of constants, as `text/template` does through reflection).
    fn method(&self, _name: &str) -> Option<Sig> {
        None
    }

    /// Calls the method `name` (known to exist through [`Object::method`]) with arguments
    /// already checked against its signature. An `Err` is the method's returned error.
    fn call_method(&self, name: &str, _args: &[Value]) -> Result<Value, String> {
        Err(format!("{name} is not a method of {}", self.type_name()))
    }

    /// The exported field `name`, if the type has one. (Methods are looked up first.)
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    /// Go's `%v` rendering: the `String()`/`Error()` method's result for types that have
    /// one, otherwise the struct's `{a b}` form (with `&` in front for pointers).
    fn format_v(&self) -> String;

    /// Go's truthiness of this value (a non-nil pointer or a struct is true).
    fn truth(&self) -> bool {
        true
    }

    /// For a named Go type whose underlying type is a map or a slice (Helm's
    /// `engine.files` is a `map[string][]byte`, `common.VersionSet` a `[]string`): that
    /// data, which `range`, `len` and `index` work on as Go's reflection would.
    fn underlying(&self) -> Option<Value> {
        None
    }

    /// What `encoding/json` encodes in place of this value, as plain data: the result of
    /// its `MarshalJSON`/`MarshalText` (`time.Time` gives its RFC 3339 text), or a struct's
    /// exported fields under their JSON names (when their sorted order is the declaration
    /// order, since maps encode sorted). `None` (the default) encodes the `%v` text as a
    /// JSON string.
    fn json_value(&self) -> Option<Value> {
        None
    }

    /// For downcasting to the concrete type.
    fn as_any(&self) -> &dyn std::any::Any;
}

/// A Go value. See the module documentation for how Go types map onto variants.
#[derive(Clone, Default)]
pub enum Value {
    /// Untyped `nil` (a nil `interface {}`). Also what a missing map key yields.
    #[default]
    Nil,
    Bool(bool),
    /// Go `int` (64 bits, as on every platform Helm ships for).
    Int(i64),
    /// Go `int64`.
    Int64(i64),
    /// Go `float64`.
    Float(f64),
    String(Str),
    List(Arc<List>),
    Map(MapRef),
    Object(Arc<dyn Object>),
}

impl Value {
    /// A `string` value.
    pub fn str(s: impl Into<Str>) -> Value {
        Value::String(s.into())
    }

    /// A `[]interface {}`.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(List { elem: Type::Any, items, nil: false }))
    }

    /// A `[]T` with the given element type.
    pub fn typed_list(elem: Type, items: Vec<Value>) -> Value {
        Value::List(Arc::new(List { elem, items, nil: false }))
    }

    /// A nil slice of element type `elem` (Go's `[]T(nil)`), as Sprig returns from
    /// `concat`, `rest` and friends when there is nothing to return.
    pub fn nil_list(elem: Type) -> Value {
        Value::List(Arc::new(List { elem, items: Vec::new(), nil: true }))
    }

    /// A `[]string`.
    pub fn string_list<I, S>(items: I) -> Value
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        Value::typed_list(Type::String, items.into_iter().map(|s| Value::String(s.into())).collect())
    }

    /// A new, empty `map[string]interface {}`.
    pub fn empty_map() -> Value {
        Value::Map(MapRef::new(Map::default()))
    }

    /// A `map[string]interface {}` holding `entries`.
    pub fn map<I, K>(entries: I) -> Value
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<Str>,
    {
        Value::typed_map(Type::Any, entries)
    }

    /// A `map[string]T` with the given element type.
    pub fn typed_map<I, K>(elem: Type, entries: I) -> Value
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<Str>,
    {
        Value::Map(MapRef::new(Map {
            elem,
            entries: entries.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }))
    }

    pub fn object(o: impl Object) -> Value {
        Value::Object(Arc::new(o))
    }

    /// Whether this is a list or a map (a value that can hold other values).
    fn is_container(&self) -> bool {
        matches!(self, Value::List(_) | Value::Map(_))
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(&l.items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&MapRef> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value as an `i64` if it is any Go integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) | Value::Int64(i) => Some(*i),
            _ => None,
        }
    }

    /// Go's truthiness, as `if`, `with`, `and`, `or` and `not` use it: false, 0, "", nil
    /// and empty slices and maps are false.
    pub fn truth(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.items.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(o) => o.truth(),
        }
    }

    /// The Go type of the value, as `%T` and Sprig's `typeOf` print it (`<nil>` for nil).
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".to_string(),
            Value::Bool(_) => "bool".to_string(),
            Value::Int(_) => "int".to_string(),
            Value::Int64(_) => "int64".to_string(),
            Value::Float(_) => "float64".to_string(),
            Value::String(_) => "string".to_string(),
            Value::List(l) => Type::slice_of(l.elem).go_name().to_string(),
            Value::Map(m) => Type::map_of(m.elem()).go_name().to_string(),
            Value::Object(o) => o.type_name().to_string(),
        }
    }

    /// The reflect kind of the value.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Nil => Kind::Invalid,
            Value::Bool(_) => Kind::Bool,
            Value::Int(_) => Kind::Int,
            Value::Int64(_) => Kind::Int64,
            Value::Float(_) => Kind::Float64,
            Value::String(_) => Kind::String,
            Value::List(_) => Kind::Slice,
            Value::Map(_) => Kind::Map,
            Value::Object(o) => o.kind(),
        }
    }

    /// The static type this value has when it is one of the plain data types; `None` for
    /// nil and objects.
    pub fn static_type(&self) -> Option<Type> {
        Some(match self {
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Int64(_) => Type::Int64,
            Value::Float(_) => Type::Float64,
            Value::String(_) => Type::String,
            Value::List(l) => Type::slice_of(l.elem),
            Value::Map(m) => Type::map_of(m.elem()),
            Value::Nil | Value::Object(_) => return None,
        })
    }

    /// Go's `reflect.DeepEqual` (what Sprig's `deepEqual` uses): same types and equal
    /// contents, recursively. NaN is not equal to itself.
    pub fn deep_equal(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Int64(a), Value::Int64(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a.elem == b.elem
                    && a.items.len() == b.items.len()
                    && a.items.iter().zip(&b.items).all(|(x, y)| x.deep_equal(y))
            }
            (Value::Map(a), Value::Map(b)) => {
                if a.ptr_eq(b) {
                    return true;
                }
                let (a, b) = (a.entries(), b.entries());
                a.len() == b.len()
                    && a.iter().zip(&b).all(|((ka, va), (kb, vb))| ka == kb && va.deep_equal(vb))
            }
            (Value::Object(a), Value::Object(b)) => {
                Arc::ptr_eq(a, b)
                    || (a.type_name() == b.type_name() && a.format_v() == b.format_v())
            }
            _ => false,
        }
    }

    /// A deep copy: maps are copied, so writes to the copy do not show through the original.
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::List(l) => Value::List(Arc::new(List {
                elem: l.elem,
                nil: l.nil,
                items: l.items.iter().map(Value::deep_copy).collect(),
            })),
            Value::Map(m) => {
                let src = m.read();
                Value::Map(MapRef::new(Map {
                    elem: src.elem,
                    entries: src.entries.iter().map(|(k, v)| (k.clone(), v.deep_copy())).collect(),
                }))
            }
            other => other.clone(),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Int64(i) => write!(f, "int64({i})"),
            Value::Float(x) => write!(f, "float64({x:?})"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::List(l) => {
                if l.elem != Type::Any {
                    write!(f, "{}", Type::slice_of(l.elem).go_name())?;
                }
                f.debug_list().entries(l.items.iter()).finish()
            }
            Value::Map(m) => m.fmt(f),
            Value::Object(o) => write!(f, "{}({})", o.type_name(), o.format_v()),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s.into())
    }
}

impl From<Str> for Value {
    fn from(s: Str) -> Value {
        Value::String(s)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Float(x)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::list(items)
    }
}

#[cfg(test)]
mod drop_tests {
    use super::*;

    /// Builds and drops lists and maps nested 200000 deep on a 256 KiB thread stack; the
    /// compiler's recursive drop glue would need tens of megabytes.
    #[test]
    fn deeply_nested_values_drop_without_recursion() {
        let worker = std::thread::Builder::new().stack_size(256 * 1024).spawn(|| {
            let mut list = Value::list(vec![]);
            let mut map = Value::empty_map();
            for _ in 0..200_000 {
                list = Value::list(vec![Value::Int(1), list]);
                map = Value::map([("a", map)]);
            }
            // A shared inner node must survive its parent's drop.
            let shared = Value::list(vec![Value::list(vec![Value::Int(7)])]);
            let parent = Value::list(vec![shared.clone(), list, map]);
            drop(parent);
            shared.as_list().map(|items| items[0].as_list().map(|inner| inner.len()))
        });
        assert_eq!(worker.expect("spawn").join().expect("no stack overflow"), Some(Some(1)));
    }
}

#[cfg(test)]
mod fence_tests {
    use super::*;

    #[test]
    fn a_fence_makes_older_maps_read_only_and_stops_the_run_before_the_write() {
        let old = MapRef::default();
        old.insert("a", Value::Int(1));
        let fence = WriteFence::raise();
        let run = fence.run(|| {
            let fresh = MapRef::default();
            fresh.insert("b", Value::Int(2));
            assert!(matches!(old.get("a"), Some(Value::Int(1))), "reading is fine");
            old.insert("a", Value::Int(99));
            unreachable!("the write to an older map does not return");
        });
        assert_eq!(run.err(), Some(FencedWriteAttempted));
        assert!(matches!(old.get("a"), Some(Value::Int(1))), "nothing was written");
        // Outside the run, and in a run that writes only new maps, writes go through.
        old.insert("a", Value::Int(3));
        assert!(matches!(old.get("a"), Some(Value::Int(3))));
        let made_inside = fence.run(|| {
            let m = MapRef::default();
            m.insert("x", Value::Int(1));
            m
        });
        assert!(matches!(made_inside.map(|m| m.get("x")), Ok(Some(Value::Int(1)))));
    }

    #[test]
    fn other_panics_pass_through_a_fence() {
        let fence = WriteFence::raise();
        let caught = std::panic::catch_unwind(|| fence.run(|| panic!("boom")));
        assert!(caught.is_err());
    }
}
