//! Generates this build's factories from the implementations its dependencies declare: aiperf's
//! builtins and `nvidia-optimized` (forwarded by `aiperf`), and `acme-aiperf-plugin`.

fn main() {
    aiperf_build::compile();
}
