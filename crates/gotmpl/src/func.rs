//! Host functions: the registry that Sprig and Helm plug into.
//!
//! `text/template` calls functions through reflection and checks every argument against the
//! function's declared parameter types before the call (`wrong type for value; expected
//! string; got int`), converting untyped constants on the way (`trunc 3 .s` passes an `int`,
//! `mulf 3 .x` a `float64`). We cannot reflect on a Rust closure, so each function declares
//! a [`Sig`] and the executor does the same checks and conversions. A function body can then
//! rely on its arguments having the declared types.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::error::Error;
use crate::value::{Type, Value};

/// A function's parameter list, as Go declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sig {
    /// The fixed parameters.
    pub params: Vec<Type>,
    /// The type of the trailing `...T` parameter, if the function is variadic.
    pub variadic: Option<Type>,
}

impl Sig {
    /// A function taking exactly `params`.
    pub fn new(params: &[Type]) -> Sig {
        Sig { params: params.to_vec(), variadic: None }
    }

    /// A function taking `params` and then any number of `rest`.
    pub fn variadic(params: &[Type], rest: Type) -> Sig {
        Sig { params: params.to_vec(), variadic: Some(rest) }
    }

    /// The parameter type of argument `i`, or `None` if there are too many arguments.
    pub fn param(&self, i: usize) -> Option<Type> {
        self.params.get(i).copied().or(self.variadic)
    }

    /// Whether `n` arguments fit.
    pub fn accepts(&self, n: usize) -> bool {
        if self.variadic.is_some() {
            n >= self.params.len()
        } else {
            n == self.params.len()
        }
    }
}

/// Why a function call failed.
#[derive(Debug, Clone)]
pub enum FuncError {
    /// The function returned an error (or panicked, in Go): the executor reports it as
    /// `error calling NAME: MESSAGE`.
    Msg(String),
    /// A template run inside the function (Helm's `include`, `tpl`) failed; the executor
    /// reports it as `error calling NAME: ` followed by the inner error's message, keeping
    /// the inner error's location for tools that want it.
    Template(Box<Error>),
}

impl FuncError {
    pub fn msg(m: impl Into<String>) -> FuncError {
        FuncError::Msg(m.into())
    }
}

impl fmt::Display for FuncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FuncError::Msg(m) => f.write_str(m),
            FuncError::Template(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl From<String> for FuncError {
    fn from(m: String) -> FuncError {
        FuncError::Msg(m)
    }
}

impl From<&str> for FuncError {
    fn from(m: &str) -> FuncError {
        FuncError::Msg(m.to_string())
    }
}

impl From<Error> for FuncError {
    fn from(e: Error) -> FuncError {
        FuncError::Template(Box::new(e))
    }
}

/// What a function may ask of the engine that is running it. Helm's `include` and `tpl`
/// need to run templates of the same set; everything else ignores it.
pub trait CallContext {
    /// Runs the named template of the current set with `data` as dot and returns its output
    /// (what `{{ template NAME DATA }}` would write).
    fn execute_template(&mut self, name: &str, data: Value) -> Result<String, Error>;

    /// Parses `text` as a new template called `name` in a copy of the current set (so it
    /// sees every `define`) and runs it with `data` as dot.
    fn execute_text(&mut self, name: &str, text: &str, data: Value) -> Result<String, Error>;

    /// The name of the template being executed (Go's `{{ template }}` target or file).
    fn template_name(&self) -> &str;
}

/// The body of a host function: arguments already checked against its [`Sig`].
pub type FuncImpl = dyn Fn(&mut dyn CallContext, &[Value]) -> Result<Value, FuncError> + Send + Sync;

/// A named host function.
#[derive(Clone)]
pub struct Func {
    pub sig: Sig,
    pub body: Arc<FuncImpl>,
}

impl fmt::Debug for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Func({:?})", self.sig)
    }
}

/// A set of host functions by name, as Go's `template.FuncMap`.
#[derive(Clone, Default, Debug)]
pub struct FuncMap {
    funcs: HashMap<String, Func>,
}

impl FuncMap {
    pub fn new() -> FuncMap {
        FuncMap::default()
    }

    /// Adds (or replaces) `name`, taking exactly `params`.
    pub fn add<F>(&mut self, name: &str, params: &[Type], body: F) -> &mut Self
    where
        F: Fn(&mut dyn CallContext, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
    {
        self.insert(name, Sig::new(params), body)
    }

    /// Adds (or replaces) `name` with `params` followed by any number of `rest`.
    pub fn add_variadic<F>(&mut self, name: &str, params: &[Type], rest: Type, body: F) -> &mut Self
    where
        F: Fn(&mut dyn CallContext, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
    {
        self.insert(name, Sig::variadic(params, rest), body)
    }

    /// Adds (or replaces) `name` with an explicit signature.
    pub fn insert<F>(&mut self, name: &str, sig: Sig, body: F) -> &mut Self
    where
        F: Fn(&mut dyn CallContext, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
    {
        self.funcs.insert(name.to_string(), Func { sig, body: Arc::new(body) });
        self
    }

    pub fn get(&self, name: &str) -> Option<&Func> {
        self.funcs.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    pub fn remove(&mut self, name: &str) -> Option<Func> {
        self.funcs.remove(name)
    }

    /// Adds every function of `other`, replacing same-named ones.
    pub fn extend(&mut self, other: &FuncMap) {
        for (k, v) in &other.funcs {
            self.funcs.insert(k.clone(), v.clone());
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.funcs.keys().map(String::as_str)
    }
}
