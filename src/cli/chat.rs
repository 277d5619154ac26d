//! `aiperf chat`: one message at a time against a server, each reply printed as it streams in and
//! followed by its time to first token, tokens per second and inter-token latency, as AIPerf
//! 0.13's `chat` prints them; the conversation's history sent with each message. The quick check
//! that a server answers, and how fast, before a benchmark.

use std::io::{BufRead, Write};

use aiperf_bench::chat::{Chat, TurnStats};
use aiperf_bench::{BenchConfig, Selections};
use aiperf_core::Factories;

use super::CliError;

/// Arguments of `aiperf chat`.
#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    /// The served model's name.
    #[arg(short = 'm', long)]
    pub model: String,
    /// The server: a base URL (`http://host:8000`, the OpenAI SDK's `…/v1`) or the whole endpoint
    /// URL; `grpc://` talks to Triton.
    #[arg(short = 'u', long, default_value = "http://localhost:8000")]
    pub url: String,
    /// A system message sent first with every message.
    #[arg(long)]
    pub system_prompt: Option<String>,
    /// Send this one message, print the reply and its figures, and exit (status 1 if it fails).
    #[arg(short = 'q', long)]
    pub quick: Option<String>,
    /// Send each message alone, without the conversation before it.
    #[arg(long)]
    pub no_history: bool,
    /// Sent as `Authorization: Bearer <key>` [default: the OPENAI_API_KEY environment variable].
    #[arg(long)]
    pub api_key: Option<String>,
    /// Extra request headers, `Name:Value`.
    #[arg(short = 'H', long = "header")]
    pub headers: Vec<String>,
    /// How replies' tokens are counted: `builtin` (o200k_base) or a local `tokenizer.json`.
    #[arg(long, default_value = "builtin")]
    pub tokenizer: String,
}

/// Runs the conversation, printing as it goes; returns nothing more to print.
///
/// # Errors
/// A configuration that cannot work (a bad URL); in `--quick` mode, a message that failed.
pub fn run<F: Factories>(args: &ChatArgs, selections: &Selections<F>) -> Result<String, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)?;
    let config = BenchConfig {
        model: vec![args.model.clone()],
        url: Some(args.url.clone()),
        api_key: args.api_key.clone().or_else(|| std::env::var("OPENAI_API_KEY").ok().filter(|k| !k.is_empty())),
        headers: args.headers.clone(),
        tokenizer: args.tokenizer.clone(),
        ..BenchConfig::default()
    };
    let mut chat = Chat::<F>::open(&config, selections, args.system_prompt.clone(), !args.no_history && args.quick.is_none())?;
    let mut turn = |message: &str| runtime.block_on(turn(&mut chat, message));
    if let Some(message) = &args.quick {
        return turn(message).map(|()| String::new()).map_err(CliError::Chat);
    }
    println!("Please enter a message for the chat model (Ctrl-D to exit):");
    let mut line = String::new();
    loop {
        print!("> ");
        let _ = std::io::stdout().flush();
        line.clear();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if let Err(error) = turn(line.trim_end_matches(['\n', '\r'])) {
            eprintln!("request failed: {error}");
        }
    }
    println!();
    Ok(String::new())
}

/// One message: the reply printed as it arrives, then its figures.
async fn turn<F: Factories>(chat: &mut Chat<F>, message: &str) -> Result<(), String> {
    let mut show = |text: &str, reasoning: &str| {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(reasoning.as_bytes());
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    };
    let stats = chat.send(message, &mut show).await?;
    println!();
    println!("{}", figures(stats.as_ref()));
    Ok(())
}

/// A turn's figures, in AIPerf's words: TTFT, end-to-end tokens per second (TTFT included), and
/// the inter-token latency with its decode rate.
fn figures(stats: Option<&TurnStats>) -> String {
    let Some(stats) = stats.filter(|s| s.output_tokens > 0 && !s.latency.is_zero()) else { return "(no tokens received)".to_owned() };
    let latency = stats.latency.as_secs_f64();
    let reasoning = if stats.reasoning_tokens > 0 { format!(", {} reasoning", stats.reasoning_tokens) } else { String::new() };
    let mut out = format!(
        "TTFT: {:.2} ms\nTPS:  {:.2} tokens/s ({} tokens{reasoning} in {latency:.2}s)",
        stats.ttft.as_secs_f64() * 1e3,
        stats.output_tokens as f64 / latency,
        stats.output_tokens
    );
    if let Some(itl) = stats.itl.filter(|itl| !itl.is_zero()) {
        out.push_str(&format!("\nITL:  {:.2} ms/token (decode {:.2} tokens/s)", itl.as_secs_f64() * 1e3, 1.0 / itl.as_secs_f64()));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn figures_read_as_aiperf_prints_them() {
        let stats = TurnStats {
            ttft: Duration::from_millis(25),
            latency: Duration::from_millis(525),
            output_tokens: 11,
            reasoning_tokens: 0,
            itl: Some(Duration::from_millis(50)),
            input_tokens: Some(12),
        };
        assert_eq!(
            figures(Some(&stats)),
            "TTFT: 25.00 ms\nTPS:  20.95 tokens/s (11 tokens in 0.53s)\nITL:  50.00 ms/token (decode 20.00 tokens/s)"
        );
        assert_eq!(figures(None), "(no tokens received)");
    }
}
