//! `aiperf plugins validate`: every compiled-in implementation can be created, and the table's
//! metadata is consistent.

use std::fmt::Write as _;

use aiperf_core::{Category, Factories, Factory, ModelEndpointInfo, Selection, TransportMetadata};

use super::super::CliError;

struct Row {
    category: &'static str,
    name: &'static str,
    implementation: &'static str,
    problem: Option<String>,
}

/// Options a transport can be created from without a server: a URL of its first scheme.
fn probe_info(metadata: &TransportMetadata) -> ModelEndpointInfo {
    let url = match metadata.url_schemes.first() {
        Some(&"in-engine") | None => None,
        Some(scheme) => aiperf_core::Url::parse(&format!("{scheme}://127.0.0.1:9")).ok(),
    };
    ModelEndpointInfo { url, ..ModelEndpointInfo::default() }
}

/// Pins each implementation in turn and creates it with `info` (per name); `check` looks at the
/// name's metadata first.
fn check_category<C: Category>(
    rows: &mut Vec<Row>,
    check: impl Fn(&'static C::Metadata, C::Name) -> Option<String>,
    info: impl Fn(&'static C::Metadata) -> ModelEndpointInfo,
) {
    for d in C::implementations() {
        let entry = Factory::<C>::entry(d.name);
        // Each implementation in turn, through a selection of its own: nothing global changes.
        let mut selection = Selection::<C>::new();
        let problem = check(&entry.metadata, d.name).or_else(|| match selection.use_implementation(d.name, d.implementation) {
            Err(e) => Some(e.to_string()),
            Ok(selection) => selection
                .create_instance(d.name, &info(&entry.metadata))
                .err()
                .map(|e| e.to_string())
                .or_else(|| (selection.selected(d.name) != d.implementation).then(|| "the pin did not select it".to_owned())),
        });
        rows.push(Row { category: C::CATEGORY, name: entry.text, implementation: d.class_name, problem });
    }
}

pub(super) fn run<F: Factories>() -> Result<String, CliError> {
    let mut rows = Vec::new();
    check_category::<F::Endpoints>(
        &mut rows,
        |m, _| (!m.endpoint_path.starts_with('/')).then(|| format!("endpoint_path `{}` does not start with `/`", m.endpoint_path)),
        |_| ModelEndpointInfo::default(),
    );
    check_category::<F::Transports>(
        &mut rows,
        |m, name| {
            m.url_schemes
                .iter()
                .any(|s| Factory::<F::Transports>::for_url_scheme(s) != Some(name))
                .then(|| "a URL scheme does not select this name".to_owned())
        },
        probe_info,
    );
    check_category::<F::ArrivalPatterns>(&mut rows, |(), _| None, |()| ModelEndpointInfo::default());
    check_category::<F::DatasetLoaders>(&mut rows, |(), _| None, |()| ModelEndpointInfo::default());
    check_category::<F::Exporters>(&mut rows, |(), _| None, |()| ModelEndpointInfo::default());
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
        return Err(CliError::Invalid { count: failed, output: out });
    }
    let _ = writeln!(out, "{} implementations checked, all valid", rows.len());
    Ok(out)
}
