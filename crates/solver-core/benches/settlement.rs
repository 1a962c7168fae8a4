//! Criterion benchmarks of the settlement stages — welfare, Nash, verification — on GPU-hour
//! markets of 5×5 up to 300×300 sellers×buyers, priced from public rental rates (H100 1.79,
//! A100 1.20, L40S 0.85 USD/h; seller cost 0.6–1.05×, buyer value 0.95–1.6× of the rate).
//! `NASH_BENCH_SIZES=5,20` limits the sizes.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use nash_solver_core::challenge::parse_challenge;
use nash_solver_core::deadline::Deadline;
use nash_solver_core::edges::build_market;
use nash_solver_core::nash::solve_nash;
use nash_solver_core::welfare::solve_welfare;
use nash_solver_core::{solve_json, verify_json, SolveOptions, VerifyOptions};

#[path = "settlement_market.rs"]
mod settlement_market;
use settlement_market::market;

fn sizes() -> Vec<usize> {
    std::env::var("NASH_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![5, 20, 50, 100, 300])
}

fn stages(c: &mut Criterion) {
    let mut group = c.benchmark_group("settlement");
    group.sample_size(20);
    for n in sizes() {
        let text = market(n, n, 42 + n as u64);
        let challenge = parse_challenge(&text).expect("generated challenge is valid");
        let m = build_market(&challenge);
        let label = format!("{n}x{n}");
        group.bench_with_input(BenchmarkId::new("welfare", &label), &m, |b, m| {
            b.iter(|| solve_welfare(black_box(m), Deadline::none(), 0).expect("welfare"));
        });
        let w = solve_welfare(&m, Deadline::none(), 0).expect("welfare");
        group.bench_with_input(BenchmarkId::new("nash", &label), &m, |b, m| {
            b.iter(|| solve_nash(black_box(m), &w, Deadline::none(), 0).expect("nash"));
        });
        group.bench_with_input(BenchmarkId::new("solve_json", &label), &text, |b, t| {
            b.iter(|| solve_json(black_box(t), &SolveOptions::default()).expect("solve"));
        });
        let response = solve_json(&text, &SolveOptions::default()).expect("solve");
        let with_cert = VerifyOptions::default();
        group.bench_with_input(
            BenchmarkId::new("verify_certificate", &label),
            &text,
            |b, t| {
                b.iter(|| verify_json(black_box(t), &[&response], &with_cert).expect("verify"));
            },
        );
        let resolve = VerifyOptions {
            use_certificate: false,
            ..VerifyOptions::default()
        };
        group.bench_with_input(BenchmarkId::new("verify_resolve", &label), &text, |b, t| {
            b.iter(|| verify_json(black_box(t), &[&response], &resolve).expect("verify"));
        });
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
