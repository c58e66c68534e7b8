use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(xplenty_s3::run_from_args())
}
