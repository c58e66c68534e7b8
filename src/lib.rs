//! xplenty-s3 gives the ETL service Xplenty (Integrate.io) safe, tested
//! access to Amazon S3 buckets: an IAM user, a slash-free access key, a
//! read-only or read-write inline policy and a credentials.csv, created in
//! one run that removes everything again if it fails.

pub mod aws;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod interrupt;
pub mod logging;
pub mod policy;
pub mod report;
pub mod rollback;
pub mod runner;
pub mod secret;
pub mod steps;
pub mod ui;
pub mod validate;
pub mod wizard;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command, OutputFormat};
use crate::error::{exit, Error, Report};
use crate::ui::Ui;

/// Runs one parsed command line and returns the process exit code. Errors
/// are printed here, once.
pub fn run(cli: Cli) -> u8 {
    let ui = Ui::new(&cli.global);
    logging::init(cli.global.verbose, cli.global.quiet);
    let json = cli.command.output() == Some(OutputFormat::Json);
    match execute(cli, &ui) {
        Ok(()) => exit::OK,
        Err(err) => fail(&err, json),
    }
}

/// Parses the process's own command line and runs it. A usage error is
/// reported like any other error, as JSON too when `--output json` was
/// asked for; help and version print as clap prints them.
pub fn run_from_args() -> u8 {
    match Cli::try_parse() {
        Ok(cli) => run(cli),
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            exit::OK
        }
        Err(err) => {
            let message = err.render().to_string();
            let usage = Error::input(message.trim_start_matches("error: ").trim_end());
            fail(&usage, cli::json_requested(std::env::args()))
        }
    }
}

fn fail(err: &Error, json: bool) -> u8 {
    eprintln!("{}", Report(err));
    if json {
        report::print_json_error_unless_printed(err);
    }
    err.exit_code()
}

fn execute(cli: Cli, ui: &Ui) -> Result<(), Error> {
    match cli.command {
        Command::Policy(args) => commands::policy::run(&args, ui),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "xplenty-s3",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Command::Man { dir: None } => {
            let page = clap_mangen::Man::new(Cli::command());
            page.render(&mut std::io::stdout()).map_err(anyhow::Error::from)?;
            Ok(())
        }
        Command::Man { dir: Some(dir) } => {
            std::fs::create_dir_all(&dir)
                .and_then(|()| clap_mangen::generate_to(Cli::command(), &dir))
                .map_err(|err| {
                    anyhow::Error::from(err)
                        .context(format!("writing manual pages to {}", dir.display()))
                })?;
            Ok(())
        }
        Command::Setup(args) => runtime()?.block_on(commands::setup::run(&cli.global, args, ui)),
        Command::Test(args) => runtime()?.block_on(commands::test::run(&cli.global, &args, ui)),
        Command::Rotate(args) => runtime()?.block_on(commands::rotate::run(&cli.global, &args, ui)),
        Command::Teardown(args) => {
            runtime()?.block_on(commands::teardown::run(&cli.global, &args, ui))
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|err| {
        Error::Internal(anyhow::Error::new(err).context("starting the async runtime"))
    })
}
