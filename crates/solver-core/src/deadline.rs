//! A wall-clock limit for the engines (settlement.md §6: "the solver gives up cleanly at the
//! response window"). Engines poll [`Deadline::passed`] every few dozen pivots, so a check must
//! stay cheap: one `Instant::now()` when a limit is set, nothing otherwise.

use std::time::Instant;

/// An optional instant after which an engine stops and reports that it ran out of time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Deadline(pub Option<Instant>);

impl Deadline {
    /// No limit: the engine runs to completion.
    #[must_use]
    pub fn none() -> Self {
        Self(None)
    }

    /// Stop once `i` has passed.
    #[must_use]
    pub fn at(i: Instant) -> Self {
        Self(Some(i))
    }

    /// True once the limit (if any) lies in the past.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.0.is_some_and(|i| Instant::now() >= i)
    }
}
