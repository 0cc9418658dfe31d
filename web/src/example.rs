//! The bundled example chart (examples/kubernetes-example), compiled into the page so the
//! playground works offline with no server behind it.

use crate::workspace::Workspace;

macro_rules! example_files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../examples/kubernetes-example/", $path)))),*]
    };
}

const EXAMPLE_FILES: &[(&str, &str)] = example_files![
    "Chart.yaml",
    "values.yaml",
    "values-dev.yaml",
    "values-staging.yaml",
    "values-prod.yaml",
    "templates/backend.yaml",
    "templates/database.yaml",
    "templates/frontend.yaml",
    "templates/hpa.yaml",
    "templates/ingress.yaml",
];

/// A fresh workspace over the example chart: environments dev, staging and prod.
pub fn example_workspace() -> Workspace {
    Workspace::from_pairs(EXAMPLE_FILES.iter().map(|(path, text)| (*path, text.as_bytes().to_vec())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::render_environment;
    use crate::envdiff::{diff_environments, ResourceChange};

    #[test]
    fn example_has_three_environments() {
        let ws = example_workspace();
        let names: Vec<_> = ws.environments.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["dev", "staging", "prod"]);
        assert_eq!(ws.selected_file, "values.yaml");
    }

    /// The scenario's step 4 through the playground's own request building: prod drops the
    /// in-cluster database and points the backend at the external one.
    #[test]
    fn prod_differs_from_dev_as_the_scenario_says() {
        let ws = example_workspace();
        let dev = render_environment(&ws, &ws.environments[0]).expect("dev renders");
        let prod = render_environment(&ws, &ws.environments[2]).expect("prod renders");
        assert!(dev.output.contains("# Source: kubernetes-example/templates/"), "{}", dev.output);
        assert!(prod.output.contains("10.10.10.10"));
        let changes = diff_environments(&dev.documents, &prod.documents, "dev", "prod");
        let removed: Vec<_> = changes
            .iter()
            .filter(|c| matches!(c, ResourceChange::Removed { .. }))
            .map(|c| c.key().display())
            .collect();
        assert_eq!(removed.len(), 2, "{removed:?}");
        assert!(removed.iter().any(|r| r.starts_with("Deployment/")), "{removed:?}");
        assert!(removed.contains(&"Service/pg-service".to_string()), "{removed:?}");
        assert!(changes.iter().all(|c| !matches!(c, ResourceChange::Added { .. })));
    }
}
