//! Long fuzz runs of the engine's targets (see `tokenhunt_engine::fuzz`).
//!
//! ```sh
//! cargo run -p tokenhunt-engine --example fuzz -- all --seconds 1800 --seed 1
//! cargo run -p tokenhunt-engine --example fuzz -- csv --seed 1 --replay 12345
//! ```
//!
//! Each target runs in a child process (this program again, with `--worker`) that
//! records the number of the input it is on before running it; a panic is caught
//! in the child, and a crash that kills it (a stack overflow aborts) is caught by
//! this supervisor, which saves the input and starts a new child at the next one.
//! Crashing inputs are saved under `--crashes` (default `target/fuzz-crashes`).

use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use tokenhunt_engine::fuzz::{self, Target};

struct Args {
    targets: Vec<Target>,
    seconds: f64,
    seed: u64,
    seeds_dir: PathBuf,
    crashes: PathBuf,
    replay: Option<u64>,
    worker: Option<(u64, PathBuf)>,
}

fn usage() -> String {
    let names: Vec<&str> = fuzz::targets().iter().map(|t| t.name).collect();
    format!(
        "usage: fuzz <all|{}> [--seconds N] [--seed S] [--seeds DIR] [--crashes DIR] [--replay N]",
        names.join("|")
    )
}

fn parse_args() -> Result<Args, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args = Args {
        targets: Vec::new(),
        seconds: 60.0,
        seed: 1,
        seeds_dir: root.join("tests/fixtures/real"),
        crashes: root.join("target/fuzz-crashes"),
        replay: None,
        worker: None,
    };
    let mut from = 0;
    let mut progress = None;
    let mut items = std::env::args().skip(1);
    while let Some(item) = items.next() {
        let mut value = |name: &str| items.next().ok_or_else(|| format!("{name} needs a value"));
        match item.as_str() {
            "--seconds" => {
                args.seconds = value("--seconds")?
                    .parse()
                    .map_err(|e| format!("--seconds: {e}"))?
            }
            "--seed" => {
                args.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--seeds" => args.seeds_dir = value("--seeds")?.into(),
            "--crashes" => args.crashes = value("--crashes")?.into(),
            "--replay" => {
                args.replay = Some(
                    value("--replay")?
                        .parse()
                        .map_err(|e| format!("--replay: {e}"))?,
                )
            }
            "--from" => {
                from = value("--from")?
                    .parse()
                    .map_err(|e| format!("--from: {e}"))?
            }
            "--progress" => progress = Some(PathBuf::from(value("--progress")?)),
            "--worker" => {}
            "all" => args.targets = fuzz::targets(),
            name => match fuzz::target(name) {
                Some(target) => args.targets.push(target),
                None => return Err(format!("unknown target {name:?}\n{}", usage())),
            },
        }
    }
    if let Some(progress) = progress {
        args.worker = Some((from, progress));
    }
    if args.targets.is_empty() {
        return Err(usage());
    }
    Ok(args)
}

fn save(args: &Args, target: &str, iteration: u64, input: &[u8]) -> PathBuf {
    let _ = std::fs::create_dir_all(&args.crashes);
    let path = args
        .crashes
        .join(format!("{target}-seed{}-input{iteration}.bin", args.seed));
    if let Err(error) = std::fs::write(&path, input) {
        eprintln!("cannot save {}: {error}", path.display());
    }
    path
}

