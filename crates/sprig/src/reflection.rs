//! Sprig's reflection functions (reflect.go): `typeOf`, `typeIs`, `typeIsLike`, `kindOf`,
//! `kindIs`, and `deepEqual` (Go's `reflect.DeepEqual`).
//!
//! Type names are Go's `%T` text (`int`, `float64`, `[]interface {}`,
//! `map[string]interface {}`, `<nil>`); kinds are `reflect.Kind` names (`int`, `slice`,
//! `map`, `ptr`, `invalid` for nil).

use gotmpl::{FuncMap, Type};

use crate::conv::{arg, arg_str};

pub fn register(m: &mut FuncMap) {
    use Type::{Any, String as S};

    m.add("typeOf", &[Any], |_, a| Ok(arg(a, 0).type_name().into()));
    m.add("typeIs", &[S, Any], |_, a| Ok((arg_str(a, 0) == arg(a, 1).type_name()).into()));
    m.add("typeIsLike", &[S, Any], |_, a| {
        let target = arg_str(a, 0);
        let actual = arg(a, 1).type_name();
        Ok((target == actual || actual.strip_prefix('*') == Some(target)).into())
    });
    m.add("kindOf", &[Any], |_, a| Ok(arg(a, 0).kind().go_name().into()));
    m.add("kindIs", &[S, Any], |_, a| Ok((arg_str(a, 0) == arg(a, 1).kind().go_name()).into()));
    m.add("deepEqual", &[Any, Any], |_, a| Ok(arg(a, 0).deep_equal(&arg(a, 1)).into()));
}
