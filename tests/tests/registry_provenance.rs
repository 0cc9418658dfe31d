//! Chart provenance against Helm v4.1.4 (.tools/bin/helm) and GnuPG: keys are made with
//! `gpg` in the test, charts signed by Helm verify in chartroom (`verify`, `pull --verify`,
//! `template --verify`, from a directory, a chart repository and an OCI registry) with the
//! same output, and charts signed by chartroom (`package --sign`) verify in Helm. Tampered
//! archives, other keys, missing or garbled `.prov` files are refused in Helm's words, and
//! chartroom writes nothing when a check fails.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chartroom_tests::{free_port, helm, skip, wait_for, Server};

/// The test's GnuPG homes, with their agents stopped at the end.
struct Work {
    root: PathBuf,
    helm: PathBuf,
}

impl Drop for Work {
    fn drop(&mut self) {
        for home in ["gnupg", "gnupg-other"] {
            let _ = Command::new("gpgconf").args(["--kill", "gpg-agent"]).env("GNUPGHOME", self.root.join(home)).status();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

type Output = (String, String, i32);

impl Work {
    fn side(&self, which: &str) -> PathBuf {
        self.root.join(which)
    }

    fn vars(&self, which: &str) -> HashMap<String, String> {
        let dir = self.side(which);
        HashMap::from([
            ("HELM_REPOSITORY_CONFIG".to_string(), dir.join("config/repositories.yaml").display().to_string()),
            ("HELM_REPOSITORY_CACHE".to_string(), dir.join("cache").display().to_string()),
            ("HELM_REGISTRY_CONFIG".to_string(), dir.join("config/registry.json").display().to_string()),
            ("HELM_CACHE_HOME".to_string(), dir.join("helmcache").display().to_string()),
            ("HELM_CONFIG_HOME".to_string(), dir.join("config").display().to_string()),
            ("HELM_DATA_HOME".to_string(), dir.join("data").display().to_string()),
            ("HOME".to_string(), dir.display().to_string()),
            // Helm's default keyring is $GNUPGHOME/pubring.gpg: here, none.
            ("GNUPGHOME".to_string(), dir.join("no-gnupg").display().to_string()),
        ])
    }

    fn helm(&self, args: &[&str]) -> Output {
        let out = Command::new(&self.helm).args(args).current_dir(self.side("h")).env_clear().envs(self.vars("h")).output().expect("helm runs");
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), out.status.code().unwrap_or(-1))
    }

    fn chartroom(&self, args: &[&str]) -> Output {
        let mut argv = vec!["chartroom".to_string()];
        argv.extend(args.iter().map(|s| s.to_string()));
        let out = chartroom_cli::run(&argv, &chartroom_cli::Env { cwd: self.side("c"), vars: self.vars("c") });
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), out.code)
    }

    fn same(&self, args: &[&str]) -> Output {
        let theirs = self.helm(args);
        let ours = self.chartroom(args);
        let norm = |s: &str| s.replace(&self.side("h").display().to_string(), "W").replace(&self.side("c").display().to_string(), "W");
        assert_eq!((norm(&ours.0), norm(&ours.1), ours.2), (norm(&theirs.0), norm(&theirs.1), theirs.2), "chartroom {args:?} (left) vs helm (right)");
        ours
    }

    /// Copies a file (relative to the root) into both sides.
    fn share(&self, from: &Path, rel: &str) {
        for side in ["h", "c"] {
            let to = self.side(side).join(rel);
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(from, &to).expect("copy");
        }
    }

    fn files(&self, which: &str, rel: &str) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(self.side(which).join(rel))
            .map(|rd| rd.filter_map(|e| e.ok()).map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("read"))).collect())
            .unwrap_or_default();
        out.sort();
        out
    }
}

