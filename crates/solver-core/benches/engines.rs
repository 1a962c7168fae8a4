//! Criterion benchmarks of the welfare engine: `solve_transport` on random sellers × buyers
//! markets (about 35 % of pairs connected), the sizes of the anchors in
//! `shared/notes/solver-ideas.md` (LEMON: 20×20 0.008 ms, 100×100 0.167 ms, 300×300 3.27 ms).
//! Surpluses are built like the market's: value ~ U(0.95, 1.6)·rate minus cost
//! ~ U(0.6, 1.05)·rate, with a per-resource rate; quantities are whole units.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use nash_solver_core::{solve_lp, solve_transport, Deadline, Transport};

#[path = "../tests/engines_support/mod.rs"]
mod support;
use support::{transport_to_lp, Rng};

fn market(sellers: usize, buyers: usize, seed: u64) -> Transport {
    let mut rng = Rng(seed);
    let n = sellers + buyers;
    let node_lo = vec![0.0; n];
    let node_hi = (0..n).map(|_| rng.range(10.0, 500.0).round()).collect();
    let rate = 1.0;
    let cost: Vec<f64> = (0..sellers).map(|_| rng.range(0.6, 1.05) * rate).collect();
    let value: Vec<f64> = (0..buyers).map(|_| rng.range(0.95, 1.6) * rate).collect();
    let mut arcs = Vec::new();
    let mut profit = Vec::new();
    for (s, c) in cost.iter().enumerate() {
        for (d, v) in value.iter().enumerate() {
            if rng.unit() < 0.35 {
                arcs.push((s, sellers + d));
                profit.push(v - c);
            }
        }
    }
    Transport {
        node_lo,
        node_hi,
        arcs,
        profit,
        cost_scale: None,
    }
}

fn transport(c: &mut Criterion) {
    let mut g = c.benchmark_group("solve_transport");
    for &n in &[20usize, 100, 300] {
        let p = market(n, n, 42 + n as u64);
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{n}x{n}")),
            &p,
            |b, p| {
                b.iter(|| solve_transport(black_box(p), Deadline::none()));
            },
        );
    }
    g.finish();
    // The general LP engine on the same markets, for scale.
    let mut g = c.benchmark_group("solve_lp");
    g.sample_size(10);
    for &n in &[20usize, 100] {
        let p = transport_to_lp(&market(n, n, 42 + n as u64));
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{n}x{n}")),
            &p,
            |b, p| {
                b.iter(|| solve_lp(black_box(p), Deadline::none()));
            },
        );
    }
    g.finish();
}

criterion_group!(benches, transport);
criterion_main!(benches);
