//! `tokenhunt respond --user X [--session S] [--execute [--yes]]`: the revocation plan,
//! and performing it.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Result, bail};
use serde::Serialize;
use tokenhunt_engine::respond::{
    self, CallOutcome, Endpoints, Plan, SessionTarget, Tokens, build, execute, retry_policy,
};
use tokenhunt_engine::scope::{ScanStats, ScopeOptions, ScopeTarget};
use tokenhunt_engine::timerange::{TimeRange, now_micros};

use crate::args::{OutputFormat, RespondArgs};
use crate::commands::scope::scope_report;
use crate::context::Context;
use crate::output::terminal_text as t;

/// The JSON document `--format json` prints.
#[derive(Serialize)]
struct Document<'a> {
    plan: &'a Plan,
    executed: Option<&'a [CallOutcome]>,
}

fn tokens_from_env() -> Tokens {
    let read = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    Tokens {
        graph: read("GRAPH_TOKEN"),
        okta: read("OKTA_API_TOKEN"),
    }
}

pub async fn run(context: &Context, args: &RespondArgs) -> Result<()> {
    let endpoints = Endpoints::new(
        args.graph_url.as_deref(),
        args.okta_org.as_deref(),
        args.okta_url.as_deref(),
    )?;
    let target = ScopeTarget::user(&args.user)?;
    let user = target.value().to_string();
    let range = TimeRange::parse(
        context.global.since.as_deref(),
        context.global.until.as_deref(),
        now_micros(),
    )?;
    let ctx = context.session().await?;
    let mut stats = ScanStats::default();
    let identity = respond::resolve(&ctx, &user, &range, &mut stats).await?;
    if identity.entra_id.is_none() && identity.okta_id.is_none() {
        bail!(respond::RespondError::UnknownUser(format!(
            "no sign-in of {user} in the lake: its Entra and Okta ids are unknown"
        )));
    }
    // The directory changes (consents, credentials, MFA, roles) the follow-ups name.
    let report = scope_report(
        context,
        &ctx,
        &target,
        &range,
        ScopeOptions {
            hunts: false,
            ..ScopeOptions::default()
        },
    )
    .await?;
    let session = match &args.session {
        Some(id) => match report
            .sessions
            .iter()
            .find(|s| s.session_id.as_deref() == Some(id.as_str()))
        {
            Some(found) => Some(SessionTarget {
                id: id.clone(),
                source: found.source.clone(),
            }),
            None => bail!("{id} is not a session of {user} in the lake"),
        },
        None => None,
    };
    let plan = build(identity, session, &report.audit, &endpoints);
    let format = context.format_or(OutputFormat::Table);
    let json = matches!(format, OutputFormat::Json | OutputFormat::Jsonl);

    let outcomes = if args.execute {
        if plan.actions.is_empty() {
            bail!("nothing to execute: the plan has no calls");
        }
        if !args.yes {
            confirm(&plan)?;
        }
        Some(execute(&plan, &endpoints, &tokens_from_env(), retry_policy()).await?)
    } else {
        None
    };

    let mut out = Vec::new();
    if json {
        serde_json::to_writer_pretty(
            &mut out,
            &Document {
                plan: &plan,
                executed: outcomes.as_deref(),
            },
        )?;
        out.push(b'\n');
    } else {
        write_plan(&plan, &mut out)?;
        if let Some(outcomes) = &outcomes {
            write_outcomes(outcomes, &mut out)?;
        } else if !plan.actions.is_empty() {
            writeln!(
                out,
                "\nTo perform the calls: tokenhunt respond --user {} --execute (tokens from GRAPH_TOKEN and OKTA_API_TOKEN)",
                t(&plan.identity.user)
            )?;
        }
    }
    // The outcomes were scrubbed of the tokens by the HTTP client, whatever a server
    // echoed; the plan names only the variables.
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&out)?;
    stdout.flush()?;
    if let Some(outcomes) = &outcomes {
        let failed = outcomes.iter().filter(|o| !o.ok).count();
        if failed > 0 {
            bail!("{failed} of {} call(s) failed", outcomes.len());
        }
    }
    Ok(())
}

/// Asks on the terminal; refuses without one (use --yes).
fn confirm(plan: &Plan) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!("--execute asks for confirmation on a terminal; pass --yes to run without asking");
    }
    eprint!(
        "Run {} call(s) revoking the sessions and tokens of {}? [y/N] ",
        plan.actions.len(),
        t(&plan.identity.user)
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        bail!("not confirmed: nothing was called");
    }
    Ok(())
}

fn write_plan(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    let identity = &plan.identity;
    // Every text here can come from the lake (a user name, a session id, an app):
    // each is made safe for the terminal.
    writeln!(out, "Revocation plan for {}", t(&identity.user))?;
    writeln!(
        out,
        "  Entra object id: {} · Okta user id: {}{}",
        t(identity.entra_id.as_deref().unwrap_or("unknown")),
        t(identity.okta_id.as_deref().unwrap_or("unknown")),
        plan.session
            .as_deref()
            .map(|s| format!(" · session {}", t(s)))
            .unwrap_or_default()
    )?;
    writeln!(out, "\nRevocation calls")?;
    for (index, action) in plan.actions.iter().enumerate() {
        writeln!(out, "{:>3}. {}", index + 1, t(&action.description))?;
        for command in &action.commands {
            writeln!(out, "       {}", t(command))?;
        }
    }
    if plan.actions.is_empty() {
        writeln!(out, "  none")?;
    }
    writeln!(out, "\nFollow-ups")?;
    for follow in &plan.follow_ups {
        writeln!(out, "  - {}", t(&follow.title))?;
        for line in &follow.detail {
            writeln!(out, "      {}", t(line))?;
        }
        for command in &follow.commands {
            writeln!(out, "      $ {}", t(command))?;
        }
    }
    for note in &plan.notes {
        writeln!(out, "\nnote: {}", t(note))?;
    }
    Ok(())
}

fn write_outcomes(outcomes: &[CallOutcome], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "\nExecuted")?;
    for outcome in outcomes {
        writeln!(
            out,
            "  {:<4} {:<32} {:<6} {}  {}",
            if outcome.ok { "ok" } else { "FAIL" },
            t(&outcome.id),
            t(&outcome.method),
            t(&outcome.url),
            t(&outcome.message)
        )?;
    }
    Ok(())
}
