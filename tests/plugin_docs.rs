//! What `docs/writing-a-plugin.md` tells an outside author holds for this workspace: its
//! `[patch.crates-io]` list names every aiperf crate that a build of `aiperf` compiles, so that a
//! plugin built against a checkout never mixes two copies of one crate.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

/// The workspace's packages, as `cargo metadata` describes them.
fn packages() -> Vec<Value> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    metadata["packages"].as_array().expect("packages").clone()
}

/// The workspace crates `aiperf` needs to build (its normal and build dependencies, and
/// theirs; not dev-only or optional ones).
fn built_with_aiperf(packages: &[Value]) -> BTreeSet<String> {
    let workspace: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut needed = BTreeSet::from(["aiperf".to_owned()]);
    let mut queue = vec!["aiperf".to_owned()];
    while let Some(name) = queue.pop() {
        let package = packages.iter().find(|p| p["name"] == name.as_str()).expect("a workspace package");
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            let dep = dependency["name"].as_str().unwrap_or_default();
            let dev_only = dependency["kind"] == "dev";
            let optional = dependency["optional"] == true;
            if workspace.contains(dep) && !dev_only && !optional && needed.insert(dep.to_owned()) {
                queue.push(dep.to_owned());
            }
        }
    }
    needed
}

#[test]
fn the_patch_list_names_every_crate_a_build_of_aiperf_compiles() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/writing-a-plugin.md")).unwrap();
    let block = docs.split("[patch.crates-io]\n").nth(1).and_then(|rest| rest.split("```").next()).expect("a [patch.crates-io] block");
    let patched: BTreeSet<String> =
        block.lines().filter_map(|line| line.split_once(" = ")).map(|(name, _)| name.trim().to_owned()).collect();
    let needed = built_with_aiperf(&packages());
    assert!(needed.len() >= 6, "aiperf's own crates: {needed:?}");
    let missing: Vec<&String> = needed.difference(&patched).collect();
    assert!(missing.is_empty(), "docs/writing-a-plugin.md's [patch.crates-io] misses {missing:?} (patched: {patched:?})");
}
