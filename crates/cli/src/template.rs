//! `chartroom template`: render a chart locally, printed as `helm template` prints it.

use crate::args::{GlobalArgs, TemplateArgs};
use crate::{Env, Outcome};

pub fn run(_global: &GlobalArgs, _t: &TemplateArgs, _env: &Env) -> Outcome {
    Outcome::error("template: not wired to the chart engine yet")
}