/// Makes an unprotected RSA key in `home` and exports its keyrings (legacy format).
fn make_key(home: &Path, name: &str, secret_out: &Path, public_out: &Path) -> bool {
    std::fs::create_dir_all(home).expect("gnupg home");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(home, std::fs::Permissions::from_mode(0o700));
    }
    let params = format!("%no-protection\nKey-Type: RSA\nKey-Length: 2048\nName-Real: {name}\nName-Email: signer@example.com\nExpire-Date: 0\n%commit\n");
    std::fs::write(home.join("params"), params).expect("params");
    let gpg = |args: &[&str]| Command::new("gpg").args(["--batch", "--quiet"]).args(args).env("GNUPGHOME", home).stderr(Stdio::null()).output();
    let Ok(made) = gpg(&["--gen-key", &home.join("params").display().to_string()]) else {
        skip("no gpg (apt-get install gnupg)");
        return false;
    };
    assert!(made.status.success(), "gpg --gen-key failed");
    let secret = gpg(&["--export-secret-keys"]).expect("export secret");
    std::fs::write(secret_out, secret.stdout).expect("secring");
    let public = gpg(&["--export"]).expect("export");
    std::fs::write(public_out, public.stdout).expect("pubring");
    true
}

const CHART_YAML: &str = "apiVersion: v2\nname: demo\ndescription: A signed chart\nversion: 0.1.0\n";
const TEMPLATE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  signed: \"yes\"\n";

