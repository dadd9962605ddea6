//! The deployment files under `deploy/` parse, agree with each other and with the sources.
//!
//! Every YAML (all documents of a file) and JSON file under `deploy/` is parsed; then the
//! containers of `compose.yaml` and of the Kubernetes manifests are checked: images, commands
//! (the binary names the workspace builds), listen addresses, ports and probes; every
//! `BILLING_*` / `RUST_LOG` name written anywhere in `deploy/` must occur in the Rust sources;
//! the broker definitions must declare exactly what the binaries declare; the Dockerfile must
//! build and ship both binaries. No network, broker or database is needed.

#![allow(clippy::unwrap_used)]

use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The image of both binaries.
const IMAGE: &str = "billing-intake:0.1.0";
/// The only other images a deployment file may run.
const THIRD_PARTY_IMAGES: [&str; 2] = ["rabbitmq:3.10-management", "postgres:15"];
const GATEWAY_PORT: u16 = 8080;
const PROCESSOR_PORT: u16 = 9090;

// ---------------------------------------------------------------------------------------------
// Reading the repository

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn deploy_dir() -> PathBuf {
    root().join("deploy")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(deploy_dir())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// All Rust sources of the binaries and libraries (`crates/*/src/**/*.rs`), concatenated.
fn rust_sources() -> String {
    let mut text = String::new();
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    crates.sort();
    for krate in crates {
        let src = krate.join("src");
        if !src.is_dir() {
            continue;
        }
        for file in files_under(&src) {
            if file.extension().is_some_and(|e| e == "rs") {
                text.push_str(&read(&file));
                text.push('\n');
            }
        }
    }
    assert!(
        text.contains("fn main"),
        "no Rust sources found under crates/*/src"
    );
    text
}

/// `name` occurs in `text` as a whole identifier (not as part of a longer one).
fn occurs_as_word(text: &str, name: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// The `name` of the `[[bin]]` target of a crate's Cargo.toml.
fn bin_names(manifest: &Path) -> Vec<String> {
    let text = read(manifest);
    let mut names = Vec::new();
    let mut in_bin = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
            continue;
        }
        if in_bin
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "name"
        {
            names.push(value.trim().trim_matches('"').to_owned());
        }
    }
    names
}

/// Binary names the workspace builds, by crate: (gateway, processor).
fn workspace_bins() -> (String, String) {
    let ingest = bin_names(&root().join("crates/ingest/Cargo.toml"));
    let processor = bin_names(&root().join("crates/processor/Cargo.toml"));
    assert_eq!(ingest, ["billing-ingest"], "[[bin]] of crates/ingest");
    assert_eq!(
        processor,
        ["billing-processor"],
        "[[bin]] of crates/processor"
    );
    (ingest[0].clone(), processor[0].clone())
}

// ---------------------------------------------------------------------------------------------
// Parsing deploy/

#[derive(Debug)]
struct Doc {
    file: String,
    value: Value,
}

/// Every document of every YAML and JSON file under deploy/, as JSON values. Panics on the
/// first file that does not parse.
fn documents() -> Vec<Doc> {
    let mut docs = Vec::new();
    for path in files_under(&deploy_dir()) {
        let file = relative(&path);
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        match ext.as_str() {
            "yaml" | "yml" => {
                let text = read(&path);
                for (i, document) in serde_yaml::Deserializer::from_str(&text).enumerate() {
                    let yaml = serde_yaml::Value::deserialize(document)
                        .unwrap_or_else(|e| panic!("{file}: YAML document {i}: {e}"));
                    if yaml.is_null() {
                        continue; // an empty document, e.g. after a trailing `---`
                    }
                    let value = serde_json::to_value(&yaml).unwrap_or_else(|e| {
                        panic!("{file}: YAML document {i} is not JSON-like: {e}")
                    });
                    docs.push(Doc {
                        file: file.clone(),
                        value,
                    });
                }
            }
            "json" => {
                let value = serde_json::from_str(&read(&path))
                    .unwrap_or_else(|e| panic!("{file}: JSON: {e}"));
                docs.push(Doc { file, value });
            }
            _ => {}
        }
    }
    docs
}

fn doc<'a>(docs: &'a [Doc], file: &str) -> &'a Value {
    let found: Vec<&Doc> = docs.iter().filter(|d| d.file == file).collect();
    assert_eq!(found.len(), 1, "{file}: expected one document");
    &found[0].value
}

fn k8s_docs(docs: &[Doc]) -> Vec<&Doc> {
    docs.iter()
        .filter(|d| d.file.starts_with("k8s/") || d.file.starts_with("k8s\\"))
        .collect()
}

fn kind(v: &Value) -> &str {
    v["kind"].as_str().unwrap_or_default()
}

fn name(v: &Value) -> &str {
    v["metadata"]["name"].as_str().unwrap_or_default()
}

/// A scalar as text (YAML lets numbers and booleans stand where strings are meant).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().map(text).collect(),
        Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
        Value::Null => Vec::new(),
        other => panic!("expected a list of strings, got {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The containers of compose.yaml and of the Kubernetes manifests, in one shape

#[derive(Debug, Clone)]
struct Probe {
    kind: String,
    path: String,
    port: u16,
}

#[derive(Debug)]
struct Container {
    origin: String,
    image: String,
    command: Vec<String>,
    /// Container ports, with their names where the file gives one.
    ports: BTreeMap<u16, Option<String>>,
    /// The environment the container gets (explicit values and envFrom sources).
    env: BTreeMap<String, String>,
    probes: Vec<Probe>,
    annotations: BTreeMap<String, String>,
    kubernetes: bool,
}

#[derive(Debug, PartialEq, Eq)]
enum Role {
    Gateway,
    Processor,
    /// A command that runs once and exits (`billing-ingest migrate`).
    OneShot,
    ThirdParty,
}

fn port_number(s: &str, origin: &str) -> u16 {
    s.parse()
        .unwrap_or_else(|_| panic!("{origin}: `{s}` is not a port number"))
}

/// `host:port/path` of an http URL.
fn http_url_parts(url: &str) -> (String, u16, String) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = authority
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("`{url}` names no port"));
    (host.to_owned(), port_number(port, url), path.to_owned())
}

