//! Loading, strvals, coalescing and hostile-archive tests. Expected values were checked
//! against `helm template` (Helm v4.1.4).

use std::io::Write;
use std::path::Path;

use chart::strvals::{parse_into, ValueMode};
use chart::values::{coalesce_values, Warnings};
use chart::{load_archive, load_files, UserValues};
use gotmpl::{MapRef, Value};

fn json(v: &Value) -> String {
    godata::json::to_json(v).unwrap()
}

fn set(lines: &[&str]) -> Result<String, String> {
    let dest = MapRef::default();
    for l in lines {
        parse_into(l, &dest, ValueMode::Typed)?;
    }
    Ok(json(&Value::Map(dest)))
}

#[test]
fn strvals_matches_helm() {
    let ok = [
        ("a[0]", r#"{"a":[]}"#),
        ("a={}", r#"{"a":[""]}"#),
        ("a=", r#"{"a":""}"#),
        ("x=1,a[2].b=c", r#"{"a":[null,null,{"b":"c"}],"x":1}"#),
        ("a.b[1]=x", r#"{"a":{"b":[null,"x"]}}"#),
        (".a=1", "{}"),
        ("a\\.b=1", r#"{"a.b":1}"#),
        ("a=x\\,y", r#"{"a":"x,y"}"#),
        ("a=+5", r#"{"a":5}"#),
        ("a=007", r#"{"a":"007"}"#),
        ("a=-0", r#"{"a":0}"#),
        ("a=TRUE", r#"{"a":true}"#),
        ("a=Null", r#"{"a":null}"#),
        ("a[x", "{}"),
        ("a[1][2]=3", r#"{"a":[null,[null,null,3]]}"#),
        ("a={1,{2}", r#"{"a":[1,"{2"]}"#),
        ("a={b,c},d=1", r#"{"a":["b","c"],"d":1}"#),
        ("a=1.5", r#"{"a":"1.5"}"#),
        ("name=value,outer.inner=x", r#"{"name":"value","outer":{"inner":"x"}}"#),
        ("list[0].a=1,list[0].b=2", r#"{"list":[{"a":1,"b":2}]}"#),
        ("a=9223372036854775807", r#"{"a":9223372036854775807}"#),
        ("a=9223372036854775808", r#"{"a":"9223372036854775808"}"#),
    ];
    for (input, want) in ok {
        assert_eq!(set(&[input]).as_deref(), Ok(want), "--set {input}");
    }
    let bad = [
        ("a[0]foo=1", "unexpected data at end of array index: ['f' 'o' 'o']"),
        ("a=null,a[0]=1", "unable to parse key: interface conversion: interface {} is nil, not []interface {}"),
        ("a=1,a[0]=1", "unable to parse key: interface conversion: interface {} is int64, not []interface {}"),
        ("a[0]=1,a.b=2", "unable to parse key: interface conversion: interface {} is []interface {}, not map[string]interface {}"),
        ("a.=1", "key map \"a\" has no value"),
        ("a..b=1", "key map \"a\" has no value"),
        ("a", "key \"a\" has no value"),
        ("a,b=1", "key \"a\" has no value (cannot end with ,)"),
        ("a=1,,b=2", "key \"\" has no value (cannot end with ,)"),
        ("a[-1]=1", "negative -1 index not allowed"),
        ("a.b.c", "key \"c\" has no value"),
        ("a.b[x]=c", "error parsing index: strconv.Atoi: parsing \"x\": invalid syntax"),
        ("a.b[99999999]=1", "index of 99999999 is greater than maximum supported index of 65536"),
        ("a={1,2", "list must terminate with '}'"),
    ];
    for (input, want) in bad {
        assert_eq!(set(&[input]), Err(want.to_string()), "--set {input}");
    }
    // Later flags see earlier ones.
    assert_eq!(set(&["a.b=1", "a.c=2"]).as_deref(), Ok(r#"{"a":{"b":1,"c":2}}"#));
    let deep = format!("{}=1", vec!["a"; 32].join("."));
    assert!(set(&[&deep]).unwrap_err().contains("maximum supported nested level of 30"));
}

#[test]
fn strvals_other_modes() {
    let dest = MapRef::default();
    parse_into("a=true,b=1", &dest, ValueMode::String).unwrap();
    parse_into("c.d=x,y\\z=1", &dest, ValueMode::Literal).unwrap();
    parse_into(r#"e=[1,{"f":null}],g={"h":2}, i="s""#, &dest, ValueMode::Json).unwrap();
    parse_into("j=", &dest, ValueMode::Json).unwrap();
    let reader = |p: &str| if p == "f.txt" { Ok("content".to_string()) } else { Err(format!("open {p}: no such file or directory")) };
    parse_into("k=f.txt", &dest, ValueMode::File(&reader)).unwrap();
    assert_eq!(
        json(&Value::Map(dest.clone())),
        // Helm keeps the blank after a JSON value's comma as part of the next key.
        r#"{" i":"s","a":"true","b":"1","c":{"d":"x,y\\z=1"},"e":[1,{"f":null}],"g":{"h":2},"j":null,"k":"content"}"#
    );
    assert_eq!(
        parse_into("k=missing", &dest, ValueMode::File(&reader)),
        Err("open missing: no such file or directory".to_string())
    );
}

#[test]
fn user_values_order_and_errors() {
    let user = UserValues {
        files: vec![("a.yaml".into(), "a: 1\nb: {c: 1, d: 2}\n---\nb: {c: 3}\n".into())],
        set: vec!["a=2".into()],
        set_string: vec!["e=3".into()],
        set_json: vec![r#"{"b": {"d": null}}"#.into()],
        ..Default::default()
    };
    assert_eq!(json(&Value::Map(user.merge().unwrap())), r#"{"a":2,"b":{"c":3,"d":null},"e":"3"}"#);
    let bad = UserValues { set: vec!["a.b[x]=c".into()], ..Default::default() };
    assert_eq!(
        bad.merge().unwrap_err().message,
        "failed parsing --set data: error parsing index: strconv.Atoi: parsing \"x\": invalid syntax"
    );
    let bad_json = UserValues { set_json: vec!["a=[1".into()], ..Default::default() };
    assert_eq!(bad_json.merge().unwrap_err().message, "failed parsing --set-json data a=[1");
}

fn chart_from(files: &[(&str, &str)]) -> chart::Chart {
    let files = files.iter().map(|(n, d)| (n.to_string(), d.as_bytes().to_vec())).collect();
    load_files(files, &mut Vec::new()).unwrap()
}

#[test]
fn coalescing_matches_helm() {
    let c = chart_from(&[
        ("Chart.yaml", "apiVersion: v2\nname: parent\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 0.1.0\n"),
        ("values.yaml", "a: {x: 1, z: 2}\nb: table\nglobal: {g: 1, t: {p: 1}}\nsub: {s: 1}\nm: {k: 1}\n"),
        ("charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n"),
        ("charts/sub/values.yaml", "s: 0\nq: 5\nglobal: {t: {c: 2}, g: 0}\n"),
    ]);
    let user = MapRef::default();
    parse_into("a.x=null,b.c=1,m=3", &user, ValueMode::Typed).unwrap();
    let mut w = Warnings::default();
    let out = coalesce_values(&c, &user, &mut w).unwrap();
    assert_eq!(
        json(&Value::Map(out)),
        r#"{"a":{"z":2},"b":{"c":1},"global":{"g":1,"t":{"p":1}},"m":3,"sub":{"global":{"g":1,"t":{"c":2,"p":1}},"q":5,"s":1}}"#
    );
    assert_eq!(w.0, vec!["warning: skipped value for parent.b: Not a table.".to_string()]);
}

#[test]
fn dependency_processing() {
    let mut c = chart_from(&[
        (
            "Chart.yaml",
            "apiVersion: v2\nname: p\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: ~0.1.0\n  alias: one\n  condition: one.enabled\n- name: sub\n  alias: two\n  version: 0.1.x\n  tags: [t]\n  import-values: [data]\n",
        ),
        ("values.yaml", "one: {enabled: false}\n"),
        ("charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.3\n"),
        ("charts/sub/values.yaml", "exports: {data: {imported: yes}}\n"),
    ]);
    let (vals, _warnings) = chart::compute_values(&mut c, &UserValues::default()).unwrap();
    let names: Vec<&str> = c.dependencies.iter().map(|d| d.name()).collect();
    assert_eq!(names, vec!["two"]);
    assert_eq!(c.dependencies[0].full_path(), "p/charts/two");
    assert_eq!(vals.get("imported").map(|v| json(&v)), Some("true".to_string()));

    let missing = chart_from(&[("Chart.yaml", "apiVersion: v2\nname: p\nversion: 1.0.0\ndependencies:\n- name: gone\n  version: 1.0.0\n")]);
    assert_eq!(
        chart::deps::check_dependencies_for_install(&missing).unwrap_err().message,
        "an error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: gone"
    );
}

#[test]
fn chart_yaml_rules() {
    let load = |yaml: &str| {
        load_files(vec![("Chart.yaml".into(), yaml.as_bytes().to_vec())], &mut Vec::new()).map(|c| c.metadata)
    };
    let md = load("apiVersion: v2\nname: c\nversion: 0.1.0\nappVersion: 1.10\nhome: 123456789\nicon: 1.5e-7\nKeywords: [a, 1, true]\n").unwrap();
    assert_eq!(md.app_version, "1.1");
    assert_eq!(md.home, "123456789");
    assert_eq!(md.icon, "1.5e-07");
    assert_eq!(md.keywords, vec!["a", "1", "true"]);
    let err = |yaml: &str| load(yaml).unwrap_err().message;
    assert_eq!(err("apiVersion: v2\nversion: 1.0.0\n"), "validation: chart.metadata.name is required");
    assert_eq!(err("apiVersion: v2\nname: c\nversion: 1.2.3-01\n"), "validation: chart.metadata.version \"1.2.3-01\" is invalid");
    assert_eq!(err("apiVersion: v2\nname: c\nversion: 1.0.0\ntype: Library\n"), "validation: chart.metadata.type must be application or library");
    assert_eq!(err("apiVersion: v2\nname: a/b\nversion: 1.0.0\n"), "validation: chart.metadata.name \"a/b\" is invalid");
    assert!(load_files(vec![("values.yaml".into(), b"a: 1".to_vec())], &mut Vec::new()).unwrap_err().message == "Chart.yaml file is missing");
    let bad_values = load_files(
        vec![("Chart.yaml".into(), b"apiVersion: v2\nname: c\nversion: 1.0.0\n".to_vec()), ("values.yaml".into(), b"a: 1\n---foo\n".to_vec())],
        &mut Vec::new(),
    );
    assert_eq!(bad_values.unwrap_err().message, "cannot load values.yaml: error reading yaml document: invalid Yaml document separator: foo");
}

fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        // Write the raw name so hostile paths survive.
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    let tar = builder.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

#[test]
fn hostile_archives() {
    let chart_yaml: &[u8] = b"apiVersion: v2\nname: c\nversion: 1.0.0\n";
    let ok = tgz(&[("c/Chart.yaml", chart_yaml), ("c/templates/x.yaml", b"a: 1")]);
    let c = load_archive(&ok, &mut Vec::new()).unwrap();
    assert_eq!(c.templates[0].name, "templates/x.yaml");

    let err = |entries: &[(&str, &[u8])]| load_archive(&tgz(entries), &mut Vec::new()).unwrap_err().message;
    assert_eq!(err(&[("c/../../etc/passwd", b"x")]), "chart illegally references parent directory");
    assert_eq!(err(&[("c//etc/passwd", b"x")]), "chart illegally contains absolute paths");
    assert_eq!(err(&[("Chart.yaml", chart_yaml)]), "chart illegally contains content outside the base directory: \"Chart.yaml\"");
    assert_eq!(err(&[("c/C:/x", b"x")]), "chart contains illegally named files");
    assert_eq!(err(&[]), "no files in chart archive");
    let big = vec![b'a'; 5 * 1024 * 1024 + 1];
    assert_eq!(
        err(&[("c/Chart.yaml", chart_yaml), ("c/big", &big)]),
        "decompressed chart file \"c/big\" is larger than the maximum file size 5242880"
    );
    let truncated = &ok[..ok.len() / 2];
    assert!(load_archive(truncated, &mut Vec::new()).is_err());
    assert_eq!(load_archive(b"not gzip at all", &mut Vec::new()).unwrap_err().message, "gzip: invalid header");
}

#[test]
fn loads_every_conformance_chart() {
    let root = Path::new("/work/shared/conformance/charts");
    let Ok(entries) = std::fs::read_dir(root) else {
        eprintln!("conformance charts not available; skipping");
        return;
    };
    let mut loaded = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let mut targets = vec![];
        if path.join("Chart.yaml").exists() {
            targets.push(path.clone());
        } else {
            for inner in std::fs::read_dir(&path).unwrap().flatten() {
                let p = inner.path();
                if p.join("Chart.yaml").exists() || p.extension().is_some_and(|e| e == "tgz") {
                    targets.push(p);
                }
            }
        }
        for target in targets {
            let mut warnings = Vec::new();
            let mut c = chart::fsload::load_path(&target, &mut warnings)
                .unwrap_or_else(|e| panic!("{}: {e}", target.display()));
            loaded += 1;
            // Charts whose dependencies are all vendored process without error.
            if chart::deps::check_dependencies(&c).is_ok() {
                chart::compute_values(&mut c, &UserValues::default())
                    .unwrap_or_else(|e| panic!("{}: {e}", target.display()));
            }
        }
    }
    assert!(loaded >= 40, "loaded only {loaded} charts");
}
