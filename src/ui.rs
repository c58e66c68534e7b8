//! What a person sees on stderr: progress lines, warnings, spinners.
//!
//! stdout is for results only (the summary or the JSON document); all of
//! this goes to stderr, in colour and with spinners only on a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use console::style;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{ColorChoice, GlobalArgs};

#[derive(Debug, Clone)]
pub struct Ui {
    quiet: bool,
    terminal: bool,
}

impl Ui {
    pub fn new(global: &GlobalArgs) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let colour = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        console::set_colors_enabled_stderr(colour);
        console::set_colors_enabled(colour && std::io::stdout().is_terminal());
        Self { quiet: global.quiet, terminal }
    }

    /// A finished step: `✓ Created IAM user xplenty`.
    pub fn done(&self, message: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{} {}", style("✓").for_stderr().green(), message.as_ref());
        }
    }

    /// A failed step or check, shown as it happens.
    pub fn failed(&self, message: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{} {}", style("✗").for_stderr().red(), message.as_ref());
        }
    }

    pub fn warn(&self, message: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{} {}", style("warning:").for_stderr().yellow().bold(), message.as_ref());
        }
    }

    /// Plain text for a person, e.g. the plan before confirmation.
    pub fn say(&self, message: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", message.as_ref());
        }
    }

    /// A spinner on a terminal; hidden elsewhere and with `-q`.
    pub fn spinner(&self, message: impl Into<String>) -> ProgressBar {
        if self.quiet || !self.terminal {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner:.cyan} {msg} {elapsed:.dim}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message.into());
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    }

    pub fn is_terminal(&self) -> bool {
        self.terminal
    }
}
