//! The generator on small declarations: every selection rule, every malformed-declaration error.

use super::*;

const BUILTINS: &str = r#"
[package]
name = "core-impls"

[package.metadata.aiperf]
builtin = true
description = "the builtins"

[package.metadata.aiperf.endpoint.chat]
type = "ChatEndpoint"
description = "chat"
endpoint_path = "/v1/chat/completions"
input = "messages"
supports_streaming = true
produces_tokens = true
metrics_title = "LLM Metrics"

[package.metadata.aiperf.transport.http]
type = "core_impls::http::HttpTransport"
url_schemes = ["http", "https"]
"#;

const FAST: &str = r#"
[package]
name = "fast-plugin"

[package.metadata.aiperf]
plugin = "fast"
description = "faster chat"

[package.metadata.aiperf.endpoint.chat]
type = "FastChat"
"#;

const ALT: &str = r#"
[package]
name = "alt-plugin"

[package.metadata.aiperf]
plugin = "alt"

[package.metadata.aiperf.endpoint.chat]
type = "AltChat"
"#;

const AUDIO: &str = r#"
[package.metadata.aiperf.endpoint.audio]
type = "Audio"
endpoint_path = "/v1/audio"
input = "prompt"
supports_streaming = false
produces_tokens = false
metrics_title = "Audio"
"#;

fn host() -> Source {
    Source { crate_name: "host".into(), manifest: "host/Cargo.toml".into() }
}

fn package(name: &str) -> Package {
    Package { name: name.into(), version: "1.2.3".into(), manifest: format!("{name}/Cargo.toml") }
}

/// The declaration of a crate `name` with manifest text `manifest`.
fn declared(name: &str, manifest: &str) -> Declaration {
    Declaration::from_manifest(manifest, &package(name)).unwrap()
}

fn direct(declarations: Vec<Declaration>) -> Vec<Payload> {
    declarations
        .into_iter()
        .map(|d| Payload { format: channel::FORMAT, via: None, sender: d.crate_name.clone(), crates: vec![d] })
        .collect()
}

fn builtins() -> Declaration {
    declared("core-impls", BUILTINS)
}

/// Class names of `chat`'s implementations, winner first.
fn chat_ranking(declarations: Vec<Declaration>) -> Vec<String> {
    let table = Table::assemble(&host(), direct(declarations)).unwrap();
    let resolved = resolve(&table);
    let chat = resolved.categories[0].names.iter().find(|n| n.name == "chat").unwrap();
    chat.ranked.iter().map(|(_, e)| e.class_name.clone()).collect()
}

#[test]
fn builtin_only_without_plugins() {
    assert_eq!(chat_ranking(vec![builtins()]), ["ChatEndpoint"]);
}

#[test]
fn plugin_beats_builtin_at_equal_priority() {
    assert_eq!(chat_ranking(vec![builtins(), declared("fast-plugin", FAST)]), ["FastChat", "ChatEndpoint"]);
    assert_eq!(
        chat_ranking(vec![declared("fast-plugin", FAST), builtins()]),
        ["FastChat", "ChatEndpoint"],
        "arrival order does not matter"
    );
}

#[test]
fn higher_priority_wins_even_for_a_builtin() {
    let fast = declared("fast-plugin", &FAST.replace("plugin = \"fast\"", "plugin = \"fast\"\npriority = -1"));
    assert_eq!(chat_ranking(vec![builtins(), fast]), ["ChatEndpoint", "FastChat"]);
}

#[test]
fn entry_priority_overrides_crate_priority() {
    let alt = declared("alt-plugin", &ALT.replace("type = \"AltChat\"", "type = \"AltChat\"\npriority = 5"));
    assert_eq!(chat_ranking(vec![builtins(), declared("fast-plugin", FAST), alt]), ["AltChat", "FastChat", "ChatEndpoint"]);
}

#[test]
fn equal_plugins_resolve_by_crate_name_with_a_warning() {
    let all = || vec![builtins(), declared("fast-plugin", FAST), declared("alt-plugin", ALT)];
    assert_eq!(chat_ranking(all()), ["AltChat", "FastChat", "ChatEndpoint"]);
    let generated = generate(&host(), direct(all())).unwrap();
    assert_eq!(generated.warnings.len(), 1);
    let warning = &generated.warnings[0];
    assert!(warning.contains("plugins `alt-plugin` and `fast-plugin` at priority 0; `alt-plugin` wins"), "{warning}");
    assert!(generate(&host(), direct(vec![builtins(), declared("fast-plugin", FAST)])).unwrap().warnings.is_empty());
    // Three at one priority: the warning names all three, not the first two.
    let third = FAST.replace("fast-plugin", "zed-plugin").replace("plugin = \"fast\"", "plugin = \"zed\"").replace("FastChat", "ZedChat");
    let generated = generate(&host(), direct([all(), vec![declared("zed-plugin", &third)]].concat())).unwrap();
    let warning = &generated.warnings[0];
    assert!(warning.contains("plugins `alt-plugin`, `fast-plugin` and `zed-plugin` at priority 0; `alt-plugin` wins"), "{warning}");
}