/// The port of a `host:port` listen address; the host must be reachable from outside the
/// container.
fn listen_port(addr: &str, origin: &str) -> u16 {
    let (host, port) = addr
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("{origin}: `{addr}` is not host:port"));
    assert!(
        matches!(host, "0.0.0.0" | "[::]" | "::"),
        "{origin}: listen address {addr} is not reachable from outside the container"
    );
    port_number(port, origin)
}

/// Host of a URL such as `amqp://user:pass@host:5672/%2f`.
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host_port.split(':').next().unwrap_or_default()
}

/// User of a URL such as `amqp://user:pass@host:5672/%2f`.
fn url_user(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let (userinfo, _) = authority.rsplit_once('@')?;
    Some(userinfo.split(':').next().unwrap_or_default())
}

fn compose_containers(compose: &Value) -> Vec<Container> {
    let services = compose["services"]
        .as_object()
        .expect("compose.yaml: no services");
    let mut containers = Vec::new();
    for (service, spec) in services {
        let origin = format!("compose.yaml service {service}");
        let image = spec["image"]
            .as_str()
            .unwrap_or_else(|| panic!("{origin}: no image"))
            .to_owned();
        let mut ports = BTreeMap::new();
        for entry in spec["ports"].as_array().into_iter().flatten() {
            let target = match entry {
                Value::Object(long) => text(&long["target"]),
                short => text(short),
            };
            let target = target.rsplit(':').next().unwrap_or_default();
            let target = target.split('/').next().unwrap_or_default();
            ports.insert(port_number(target, &origin), None);
        }
        for entry in spec["expose"].as_array().into_iter().flatten() {
            let port = text(entry);
            let port = port.split('/').next().unwrap_or_default();
            ports.insert(port_number(port, &origin), None);
        }
        let mut env = BTreeMap::new();
        match &spec["environment"] {
            Value::Object(map) => {
                for (k, v) in map {
                    env.insert(k.clone(), text(v));
                }
            }
            Value::Array(list) => {
                for item in list {
                    let item = text(item);
                    let (k, v) = item.split_once('=').unwrap_or((&item, ""));
                    env.insert(k.to_owned(), v.to_owned());
                }
            }
            Value::Null => {}
            other => panic!("{origin}: environment is {other}"),
        }
        let mut probes = Vec::new();
        for arg in strings(&spec["healthcheck"]["test"]) {
            if arg.starts_with("http://") {
                let (host, port, path) = http_url_parts(&arg);
                assert!(
                    matches!(host.as_str(), "127.0.0.1" | "localhost"),
                    "{origin}: the healthcheck must ask the container itself, not {host}"
                );
                probes.push(Probe {
                    kind: "healthcheck".into(),
                    path,
                    port,
                });
            }
        }
        containers.push(Container {
            origin,
            image,
            command: strings(&spec["command"]),
            ports,
            env,
            probes,
            annotations: BTreeMap::new(),
            kubernetes: false,
        });
    }
    containers
}

/// `data` / `stringData` of a ConfigMap or Secret (values of base64 `data` left empty).
fn env_source(
    docs: &[&Doc],
    kind_name: &str,
    object: &str,
    namespace: &str,
) -> BTreeMap<String, String> {
    let source = docs
        .iter()
        .map(|d| &d.value)
        .find(|v| {
            kind(v) == kind_name
                && name(v) == object
                && v["metadata"]["namespace"].as_str() == Some(namespace)
        })
        .unwrap_or_else(|| panic!("no {kind_name} {object} in namespace {namespace}"));
    let mut env = BTreeMap::new();
    for (k, v) in source["stringData"].as_object().into_iter().flatten() {
        env.insert(k.clone(), text(v));
    }
    for (k, v) in source["data"].as_object().into_iter().flatten() {
        let value = if kind_name == "Secret" {
            String::new()
        } else {
            text(v)
        };
        env.entry(k.clone()).or_insert(value);
    }
    env
}

fn pod_template(v: &Value) -> Option<&Value> {
    match kind(v) {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            Some(&v["spec"]["template"])
        }
        "CronJob" => Some(&v["spec"]["jobTemplate"]["spec"]["template"]),
        "Pod" => Some(v),
        _ => None,
    }
}

