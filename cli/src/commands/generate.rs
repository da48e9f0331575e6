//! `tokenhunt gen` and `tokenhunt eval`: synthetic tenants with known truth, and the
//! score of findings against it.

use anyhow::{Context as _, Result, bail};
use tokenhunt_gen::{
    GenOptions, Labels, OutputFormat as GenFormat, Profile, evaluate, generate, read_findings_jsonl,
};

use crate::args::{EvalArgs, GenArgs, OutputFormat, ProfileArg};
use crate::context::Context;
use crate::output::print_line;

pub fn gen_options(args: &GenArgs) -> Result<GenOptions> {
    let profile = match args.profile {
        ProfileArg::Small => Profile::Small,
        ProfileArg::Medium => Profile::Medium,
        ProfileArg::Large => Profile::Large,
    };
    let mut options = GenOptions::new(profile, args.seed, &args.out);
    options.users = args.users;
    options.days = args.days;
    options.gzip = args.gzip;
    if !args.formats.is_empty() {
        options.formats = args
            .formats
            .iter()
            .map(|name| {
                GenFormat::parse(name).with_context(|| {
                    format!("unknown format {name:?} (entra-la, entra-diagnostic, okta)")
                })
            })
            .collect::<Result<_>>()?;
    }
    if let Some(start) = &args.start {
        options.start = chrono::NaiveDate::parse_from_str(start, "%Y-%m-%d")
            .with_context(|| format!("--start {start:?}: use YYYY-MM-DD"))?;
    }
    Ok(options)
}

pub fn run_gen(context: &Context, args: &GenArgs) -> Result<()> {
    let options = gen_options(args)?;
    let quiet = context.global.quiet;
    let mut last_percent = u64::MAX;
    let summary = generate(&options, &mut |progress| {
        let percent = progress.hour * 100 / progress.hours.max(1);
        if !quiet && percent != last_percent && percent % 10 == 0 {
            last_percent = percent;
            eprint!("\rgenerating… {percent}% ({} events)", progress.events);
        }
    })?;
    if !quiet {
        eprintln!(
            "\rwrote {} events for {} users over {} days in {} files ({:.1} MB) in {:.1} s; {} incidents, {} benign look-alikes; labels in {}",
            summary.events,
            summary.users,
            summary.days,
            summary.files,
            summary.bytes as f64 / 1e6,
            summary.seconds,
            summary.incidents,
            summary.confounders,
            options.out.join("labels.json").display()
        );
    }
    if matches!(
        context.global.format,
        Some(OutputFormat::Json | OutputFormat::Jsonl)
    ) {
        print_line(&serde_json::to_string(&summary)?)?;
    }
    Ok(())
}

pub fn run_eval(context: &Context, args: &EvalArgs) -> Result<()> {
    let labels = Labels::read(&args.labels)?;
    let findings = read_findings_jsonl(&args.findings)?;
    if labels.tenant.users == 0 || labels.tenant.days == 0 {
        bail!("{}: the tenant has no users or days", args.labels.display());
    }
    let report = evaluate(
        &labels,
        &findings,
        labels.tenant.users,
        labels.tenant.days as f64,
    );
    match context.global.format {
        Some(OutputFormat::Json | OutputFormat::Jsonl) => {
            print_line(&serde_json::to_string(&report)?)?
        }
        _ => print_line(&report.to_string())?,
    }
    Ok(())
}
