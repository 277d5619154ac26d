//! AIPerf 0.13's user-centric load: users sharing a global rate, each sending its session's
//! turns a fixed gap apart.

use aiperf_bench::BenchConfig;
use aiperf_bench::config::List;
use clap::Args;

/// The user-centric flags.
#[derive(Clone, Debug, Args)]
pub struct UserArgs {
    /// Requests per second shared by --num-users users: each sends its session's turns
    /// num_users/rate seconds apart, one at a time, and a new user joins as one finishes
    /// (AIPerf's user-centric load, for KV-cache studies).
    #[arg(long)]
    pub user_centric_rate: Option<f64>,
    /// The users of --user-centric-rate; a comma list (`4,8,16`) sweeps it, one run per value.
    #[arg(long)]
    pub num_users: Option<List<usize>>,
}

impl UserArgs {
    /// Sets the user-centric fields of `config`.
    pub fn apply(&self, config: &mut BenchConfig) {
        config.user_centric_rate = self.user_centric_rate;
        config.num_users.clone_from(&self.num_users);
    }
}