#[test]
fn plugins_may_add_names_described_by_their_metadata() {
    let fast = declared("fast-plugin", &format!("{FAST}{AUDIO}"));
    let table = Table::assemble(&host(), direct(vec![builtins(), fast])).unwrap();
    let names: Vec<&str> = resolve(&table).categories[0].names.iter().map(|n| n.name).collect();
    assert_eq!(names, ["chat", "audio"], "builtin names first");
    let code = generate(&host(), direct(vec![builtins(), declared("fast-plugin", &format!("{FAST}{AUDIO}"))])).unwrap().code;
    assert!(code.contains("input: InputKind::Prompt"), "{code}");
}

#[test]
fn forwarded_crates_are_reached_through_the_forwarding_host() {
    let forwarded = Payload {
        format: channel::FORMAT,
        via: Some("::aiperf::factories::__deps".into()),
        sender: "aiperf".into(),
        crates: vec![builtins(), declared("fast-plugin", FAST)],
    };
    let mut payloads = vec![forwarded];
    payloads.extend(direct(vec![declared("fast-plugin", FAST), declared("alt-plugin", ALT)]));
    let table = Table::assemble(&host(), payloads).unwrap();
    assert_eq!(table.core, "::aiperf::factories::__deps::aiperf_core");
    let reexports: Vec<(&str, &str)> = table.crates.iter().map(|c| (c.declaration.crate_name.as_str(), c.reexport.as_str())).collect();
    assert_eq!(
        reexports,
        [("core-impls", "::aiperf::factories::__deps::core_impls"), ("alt-plugin", "::alt_plugin"), ("fast-plugin", "::fast_plugin"),],
        "builtins first; a crate that is also a direct dependency is reached directly, once"
    );
}

#[test]
fn generated_code_is_formatted_and_records_its_sources() {
    let code = generate(&host(), direct(vec![builtins(), declared("fast-plugin", FAST)])).unwrap().code;
    assert!(code.starts_with("// @generated by aiperf-build"), "{code}");
    assert!(code.contains("//   fast-plugin 1.2.3 (plugin fast)\n"), "{code}");
    assert!(code.contains("//   endpoint chat: FastChat (fast-plugin, priority 0) > ChatEndpoint (core-impls, priority 0)"));
    assert!(code.contains("/// `fast_plugin::FastChat`, from `fast-plugin`."), "{code}");
    assert!(code.contains("pub use ::fast_plugin;"), "{code}");
    assert!(code.contains("default: EndpointImpl::FastChat"), "{code}");
    assert!(code.contains("HttpTransport(core_impls__transport_http__type)"), "{code}");
    // A declared path that does not resolve is reported on a line naming its crate and key.
    assert!(code.contains("pub type fast_plugin__endpoint_chat__type = __deps::fast_plugin::FastChat;"), "{code}");
    assert!(code.contains("/// `fast-plugin`'s `Cargo.toml`, `[package.metadata.aiperf.endpoint.chat]`: `type = \"FastChat\"`."), "{code}");
    assert_eq!(code.matches("#[non_exhaustive]").count(), 15, "every generated enum: three in each of the five categories");
    // prettyplease output re-parses and is stable.
    let file: syn::File = syn::parse_str(&code).unwrap();
    let body = code.split_once("\n\n").unwrap().1;
    assert_eq!(body.replace("\n\n", "\n"), prettyplease::unparse(&file));
    let without = generate(&host(), direct(vec![builtins()])).unwrap().code;
    assert!(!without.contains("fast_plugin"), "a crate not compiled in is never named");
}

#[test]
fn the_channel_round_trips_and_rejects_foreign_values() {
    let payload = direct(vec![builtins()]).remove(0);
    let line = payload.to_cargo_line();
    let value = line.strip_prefix("cargo::metadata=AIPERF_TABLE=").unwrap();
    assert!(!value.contains('\n'), "one line");
    let vars = vec![
        ("DEP_CORE_IMPLS_AIPERF_TABLE".to_owned(), value.to_owned()),
        ("DEP_OPENSSL_VERSION".to_owned(), "300".to_owned()),
        ("PATH".to_owned(), "/bin".to_owned()),
    ];
    assert_eq!(channel::received(vars).unwrap(), [payload]);
    let err = channel::received(vec![("DEP_X_AIPERF_TABLE".to_owned(), "{".to_owned())]).unwrap_err();
    assert!(err.to_string().starts_with("DEP_X_AIPERF_TABLE: not an aiperf declaration"), "{err}");
}

