//! Times the settlement stages on the benchmark's GPU-hour markets, many runs per size, and
//! prints medians and p99: a quick look without criterion, e.g. under `perf record`.
//!
//! `cargo run --release -p nash-solver-core --example stage_profile -- SIZE [RUNS] [SEEDS]`;
//! `NASH_DUMP=/tmp/m` also writes each generated challenge to `/tmp/m-SIZE-SEED.json`;
//! `stage_profile FILE.json [RUNS]` solves one challenge file and prints the response (or,
//! with RUNS, times it). `NASH_NO_DEADLINE=1` gives every solve an hour instead of the
//! challenge's window: under `valgrind --tool=callgrind` a 300×300 market runs fifty times
//! slower and would otherwise end at its deadline, counting the instructions of a failure.

use std::time::Instant;

use nash_solver_core::{profile_json, SolveOptions};

/// The binding's allocator, so that the times here are the addon's (the core crate itself
/// leaves the choice to whoever links it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../benches/settlement_market.rs"]
mod settlement_market;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(path) = args.get(1).filter(|a| a.ends_with(".json")) {
        // A challenge file: solve it once and print the response, or time RUNS solves.
        let text = std::fs::read_to_string(path).expect("read the challenge");
        let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(0);
        if runs == 0 {
            match nash_solver_core::solve_json(&text, &options()) {
                Ok(response) => println!("{response}"),
                Err(e) => eprintln!("{e}"),
            }
            return;
        }
        report_stages(path, &[text], runs);
        return;
    }
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(30);
    let seeds: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1);
    let mut texts = Vec::new();
    for s in 0..seeds {
        let text = settlement_market::market(n, n, 42 + n as u64 + s * 1000);
        if let Ok(path) = std::env::var("NASH_DUMP") {
            std::fs::write(format!("{path}-{n}-{s}.json"), &text).expect("dump");
        }
        texts.push(text);
    }
    report_stages(&format!("{n}x{n}"), &texts, runs);
}

/// The solve options: the challenge's own window, or an hour with `NASH_NO_DEADLINE`.
fn options() -> SolveOptions {
    let far = std::env::var_os("NASH_NO_DEADLINE")
        .map(|_| Instant::now() + std::time::Duration::from_secs(3600));
    SolveOptions {
        deadline: far,
        ..SolveOptions::default()
    }
}

/// Solves each challenge `runs` times in turn and prints every stage's median and p99.
fn report_stages(label: &str, texts: &[String], runs: usize) {
    const STAGES: [&str; 7] = [
        "total", "welfare", "nash", "rest", "parse", "edges", "response",
    ];
    let mut samples: [Vec<f64>; 7] = Default::default();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    for text in texts.iter().flat_map(|t| std::iter::repeat_n(t, runs)) {
        let t = Instant::now();
        let st = profile_json(text, &options()).expect("solve");
        let all = ms(t.elapsed());
        let rest = all - ms(st.nash) - ms(st.welfare);
        let row = [
            all,
            ms(st.welfare),
            ms(st.nash),
            rest,
            ms(st.parse),
            ms(st.edges),
            ms(st.response),
        ];
        for (v, x) in samples.iter_mut().zip(row) {
            v.push(x);
        }
    }
    for (name, v) in STAGES.into_iter().zip(samples) {
        report(label, name, v);
    }
}

/// One line: median and p99 (nearest rank) of times in ms.
fn report(label: &str, name: &str, mut v: Vec<f64>) {
    v.sort_by(f64::total_cmp);
    let med = v[v.len() / 2];
    let p99 = v[((v.len() as f64) * 0.99).ceil() as usize - 1];
    println!("{label} {name:8} median {med:9.3} ms  p99 {p99:9.3} ms");
}
