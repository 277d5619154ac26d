//! Generates the endpoint and transport factories from `[workspace.metadata.aiperf]`.

fn main() {
    if let Err(error) = aiperf_build::compile() {
        // Cargo prints a failed build script's stderr; the message names the key at fault.
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
