//! `aiperf kube manifest`: the Kubernetes objects that run a benchmark as N workers, written for
//! `kubectl apply -f`: a ConfigMap holding the resolved configuration (and the input file), and
//! an Indexed Job whose pod `i` runs worker `i` (`JOB_COMPLETION_INDEX`). Kubernetes schedules
//! and restarts nothing of ours: there is no operator. Nothing secret is written: the API key and
//! the store's credentials come from Secrets the user names.

mod resources;

use aiperf_bench::BenchConfig;
use serde_json::{Value, json};

pub use resources::Resources;

use crate::ClusterError;

/// Where the pods mount the ConfigMap.
pub const CONFIG_DIR: &str = "/etc/aiperf";

/// Where the pods write their own exports before uploading them.
pub const ARTIFACT_DIR: &str = "/artifacts";

/// The most bytes of input file a ConfigMap carries (Kubernetes' limit is 1 MiB for all of it).
pub const MAX_INPUT_BYTES: u64 = 900 << 10;

/// The image the Dockerfile builds, published with each release.
pub const DEFAULT_IMAGE: &str = "ghcr.io/aiperf/aiperf-rs:0.1.0";

/// What the manifests are made of, besides the benchmark.
#[derive(Clone, Debug)]
pub struct ManifestOptions {
    /// The Job's and the ConfigMap's name.
    pub name: String,
    /// Their namespace, none for kubectl's.
    pub namespace: Option<String>,
    /// The container image.
    pub image: String,
    /// How many workers (pods).
    pub workers: u32,
    /// The results URL.
    pub results: String,
    /// `--barrier-timeout`, seconds.
    pub barrier_timeout: f64,
    /// A Secret whose `api-key` is the server's API key.
    pub api_key_secret: Option<String>,
    /// A Secret whose keys become the pods' environment (the store's credentials).
    pub results_secret: Option<String>,
    /// The pods' service account (for a cloud identity that reaches the store).
    pub service_account: Option<String>,
    /// Each pod's resources.
    pub resources: Resources,
}

/// The manifests, as YAML documents: the ConfigMap, then the Job.
///
/// # Errors
/// What would leak into the manifest (an API key, a credential header) or cannot travel in it
/// (an input file too large for a ConfigMap, a tokenizer file), or a name Kubernetes refuses.
pub fn manifest(benchmark: &BenchConfig, options: &ManifestOptions) -> Result<String, ClusterError> {
    check_name(&options.name)?;
    if benchmark.api_key.is_some() {
        let reason = "would be written into the manifest: keep it in a Secret (kubectl create secret generic NAME --from-literal=api-key=…) and pass --api-key-secret NAME".to_owned();
        return Err(ClusterError::Flags { flag: "--api-key", reason });
    }
    let secrets = aiperf_bench::redact::Secrets::new(
        None,
        benchmark.headers.iter().chain(&benchmark.extra_inputs).map(String::as_str),
        benchmark.url.as_deref(),
    );
    if !secrets.is_empty() {
        let reason =
            "a credential in -H, --extra-inputs or --url would be written into the ConfigMap: pass the server's key with --api-key-secret"
                .to_owned();
        return Err(ClusterError::Flags { flag: "-H", reason });
    }
    if benchmark.tokenizer != "builtin" {
        let reason = format!(
            "{} is a file of this machine, which the pods do not have: use --tokenizer builtin, or an image that holds the file at that path",
            benchmark.tokenizer
        );
        return Err(ClusterError::Flags { flag: "--tokenizer", reason });
    }
    let mut config = BenchConfig { output_artifact_dir: ARTIFACT_DIR.into(), ..benchmark.clone().with_seed() };
    let mut data = serde_json::Map::new();
    if let Some(path) = &benchmark.input_file {
        data.insert("input.jsonl".to_owned(), Value::String(input(path)?));
        config.input_file = Some(format!("{CONFIG_DIR}/input.jsonl").into());
    }
    let text = serde_json::to_string_pretty(&config).map_err(|e| ClusterError::Flags { flag: "kube manifest", reason: e.to_string() })?;
    data.insert("benchmark.json".to_owned(), Value::String(text));
    let documents = [config_map(options, data), job(options)];
    let mut yaml = String::from("# aiperf kube manifest: apply with `kubectl apply -f`; each pod runs one worker.\n");
    for document in documents {
        yaml.push_str("---\n");
        yaml.push_str(
            &serde_saphyr::to_string(&document).map_err(|e| ClusterError::Flags { flag: "kube manifest", reason: e.to_string() })?,
        );
    }
    Ok(yaml)
}