#[test]
fn write_file_if_changed_keeps_the_mtime() {
    let dir = std::env::temp_dir().join(format!("aiperf-build-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out.rs");
    write_file_if_changed(&path, "a").unwrap();
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    write_file_if_changed(&path, "a").unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), before);
    write_file_if_changed(&path, "b").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "b");
    std::fs::remove_dir_all(dir).unwrap();
}

/// (crate, manifest, key at fault, words the message must contain): errors of one crate's table.
fn malformed_declarations() -> Vec<(&'static str, String, &'static str, &'static str)> {
    let b = |from: &str, to: &str| BUILTINS.replace(from, to);
    let f = |from: &str, to: &str| FAST.replace(from, to);
    vec![
        ("core-impls", b("type = \"ChatEndpoint\"\n", ""), "package.metadata.aiperf.endpoint.chat.type", "missing"),
        (
            "core-impls",
            b("[package.metadata.aiperf.transport.http]", "[package.metadata.aiperf.model.x]"),
            "package.metadata.aiperf.model",
            "unknown key",
        ),
        (
            "core-impls",
            b("description = \"chat\"", "descripton = \"chat\""),
            "package.metadata.aiperf.endpoint.chat.descripton",
            "unknown key",
        ),
        (
            "core-impls",
            b("supports_streaming = true", "supports_streaming = \"yes\""),
            "package.metadata.aiperf.endpoint.chat.supports_streaming",
            "true or false",
        ),
        (
            "core-impls",
            b("\"/v1/chat/completions\"", "\"v1/chat\""),
            "package.metadata.aiperf.endpoint.chat.endpoint_path",
            "must start with `/`",
        ),
        ("core-impls", b("input = \"messages\"", "input = \"chat\""), "package.metadata.aiperf.endpoint.chat.input", "not an input kind"),
        ("core-impls", b("input = \"messages\"\n", ""), "package.metadata.aiperf.endpoint.chat.input", "missing"),
        ("core-impls", b("\"ChatEndpoint\"", "\"chat endpoint\""), "package.metadata.aiperf.endpoint.chat.type", "not a Rust type path"),
        (
            "core-impls",
            b("\"ChatEndpoint\"", "\"::other::ChatEndpoint\""),
            "package.metadata.aiperf.endpoint.chat.type",
            "inside this crate",
        ),
        ("core-impls", b("\"ChatEndpoint\"", "\"Chat<u8>\""), "package.metadata.aiperf.endpoint.chat.type", "generic"),
        ("core-impls", b("\"ChatEndpoint\"", "\"Registered\""), "package.metadata.aiperf.endpoint.chat.type", "cannot name"),
        ("core-impls", b("endpoint.chat]", "endpoint.Chat]"), "package.metadata.aiperf.endpoint.Chat", "not a valid name"),
        (
            "core-impls",
            b("url_schemes = [\"http\", \"https\"]", "url_schemes = \"http\""),
            "package.metadata.aiperf.transport.http.url_schemes",
            "array",
        ),
        (
            "core-impls",
            b("url_schemes = [\"http\", \"https\"]\n", ""),
            "package.metadata.aiperf.transport.http.url_schemes",
            "a builtin entry describes",
        ),
        (
            "core-impls",
            b("url_schemes = [\"http\", \"https\"]", "url_schemes = [\"HTTP\"]"),
            "package.metadata.aiperf.transport.http.url_schemes",
            "not a URL scheme",
        ),
        ("core-impls", b("builtin = true", ""), "package.metadata.aiperf.plugin", "name the plugin"),
        ("core-impls", b("builtin = true", "builtin = true\nplugin = \"x\""), "package.metadata.aiperf.plugin", "not both"),
        ("fast-plugin", f("plugin = \"fast\"", "plugin = \"Fast Plugin\""), "package.metadata.aiperf.plugin", "not a valid plugin name"),
        ("fast-plugin", f("plugin = \"fast\"", "plugin = \"fast\"\npriority = \"high\""), "package.metadata.aiperf.priority", "integer"),
        ("fast-plugin", f("endpoint.chat]", "endpoints.chat]"), "package.metadata.aiperf.endpoints", "unknown key"),
        ("fast-plugin", "[package]\nname = \"fast-plugin\"\n".to_owned(), "package.metadata.aiperf", "missing"),
        (
            "fast-plugin",
            f("[package.metadata.aiperf.endpoint.chat]\ntype = \"FastChat\"\n", ""),
            "package.metadata.aiperf",
            "declares no implementation",
        ),
        (
            "core-impls",
            b(
                "[package.metadata.aiperf.transport.http]",
                "[package.metadata.aiperf.transport.http]\n[package.metadata.aiperf.transport.http]",
            ),
            "package.metadata.aiperf.transport.http",
            "duplicate key",
        ),
        (
            "core-impls",
            b("produces_tokens = true", "produces_tokens = yes"),
            "package.metadata.aiperf.endpoint.chat.produces_tokens",
            "not valid TOML",
        ),
        (
            "fast-plugin",
            f("type = \"FastChat\"", "type = \"fast_plugin::chat::FastChat\"\nfoo = 1"),
            "package.metadata.aiperf.endpoint.chat.foo",
            "unknown key",
        ),
    ]
}

