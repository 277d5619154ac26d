//! The generated code for the real table, compared with checked-in golden files so every change
//! to the generator or the table shows up as a reviewable diff. `AIPERF_BLESS=1 cargo test -p
//! aiperf-build --test golden` rewrites them.

use std::collections::BTreeSet;
use std::path::Path;

fn check(features: &[&str], golden: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let features: BTreeSet<String> = features.iter().map(|f| (*f).to_owned()).collect();
    let generated = aiperf_build::generate(&manifest, &features).unwrap();
    assert!(generated.warnings.is_empty(), "{:?}", generated.warnings);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(golden);
    if std::env::var_os("AIPERF_BLESS").is_some() {
        std::fs::write(&path, &generated.code).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == generated.code,
        "{} is out of date: run `AIPERF_BLESS=1 cargo test -p aiperf-build --test golden` and review the diff",
        path.display()
    );
}

#[test]
fn default_build() {
    check(&[], "default.rs.golden");
}

#[test]
fn nvidia_optimized_build() {
    check(&["nvidia-optimized"], "nvidia-optimized.rs.golden");
}

#[test]
fn compile_reports_a_malformed_manifest_by_key() {
    let dir = std::env::temp_dir().join(format!("aiperf-build-compile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), manifest.replace("type = \"aiperf_endpoints::RankingsEndpoint\"\n", "")).unwrap();
    let err = aiperf_build::Builder::new().manifest_dir(&dir).out_dir(&dir).features(Vec::<String>::new()).compile().unwrap_err();
    assert_eq!(err.to_string(), "Cargo.toml: `workspace.metadata.aiperf.endpoint.rankings.type`: missing: this key is required");
    std::fs::remove_dir_all(dir).unwrap();
}
