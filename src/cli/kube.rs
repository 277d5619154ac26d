//! `aiperf kube manifest [profile flags] --workers N --results URL`: the Kubernetes manifests
//! that run the benchmark as an Indexed Job, to stdout for `kubectl apply -f -`.

use aiperf_cluster::kube::{self, ManifestOptions, Resources};
use clap::{Args, Subcommand};

use super::{CliError, ProfileArgs};

/// What `aiperf kube` does.
#[derive(Debug, Subcommand)]
pub enum KubeCommand {
    /// Write the ConfigMap and the Indexed Job that run the benchmark's workers, to stdout.
    // As `profile`: negative numbers are values (then refused with what is allowed).
    #[command(allow_negative_numbers = true)]
    Manifest(Box<ManifestArgs>),
}

/// Arguments of `aiperf kube manifest`.
#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// The benchmark, as `aiperf profile` takes it (--workers and --results required).
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// The container image the pods run (the repository's Dockerfile builds it).
    #[arg(long, default_value = kube::DEFAULT_IMAGE)]
    pub image: String,
    /// The Job's and the ConfigMap's name [default: aiperf- and a hash of the benchmark].
    #[arg(long)]
    pub name: Option<String>,
    /// Their namespace [default: kubectl's].
    #[arg(long)]
    pub namespace: Option<String>,
    /// A Secret whose key `api-key` is the server's API key (never written into the manifest).
    #[arg(long)]
    pub api_key_secret: Option<String>,
    /// A Secret whose keys become the pods' environment: the store's credentials
    /// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, …).
    #[arg(long)]
    pub results_secret: Option<String>,
    /// The pods' service account (a cloud identity that reaches the store).
    #[arg(long)]
    pub service_account: Option<String>,
    /// CPU cores each pod requests [default: sized from its share of the load].
    #[arg(long)]
    pub cpu: Option<f64>,
    /// Memory each pod requests, MiB (the limit is twice it) [default: sized from its share of the load].
    #[arg(long)]
    pub memory_mib: Option<u64>,
}

/// Runs `aiperf kube`.
///
/// # Errors
/// Flags the manifest cannot carry (a secret, a local file, no --workers or --results).
pub fn run(command: &KubeCommand) -> Result<String, CliError> {
    let KubeCommand::Manifest(args) = command;
    let profile = &args.profile;
    let flags = profile.resolve()?;
    let benchmark = profile.workers.bench_config(&flags)?.unwrap_or(flags).with_seed();
    let missing =
        |flag: &'static str, reason: &str| CliError::Cluster(aiperf_cluster::ClusterError::Flags { flag, reason: reason.to_owned() });
    let workers = profile.workers.workers.ok_or_else(|| missing("--workers", "the number of pods to run the benchmark on is needed"))?;
    let results =
        profile.workers.results.clone().ok_or_else(|| {
            missing("--results", "the pods leave their results in a store they share: s3://bucket/prefix, gs://…, az://…")
        })?;
    if results.starts_with("file:") || !results.contains("://") {
        return Err(missing(
            "--results",
            "is a path of this machine, which the pods do not share: give an object store URL (s3://, gs://, az://)",
        ));
    }
    aiperf_cluster::store::Store::open(&results)?;
    // Every worker's share must be possible before any pod is started.
    benchmark.check_workers(workers)?;
    let sized = Resources::for_load(&benchmark, workers);
    let resources = Resources { cpu: args.cpu.unwrap_or(sized.cpu), memory_mib: args.memory_mib.unwrap_or(sized.memory_mib) };
    let options = ManifestOptions {
        name: args.name.clone().unwrap_or_else(|| default_name(&benchmark)),
        namespace: args.namespace.clone(),
        image: args.image.clone(),
        workers,
        results,
        barrier_timeout: profile.workers.barrier_timeout,
        api_key_secret: args.api_key_secret.clone(),
        results_secret: args.results_secret.clone(),
        service_account: args.service_account.clone(),
        resources,
    };
    Ok(kube::manifest(&benchmark, &options)?)
}

/// `aiperf-` and 8 hex digits of the benchmark's configuration (FNV-1a): one name per benchmark.
fn default_name(benchmark: &aiperf_bench::BenchConfig) -> String {
    let text = serde_json::to_string(benchmark).unwrap_or_default();
    let hash = text.bytes().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    format!("aiperf-{hash:08x}")
}
