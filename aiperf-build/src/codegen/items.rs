//! The generated file's smaller pieces: an implementation's descriptor, a name's metadata, and
//! the spelling helpers the category code uses.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::Entry;
use crate::Metadata;
use crate::table::Table;

/// The three columns of `declared`.
pub(super) fn unzip3(declared: &[(Ident, syn::Path, String)]) -> (Vec<&Ident>, Vec<&syn::Path>, Vec<&String>) {
    let mut columns = (Vec::new(), Vec::new(), Vec::new());
    for (alias, path, doc) in declared {
        columns.0.push(alias);
        columns.1.push(path);
        columns.2.push(doc);
    }
    columns
}

/// `text` with every character an identifier cannot hold as `_`.
pub(super) fn ident_text(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect()
}

/// The `ImplDescriptor` of one implementation (`origin` indexes `CRATES`).
pub(super) fn descriptor(
    table: &Table,
    (name_ty, name_var): (&Ident, &Ident),
    (impl_ty, var): (&Ident, &Ident),
    crate_index: usize,
    e: &Entry,
) -> TokenStream {
    let krate = table.crate_of(crate_index);
    let (class_name, type_path, description) = (&e.class_name, format!("{}::{}", krate.lib, e.type_path), &e.description);
    let priority = proc_macro2::Literal::i64_unsuffixed(e.priority);
    let origin = proc_macro2::Literal::usize_unsuffixed(crate_index);
    quote! {
        ImplDescriptor {
            implementation: #impl_ty::#var,
            name: #name_ty::#name_var,
            class_name: #class_name,
            type_path: #type_path,
            description: #description,
            priority: #priority,
            origin: &CRATES[#origin],
        }
    }
}

/// A name's metadata as the table's `EndpointMetadata` or `TransportMetadata`.
pub(super) fn metadata(metadata: &Metadata) -> TokenStream {
    match metadata {
        Metadata::Endpoint { endpoint_path, streaming_endpoint_path, input, supports_streaming, produces_tokens, metrics_title } => {
            let input = format_ident!("{}", camel(input));
            let streaming_endpoint_path = match streaming_endpoint_path {
                Some(path) => quote!(Some(#path)),
                None => quote!(None),
            };
            quote! {
                EndpointMetadata {
                    endpoint_path: #endpoint_path,
                    streaming_endpoint_path: #streaming_endpoint_path,
                    input: InputKind::#input,
                    supports_streaming: #supports_streaming,
                    produces_tokens: #produces_tokens,
                    metrics_title: #metrics_title,
                }
            }
        }
        Metadata::Transport { url_schemes } => quote!(TransportMetadata { url_schemes: &[#(#url_schemes),*] }),
        Metadata::None => quote!(()),
    }
}

/// `in_engine` → `InEngine`, `query_passages` → `QueryPassages`.
pub(crate) fn camel(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}