#[test]
fn provenance_made_by_helm_verifies_in_chartroom_and_the_other_way_round() {
    let Some(helm) = helm() else { return };
    let root = std::env::temp_dir().join(format!("chartroom-prov-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let w = Work { root: root.clone(), helm };
    for side in ["h", "c", "keys", "src/demo/templates", "repo"] {
        std::fs::create_dir_all(root.join(side)).expect("dirs");
    }
    if !make_key(&root.join("gnupg"), "Chart Signer", &root.join("keys/secring.gpg"), &root.join("keys/pubring.gpg")) {
        return;
    }
    assert!(make_key(&root.join("gnupg-other"), "Someone Else", &root.join("keys/other-sec.gpg"), &root.join("keys/other.gpg")));
    for k in ["secring.gpg", "pubring.gpg", "other.gpg"] {
        w.share(&root.join("keys").join(k), k);
    }
    std::fs::write(root.join("src/demo/Chart.yaml"), CHART_YAML).expect("chart");
    std::fs::write(root.join("src/demo/templates/cm.yaml"), TEMPLATE).expect("template");
    let src = root.join("src/demo").display().to_string();

    // Helm signs; both verify the same way.
    let (_, err, code) = w.helm(&["package", &src, "--sign", "--key", "Chart Signer", "--keyring", "secring.gpg", "-d", "signed"]);
    assert_eq!(code, 0, "{err}");
    let signed = w.side("h").join("signed");
    w.share(&signed.join("demo-0.1.0.tgz"), "demo-0.1.0.tgz");
    w.share(&signed.join("demo-0.1.0.tgz.prov"), "demo-0.1.0.tgz.prov");
    let (out, _, _) = w.same(&["verify", "demo-0.1.0.tgz", "--keyring", "pubring.gpg"]);
    assert!(out.starts_with("Signed by: Chart Signer <signer@example.com>\nUsing Key With Fingerprint: "), "{out}");
    w.same(&["verify", "demo-0.1.0.tgz", "--keyring", "secring.gpg"]);
    w.same(&["verify", "demo-0.1.0.tgz", "--keyring", "other.gpg"]);
    w.same(&["verify", "demo-0.1.0.tgz", "--keyring", "missing.gpg"]);
    w.same(&["verify", "demo-0.1.0.tgz"]);
    w.same(&["verify", "nothere.tgz", "--keyring", "pubring.gpg"]);
    w.same(&["template", "r", "demo-0.1.0.tgz", "--verify", "--keyring", "pubring.gpg"]);
    w.same(&["template", "r", "demo-0.1.0.tgz", "--verify", "--keyring", "other.gpg"]);
    // Tampering: the archive changed (same name), the signed text changed, no signature,
    // no provenance at all, a directory.
    let mut tampered = std::fs::read(signed.join("demo-0.1.0.tgz")).expect("archive");
    tampered.push(0);
    let prov = std::fs::read_to_string(signed.join("demo-0.1.0.tgz.prov")).expect("prov");
    for side in ["h", "c"] {
        let d = w.side(side);
        for sub in ["t1", "t2", "t3", "t4"] {
            std::fs::create_dir_all(d.join(sub)).expect("dir");
            std::fs::copy(signed.join("demo-0.1.0.tgz"), d.join(sub).join("demo-0.1.0.tgz")).expect("copy");
        }
        std::fs::write(d.join("t1/demo-0.1.0.tgz"), &tampered).expect("tamper");
        std::fs::write(d.join("t1/demo-0.1.0.tgz.prov"), &prov).expect("prov");
        std::fs::write(d.join("t2/demo-0.1.0.tgz.prov"), prov.replace("description: A signed chart", "description: A changed chart")).expect("prov");
        std::fs::write(d.join("t3/demo-0.1.0.tgz.prov"), "files:\n  demo-0.1.0.tgz: sha256:00\n").expect("prov");
    }
    for sub in ["t1", "t2", "t3", "t4"] {
        let (_, err, code) = w.same(&["verify", &format!("{sub}/demo-0.1.0.tgz"), "--keyring", "pubring.gpg"]);
        assert_eq!(code, 1, "{sub}: {err}");
    }
    w.same(&["template", "r", "t1/demo-0.1.0.tgz", "--verify", "--keyring", "pubring.gpg"]);
    w.same(&["verify", &src, "--keyring", "pubring.gpg"]);
    install_and_upgrade_verify(&w);

    // chartroom signs; Helm verifies. Signing failures in Helm's words, and no archive
    // left behind by chartroom.
    let (out, err, code) = w.chartroom(&["package", &src, "--sign", "--key", "Chart Signer", "--keyring", "secring.gpg", "-d", "mine"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "Successfully packaged chart and saved it to: mine/demo-0.1.0.tgz\n");
    for f in ["demo-0.1.0.tgz", "demo-0.1.0.tgz.prov"] {
        std::fs::copy(w.side("c").join("mine").join(f), w.side("h").join(f)).expect("hand over");
    }
    let (out, err, code) = w.helm(&["verify", "demo-0.1.0.tgz", "--keyring", "pubring.gpg"]);
    assert_eq!(code, 0, "helm refuses chartroom's signature: {err}");
    assert!(out.contains("Signed by: Chart Signer <signer@example.com>"), "{out}");
    for (args, wanted) in [
        (vec!["--sign"], "Error: --key is required for signing a package\n"),
        (vec!["--sign", "--key", "nobody", "--keyring", "secring.gpg"], "Error: private key not found\n"),
        (vec!["--sign", "--key", "Chart", "--keyring", "pubring.gpg"], "Error: provided key is not a private key. Try providing a keyring with secret keys\n"),
    ] {
        let mut full = vec!["package", src.as_str()];
        full.extend(args.iter().copied());
        full.extend(["-d", "unsigned"]);
        let theirs = w.helm(&full);
        let ours = w.chartroom(&full);
        assert_eq!((ours.1.as_str(), ours.2), (theirs.1.as_str(), theirs.2), "{full:?}");
        assert_eq!(ours.1, wanted);
        assert!(w.files("c", "unsigned").is_empty(), "{full:?} left an unsigned archive");
    }

    // A chart repository serving the archive and its provenance.
    for f in ["demo-0.1.0.tgz", "demo-0.1.0.tgz.prov"] {
        std::fs::copy(signed.join(f), root.join("repo").join(f)).expect("publish");
    }
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let (_, err, code) = w.helm(&["repo", "index", &root.join("repo").display().to_string(), "--url", &url]);
    assert_eq!(code, 0, "{err}");
    let Ok(child) = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1"])
        .current_dir(root.join("repo"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        skip("no python3");
        return;
    };
    let _http = wait_for(port, Server(child));
    w.same(&["repo", "add", "lab", &url]);
    for side in ["h", "c"] {
        for d in ["p1", "p2", "p3"] {
            std::fs::create_dir_all(w.side(side).join(d)).expect("dest");
        }
    }
    w.same(&["pull", "lab/demo", "--verify", "--keyring", "pubring.gpg", "-d", "p1"]);
    assert_eq!(w.files("c", "p1"), w.files("h", "p1"));
    assert_eq!(w.files("c", "p1").len(), 2);
    w.same(&["pull", &format!("{url}/demo-0.1.0.tgz"), "--verify", "--keyring", "pubring.gpg", "-d", "p2"]);
    assert_eq!(w.files("c", "p2"), w.files("h", "p2"));
    w.same(&["template", "r", "lab/demo", "--verify", "--keyring", "pubring.gpg"]);
    w.same(&["template", "r", "lab/demo", "--verify", "--keyring", "other.gpg"]);
    // Refused by the keyring: the same error; Helm leaves the download behind, chartroom
    // writes nothing.
    let (_, err, code) = w.same(&["pull", "lab/demo", "--verify", "--keyring", "other.gpg", "-d", "p3"]);
    assert_eq!((err.as_str(), code), ("Error: openpgp: signature made by unknown entity\n", 1));
    assert!(w.files("c", "p3").is_empty());
    // The archive in the repository changes after signing (and indexing).
    std::fs::write(root.join("repo/demo-0.1.0.tgz"), &tampered).expect("tamper");
    let (_, err, code) = w.chartroom(&["pull", &format!("{url}/demo-0.1.0.tgz"), "--verify", "--keyring", "pubring.gpg", "-d", "p3"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("Error: sha256 sum does not match for demo-0.1.0.tgz: "), "{err}");
    assert!(w.files("c", "p3").is_empty());

    // An OCI registry: Helm pushes the provenance as a layer; chartroom pulls and verifies
    // it, and pushes the same manifest for the same files.
    let registry_bin = Path::new("/usr/bin/docker-registry");
    if !registry_bin.exists() {
        skip("no docker-registry (scripts/registry-test.sh installs it)");
        return;
    }
    let reg_port = free_port();
    let reg_dir = root.join("registry");
    std::fs::create_dir_all(&reg_dir).expect("registry dir");
    std::fs::write(
        reg_dir.join("config.yml"),
        format!("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{reg_port}\n", reg_dir.join("data").display()),
    )
    .expect("config");
    let child = Command::new(registry_bin).arg("serve").arg(reg_dir.join("config.yml")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("registry");
    let _registry = wait_for(reg_port, Server(child));
    let host = format!("127.0.0.1:{reg_port}");
    for side in ["h", "c"] {
        for f in ["demo-0.1.0.tgz", "demo-0.1.0.tgz.prov"] {
            std::fs::copy(signed.join(f), w.side(side).join("signed-copy").join(f)).or_else(|_| {
                std::fs::create_dir_all(w.side(side).join("signed-copy"))?;
                std::fs::copy(signed.join(f), w.side(side).join("signed-copy").join(f))
            })
            .expect("copy");
        }
        // The push records the archive's time (to the second) in the manifest.
        set_mtime(&w.side(side).join("signed-copy/demo-0.1.0.tgz"), std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000));
    }
    let (_, helm_push, code) = w.helm(&["push", "signed-copy/demo-0.1.0.tgz", &format!("oci://{host}/h"), "--plain-http"]);
    assert_eq!(code, 0, "{helm_push}");
    let (_, our_push, code) = w.chartroom(&["push", "signed-copy/demo-0.1.0.tgz", &format!("oci://{host}/c"), "--plain-http"]);
    assert_eq!(code, 0, "{our_push}");
    let digest = |s: &str| s.lines().find_map(|l| l.strip_prefix("Digest: ")).map(str::to_string);
    let manifests: Vec<String> = ["h", "c"].iter().map(|r| String::from_utf8_lossy(&Command::new("curl").args(["-s", "-H", "Accept: application/vnd.oci.image.manifest.v1+json", &format!("http://{host}/v2/{r}/demo/manifests/0.1.0")]).output().expect("curl").stdout).into_owned()).collect();
    assert_eq!(digest(&our_push), digest(&helm_push), "the same manifest with the provenance layer {manifests:#?}");
    // Without --verify or --prov, pull writes the archive only; with --prov, both.
    let pushed_by_helm = format!("oci://{host}/h/demo");
    for (dest, flag, count) in [("o0", None, 1), ("o00", Some("--prov"), 2)] {
        for side in ["h", "c"] {
            std::fs::create_dir_all(w.side(side).join(dest)).expect("dest");
        }
        let mut args = vec!["pull", pushed_by_helm.as_str(), "--version", "0.1.0", "--plain-http", "-d", dest];
        args.extend(flag);
        w.same(&args);
        assert_eq!(w.files("c", dest), w.files("h", dest));
        assert_eq!(w.files("c", dest).len(), count, "{args:?}");
    }
    for (dest, repo) in [("o1", "h"), ("o2", "c")] {
        for side in ["h", "c"] {
            std::fs::create_dir_all(w.side(side).join(dest)).expect("dest");
        }
        w.same(&["pull", &format!("oci://{host}/{repo}/demo"), "--version", "0.1.0", "--plain-http", "--verify", "--keyring", "pubring.gpg", "-d", dest]);
        assert_eq!(w.files("c", dest), w.files("h", dest));
        assert_eq!(w.files("c", dest).len(), 2, "archive and provenance");
    }
    w.same(&["template", "r", &format!("oci://{host}/h/demo"), "--version", "0.1.0", "--plain-http", "--verify", "--keyring", "pubring.gpg"]);
    let (_, err, code) = w.chartroom(&["pull", &format!("oci://{host}/h/demo"), "--version", "0.1.0", "--plain-http", "--verify", "--keyring", "other.gpg", "-d", "o3"]);
    assert_eq!(code, 1);
    assert!(err.ends_with("Error: openpgp: signature made by unknown entity\n"), "{err}");
    assert!(w.files("c", "o3").is_empty());
}

fn set_mtime(path: &Path, time: std::time::SystemTime) {
    let file = std::fs::File::options().write(true).open(path).expect("open");
    file.set_modified(time).expect("set mtime");
}

/// `install --verify` and `upgrade --verify` on testkube: Helm and chartroom refuse a
/// tampered archive or an unknown signer with the same message before anything reaches
/// the cluster, and chartroom deploys the signed one.
fn install_and_upgrade_verify(w: &Work) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let kube = runtime.block_on(testkube::TestKube::start()).expect("testkube");
    let kubeconfig = w.root.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: {}\ncontexts:\n- name: t\n  context:\n    cluster: t\n    user: u\ncurrent-context: t\nusers:\n- name: u\n  user:\n    token: x\n",
            kube.url()
        ),
    )
    .expect("kubeconfig");
    let config = kubeconfig.display().to_string();
    let refused = |args: &[&str]| {
        let mut full = vec!["--kubeconfig", config.as_str()];
        full.extend(args.iter().copied());
        let (_, err, code) = w.same(&full);
        assert_eq!(code, 1, "{args:?}: {err}");
    };
    refused(&["install", "r", "t1/demo-0.1.0.tgz", "--verify", "--keyring", "pubring.gpg"]);
    refused(&["install", "r", "demo-0.1.0.tgz", "--verify", "--keyring", "other.gpg"]);
    assert!(kube.objects("v1", "configmaps").is_empty(), "a refused chart reached the cluster");
    let (_, err, code) = w.chartroom(&["--kubeconfig", &config, "install", "r", "demo-0.1.0.tgz", "--verify", "--keyring", "pubring.gpg"]);
    assert_eq!(code, 0, "{err}");
    // The release exists (in Helm's storage format, so for Helm too): upgrade checks first.
    refused(&["upgrade", "r", "t2/demo-0.1.0.tgz", "--verify", "--keyring", "pubring.gpg"]);
    let (_, err, code) = w.chartroom(&["--kubeconfig", &config, "upgrade", "r", "demo-0.1.0.tgz", "--verify", "--keyring", "pubring.gpg"]);
    assert_eq!(code, 0, "{err}");
    assert!(kube.object("v1", "configmaps", Some("default"), "r").is_some());
    let _guard = runtime.enter();
    drop(kube);
}
