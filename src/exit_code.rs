//! The exit status of an example's `main`.

use std::fmt::Display;
use std::process::ExitCode;

/// Success for `Ok`; for `Err`, prints `error: <message>` to stderr and returns failure.
///
/// A `main` returning `Result` would print the error's `Debug` form; examples print the
/// message a user can act on instead:
///
/// ```no_run
/// # fn run() -> Result<(), String> { Ok(()) }
/// fn main() -> std::process::ExitCode {
///     instructrec_examples::exit_code(run())
/// }
/// ```
pub fn exit_code<E: Display>(result: Result<(), E>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
