//! The Chartroom playground: edit a chart and its per-environment values in the browser and
//! see `helm template`'s output live, rendered client-side by the Rust engine in wasm.
#![forbid(unsafe_code)]

mod app;
mod browser;
mod editor;
mod engine;
mod envdiff;
mod example;
mod share;
mod workspace;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