fn k8s_containers(docs: &[&Doc]) -> Vec<Container> {
    let mut containers = Vec::new();
    for d in docs {
        let Some(template) = pod_template(&d.value) else {
            continue;
        };
        let namespace = d.value["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default();
        let annotations: BTreeMap<String, String> = template["metadata"]["annotations"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), text(v)))
            .collect();
        let spec = &template["spec"];
        let all = spec["containers"]
            .as_array()
            .into_iter()
            .chain(spec["initContainers"].as_array())
            .flatten();
        for c in all {
            let origin = format!(
                "{} {} {} container {}",
                d.file,
                kind(&d.value),
                name(&d.value),
                text(&c["name"])
            );
            let mut ports = BTreeMap::new();
            for p in c["ports"].as_array().into_iter().flatten() {
                let port = port_number(&text(&p["containerPort"]), &origin);
                ports.insert(port, p["name"].as_str().map(str::to_owned));
            }
            let mut env = BTreeMap::new();
            for from in c["envFrom"].as_array().into_iter().flatten() {
                for (key, kind_name) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                    if let Some(object) = from[key]["name"].as_str() {
                        env.extend(env_source(docs, kind_name, object, namespace));
                    }
                }
            }
            for e in c["env"].as_array().into_iter().flatten() {
                let var = e["name"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{origin}: env entry without a name"));
                let value = match &e["valueFrom"] {
                    Value::Null => text(&e["value"]),
                    _ => String::new(),
                };
                env.insert(var.to_owned(), value);
            }
            let mut probes = Vec::new();
            for probe_kind in ["livenessProbe", "readinessProbe", "startupProbe"] {
                let probe = &c[probe_kind];
                if probe.is_null() {
                    continue;
                }
                let http = &probe["httpGet"];
                assert!(
                    !http.is_null(),
                    "{origin}: {probe_kind} is not an httpGet probe"
                );
                let port = match &http["port"] {
                    Value::Number(n) => u16::try_from(n.as_u64().unwrap()).unwrap(),
                    Value::String(port_name) => ports
                        .iter()
                        .find(|(_, n)| n.as_deref() == Some(port_name.as_str()))
                        .map(|(p, _)| *p)
                        .unwrap_or_else(|| {
                            panic!("{origin}: {probe_kind} names no port of the container")
                        }),
                    other => panic!("{origin}: {probe_kind} port {other}"),
                };
                probes.push(Probe {
                    kind: probe_kind.into(),
                    path: text(&http["path"]),
                    port,
                });
            }
            let mut command = strings(&c["command"]);
            command.extend(strings(&c["args"]));
            containers.push(Container {
                origin,
                image: text(&c["image"]),
                command,
                ports,
                env,
                probes,
                annotations: annotations.clone(),
                kubernetes: true,
            });
        }
    }
    containers
}

fn role(c: &Container, gateway_bin: &str, processor_bin: &str) -> Role {
    if c.image != IMAGE {
        assert!(
            THIRD_PARTY_IMAGES.contains(&c.image.as_str()),
            "{}: image {} is neither {IMAGE} nor one of {THIRD_PARTY_IMAGES:?}",
            c.origin,
            c.image
        );
        assert!(
            !c.command
                .first()
                .is_some_and(|b| b == gateway_bin || b == processor_bin),
            "{}: runs a billing binary from image {}",
            c.origin,
            c.image
        );
        return Role::ThirdParty;
    }
    let (bin, args) = c
        .command
        .split_first()
        .unwrap_or_else(|| panic!("{}: image {IMAGE} without a command", c.origin));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if bin == gateway_bin {
        match args.as_slice() {
            [] | ["serve"] => Role::Gateway,
            ["migrate"] => Role::OneShot,
            other => panic!("{}: unexpected arguments {other:?}", c.origin),
        }
    } else if bin == processor_bin {
        assert!(
            args.is_empty(),
            "{}: unexpected arguments {args:?}",
            c.origin
        );
        Role::Processor
    } else {
        panic!(
            "{}: command {bin} is not a binary of the workspace ({gateway_bin}, {processor_bin})",
            c.origin
        );
    }
}

/// The checks every container of the image gets, whatever file it comes from.
fn check_container(c: &Container, role: &Role) {
    let (addr_var, port) = match role {
        Role::Gateway => ("BILLING_HTTP_ADDR", GATEWAY_PORT),
        Role::Processor => ("BILLING_PROCESSOR_ADDR", PROCESSOR_PORT),
        Role::OneShot => {
            assert!(
                c.probes.is_empty(),
                "{}: a one-off command has no probes",
                c.origin
            );
            return;
        }
        Role::ThirdParty => return,
    };
    let addr = c
        .env
        .get(addr_var)
        .unwrap_or_else(|| panic!("{}: {addr_var} is not given", c.origin));
    assert_eq!(
        listen_port(addr, &c.origin),
        port,
        "{}: {addr_var}={addr}",
        c.origin
    );
    assert!(
        c.ports.contains_key(&port),
        "{}: port {port} is not exposed (ports {:?})",
        c.origin,
        c.ports
    );
    assert!(!c.probes.is_empty(), "{}: no health probe", c.origin);
    for probe in &c.probes {
        assert_eq!(
            probe.port, port,
            "{}: {} probes port {} instead of {port}",
            c.origin, probe.kind, probe.port
        );
        let expected: &[&str] = match probe.kind.as_str() {
            "livenessProbe" => &["/healthz"],
            "readinessProbe" | "healthcheck" => &["/readyz"],
            _ => &["/healthz", "/readyz"],
        };
        assert!(
            expected.contains(&probe.path.as_str()),
            "{}: {} path {} (expected one of {expected:?})",
            c.origin,
            probe.kind,
            probe.path
        );
    }
    if c.kubernetes {
        let kinds: BTreeSet<&str> = c.probes.iter().map(|p| p.kind.as_str()).collect();
        assert!(
            kinds.contains("livenessProbe") && kinds.contains("readinessProbe"),
            "{}: needs a liveness and a readiness probe",
            c.origin
        );
        assert_eq!(
            c.annotations
                .get("prometheus.io/scrape")
                .map(String::as_str),
            Some("true"),
            "{}: prometheus.io/scrape",
            c.origin
        );
        assert_eq!(
            c.annotations.get("prometheus.io/port"),
            Some(&port.to_string()),
            "{}: prometheus.io/port",
            c.origin
        );
        assert_eq!(
            c.annotations.get("prometheus.io/path").map(String::as_str),
            Some("/metrics"),
            "{}: prometheus.io/path",
            c.origin
        );
    }
}

