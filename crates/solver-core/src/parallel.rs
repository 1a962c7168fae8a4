//! Independent pieces of one settlement on several threads: the Nash stage's components
//! (`nash.rs`) and the parts of a transportation problem that falls apart (`relax.rs`).
//!
//! Threads are scoped and started per call, the calling thread being one of the workers;
//! results come back in job order, so the bytes of an answer never depend on which thread
//! finished first or on how many there were.

/// Threads for independent components: `NASH_THREADS` when set (1 turns parallelism off, e.g.
/// for a miner that already solves several challenges at once), else the machine's.
///
/// The machine's count is read once per process: `available_parallelism` reads the cgroup's
/// CPU quota from `/sys` on every call (about twenty system calls, 27 µs measured here), which
/// was 7% of a 20×20 settlement when every settlement asked.
pub(crate) fn worker_threads() -> usize {
    static MACHINE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    std::env::var("NASH_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&t| t > 0)
        .unwrap_or_else(|| {
            *MACHINE.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
        })
}

/// `solve` over every job on `threads` threads (the caller and `threads − 1` scoped ones);
/// results in job order (`None` only if a job never ran). A panic in a worker reaches the
/// caller when the scope ends (the binding turns it into an error).
pub(crate) fn in_parallel<J: Send, R: Send>(
    jobs: Vec<J>,
    threads: usize,
    solve: &(dyn Fn(J) -> R + Sync),
) -> Vec<Option<R>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let n = jobs.len();
    let queue: Vec<Mutex<Option<J>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let slots: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        if k >= n {
            break;
        }
        let job = queue[k].lock().ok().and_then(|mut j| j.take());
        if let Some(job) = job {
            let r = solve(job);
            if let Ok(mut slot) = slots[k].lock() {
                *slot = Some(r);
            }
        }
    };
    // The calling thread is one of the workers: one thread fewer to start per call (they are
    // started per settlement), and no thread idles waiting for the others.
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
    slots
        .into_iter()
        .map(|s| s.into_inner().ok().flatten())
        .collect()
}