/// The input file's text, if it fits a ConfigMap.
fn input(path: &std::path::Path) -> Result<String, ClusterError> {
    let read = |source| ClusterError::Io { operation: "read", path: path.display().to_string(), source };
    let size = std::fs::metadata(path).map_err(read)?.len();
    if size > MAX_INPUT_BYTES {
        let reason = format!(
            "{} is {size} bytes; a ConfigMap carries at most {MAX_INPUT_BYTES}: build an image with the file in it and run the workers from that",
            path.display()
        );
        return Err(ClusterError::Flags { flag: "--input-file", reason });
    }
    std::fs::read_to_string(path).map_err(read)
}

/// A DNS-1123 label of at most 52 characters (a Job's pods append their own suffix).
fn check_name(name: &str) -> Result<(), ClusterError> {
    let ok = !name.is_empty()
        && name.len() <= 52
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        return Ok(());
    }
    let reason = format!(
        "'{name}' is no Kubernetes name: lowercase letters, digits and '-', at most 52, starting and ending with a letter or digit"
    );
    Err(ClusterError::Flags { flag: "--name", reason })
}

fn metadata(options: &ManifestOptions) -> Value {
    let mut metadata = json!({
        "name": options.name,
        "labels": { "app.kubernetes.io/name": "aiperf", "app.kubernetes.io/instance": options.name },
    });
    if let Some(namespace) = &options.namespace {
        metadata["namespace"] = json!(namespace);
    }
    metadata
}

fn config_map(options: &ManifestOptions, data: serde_json::Map<String, Value>) -> Value {
    json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(options), "data": data })
}

/// The Indexed Job: pod `i` is worker `i`; a failed pod is not retried (its place in the
/// benchmark has passed: the merge names it), and the pods spread over the nodes.
fn job(options: &ManifestOptions) -> Value {
    let n = options.workers;
    let args = vec![
        "profile".to_owned(),
        "--bench-config".to_owned(),
        format!("{CONFIG_DIR}/benchmark.json"),
        "--workers".to_owned(),
        n.to_string(),
        "--results".to_owned(),
        options.results.clone(),
        "--barrier-timeout".to_owned(),
        options.barrier_timeout.to_string(),
    ];
    let mut env = vec![json!({ "name": "JOB_COMPLETIONS", "value": n.to_string() })];
    if let Some(secret) = &options.api_key_secret {
        env.push(json!({ "name": "AIPERF_API_KEY", "valueFrom": { "secretKeyRef": { "name": secret, "key": "api-key" } } }));
    }
    let mut container = json!({
        "name": "aiperf",
        "image": options.image,
        "command": ["/usr/local/bin/aiperf"],
        "args": args,
        "env": env,
        "resources": options.resources.to_json(),
        "volumeMounts": [
            { "name": "config", "mountPath": CONFIG_DIR, "readOnly": true },
            { "name": "artifacts", "mountPath": ARTIFACT_DIR },
        ],
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "capabilities": { "drop": ["ALL"] },
        },
    });
    if let Some(secret) = &options.results_secret {
        container["envFrom"] = json!([{ "secretRef": { "name": secret } }]);
    }
    let mut pod = json!({
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": 60,
        "securityContext": { "runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532, "seccompProfile": { "type": "RuntimeDefault" } },
        "topologySpreadConstraints": [{
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": { "matchLabels": { "app.kubernetes.io/instance": options.name } },
        }],
        "containers": [container],
        "volumes": [
            { "name": "config", "configMap": { "name": options.name } },
            { "name": "artifacts", "emptyDir": {} },
        ],
    });
    if let Some(account) = &options.service_account {
        pod["serviceAccountName"] = json!(account);
    }
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(options),
        "spec": {
            "completionMode": "Indexed",
            "completions": n,
            "parallelism": n,
            "backoffLimitPerIndex": 0,
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": { "labels": { "app.kubernetes.io/name": "aiperf", "app.kubernetes.io/instance": options.name } },
                "spec": pod,
            },
        },
    })
}

#[cfg(test)]
mod tests;
