//! Every shared fixture: the solver's welfare is `optimal_welfare`, its utilities are
//! `nash_utilities` (1e-6), and the verifier gives the solver's own answer Q = 1, with and
//! without the certificate.

mod common;

use nash_solver_core::{solve_json, verify_json, SolveOptions, VerifyOptions};
use serde_json::Value;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn fixtures_reach_the_expected_welfare_and_nash_utilities() {
    let fixtures = common::fixtures();
    assert!(fixtures.len() >= 5, "the shared fixtures are present");
    for (name, text, expected) in fixtures {
        let response: Value =
            serde_json::from_str(&solve_json(&text, &SolveOptions::default()).unwrap()).unwrap();
        let w = response["welfare"].as_f64().unwrap();
        let w_star = expected["optimal_welfare"].as_f64().unwrap();
        assert!(close(w, w_star), "{name}: welfare {w}, expected {w_star}");
        let parties = response["settlement"]["parties"].as_object().unwrap();
        let nash = expected["nash_utilities"].as_object().unwrap();
        for (id, u) in nash {
            let got = parties
                .get(id)
                .map_or(0.0, |p| p["utility"].as_f64().unwrap());
            assert!(
                close(got, u.as_f64().unwrap()),
                "{name}: {id} gets {got}, expected {u}"
            );
        }
        for (id, p) in parties {
            if !nash.contains_key(id) {
                assert!(
                    p["utility"].as_f64().unwrap().abs() < 1e-9,
                    "{name}: {id} should get 0"
                );
            }
        }
        assert_eq!(
            response["equilibrium_proof"]["nash_stable"],
            Value::Bool(true),
            "{name}"
        );
    }
}

#[test]
fn the_verifier_gives_the_solvers_answer_q_1() {
    for (name, text, _) in common::fixtures() {
        let response = solve_json(&text, &SolveOptions::default()).unwrap();
        for use_certificate in [true, false] {
            let options = VerifyOptions {
                use_certificate,
                ..VerifyOptions::default()
            };
            let verdicts: Value =
                serde_json::from_str(&verify_json(&text, &[&response], &options).unwrap()).unwrap();
            let v = &verdicts[0];
            assert_eq!(v["valid"], Value::Bool(true), "{name}: {v}");
            assert_eq!(v["q"].as_f64(), Some(1.0), "{name}: {v}");
            let source = if use_certificate {
                "certificate"
            } else {
                "solve"
            };
            assert_eq!(v["optimum_source"], Value::String(source.into()), "{name}");
        }
    }
}

#[test]
fn the_hotkey_is_bound_into_the_commitment() {
    let (_, text, _) = common::fixtures().into_iter().next().unwrap();
    let hotkey = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    let options = SolveOptions {
        miner_hotkey: hotkey.into(),
        ..SolveOptions::default()
    };
    let response = solve_json(&text, &options).unwrap();
    let as_miner = VerifyOptions {
        miner_hotkey: hotkey.into(),
        ..VerifyOptions::default()
    };
    let ok: Value =
        serde_json::from_str(&verify_json(&text, &[&response], &as_miner).unwrap()).unwrap();
    assert_eq!(ok[0]["q"].as_f64(), Some(1.0));
    let offline: Value =
        serde_json::from_str(&verify_json(&text, &[&response], &VerifyOptions::default()).unwrap())
            .unwrap();
    assert_eq!(offline[0]["valid"], Value::Bool(false));
    assert!(offline[0]["errors"][0]
        .as_str()
        .unwrap()
        .contains("commitment_hash"));
}

#[test]
fn seed_example_prices_match_the_spec() {
    let text =
        std::fs::read_to_string(common::fixtures_dir().join("seed-three-party.challenge.json"))
            .unwrap();
    let response: Value =
        serde_json::from_str(&solve_json(&text, &SolveOptions::default()).unwrap()).unwrap();
    for t in response["settlement"]["trades"].as_array().unwrap() {
        let p = t["price_per_unit"].as_f64().unwrap();
        match t["seller"].as_str().unwrap() {
            "sn12_compute_horde" => assert!(close(p, 1.2 + 55.0 / 150.0), "{p}"),
            "sn27_nodexo" => assert!(close(p, 1.3 + 55.0 / 150.0), "{p}"),
            other => panic!("unexpected seller {other}"),
        }
    }
}

#[test]
fn a_tiny_window_gives_a_clean_deadline_error() {
    let text =
        std::fs::read_to_string(common::fixtures_dir().join("all-or-nothing.challenge.json"))
            .unwrap();
    let options = SolveOptions {
        deadline: Some(std::time::Instant::now() - std::time::Duration::from_millis(1)),
        ..SolveOptions::default()
    };
    let err = solve_json(&text, &options).unwrap_err();
    assert_eq!(err.code.as_str(), "DEADLINE_EXCEEDED");
}
