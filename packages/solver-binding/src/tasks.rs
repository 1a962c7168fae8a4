//! The async half of each sync/async pair: one engine call scheduled on the libuv thread pool,
//! cancellable through an AbortSignal.
//!
//! napi-rs cancels a work that has not started when the signal fires (and rejects with its own
//! `AbortError`). A work that is already running cannot be interrupted from outside (the
//! engine stops by itself at its deadline), so the abort callback raises a flag and the result
//! is thrown away on completion: the promise still rejects with an `AbortError`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::AbortSignal;
use napi::{Env, Task};
use nash_solver_core::NashError;

use crate::errors::{abort_error, to_js_error};
use crate::guard::guarded;

/// The engine call a task runs: JSON text out, or the engine's error.
pub type EngineCall = Box<dyn FnOnce() -> Result<String, NashError> + Send>;

/// What the pool thread hands back to the JS thread.
pub enum Outcome {
    Done(Result<String, NashError>),
    /// The signal fired before the pool thread picked the work up.
    Skipped,
}

pub struct EngineTask {
    call: Option<EngineCall>,
    aborted: Arc<AtomicBool>,
}

impl EngineTask {
    /// A task for `call`, wired to `signal` when there is one.
    pub fn new(call: EngineCall, signal: Option<&AbortSignal>) -> Self {
        let aborted = Arc::new(AtomicBool::new(false));
        if let Some(signal) = signal {
            let flag = Arc::clone(&aborted);
            signal.on_abort(move || flag.store(true, Ordering::Release));
        }
        Self {
            call: Some(call),
            aborted,
        }
    }
}

impl Task for EngineTask {
    type Output = Outcome;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<Outcome> {
        if self.aborted.load(Ordering::Acquire) {
            return Ok(Outcome::Skipped);
        }
        Ok(match self.call.take() {
            Some(call) => Outcome::Done(guarded(call)),
            // napi-rs computes a task once; a second compute would be a bug in the runtime.
            None => Outcome::Done(Err(NashError::internal("task computed twice"))),
        })
    }

    fn resolve(&mut self, env: Env, output: Outcome) -> napi::Result<String> {
        if self.aborted.load(Ordering::Acquire) {
            return Err(abort_error(&env));
        }
        match output {
            Outcome::Done(Ok(json)) => Ok(json),
            Outcome::Done(Err(error)) => Err(to_js_error(&env, &error)),
            Outcome::Skipped => Err(abort_error(&env)),
        }
    }
}
