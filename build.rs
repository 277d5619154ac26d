//! Generates this build's endpoint and transport factories from the implementations its
//! dependencies declare (builtins, and each enabled plugin), and forwards them to dependents.

fn main() {
    aiperf_build::compile();
}