fn all_containers(docs: &[Doc]) -> Vec<Container> {
    let mut containers = compose_containers(doc(docs, "compose.yaml"));
    containers.extend(k8s_containers(&k8s_docs(docs)));
    containers
}

// ---------------------------------------------------------------------------------------------
// The Dockerfile

/// The instructions of a Dockerfile: (keyword, arguments), continuation lines joined.
fn dockerfile() -> Vec<(String, String)> {
    let text = read(&deploy_dir().join("Dockerfile"));
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let joined = std::mem::take(&mut current);
        let (keyword, args) = joined
            .split_once(char::is_whitespace)
            .unwrap_or((&joined, ""));
        instructions.push((keyword.to_ascii_uppercase(), args.trim().to_owned()));
    }
    assert!(
        current.trim().is_empty(),
        "Dockerfile ends in a continuation"
    );
    instructions
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn every_yaml_and_json_file_parses() {
    let docs = documents();
    let files: BTreeSet<&str> = docs.iter().map(|d| d.file.as_str()).collect();
    for expected in [
        "compose.yaml",
        "rabbitmq/definitions.json",
        "k8s/namespace.yaml",
        "k8s/config.yaml",
        "k8s/ingest.yaml",
        "k8s/processor.yaml",
        "k8s/migrate-job.yaml",
        "k8s/keda-scaledobject.yaml",
    ] {
        assert!(
            files.contains(expected),
            "deploy/{expected} is missing or empty"
        );
    }
    for other in ["Dockerfile", "README.md", "rabbitmq/rabbitmq.conf"] {
        assert!(
            deploy_dir().join(other).is_file(),
            "deploy/{other} is missing"
        );
    }
    for d in k8s_docs(&docs) {
        assert!(
            d.value["apiVersion"].is_string()
                && !kind(&d.value).is_empty()
                && !name(&d.value).is_empty(),
            "{}: every manifest needs apiVersion, kind and metadata.name",
            d.file
        );
    }
}

#[test]
fn containers_run_the_workspace_binaries_on_their_ports() {
    let (gateway_bin, processor_bin) = workspace_bins();
    let docs = documents();
    let containers = all_containers(&docs);
    let mut roles: BTreeSet<(bool, String)> = BTreeSet::new();
    for c in &containers {
        let role = role(c, &gateway_bin, &processor_bin);
        check_container(c, &role);
        roles.insert((c.kubernetes, format!("{role:?}")));
    }
    for kubernetes in [false, true] {
        for expected in ["Gateway", "Processor", "OneShot"] {
            assert!(
                roles.contains(&(kubernetes, expected.to_owned())),
                "no {expected} container in {}",
                if kubernetes { "k8s/" } else { "compose.yaml" }
            );
        }
    }
    // The subcommand used by the one-off containers exists in the CLI.
    let cli = read(&root().join("crates/ingest/src/cli.rs"));
    assert!(
        occurs_as_word(&cli, "Migrate"),
        "cli.rs has no Migrate subcommand"
    );
    // The probed and scraped paths are routes of both binaries.
    for (krate, routes) in [
        ("ingest", "src/startup.rs"),
        ("processor", "src/startup.rs"),
    ] {
        let source = read(&root().join("crates").join(krate).join(routes));
        for path in ["\"/healthz\"", "\"/readyz\"", "\"/metrics\""] {
            assert!(
                source.contains(path),
                "crates/{krate}/{routes} serves no {path}"
            );
        }
    }
}

#[test]
fn every_setting_named_in_deploy_exists_in_the_sources() {
    let sources = rust_sources();
    let docs = documents();

    // Names the files set, by structure.
    let mut structured: BTreeSet<String> = BTreeSet::new();
    for c in all_containers(&docs) {
        structured.extend(c.env.keys().cloned());
    }
    for d in k8s_docs(&docs) {
        if matches!(kind(&d.value), "ConfigMap" | "Secret") {
            for key in ["data", "stringData"] {
                for k in d.value[key]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k)
                {
                    structured.insert(k.clone());
                }
            }
        }
    }
    for (keyword, args) in dockerfile() {
        if keyword == "ENV" {
            for pair in args.split_whitespace() {
                structured.insert(pair.split('=').next().unwrap_or_default().to_owned());
            }
        }
    }
    for expected in [
        "BILLING_HTTP_ADDR",
        "BILLING_PROCESSOR_ADDR",
        "BILLING_AMQP_URL",
        "BILLING_DATABASE_URL",
        "BILLING_LOG_FORMAT",
        "RUST_LOG",
    ] {
        assert!(
            structured.contains(expected),
            "{expected} is set nowhere in deploy/"
        );
    }

    // And every such name written anywhere in deploy/, comments and README included.
    let mut written: BTreeMap<String, String> = BTreeMap::new();
    for path in files_under(&deploy_dir()) {
        let Ok(content) = std::fs::read_to_string(&path) else {
            continue;
        };
        let is_word = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_';
        for prefix in ["BILLING_", "RUST_LOG"] {
            for (at, _) in content.match_indices(prefix) {
                if content[..at].chars().next_back().is_some_and(is_word) {
                    continue;
                }
                let len = content[at..]
                    .find(|c: char| !is_word(c))
                    .unwrap_or(content.len() - at);
                let token = content[at..at + len].trim_end_matches('_');
                if token.len() > "BILLING_".len() || token == "RUST_LOG" {
                    written.insert(token.to_owned(), relative(&path));
                }
            }
        }
    }
    for name in &structured {
        if name.starts_with("BILLING_") || name == "RUST_LOG" {
            assert!(written.contains_key(name), "{name} escaped the text scan");
        }
    }
    let unknown: Vec<String> = written
        .iter()
        .filter(|(name, _)| !occurs_as_word(&sources, name))
        .map(|(name, file)| format!("{name} (deploy/{file})"))
        .collect();
    assert!(
        unknown.is_empty(),
        "settings that no source under crates/*/src reads: {unknown:?}"
    );
}

