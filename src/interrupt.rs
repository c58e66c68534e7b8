//! Ctrl-C and SIGTERM, turned into a flag the runner checks between AWS calls.
//!
//! A request that may create something is never abandoned halfway: a key
//! whose `CreateAccessKey` was sent but whose answer was dropped would exist
//! without the run knowing it. Instead, the runner looks at the flag after
//! each call, and the waits of the connection test wake up early when it is
//! raised. Look-ups before the first creation are simply abandoned.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use tokio::sync::Notify;

use crate::error::{Error, Result};

static RAISED: AtomicBool = AtomicBool::new(false);

fn notify() -> &'static Notify {
    static NOTIFY: OnceLock<Notify> = OnceLock::new();
    NOTIFY.get_or_init(Notify::new)
}

/// Starts listening for Ctrl-C and SIGTERM. Before this, they end the
/// process as usual, which is right while nothing has been created.
pub fn listen() {
    tokio::spawn(async {
        let ctrl_c = tokio::signal::ctrl_c();
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(err) => {
                    tracing::warn!("cannot listen for SIGTERM: {err}");
                    let _ = ctrl_c.await;
                    raise();
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
        raise();
    });
}

fn raise() {
    RAISED.store(true, Ordering::SeqCst);
    notify().notify_waiters();
}

pub fn is_raised() -> bool {
    RAISED.load(Ordering::SeqCst)
}

/// `Err(Interrupted)` once the user has pressed Ctrl-C.
pub fn check() -> Result<()> {
    if is_raised() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// Runs a call that creates nothing (a look-up before the first creation),
/// abandoning it at once on Ctrl-C: dropping such a request is harmless.
pub async fn or_abandon<T>(lookup: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    let notified = notify().notified();
    check()?;
    tokio::select! {
        result = lookup => result,
        _ = notified => Err(Error::Interrupted),
    }
}

/// Sleeps for `duration`, or less if interrupted meanwhile.
pub async fn sleep(duration: Duration) -> Result<()> {
    let notified = notify().notified();
    check()?;
    tokio::select! {
        _ = tokio::time::sleep(duration) => Ok(()),
        _ = notified => Err(Error::Interrupted),
    }
}
