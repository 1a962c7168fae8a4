//! Panic containment. A panic inside the engine is a bug, but it must never take the miner's
//! Node process down with it: napi-rs does not guard an AsyncTask's `compute` (it runs on a
//! libuv worker thread, where an unwind across the C boundary aborts the process), so every
//! entry point of this crate runs the engine through [`guarded`].

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use nash_solver_core::NashError;

/// Run `work`, turning a panic into an `INTERNAL` error that carries the panic message.
///
/// `AssertUnwindSafe` is sound here because nothing the closure borrows is observed after a
/// panic: the inputs are owned strings/options that are dropped with the failed call.
pub fn guarded<T>(work: impl FnOnce() -> Result<T, NashError>) -> Result<T, NashError> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => Err(NashError::internal(format!(
            "engine panicked: {}",
            panic_message(payload.as_ref())
        ))),
    }
}

/// The text of a panic payload: `panic!("...")` yields `&str` or `String`; anything else
/// (`panic_any`) has no printable form.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::guarded;
    use nash_solver_core::{ErrorCode, NashError};

    #[test]
    fn passes_ok_values_through() {
        assert_eq!(guarded(|| Ok::<_, NashError>(7)), Ok(7));
    }

    #[test]
    fn passes_engine_errors_through_unchanged() {
        let err = NashError::new(ErrorCode::Range, "parties[0].price.max", "negative");
        assert_eq!(guarded(|| Err::<(), _>(err.clone())), Err(err));
    }

    #[test]
    fn turns_a_str_panic_into_internal() {
        let got = guarded::<()>(|| panic!("invariant broke"));
        let err = got.expect_err("a panic must become an error");
        assert_eq!(err.code, ErrorCode::Internal);
        assert_eq!(err.path, "$");
        assert!(err.message.contains("invariant broke"), "{}", err.message);
    }

    #[test]
    fn turns_a_formatted_panic_into_internal() {
        let index = 3;
        let err = guarded::<()>(|| panic!("index {index} out of range")).expect_err("error");
        assert_eq!(err.code, ErrorCode::Internal);
        assert!(
            err.message.contains("index 3 out of range"),
            "{}",
            err.message
        );
    }

    #[test]
    fn survives_a_non_string_payload() {
        let err = guarded::<()>(|| std::panic::panic_any(42_u8)).expect_err("error");
        assert_eq!(err.code, ErrorCode::Internal);
        assert!(err.message.contains("non-string"), "{}", err.message);
    }
}
