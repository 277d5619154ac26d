//! `acme-aiperf`: the `aiperf` command line with this build's plugins.

aiperf::main!();
