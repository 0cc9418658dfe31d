//! `chartroom show chart|values|readme|crds|all CHART`: a chart's information, printed as
//! `helm show` prints it.

use clap::{Args, Subcommand};

use crate::{Env, Outcome};

#[derive(Subcommand, Debug, Clone)]
pub enum ShowCommand {
    /// show all information of the chart
    All(ShowArgs),
    /// show the chart's definition
    Chart(ShowArgs),
    /// show the chart's values
    Values(ShowArgs),
    /// show the chart's README
    Readme(ShowArgs),
    /// show the chart's CRDs
    Crds(ShowArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct ShowArgs {
    /// CHART: a directory, an archive, repo/name or oci://...
    pub chart: String,
    /// specify a version constraint for the chart version to use
    #[arg(long)]
    pub version: Option<String>,
    /// use development versions, too
    #[arg(long)]
    pub devel: bool,
    #[command(flatten)]
    pub transport: super::registry::TransportArgs,
    #[command(flatten)]
    pub access: super::resolve::ChartAccessArgs,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    All,
    Chart,
    Values,
    Readme,
    Crds,
}

pub fn run(command: &ShowCommand, env: &Env) -> Outcome {
    let (part, args) = match command {
        ShowCommand::All(a) => (Part::All, a),
        ShowCommand::Chart(a) => (Part::Chart, a),
        ShowCommand::Values(a) => (Part::Values, a),
        ShowCommand::Readme(a) => (Part::Readme, a),
        ShowCommand::Crds(a) => (Part::Crds, a),
    };
    match show(part, args, env) {
        Ok((text, stderr)) => Outcome { stdout: text.into_bytes(), stderr: stderr.into_bytes(), code: 0 },
        Err(e) => Outcome::error(e),
    }
}

/// The text to print, and what fetching the chart printed (`Pulled:`, for stderr).
fn show(part: Part, args: &ShowArgs, env: &Env) -> Result<(String, String), String> {
    let request = super::resolve::ChartRequest {
        version: args.version.as_deref(),
        devel: args.devel,
        transport: &args.transport,
        access: &args.access,
        want_provenance: false,
    };
    let located = super::resolve::locate(&args.chart, request, env)?;
    let mut warnings = Vec::new();
    let chart = chart::fsload::load_path(&located.path, &mut warnings).map_err(|e| e.message)?;
    let mut out = String::new();
    if matches!(part, Part::All | Part::Chart) {
        out.push_str(&chart::package::chart_yaml(&chart.metadata).map_err(|e| e.message)?);
        out.push('\n');
    }
    if matches!(part, Part::All | Part::Values) {
        if part == Part::All {
            out.push_str("---\n");
        }
        if let Some(values) = chart.values_text() {
            out.push_str(&values);
            out.push('\n');
        }
    }
    if matches!(part, Part::All | Part::Readme) {
        // Helm looks for these names, in this order, case-insensitively.
        let readme = ["readme.md", "readme.txt", "readme"]
            .iter()
            .find_map(|n| chart.files.iter().find(|f| f.name.eq_ignore_ascii_case(n)));
        if let Some(readme) = readme {
            if part == Part::All {
                out.push_str("---\n");
            }
            out.push_str(&readme.text());
            out.push('\n');
        }
    }
    if matches!(part, Part::All | Part::Crds) {
        for crd in chart.crd_objects() {
            if !crd.file.data.starts_with(b"---") {
                out.push_str("---\n");
            }
            out.push_str(&crd.file.text());
            out.push('\n');
        }
    }
    Ok((out, located.stderr))
}
