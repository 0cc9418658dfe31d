//! The `chartroom` binary: everything lives in the library so tests can run it in-process.

// Rendering allocates many small strings and maps; mimalloc serves them markedly faster than
// glibc's malloc (measured with callgrind on kube-prometheus-stack).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // One command per process (`play` serves files and renders nothing natively).
    chart::render::declare_exiting_soon();
    // Commands that load one chart and render it once parse its templates while it loads.
    // (A miss, say a verb after a flag's value, only costs that speed.)
    let verb = args.iter().skip(1).find(|a| !a.starts_with('-')).map(String::as_str);
    if matches!(verb, Some("template" | "install" | "upgrade")) {
        chart::parse_ahead::enable();
    }
    let env = chartroom_cli::Env::from_process();
    let outcome = chartroom_cli::run(&args, &env);
    use std::io::Write;
    let _ = std::io::stdout().write_all(&outcome.stdout);
    let _ = std::io::stderr().write_all(&outcome.stderr);
    std::process::exit(outcome.code);
}
