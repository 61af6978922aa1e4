//! `carelog billing`: the month's summary (CSV or JSON), closing a month, and its claims, through the
//! same services as the billing page, acting as an administrator at the command line (audited as
//! "cli").

use anyhow::{anyhow, bail};
use carelog_app::claims::ClaimFormat;
use carelog_app::{Actor, App, ServiceError};
use carelog_domain::billing::RuleSet;
use carelog_domain::practice_time::YearMonth;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum BillingAction {
    /// Close a month that has ended: write its billed record and lock its entries
    Close {
        /// YYYY-MM
        #[arg(long)]
        month: String,
        /// seed or cms; the admin's chosen rule set when omitted
        #[arg(long)]
        rules: Option<String>,
    },
    /// The month's claims on standard output, from its billed record
    Claims {
        /// YYYY-MM
        #[arg(long)]
        month: String,
        /// csv (one row per CPT code line) or x12 (an 837P 005010X222A1 batch)
        #[arg(long, default_value = "csv")]
        format: String,
        /// Allow an open month, computed now and marked DRAFT
        #[arg(long)]
        draft: bool,
    },
}

fn month_of(text: &str) -> anyhow::Result<YearMonth> {
    YearMonth::parse(text).map_err(|e| anyhow!("--month: {}", e.message))
}

fn rules_of(text: Option<&str>) -> anyhow::Result<Option<RuleSet>> {
    text.map(RuleSet::parse).transpose().map_err(|e| anyhow!("--rules: {}", e.message))
}

fn refused(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Refused(why) => anyhow!(why),
        other => anyhow!(other),
    }
}

/// `carelog billing --month M [--rules] [--format csv|json]`: the summary; a closed month's record.
pub async fn summary(
    app: &App,
    month: &str,
    rules: Option<&str>,
    format: &str,
) -> anyhow::Result<()> {
    let month = month_of(month)?;
    let rules = rules_of(rules)?;
    if !matches!(format, "csv" | "json") {
        bail!("--format: \"{format}\" is not csv or json");
    }
    let actor = Actor::command_line();
    if format == "csv" {
        let (csv, _) = app.billing_export(&actor, month, rules).await.map_err(refused)?;
        print!("{csv}");
    } else {
        let billing = app.billing_summary(&actor, month, rules).await.map_err(refused)?;
        let json = carelog_app::billing_json::summary(&billing.summary, billing.closed.as_ref());
        println!("{}", serde_json::to_string_pretty(&json)?);
        let detail = format!("{month} as json");
        app.audit(&actor, "billing.export", None, detail).await.map_err(refused)?;
    }
    Ok(())
}

pub async fn action(app: &App, action: BillingAction) -> anyhow::Result<()> {
    let actor = Actor::command_line();
    match action {
        BillingAction::Close { month, rules } => {
            let month = month_of(&month)?;
            let rule_set = app
                .close_month(&actor, month, rules_of(rules.as_deref())?)
                .await
                .map_err(refused)?;
            println!(
                "Closed {month} under the {rule_set} rule set: its billed record is written and its entries are locked."
            );
            Ok(())
        }
        BillingAction::Claims { month, format, draft } => {
            let month = month_of(&month)?;
            let format = ClaimFormat::parse(&format)
                .ok_or_else(|| anyhow!("--format: \"{format}\" is not csv or x12"))?;
            let file = app.claims(&actor, month, format, draft).await.map_err(refused)?;
            if file.draft {
                eprintln!(
                    "DRAFT: {month} is open; these claims are computed now, not from a billed record."
                );
            }
            for (chart, why) in &file.left_out {
                eprintln!("left out {chart}: {why}");
            }
            print!("{}", file.body);
            Ok(())
        }
    }
}