#[test]
fn every_malformed_declaration_names_the_crate_and_key_at_fault() {
    for (krate, manifest, key, words) in malformed_declarations() {
        let err = Declaration::from_manifest(&manifest, &package(krate)).map(|_| ()).expect_err(key);
        assert_eq!(err.key, key, "{err}");
        assert!(err.message.contains(words), "{key}: expected `{words}` in: {err}");
        assert!(err.to_string().starts_with(&format!("{krate} ({krate}/Cargo.toml): `{key}`: ")), "{err}");
    }
}

/// (declarations, crate at fault, key at fault, words): conflicts between crates.
fn conflicting_builds() -> Vec<(Vec<Declaration>, &'static str, &'static str, &'static str)> {
    let other_builtin = BUILTINS.replace("core-impls", "more-impls").replace(
        "[package.metadata.aiperf.transport.http]\ntype = \"core_impls::http::HttpTransport\"\nurl_schemes = [\"http\", \"https\"]\n",
        "",
    );
    vec![
        (
            vec![builtins(), declared("more-impls", &other_builtin.replace("ChatEndpoint", "OtherChat"))],
            "more-impls",
            "package.metadata.aiperf.endpoint.chat",
            "already has a builtin in `core-impls`",
        ),
        (
            vec![builtins(), declared("fast-plugin", &FAST.replace("FastChat", "ChatEndpoint"))],
            "fast-plugin",
            "package.metadata.aiperf.endpoint.chat.type",
            "already used",
        ),
        (
            vec![
                builtins(),
                declared(
                    "fast-plugin",
                    &format!(
                        "{FAST}endpoint_path = \"/x\"\ninput = \"prompt\"\nsupports_streaming = true\nproduces_tokens = true\nmetrics_title = \"x\"\n"
                    ),
                ),
            ],
            "fast-plugin",
            "package.metadata.aiperf.endpoint.chat.endpoint_path",
            "belongs to its builtin in `core-impls`",
        ),
        (
            vec![builtins(), declared("fast-plugin", &format!("{FAST}[package.metadata.aiperf.endpoint.audio]\ntype = \"Audio\"\n"))],
            "fast-plugin",
            "package.metadata.aiperf.endpoint.audio.endpoint_path",
            "no builtin declares endpoint `audio`",
        ),
        (
            vec![
                builtins(),
                declared("fast-plugin", &format!("{FAST}{AUDIO}")),
                declared(
                    "alt-plugin",
                    &format!("{ALT}{}", AUDIO.replace("type = \"Audio\"", "type = \"AltAudio\"").replace("/v1/audio", "/v2/audio")),
                ),
            ],
            "alt-plugin",
            "package.metadata.aiperf.endpoint.audio",
            "also added by `fast-plugin` with other metadata",
        ),
        (
            vec![
                builtins(),
                declared(
                    "fast-plugin",
                    "[package.metadata.aiperf]\nplugin = \"fast\"\n[package.metadata.aiperf.transport.h2]\ntype = \"H2\"\nurl_schemes = [\"https\"]\n",
                ),
            ],
            "fast-plugin",
            "package.metadata.aiperf.transport.h2.url_schemes",
            "already served by transport `http` of `core-impls`",
        ),
        (vec![declared("fast-plugin", FAST)], "host", "dependencies", "no transport implementation"),
    ]
}

#[test]
fn conflicting_declarations_name_the_crate_and_key_at_fault() {
    for (declarations, krate, key, words) in conflicting_builds() {
        let err = Table::assemble(&host(), direct(declarations)).map(|_| ()).expect_err(key);
        assert_eq!((err.crate_name.as_str(), err.key.as_str()), (krate, key), "{err}");
        assert!(err.message.contains(words), "{key}: expected `{words}` in: {err}");
    }
}
