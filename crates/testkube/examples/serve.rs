//! Runs a testkube API server until killed and prints its URL (for pointing `helm` or
//! `chartroom` at it by hand).
#![forbid(unsafe_code)]

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let server = testkube::TestKube::start().await?;
    println!("{}", server.url());
    // TESTKUBE_LOG=1: every request and its reply code on stderr.
    server.log_to_stderr(std::env::var_os("TESTKUBE_LOG").is_some_and(|v| !v.is_empty()));
    // TESTKUBE_COMPLETE_JOBS=1: Jobs finish as soon as they are created (hook Jobs need it).
    server.complete_jobs(std::env::var_os("TESTKUBE_COMPLETE_JOBS").is_some_and(|v| !v.is_empty()));
    // TESTKUBE_ROLL_OUT=1: Deployments and StatefulSets become ready after each write.
    server.roll_out_workloads(std::env::var_os("TESTKUBE_ROLL_OUT").is_some_and(|v| !v.is_empty()));
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: testkube\n  cluster:\n    server: {}\ncontexts:\n- name: testkube\n  context:\n    cluster: testkube\n    user: testkube\ncurrent-context: testkube\nusers:\n- name: testkube\n  user:\n    token: test\n",
        server.url()
    );
    if let Some(path) = std::env::args().nth(1) {
        std::fs::write(&path, kubeconfig)?;
    }
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}
