//! AIPerf 0.13's shared-prefix flags: synthetic prompts built so that the server can reuse
//! exactly the intended prefix tokens (KV-cache studies).

use aiperf_bench::BenchConfig;
use clap::Args;

/// The prefix flags.
#[derive(Clone, Debug, Args)]
pub struct PrefixArgs {
    /// Prefixes in a pool: each synthetic prompt starts with one of them, drawn at random (with
    /// --prefix-prompt-length).
    #[arg(long, visible_aliases = ["prefix-prompt-pool-size", "prompt-prefix-pool-size"])]
    pub num_prefix_prompts: Option<usize>,
    /// Tokens of each pool prefix, on top of --isl.
    #[arg(long, visible_alias = "prompt-prefix-length")]
    pub prefix_prompt_length: Option<u32>,
    /// Tokens of a system prompt every request carries, the same text in all (chat), on top of
    /// --isl.
    #[arg(long)]
    pub shared_system_prompt_length: Option<u32>,
    /// Tokens of a user message each synthetic prompt carries after the system prompt, its own
    /// (chat), on top of --isl.
    #[arg(long)]
    pub user_context_prompt_length: Option<u32>,
}

impl PrefixArgs {
    /// Sets the prefix fields of `config`.
    pub fn apply(&self, config: &mut BenchConfig) {
        config.num_prefix_prompts = self.num_prefix_prompts;
        config.prefix_prompt_length = self.prefix_prompt_length;
        config.shared_system_prompt_length = self.shared_system_prompt_length;
        config.user_context_prompt_length = self.user_context_prompt_length;
    }
}
