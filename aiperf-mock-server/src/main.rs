//! `aiperf-mock-server`: serve the OpenAI-compatible API with simulated timing.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use aiperf_mock_server::{MockConfig, MockServer};
use aiperf_server::InEngineSettings;
use clap::Parser;

/// An OpenAI/NIM-compatible mock inference server: vLLM's exact bytes, simulated timing.
#[derive(Debug, Parser)]
#[command(name = "aiperf-mock-server", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// HTTP port (HTTP/1.1 and h2c); 0 picks a free one, printed on start.
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// KServe v2 gRPC port (Triton protocol); 0 picks a free one. No gRPC unless given.
    #[arg(long)]
    grpc_port: Option<u16>,
    /// Model name served (`/v1/models`, and requests that name none).
    #[arg(long, default_value = "mock")]
    model: String,
    /// Time to first token, in milliseconds.
    #[arg(long, default_value_t = 20.0)]
    ttft_ms: f64,
    /// Inter-token latency, in milliseconds.
    #[arg(long, default_value_t = 5.0)]
    itl_ms: f64,
    /// Output tokens per response when the request sets no `max_tokens`.
    #[arg(long, default_value_t = 16)]
    output_tokens: u32,
    /// Fraction of generation requests answered with an OpenAI-style JSON error (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0, value_parser = fraction)]
    error_rate: f64,
    /// Seed of the generated words and of the injected errors.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Require `Authorization: Bearer <KEY>` on /v1/* (401 otherwise, as vLLM's --api-key).
    #[arg(long)]
    api_key: Option<String>,
    /// Misbehave on a share of HTTP generation requests: KIND[:RATE], repeatable (status-429,
    /// html-502, hang, reset-mid-stream, malformed-event, invalid-utf8, byte-by-byte,
    /// json-to-stream, huge-response; RATE defaults to 1).
    #[arg(long = "fault")]
    faults: Vec<aiperf_mock_server::FaultSpec>,
    /// Context length: prompt plus max_tokens beyond it is refused with vLLM's 400.
    #[arg(long, default_value_t = aiperf_server::DEFAULT_MAX_MODEL_LEN)]
    max_model_len: u64,
    /// The most generations under way at once (vLLM's --max-num-seqs); the others wait.
    #[arg(long)]
    max_num_seqs: Option<usize>,
}

fn fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("'{text}' is not a fraction between 0.0 and 1.0")),
    }
}

fn millis(ms: f64, flag: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(ms / 1000.0).map_err(|_| format!("{flag} must be a non-negative number of milliseconds, not {ms}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let delays = millis(args.ttft_ms, "--ttft-ms").and_then(|ttft| Ok((ttft, millis(args.itl_ms, "--itl-ms")?)));
    let (ttft, itl) = match delays {
        Ok(delays) => delays,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let config = MockConfig {
        host: args.host,
        port: args.port,
        grpc_port: args.grpc_port,
        model: args.model,
        engine: InEngineSettings {
            time_to_first_token: ttft,
            inter_token_latency: itl,
            output_tokens: args.output_tokens,
            seed: args.seed,
        },
        error_rate: args.error_rate,
        api_key: args.api_key,
        max_model_len: args.max_model_len,
        faults: args.faults,
        max_num_seqs: args.max_num_seqs.filter(|&n| n > 0),
        ..MockConfig::default()
    };
    let server = match MockServer::start(config).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: cannot listen on {}:{}: {e}", args.host, args.port);
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", server.url());
    if let Some(url) = server.grpc_url() {
        println!("grpc listening on {url}");
    }
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}
