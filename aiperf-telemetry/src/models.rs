//! The server's model list (`GET /v1/models`), read for `--wait-for-model-mode models`: ready
//! once the model is among its `data[].id`, as AIPerf 0.13's probe reads it; a server without
//! the list (404) is ready when its base URL answers.

use std::time::Duration;

use aiperf_bench::observe::Pending;
use aiperf_bench::readiness::{Look, ModelList};
use aiperf_core::ModelEndpointInfo;
use reqwest::StatusCode;

use crate::scrape::{bounded_body, without_url};

/// The largest model list read (a list is a few hundred bytes a model).
const MAX_LIST_BYTES: usize = 4 << 20;

/// Reads model lists over HTTP(S).
pub struct ModelListing {
    client: reqwest::Client,
}

impl ModelListing {
    /// A reader with its own client.
    ///
    /// # Errors
    /// A TLS setup the platform refuses.
    pub fn new() -> Result<Self, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(concat!("aiperf/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the model-list client: {e}"))?;
        Ok(Self { client })
    }

    /// `GET url` with the run's API key and headers.
    async fn get(&self, info: &ModelEndpointInfo, url: &str, timeout: Duration) -> Result<reqwest::Response, String> {
        let mut request = self.client.get(url).timeout(timeout).header(reqwest::header::ACCEPT, "application/json");
        if let Some(key) = &info.api_key {
            request = request.bearer_auth(key);
        }
        for (name, value) in &info.headers {
            request = request.header(name, value);
        }
        request.send().await.map_err(|e| format!("no answer: {}", without_url(&e)))
    }

    async fn look_for(&self, info: &ModelEndpointInfo, model: &str, timeout: Duration) -> Look {
        let Some(url) = &info.url else { return Look::Ready };
        let (base, models) = (with_path(url, &root(url)), with_path(url, &format!("{}/v1/models", root(url))));
        let mut response = match self.get(info, &models, timeout).await {
            Ok(response) => response,
            Err(why) => return Look::NotYet(why),
        };
        match response.status() {
            StatusCode::OK => match bounded_body(&mut response, MAX_LIST_BYTES, "a model list").await {
                Ok(body) if listed(&body, model) => Look::Ready,
                Ok(_) => Look::NotYet(format!("'{model}' not in /v1/models yet")),
                Err(why) => Look::NotYet(why),
            },
            // No model list: a server that answers its base URL is up.
            StatusCode::NOT_FOUND => match self.get(info, &base, timeout).await {
                Ok(response) if response.status().is_success() => Look::Ready,
                Ok(response) => Look::NotYet(format!("no /v1/models, and the base URL answered status {}", response.status().as_u16())),
                Err(why) => Look::NotYet(why),
            },
            status => Look::NotYet(format!("/v1/models answered status {}", status.as_u16())),
        }
    }
}

impl ModelList for ModelListing {
    fn look<'a>(&'a self, info: &'a ModelEndpointInfo, model: &'a str, timeout: Duration) -> Pending<'a, Look> {
        Box::pin(self.look_for(info, model, timeout))
    }
}

/// The server's root path in `url`: the path before a `v1` segment (the OpenAI SDK's base URL
/// `…/v1`, or a whole endpoint URL `…/v1/chat/completions`), or all of it, without a final `/`.
fn root(url: &aiperf_core::Url) -> String {
    let segments: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
    let kept = segments.iter().position(|s| *s == "v1").unwrap_or(segments.len());
    segments[..kept].iter().map(|s| format!("/{s}")).collect()
}

/// `url` with `path`, its query kept.
fn with_path(url: &aiperf_core::Url, path: &str) -> String {
    let mut url = url.clone();
    url.set_path(if path.is_empty() { "/" } else { path });
    url.to_string()
}

/// Whether the OpenAI model list `body` has an entry of id `model` (`{"data": [{"id": …}]}`).
fn listed(body: &[u8], model: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct List {
        data: Vec<serde_json::Value>,
    }
    serde_json::from_slice::<List>(body)
        .is_ok_and(|list| list.data.iter().any(|entry| entry.get("id").and_then(|id| id.as_str()) == Some(model)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_list_is_read_at_the_server_s_root_whatever_url_was_given() {
        for (given, models) in [
            ("http://h:8000", "http://h:8000/v1/models"),
            ("http://h:8000/v1", "http://h:8000/v1/models"),
            ("http://h:8000/v1/chat/completions", "http://h:8000/v1/models"),
            ("http://h/proxy/v1?key=k", "http://h/proxy/v1/models?key=k"),
        ] {
            let url: aiperf_core::Url = given.parse().unwrap();
            assert_eq!(super::with_path(&url, &format!("{}/v1/models", super::root(&url))), models, "{given}");
        }
    }

    #[test]
    fn a_model_is_listed_only_by_its_id_in_data() {
        let vllm = br#"{"object":"list","data":[{"id":"Qwen/Qwen3-0.6B","object":"model","owned_by":"vllm","root":"Qwen/Qwen3-0.6B"}]}"#;
        assert!(super::listed(vllm, "Qwen/Qwen3-0.6B"));
        assert!(!super::listed(vllm, "Qwen/Qwen3"), "an exact id");
        assert!(!super::listed(br#"{"data":[{"root":"m"}]}"#, "m"));
        assert!(!super::listed(br#"{"models":["m"]}"#, "m"));
        assert!(!super::listed(b"<html>", "m"));
    }
}
