//! `xplenty-s3 teardown`: delete a user this tool created, with its keys and
//! inline policies. Without a terminal it needs `--yes`.

use std::io::IsTerminal;

use serde::Serialize;

use crate::aws::Aws;
use crate::cli::{GlobalArgs, OutputFormat, TeardownArgs};
use crate::error::{Error, Result};
use crate::report::{print_json, ErrorReport};
use crate::rollback::{Created, Ledger, Remaining};
use crate::steps::attach_policy::policy_names;
use crate::steps::create_access_key::list_keys;
use crate::steps::create_user::managed_user;
use crate::ui::Ui;
use crate::{validate, wizard};

#[derive(Serialize)]
struct Outcome {
    user_name: String,
    dry_run: bool,
    would_remove: Vec<String>,
    removed: Vec<String>,
    remaining: Vec<Remaining>,
    error: Option<ErrorReport>,
}

pub async fn run(global: &GlobalArgs, args: &TeardownArgs, ui: &Ui) -> Result<()> {
    validate::user_name(&args.user_name)?;
    let terminal = !args.no_input && std::io::stdin().is_terminal() && ui.is_terminal();
    if !args.dry_run && !args.yes && !terminal {
        return Err(Error::input_with_hint(
            format!(
                "teardown deletes IAM user `{}` and its keys: confirmation needed",
                args.user_name
            ),
            "pass --yes to confirm without a terminal, or --dry-run to see what would go",
        ));
    }

    let aws = Aws::load(global).await;
    let iam = aws.iam();
    let user = managed_user(&iam, &args.user_name, args.force).await?;
    let ledger = contents(&iam, &user.name).await?;
    let mut outcome = Outcome {
        user_name: user.name.clone(),
        dry_run: args.dry_run,
        would_remove: ledger.items().iter().rev().map(Created::describe).collect(),
        removed: Vec::new(),
        remaining: Vec::new(),
        error: None,
    };
    if args.dry_run {
        return print(&outcome, args.output.format);
    }
    if !args.yes {
        ui.say(format!("To delete:\n  {}", outcome.would_remove.join("\n  ")));
    }
    if !args.yes && !wizard::confirm()? {
        return Err(Error::input("stopped: nothing was deleted"));
    }

    let removal = ledger.roll_back(&iam).await;
    removal.show(ui);
    outcome.removed = removal.removed;
    outcome.remaining = removal.remaining;
    let result = match outcome.remaining.first() {
        Some(left) => {
            Err(Error::aws_plain(format!("could not delete {}", left.resource), left.error.clone()))
        }
        None => Ok(()),
    };
    outcome.error = result.as_ref().err().map(ErrorReport::from);
    print(&outcome, args.output.format)?;
    result
}

/// Everything on the user, in creation order, so that removing it newest
/// first deletes keys and policies before the user.
async fn contents(iam: &aws_sdk_iam::Client, user: &str) -> Result<Ledger> {
    let mut ledger = Ledger::default();
    ledger.record(Created::User(user.to_owned()));
    for name in policy_names(iam, user).await? {
        ledger.record(Created::InlinePolicy { user: user.to_owned(), name, previous: None });
    }
    for key in list_keys(iam, user).await? {
        if let Some(id) = key.access_key_id() {
            ledger.record(Created::AccessKey { user: user.to_owned(), id: id.to_owned() });
        }
    }
    Ok(ledger)
}

fn print(outcome: &Outcome, format: OutputFormat) -> Result<()> {
    match format {
        OutputFormat::Json => print_json(outcome),
        OutputFormat::Text if outcome.dry_run => {
            println!("Would delete:\n  {}", outcome.would_remove.join("\n  "));
        }
        OutputFormat::Text if outcome.remaining.is_empty() => {
            println!("Deleted IAM user {}.", outcome.user_name);
            println!("Credentials files that hold its keys no longer work; delete them.");
        }
        OutputFormat::Text => {}
    }
    Ok(())
}