#[test]
fn compose_wires_the_services_together() {
    let docs = documents();
    let compose = doc(&docs, "compose.yaml");
    let services = compose["services"].as_object().unwrap();
    let names: BTreeSet<&str> = services.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        BTreeSet::from(["rabbitmq", "postgres", "migrate", "ingest", "processor"])
    );
    let service = |n: &str| &services[n];

    assert_eq!(service("rabbitmq")["image"], "rabbitmq:3.10-management");
    assert_eq!(service("postgres")["image"], "postgres:15");
    let health = |n: &str| strings(&service(n)["healthcheck"]["test"]).join(" ");
    assert!(health("rabbitmq").contains("rabbitmq-diagnostics -q ping"));
    assert!(health("postgres").contains("pg_isready"));
    for n in ["ingest", "processor"] {
        assert!(
            health(n).contains("curl -fsS"),
            "{n}: healthcheck {}",
            health(n)
        );
    }

    // Exactly one service builds the image; the others reuse it by name.
    let builders: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !service(n)["build"].is_null())
        .collect();
    assert_eq!(builders.len(), 1, "services with a build: {builders:?}");
    let build = &service(builders[0])["build"];
    assert_eq!(service(builders[0])["image"], IMAGE);
    let dockerfile = deploy_dir()
        .join(text(&build["context"]))
        .join(text(&build["dockerfile"]));
    assert_eq!(
        dockerfile.canonicalize().unwrap(),
        deploy_dir().join("Dockerfile").canonicalize().unwrap(),
        "the compose build does not use deploy/Dockerfile with the repository root as context"
    );
    assert_eq!(
        deploy_dir()
            .join(text(&build["context"]))
            .canonicalize()
            .unwrap(),
        root().canonicalize().unwrap(),
        "the build context is not the repository root"
    );

    // Start order: migrate once, then the services on healthy dependencies.
    assert_eq!(service("migrate")["restart"], "no");
    assert_eq!(
        service("migrate")["depends_on"]["postgres"]["condition"],
        "service_healthy"
    );
    for n in ["ingest", "processor"] {
        let deps = &service(n)["depends_on"];
        assert_eq!(
            deps["migrate"]["condition"], "service_completed_successfully",
            "{n}"
        );
        assert_eq!(deps["rabbitmq"]["condition"], "service_healthy", "{n}");
        assert_eq!(deps["postgres"]["condition"], "service_healthy", "{n}");
    }
    // `--scale processor=N` needs no fixed host port and no fixed container name.
    assert!(
        service("processor")["ports"].is_null(),
        "processor publishes a host port"
    );
    assert!(service("processor")["container_name"].is_null());
    assert!(
        strings(&service("ingest")["ports"])
            .iter()
            .any(|p| p.ends_with(":8080")),
        "the gateway's port is not published"
    );
    let rabbit_ports = strings(&service("rabbitmq")["ports"]);
    for p in ["5672", "15672"] {
        assert!(
            rabbit_ports.iter().any(|x| x.ends_with(&format!(":{p}"))),
            "rabbitmq port {p}"
        );
    }

    // The URLs point at the compose services and at the database postgres creates.
    let postgres_env = &service("postgres")["environment"];
    assert_eq!(postgres_env["POSTGRES_HOST_AUTH_METHOD"], "trust");
    let database = text(&postgres_env["POSTGRES_DB"]);
    for c in compose_containers(compose) {
        if let Some(url) = c.env.get("BILLING_AMQP_URL") {
            assert_eq!(url_host(url), "rabbitmq", "{}: {url}", c.origin);
            assert!(url.contains(":5672/"), "{}: {url}", c.origin);
        }
        if let Some(url) = c.env.get("BILLING_DATABASE_URL") {
            assert_eq!(url_host(url), "postgres", "{}: {url}", c.origin);
            assert!(
                url.ends_with(&format!("/{database}")),
                "{}: {url}",
                c.origin
            );
        }
        if c.image == IMAGE {
            assert_eq!(
                c.env.get("BILLING_LOG_FORMAT").map(String::as_str),
                Some("json")
            );
            assert_eq!(c.env.get("RUST_LOG").map(String::as_str), Some("info"));
        }
    }

    // RabbitMQ loads the definitions from where compose mounts them.
    let mut mounts: BTreeMap<String, String> = BTreeMap::new();
    for volume in strings(&service("rabbitmq")["volumes"]) {
        let mut parts = volume.split(':');
        let (source, target) = (parts.next().unwrap(), parts.next().unwrap_or_default());
        if source.starts_with("./") {
            assert!(
                deploy_dir().join(source).is_file(),
                "mounted file {source} is missing"
            );
            mounts.insert(source.to_owned(), target.to_owned());
        }
    }
    assert_eq!(
        mounts.get("./rabbitmq/rabbitmq.conf").map(String::as_str),
        Some("/etc/rabbitmq/rabbitmq.conf")
    );
    let definitions_at = mounts
        .get("./rabbitmq/definitions.json")
        .expect("definitions.json is not mounted");
    let conf = read(&deploy_dir().join("rabbitmq/rabbitmq.conf"));
    let loads: Vec<&str> = conf
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.trim() == "load_definitions")
        .map(|(_, v)| v.trim())
        .collect();
    assert_eq!(
        loads,
        [definitions_at.as_str()],
        "rabbitmq.conf load_definitions"
    );

    // The broker user of the URLs exists when definitions replace the default user.
    let definitions = doc(&docs, "rabbitmq/definitions.json");
    let url = compose_containers(compose)
        .into_iter()
        .find_map(|c| c.env.get("BILLING_AMQP_URL").cloned())
        .expect("no compose service gets BILLING_AMQP_URL");
    let user = url_user(&url).unwrap();
    let users = definitions["users"]
        .as_array()
        .expect("definitions.json: no users");
    assert!(
        users.iter().any(|u| u["name"] == user),
        "no broker user {user}"
    );
    assert!(
        definitions["permissions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["user"] == user && p["vhost"] == "/" && p["configure"] == ".*"),
        "broker user {user} has no permissions on /"
    );
}

