//! The interactive wizard, driven through a pseudo-terminal as a person would.

mod common;

use common::*;
use rexpect::process::WaitStatus;
use rexpect::session::{spawn_command, PtySession};

/// Waits for `prompt`, then types `keys`.
fn answer(pty: &mut PtySession, prompt: &str, keys: &str) {
    pty.exp_string(prompt).unwrap_or_else(|e| panic!("waiting for {prompt:?}: {e}"));
    pty.send(keys).unwrap();
    pty.flush().unwrap();
}

#[tokio::test]
async fn the_wizard_asks_shows_the_plan_and_sets_up_read_only_access() {
    let bucket = bucket_with(REGION, &[("report.csv", "x,y\n")]).await;
    let user = unique("wizard");
    let taken = unique("taken");
    moto().iam().create_user().user_name(&taken).send().await.unwrap();
    let session = Session::new();
    let mut command = session.command(&["setup"]);
    // Offer exactly one bucket, so the default choice is this one.
    command.env("TERM", "xterm");

    let mut pty = spawn_command(command, Some(20_000)).unwrap();
    answer(&mut pty, "(type another name)", "\r");
    answer(&mut pty, "also write and delete objects", "\r");
    // A name that is taken is refused at the prompt, before anything is created.
    answer(&mut pty, "IAM user name", &format!("{taken}\r"));
    answer(&mut pty, "already exists", "");
    answer(&mut pty, "IAM user name", &format!("{user}\r"));
    answer(&mut pty, "Inline policy name", "\r");
    answer(&mut pty, "Save credentials.csv as", "\r");
    pty.exp_string(&format!("arn:aws:s3:::{bucket}/*")).unwrap();
    answer(&mut pty, "Go ahead?", "y");
    pty.exp_string("Secret access key").unwrap();
    let rest = pty.exp_eof().unwrap();
    assert!(rest.contains("Region"), "{rest}");
    assert!(matches!(pty.process().wait().unwrap(), WaitStatus::Exited(_, 0)));

    let state = user_state(&user).await.expect("the wizard created the user");
    assert!(state.tags.contains(&("managed-by".into(), "xplenty-s3".into())));
    assert_eq!(state.keys.len(), 1);
    assert_eq!(state.policies, vec!["Xplenty".to_owned()]);
    let (id, secret) = read_credentials(&session.path("credentials.csv"));
    assert_eq!(state.keys, vec![id.clone()]);
    assert!(!secret.contains('/'));
    let s3 = moto().s3_with(&id, &secret, REGION);
    s3.get_object().bucket(&bucket).key("report.csv").send().await.unwrap();
    let put = s3.put_object().bucket(&bucket).key("new").body(b"x".to_vec().into()).send().await;
    assert_eq!(error_code(put).as_deref(), Some("AccessDenied"));
}
