//! `aiperf plugins validate`: every compiled-in implementation can be created, and the table's
//! metadata is consistent.

use std::fmt::Write as _;

use aiperf_core::{Category as _, ModelEndpointInfo};

use super::super::CliError;
use crate::{EndpointCategory, EndpointFactory, EndpointImpl, TransportCategory, TransportFactory, TransportImpl, TransportName};

struct Row {
    category: &'static str,
    name: String,
    implementation: &'static str,
    problem: Option<String>,
}

/// Options a transport of `name` can be created from without a server: a URL of its first scheme.
fn probe_info(name: TransportName) -> ModelEndpointInfo {
    let url = match name.metadata().url_schemes.first() {
        Some(&"in-engine") | None => None,
        Some(scheme) => Some(format!("{scheme}://127.0.0.1:9")),
    };
    ModelEndpointInfo { url, ..ModelEndpointInfo::default() }
}

fn check_endpoints(rows: &mut Vec<Row>) {
    for imp in EndpointImpl::ALL {
        let d = imp.descriptor();
        let metadata = d.name.metadata();
        let problem = if !metadata.endpoint_path.starts_with('/') {
            Some(format!("endpoint_path `{}` does not start with `/`", metadata.endpoint_path))
        } else {
            match EndpointFactory::scoped_implementation(d.name, imp) {
                Err(e) => Some(e.to_string()),
                Ok(_pin) => EndpointFactory::create_instance(d.name, &ModelEndpointInfo::default())
                    .err()
                    .map(|e| e.to_string())
                    .or_else(|| (EndpointFactory::selected(d.name) != imp).then(|| "the pin did not select it".to_owned())),
            }
        };
        rows.push(Row { category: EndpointCategory::CATEGORY, name: d.name.to_string(), implementation: d.class_name, problem });
    }
}

fn check_transports(rows: &mut Vec<Row>) {
    for imp in TransportImpl::ALL {
        let d = imp.descriptor();
        let schemes = d.name.metadata().url_schemes;
        let problem = if schemes.iter().any(|s| TransportName::for_url_scheme(s) != Some(d.name)) {
            Some("a URL scheme does not select this name".to_owned())
        } else {
            match TransportFactory::scoped_implementation(d.name, imp) {
                Err(e) => Some(e.to_string()),
                Ok(_pin) => TransportFactory::create_instance(d.name, &probe_info(d.name)).err().map(|e| e.to_string()),
            }
        };
        rows.push(Row { category: TransportCategory::CATEGORY, name: d.name.to_string(), implementation: d.class_name, problem });
    }
}

pub(super) fn run() -> Result<String, CliError> {
    let mut rows = Vec::new();
    check_endpoints(&mut rows);
    check_transports(&mut rows);
    let width = |f: fn(&Row) -> usize, header: &str| rows.iter().map(f).max().unwrap_or(0).max(header.len());
    let (wc, wn, wi) =
        (width(|r| r.category.len(), "CATEGORY"), width(|r| r.name.len(), "NAME"), width(|r| r.implementation.len(), "IMPLEMENTATION"));
    let mut out = format!("{:<wc$}  {:<wn$}  {:<wi$}  RESULT\n", "CATEGORY", "NAME", "IMPLEMENTATION");
    for r in &rows {
        let result = r.problem.as_deref().map_or_else(|| "ok".to_owned(), |p| format!("FAILED: {p}"));
        let _ = writeln!(out, "{:<wc$}  {:<wn$}  {:<wi$}  {result}", r.category, r.name, r.implementation);
    }
    let failed = rows.iter().filter(|r| r.problem.is_some()).count();
    if failed > 0 {
        print!("{out}");
        return Err(CliError::Invalid(failed));
    }
    let _ = writeln!(out, "{} implementations checked, all valid", rows.len());
    Ok(out)
}
