//! The Chartroom playground. For now it shows the bundled example chart's files; live
//! rendering per environment arrives with the playground issue, on top of `crates/chart`.

use yew::prelude::*;

/// The bundled example chart (examples/kubernetes-example), compiled into the page so the
/// playground works offline and with no server behind it.
const EXAMPLE_FILES: &[(&str, &str)] = &[
    ("Chart.yaml", include_str!("../../examples/kubernetes-example/Chart.yaml")),
    ("values.yaml", include_str!("../../examples/kubernetes-example/values.yaml")),
    ("values-dev.yaml", include_str!("../../examples/kubernetes-example/values-dev.yaml")),
    ("values-staging.yaml", include_str!("../../examples/kubernetes-example/values-staging.yaml")),
    ("values-prod.yaml", include_str!("../../examples/kubernetes-example/values-prod.yaml")),
    ("templates/backend.yaml", include_str!("../../examples/kubernetes-example/templates/backend.yaml")),
    ("templates/database.yaml", include_str!("../../examples/kubernetes-example/templates/database.yaml")),
    ("templates/frontend.yaml", include_str!("../../examples/kubernetes-example/templates/frontend.yaml")),
    ("templates/hpa.yaml", include_str!("../../examples/kubernetes-example/templates/hpa.yaml")),
    ("templates/ingress.yaml", include_str!("../../examples/kubernetes-example/templates/ingress.yaml")),
];

#[function_component(App)]
fn app() -> Html {
    let selected = use_state(|| 0usize);
    let (name, text) = EXAMPLE_FILES[*selected];
    html! {
        <main id="app">
            <header><h1>{ "Chartroom playground" }</h1>
                <p id="status">{ "Example chart: kubernetes-example (live rendering is on its way)" }</p>
            </header>
            <div class="panes">
                <nav id="file-tree">
                    <ul>
                    { for EXAMPLE_FILES.iter().enumerate().map(|(i, (path, _))| {
                        let selected = selected.clone();
                        let onclick = Callback::from(move |_| selected.set(i));
                        html! { <li class={classes!((i == *selected).then_some("selected"))}
                                    data-path={*path} {onclick}>{ *path }</li> }
                    }) }
                    </ul>
                </nav>
                <section id="editor">
                    <h2>{ name }</h2>
                    <pre id="file-text">{ text }</pre>
                </section>
            </div>
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