/// The child: runs one target from input `from`, telling `progress` each input's
/// number; prints `executions next_iteration panics` on stdout at the end.
fn worker(args: &Args, from: u64, progress: &PathBuf) -> ExitCode {
    let target = args.targets[0];
    let seeds = (target.seeds)(&args.seeds_dir);
    let file = match std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(progress)
    {
        Ok(file) => file,
        Err(error) => {
            eprintln!("{}: {error}", progress.display());
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let budget = Duration::from_secs_f64(args.seconds);
    let (mut executions, mut next, mut panics) = (0u64, from, 0u64);
    // Slices of a minute, to say how far it got.
    while executions == 0 || started.elapsed() < budget {
        let slice = (budget.saturating_sub(started.elapsed())).min(Duration::from_secs(60));
        let report = fuzz::fuzz(
            target.run,
            &seeds,
            args.seed,
            next,
            slice,
            &mut |iteration| {
                let _ = file.write_at(&iteration.to_le_bytes(), 0);
            },
        );
        for crash in &report.crashes {
            let path = save(args, target.name, crash.iteration, &crash.input);
            eprintln!(
                "fuzz {}: PANIC on input {} ({} bytes, saved to {}): {}",
                target.name,
                crash.iteration,
                crash.input.len(),
                path.display(),
                crash.message
            );
        }
        executions += report.executions;
        panics += report.crashes.len() as u64;
        next = report.next_iteration;
        eprintln!(
            "fuzz {}: {executions} executions in {:.0} s, {panics} panics",
            target.name,
            started.elapsed().as_secs_f64()
        );
    }
    println!("{executions} {next} {panics}");
    ExitCode::SUCCESS
}

fn replay(args: &Args, iteration: u64) -> ExitCode {
    let target = args.targets[0];
    let seeds = (target.seeds)(&args.seeds_dir);
    let input = fuzz::input_for(&seeds, args.seed, iteration);
    let path = save(args, target.name, iteration, &input);
    eprintln!(
        "input {iteration}: {} bytes, saved to {}",
        input.len(),
        path.display()
    );
    let outcome = std::thread::Builder::new()
        .stack_size(fuzz::STACK_BYTES)
        .spawn(move || std::panic::catch_unwind(|| (target.run)(&input)).is_ok())
        .map(|thread| thread.join().unwrap_or(false));
    match outcome {
        Ok(true) => {
            eprintln!("input {iteration}: no crash");
            ExitCode::SUCCESS
        }
        _ => ExitCode::FAILURE,
    }
}

fn supervise(args: &Args) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            eprintln!("cannot find this program: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = false;
    for target in &args.targets {
        let progress = std::env::temp_dir().join(format!(
            "tokenhunt-fuzz-{}-{}-{}.progress",
            target.name,
            args.seed,
            std::process::id()
        ));
        let started = Instant::now();
        let budget = Duration::from_secs_f64(args.seconds);
        let (mut executions, mut next, mut panics, mut aborts) = (0u64, 0u64, 0u64, 0u64);
        loop {
            let remaining = budget.saturating_sub(started.elapsed());
            let _ = std::fs::write(&progress, next.to_le_bytes());
            let child = Command::new(&exe)
                .arg(target.name)
                .args(["--worker", "--from", &next.to_string()])
                .args(["--seed", &args.seed.to_string()])
                .args(["--seconds", &format!("{:.3}", remaining.as_secs_f64())])
                .arg("--seeds")
                .arg(&args.seeds_dir)
                .arg("--crashes")
                .arg(&args.crashes)
                .arg("--progress")
                .arg(&progress)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .output();
            let output = match child {
                Ok(output) => output,
                Err(error) => {
                    eprintln!("cannot start a worker: {error}");
                    return ExitCode::FAILURE;
                }
            };
            if output.status.success() {
                let text = String::from_utf8_lossy(&output.stdout);
                let numbers: Vec<u64> = text
                    .split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect();
                if let [done, _, crashed] = numbers[..] {
                    executions += done;
                    panics += crashed;
                }
                break;
            }
            // Killed: the input it was on is in the progress file.
            let bytes = std::fs::read(&progress).unwrap_or_default();
            let at = bytes.get(..8).map_or(next, |b| {
                u64::from_le_bytes(b.try_into().unwrap_or_default())
            });
            let seeds = (target.seeds)(&args.seeds_dir);
            let input = fuzz::input_for(&seeds, args.seed, at);
            let path = save(args, target.name, at, &input);
            eprintln!(
                "fuzz {}: CRASH ({}) on input {at} ({} bytes, saved to {})",
                target.name,
                output.status,
                input.len(),
                path.display()
            );
            aborts += 1;
            executions += at - next + 1;
            next = at + 1;
            if started.elapsed() >= budget {
                break;
            }
        }
        let _ = std::fs::remove_file(&progress);
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "fuzz {}: seed {}, {executions} executions in {seconds:.0} s ({:.0}/s), {} crashes ({panics} panics, {aborts} aborts)",
            target.name,
            args.seed,
            executions as f64 / seconds.max(1e-9),
            panics + aborts
        );
        failed |= panics + aborts > 0;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if let Some((from, progress)) = &args.worker {
        return worker(&args, *from, progress);
    }
    if let Some(iteration) = args.replay {
        return replay(&args, iteration);
    }
    supervise(&args)
}
