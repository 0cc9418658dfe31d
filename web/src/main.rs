//! The Chartroom playground: edit a chart and its per-environment values in the browser and
//! see `helm template`'s output live, rendered client-side by the Rust engine in wasm.
#![forbid(unsafe_code)]

mod app;
mod browser;
mod editor;
mod engine;
mod envdiff;
mod example;
mod render_worker;
mod share;
mod teach;
mod workspace;

fn main() {
    // The same module also runs in the render worker, which has no page to draw: there it
    // only answers `render_worker::chartroom_worker_handle` calls.
    if render_worker::in_worker() {
        return;
    }
    yew::Renderer::<app::App>::new().render();
}