/// The broker names of `crates/schema/src/topology.rs` (all `named("...")` literals).
fn topology_names(topology: &str) -> BTreeSet<String> {
    topology
        .match_indices("named(\"")
        .map(|(at, m)| {
            let rest = &topology[at + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// The literal in `fn <function>` of topology.rs: `self.named("billing.records")`.
fn topology_name(topology: &str, function: &str) -> String {
    let start = topology
        .find(&format!("fn {function}("))
        .unwrap_or_else(|| panic!("topology.rs has no fn {function}"));
    let rest = &topology[start..];
    let at = rest.find("named(\"").unwrap() + "named(\"".len();
    rest[at..at + rest[at..].find('"').unwrap()].to_owned()
}

#[test]
fn broker_definitions_match_what_the_binaries_declare() {
    let docs = documents();
    let defs = doc(&docs, "rabbitmq/definitions.json");
    let topology = read(&root().join("crates/schema/src/topology.rs"));
    let records = topology_name(&topology, "records_queue");
    let dead_exchange = topology_name(&topology, "dead_exchange");
    let dead_queue = topology_name(&topology, "dead_queue");
    let events_exchange = topology_name(&topology, "events_exchange");
    let events_recent = topology_name(&topology, "events_recent_queue");
    assert_eq!(records, "billing.records");

    for section in ["exchanges", "queues", "bindings", "policies", "permissions"] {
        for item in defs[section].as_array().into_iter().flatten() {
            assert_eq!(item["vhost"], "/", "{section}: {item}");
        }
    }
    let by_name = |section: &str| -> BTreeMap<String, Value> {
        defs[section]
            .as_array()
            .unwrap_or_else(|| panic!("definitions.json: no {section}"))
            .iter()
            .map(|v| (text(&v["name"]), v.clone()))
            .collect()
    };
    let exchanges = by_name("exchanges");
    let queues = by_name("queues");
    let declared: BTreeSet<String> = exchanges.keys().chain(queues.keys()).cloned().collect();
    assert_eq!(declared, topology_names(&topology), "names of topology.rs");

    assert_eq!(exchanges[&dead_exchange]["type"], "fanout");
    assert_eq!(exchanges[&events_exchange]["type"], "topic");
    for exchange in exchanges.values() {
        assert_eq!(exchange["durable"], true, "{exchange}");
        assert_ne!(exchange["auto_delete"], true, "{exchange}");
    }
    for queue in queues.values() {
        assert_eq!(queue["durable"], true, "{queue}");
        assert_ne!(queue["auto_delete"], true, "{queue}");
    }

    // Re-declaring a queue with other arguments fails: these are the binaries' arguments.
    assert_eq!(
        queues[&records]["arguments"],
        json!({
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": dead_exchange,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }),
        "arguments of {records}"
    );
    assert_eq!(
        queues[&dead_queue]["arguments"],
        json!({ "x-queue-type": "quorum" })
    );
    let max_line = topology
        .lines()
        .find(|l| l.contains("EVENTS_RECENT_MAX: i64 ="))
        .expect("topology.rs: EVENTS_RECENT_MAX");
    let max: i64 = max_line
        .split('=')
        .nth(1)
        .unwrap()
        .trim()
        .trim_end_matches(';')
        .replace('_', "")
        .parse()
        .unwrap();
    assert_eq!(
        queues[&events_recent]["arguments"],
        json!({ "x-queue-type": "quorum", "x-max-length": max })
    );
    // The declaring code names the same arguments.
    let amqp = read(&root().join("crates/runtime/src/amqp.rs"));
    for literal in [
        "x-queue-type",
        "quorum",
        "x-dead-letter-exchange",
        "x-dead-letter-strategy",
        "at-least-once",
        "x-overflow",
        "reject-publish",
        "x-max-length",
    ] {
        assert!(
            amqp.contains(&format!("\"{literal}\"")),
            "crates/runtime/src/amqp.rs declares no \"{literal}\""
        );
    }

    let bindings: BTreeSet<(String, String, String, String)> = defs["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                text(&b["source"]),
                text(&b["destination"]),
                text(&b["destination_type"]),
                text(&b["routing_key"]),
            )
        })
        .collect();
    assert_eq!(
        bindings,
        BTreeSet::from([
            (
                dead_exchange.clone(),
                dead_queue.clone(),
                "queue".into(),
                String::new()
            ),
            (events_exchange, events_recent, "queue".into(), "#".into()),
        ])
    );

    let policies = by_name("policies");
    let anchored = |queue: &str| format!("^{}$", queue.replace('.', "\\."));
    let expected = [
        (
            "billing-records",
            anchored(&records),
            json!({ "delivery-limit": 50 }),
        ),
        (
            "billing-dead",
            anchored(&dead_queue),
            json!({ "message-ttl": 14_u64 * 24 * 60 * 60 * 1000 }),
        ),
    ];
    assert_eq!(policies.len(), expected.len(), "policies");
    for (policy, pattern, definition) in expected {
        let p = policies
            .get(policy)
            .unwrap_or_else(|| panic!("no policy {policy}"));
        assert_eq!(p["pattern"], pattern, "{policy}");
        assert_eq!(p["apply-to"], "queues", "{policy}");
        assert_eq!(p["definition"], definition, "{policy}");
    }
}

#[test]
fn kubernetes_objects_refer_to_each_other() {
    let docs = documents();
    let k8s = k8s_docs(&docs);
    let of_kind = |k: &str| -> Vec<&Value> {
        k8s.iter()
            .map(|d| &d.value)
            .filter(|v| kind(v) == k)
            .collect()
    };
    let named = |k: &str, n: &str| -> &Value {
        of_kind(k)
            .into_iter()
            .find(|v| name(v) == n)
            .unwrap_or_else(|| panic!("no {k} {n}"))
    };

    let namespaces: Vec<&str> = of_kind("Namespace").into_iter().map(name).collect();
    assert_eq!(namespaces, ["billing"]);
    for d in &k8s {
        if kind(&d.value) != "Namespace" {
            assert_eq!(
                d.value["metadata"]["namespace"],
                "billing",
                "{}: {} {}",
                d.file,
                kind(&d.value),
                name(&d.value)
            );
        }
    }

    let (gateway_bin, processor_bin) = workspace_bins();
    let ingest = named("Deployment", "billing-ingest");
    let processor = named("Deployment", "billing-processor");
    assert_eq!(ingest["spec"]["replicas"], 2);
    assert_eq!(processor["spec"]["replicas"], 1);
    let migrate = named("Job", "billing-migrate");
    let first_command =
        |v: &Value| strings(&v["spec"]["template"]["spec"]["containers"][0]["command"]);
    assert_eq!(first_command(ingest), [gateway_bin.as_str()]);
    assert_eq!(first_command(processor), [processor_bin.as_str()]);
    assert_eq!(first_command(migrate), [gateway_bin.as_str(), "migrate"]);

    // The gateway drains in-flight requests before it stops; the pod must be given longer.
    let startup = read(&root().join("crates/ingest/src/startup.rs"));
    let drain: u64 = startup
        .lines()
        .find(|l| l.contains("SHUTDOWN_GRACE: Duration"))
        .and_then(|l| l.split("from_secs(").nth(1))
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(30);
    for deployment in [ingest, processor] {
        let spec = &deployment["spec"];
        let pod = &spec["template"]["spec"];
        let grace = pod["terminationGracePeriodSeconds"].as_u64().unwrap_or(30);
        assert!(
            grace > drain,
            "{}: grace {grace}s, drain {drain}s",
            name(deployment)
        );
        // The selector selects the template.
        let labels = &spec["template"]["metadata"]["labels"];
        for (k, v) in spec["selector"]["matchLabels"].as_object().unwrap() {
            assert_eq!(&labels[k], v, "{}: selector {k}", name(deployment));
        }
        for c in pod["containers"].as_array().unwrap() {
            for limit in ["requests", "limits"] {
                for resource in ["cpu", "memory"] {
                    assert!(
                        !c["resources"][limit][resource].is_null(),
                        "{}: resources.{limit}.{resource}",
                        name(deployment)
                    );
                }
            }
        }
    }

    // The Service reaches the gateway's named port.
    let service = named("Service", "billing-ingest");
    let pod_labels = &ingest["spec"]["template"]["metadata"]["labels"];
    for (k, v) in service["spec"]["selector"].as_object().unwrap() {
        assert_eq!(&pod_labels[k], v, "Service selector {k}");
    }
    let ports = service["spec"]["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0]["port"], 80);
    let target = &ports[0]["targetPort"];
    let container_ports = ingest["spec"]["template"]["spec"]["containers"][0]["ports"]
        .as_array()
        .unwrap();
    assert!(
        container_ports
            .iter()
            .any(|p| (&p["name"] == target || &p["containerPort"] == target)
                && p["containerPort"] == GATEWAY_PORT),
        "Service targetPort {target} is not the gateway's port {GATEWAY_PORT}"
    );

    // KEDA scales the processors on the records queue, with the broker URL of the Secret.
    let topology = read(&root().join("crates/schema/src/topology.rs"));
    let records = topology_name(&topology, "records_queue");
    let definitions = doc(&docs, "rabbitmq/definitions.json");
    assert!(
        definitions["queues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["name"] == records.as_str()),
        "definitions.json has no {records}"
    );
    let scaled = named("ScaledObject", "billing-processor");
    let spec = &scaled["spec"];
    assert_eq!(spec["scaleTargetRef"]["name"], name(processor));
    assert!(matches!(
        spec["scaleTargetRef"]["kind"].as_str(),
        None | Some("Deployment")
    ));
    assert_eq!(spec["minReplicaCount"], 1);
    assert_eq!(spec["maxReplicaCount"], 10);
    let triggers = spec["triggers"].as_array().unwrap();
    assert_eq!(triggers.len(), 1);
    let trigger = &triggers[0];
    assert_eq!(trigger["type"], "rabbitmq");
    let metadata = &trigger["metadata"];
    assert_eq!(metadata["queueName"], records.as_str());
    assert_eq!(metadata["protocol"], "amqp");
    assert_eq!(metadata["mode"], "QueueLength");
    assert_eq!(
        metadata["value"], "1000",
        "KEDA wants the value as a string"
    );
    let auth_name = text(&trigger["authenticationRef"]["name"]);
    let auth = named("TriggerAuthentication", &auth_name);
    let auth_file = &k8s
        .iter()
        .find(|d| kind(&d.value) == "TriggerAuthentication")
        .unwrap()
        .file;
    let scaled_file = &k8s
        .iter()
        .find(|d| kind(&d.value) == "ScaledObject")
        .unwrap()
        .file;
    assert_eq!(
        auth_file, scaled_file,
        "TriggerAuthentication and ScaledObject in one file"
    );
    let refs = auth["spec"]["secretTargetRef"].as_array().unwrap();
    let host = refs
        .iter()
        .find(|r| r["parameter"] == "host")
        .expect("TriggerAuthentication gives no host");
    let secret = env_source(&k8s, "Secret", &text(&host["name"]), "billing");
    let key = text(&host["key"]);
    assert_eq!(key, "BILLING_AMQP_URL");
    assert!(
        secret.contains_key(&key),
        "Secret {} has no {key}",
        text(&host["name"])
    );
    assert!(secret.contains_key("BILLING_DATABASE_URL"));
    assert!(
        of_kind("ConfigMap")
            .iter()
            .any(|c| name(c) == "billing-config"),
        "no ConfigMap billing-config"
    );
}

#[test]
fn dockerfile_builds_and_ships_both_binaries() {
    let (gateway_bin, processor_bin) = workspace_bins();
    let bins = [gateway_bin.clone(), processor_bin];
    let instructions = dockerfile();
    let all = |keyword: &str| -> Vec<&str> {
        instructions
            .iter()
            .filter(|(k, _)| k == keyword)
            .map(|(_, a)| a.as_str())
            .collect()
    };

    let froms = all("FROM");
    assert_eq!(froms.len(), 2, "FROM lines: {froms:?}");
    let build_stage = froms[0]
        .strip_prefix("rust:1-bookworm")
        .and_then(|rest| {
            rest.trim()
                .strip_prefix("AS")
                .or(rest.trim().strip_prefix("as"))
        })
        .map(str::trim)
        .expect("the first stage is `rust:1-bookworm AS <name>`");
    assert!(
        froms[1].starts_with("debian:bookworm-slim"),
        "runtime stage {}",
        froms[1]
    );

    let cargo: Vec<&str> = all("RUN")
        .into_iter()
        .filter(|r| r.contains("cargo build"))
        .collect();
    assert_eq!(cargo.len(), 1, "cargo build steps: {cargo:?}");
    let words: Vec<&str> = cargo[0].split_whitespace().collect();
    for flag in ["--release", "--locked"] {
        assert!(words.contains(&flag), "cargo build without {flag}");
    }
    let built: BTreeSet<&str> = words
        .windows(2)
        .filter(|w| w[0] == "--bin")
        .map(|w| w[1])
        .collect();
    assert_eq!(
        built,
        bins.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        "--bin targets of cargo build"
    );

    let copies: Vec<&str> = all("COPY")
        .into_iter()
        .filter(|c| c.starts_with(&format!("--from={build_stage}")))
        .collect();
    for bin in &bins {
        assert!(
            copies.iter().any(|c| {
                let parts: Vec<&str> = c.split_whitespace().collect();
                parts.iter().any(|p| p.ends_with(&format!("/{bin}")))
                    && parts
                        .last()
                        .is_some_and(|dest| dest.trim_end_matches('/') == "/usr/local/bin")
            }),
            "{bin} is not copied from the build stage into /usr/local/bin"
        );
    }
    let sources = all("COPY").join(" ");
    for input in ["Cargo.toml", "Cargo.lock", "crates"] {
        assert!(sources.contains(input), "the build does not copy {input}");
    }

    let installs = all("RUN")
        .into_iter()
        .filter(|r| r.contains("apt-get install"))
        .collect::<Vec<_>>()
        .join(" ");
    let packages: BTreeSet<&str> = installs.split_whitespace().collect();
    for package in ["ca-certificates", "tzdata", "curl"] {
        assert!(
            packages.contains(package),
            "the runtime image lacks {package}"
        );
    }

    let exposed: BTreeSet<u16> = all("EXPOSE")
        .iter()
        .flat_map(|e| e.split_whitespace())
        .map(|p| p.split('/').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(exposed, BTreeSet::from([GATEWAY_PORT, PROCESSOR_PORT]));

    let users = all("USER");
    let user = users.last().expect("the image runs as root: no USER");
    let user = user.split(':').next().unwrap();
    assert!(!matches!(user, "root" | "0"), "USER {user}");

    let cmds = all("CMD");
    assert_eq!(cmds.len(), 1);
    let cmd: Vec<String> = serde_json::from_str(cmds[0]).expect("CMD in exec form");
    assert_eq!(cmd, [gateway_bin]);

    // Defaults baked into the image listen on the ports it exposes.
    for env in all("ENV") {
        for pair in env.split_whitespace() {
            if let Some((var, value)) = pair.split_once('=') {
                let expected = match var {
                    "BILLING_HTTP_ADDR" => GATEWAY_PORT,
                    "BILLING_PROCESSOR_ADDR" => PROCESSOR_PORT,
                    _ => continue,
                };
                assert_eq!(listen_port(value, "Dockerfile ENV"), expected, "{var}");
            }
        }
    }
}
