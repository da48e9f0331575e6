//! Generates a tenant from the command line (the bench and manual checks use it; the real CLI is
//! `tokenhunt gen`).
//!
//! `cargo run --release -p tokenhunt-gen --example gen_tenant -- <profile> <seed> <out> [users] [days] [formats] [gzip]`

use tokenhunt_gen::{GenOptions, OutputFormat, Profile, generate};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let profile = args
        .get(1)
        .and_then(|p| Profile::parse(p))
        .unwrap_or(Profile::Small);
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let out = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| "gen-out".to_string());
    let mut opts = GenOptions::new(profile, seed, out);
    opts.users = args
        .get(4)
        .and_then(|s| s.parse().ok())
        .filter(|&n: &u32| n > 0);
    opts.days = args
        .get(5)
        .and_then(|s| s.parse().ok())
        .filter(|&n: &u32| n > 0);
    if let Some(f) = args.get(6).filter(|s| !s.is_empty() && *s != "-") {
        opts.formats = f.split(',').filter_map(OutputFormat::parse).collect();
    }
    opts.gzip = args.get(7).is_some_and(|g| g == "gzip");
    match generate(&opts, &mut |_| {}) {
        Ok(summary) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).unwrap_or_default()
            );
            eprintln!(
                "{} events in {:.2} s = {:.0} events/s, {} files, {} bytes",
                summary.events,
                summary.seconds,
                summary.events as f64 / summary.seconds.max(1e-9),
                summary.files,
                summary.bytes
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
