//! Runs the shared conformance corpus (`conformance/`, format in its README) against the Rust
//! reader: challenges, shared invalid fixtures, constraint parses and evaluations, JCS, commitments.

use std::fs;
use std::path::{Path, PathBuf};

use nash_solver_core::challenge::AttrValue;
use nash_solver_core::{
    canonicalize, commitment_hash, parse_challenge, parse_challenge_value, Constraint, EdgeAttrs,
    NashError,
};
use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `shared/` (spec and fixtures) sits beside the repository; `NASH_SHARED_DIR` overrides.
fn shared_dir() -> PathBuf {
    std::env::var_os("NASH_SHARED_DIR").map_or_else(|| repo_root().join("../shared"), PathBuf::from)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    out.sort();
    out
}

fn cases(name: &str) -> Vec<Value> {
    json(&repo_root().join("conformance").join(name))["cases"]
        .as_array()
        .expect("cases array")
        .clone()
}

fn code_path(e: &NashError) -> (String, String) {
    (e.code.as_str().to_string(), e.path.clone())
}

#[test]
fn valid_challenges_validate() {
    let dir = repo_root().join("conformance/challenges/valid");
    let all = files(&dir);
    assert!(all.len() >= 15, "corpus shrank: {}", all.len());
    for f in all {
        let text = read(&f);
        let from_text = parse_challenge(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        // Files serde_json can read must give the same challenge through the Value entry point.
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            let from_value = parse_challenge_value(&v)
                .unwrap_or_else(|e| panic!("{} (value): {e}", f.display()));
            assert_eq!(
                from_text.parties.len(),
                from_value.parties.len(),
                "{}",
                f.display()
            );
            assert_eq!(from_text.challenge_id, from_value.challenge_id);
        }
    }
}

#[test]
fn invalid_challenges_are_refused_with_code_and_path() {
    let dir = repo_root().join("conformance/challenges/invalid");
    let all = files(&dir);
    assert!(all.len() >= 80, "corpus shrank: {}", all.len());
    let mut failures = Vec::new();
    for f in all {
        let case = json(&f);
        let want = (
            case["expect"]["code"].as_str().expect("code").to_string(),
            case["expect"]["path"].as_str().expect("path").to_string(),
        );
        let (text, value) = match (&case["challenge_text"], &case["challenge"]) {
            (Value::String(t), _) => (t.clone(), None),
            (_, v) => (
                serde_json::to_string(v).expect("serialise"),
                Some(v.clone()),
            ),
        };
        match parse_challenge(&text) {
            Ok(_) => failures.push(format!("{}: accepted, want {want:?}", f.display())),
            Err(e) if code_path(&e) != want => {
                failures.push(format!("{}: got {e}, want {want:?}", f.display()))
            }
            Err(_) => {}
        }
        if let Some(v) = value {
            match parse_challenge_value(&v) {
                Ok(_) => failures.push(format!("{} (value): accepted", f.display())),
                Err(e) if code_path(&e) != want => {
                    failures.push(format!("{} (value): got {e}, want {want:?}", f.display()))
                }
                Err(_) => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn shared_invalid_fixtures_are_refused_as_listed() {
    let expected = json(&repo_root().join("conformance/shared-invalid.json"));
    let expected = expected.as_object().expect("object");
    let dir = shared_dir().join("fixtures/invalid");
    let all = files(&dir);
    assert_eq!(
        all.len(),
        expected.len(),
        "every shared invalid fixture needs an expectation"
    );
    for f in all {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let want = &expected[&name];
        let err = parse_challenge(&read(&f)).expect_err(&name);
        assert_eq!(err.code.as_str(), want["code"], "{name}: {err}");
        assert_eq!(err.path, want["path"], "{name}: {err}");
    }
}

fn attr_value(v: &Value) -> AttrValue {
    match v {
        Value::String(s) => AttrValue::Str(s.clone()),
        Value::Number(n) => AttrValue::Num(n.as_f64().expect("finite")),
        other => panic!("attribute value {other}"),
    }
}

#[test]
fn constraint_parses() {
    let all = cases("constraints.json");
    assert!(all.len() >= 40);
    for case in all {
        let text = case["text"].as_str().expect("text");
        match (Constraint::parse(text), case.get("parse")) {
            (Ok(c), Some(p)) => {
                assert_eq!(c.attr, p["attr"].as_str().expect("attr"), "{text:?}");
                assert_eq!(c.op.as_str(), p["op"].as_str().expect("op"), "{text:?}");
                let want: Vec<AttrValue> = p["values"]
                    .as_array()
                    .expect("values")
                    .iter()
                    .map(attr_value)
                    .collect();
                assert_eq!(c.values, want, "{text:?}");
                assert_eq!(c.text, text);
            }
            (Err(e), None) => assert_eq!(
                e.code.as_str(),
                case["error"].as_str().expect("error"),
                "{text:?}: {e}"
            ),
            (got, _) => panic!("{text:?}: got {got:?}, want {case}"),
        }
    }
}

#[test]
fn constraint_evaluations() {
    let all = cases("constraint-eval.json");
    assert!(all.len() >= 30);
    for case in all {
        let text = case["constraint"].as_str().expect("constraint");
        let c = Constraint::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let attrs: EdgeAttrs = case["attrs"]
            .as_object()
            .expect("attrs")
            .iter()
            .map(|(k, v)| (k.clone(), attr_value(v)))
            .collect();
        assert_eq!(
            c.eval(&attrs),
            case["expect"].as_bool().expect("expect"),
            "{text:?} on {}",
            case["attrs"]
        );
    }
}

#[test]
fn jcs_cases() {
    let all = cases("jcs.json");
    assert!(all.len() >= 20);
    for case in all {
        let input = case["input"].as_str().expect("input");
        let v: Value = serde_json::from_str(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(
            canonicalize(&v).expect("canonical"),
            case["canonical"].as_str().expect("canonical"),
            "{input:?}"
        );
    }
}

#[test]
fn commitment_vectors() {
    let all = cases("commitments.json");
    assert!(all.len() >= 3);
    for case in all {
        let (id, miner) = (
            case["challenge_id"].as_str().expect("id"),
            case["miner"].as_str().expect("miner"),
        );
        let doc = serde_json::json!({ "challenge_id": id, "miner": miner, "settlement": case["settlement"] });
        assert_eq!(
            canonicalize(&doc).expect("canonical"),
            case["canonical"].as_str().expect("canonical")
        );
        let hash = commitment_hash(id, miner, &case["settlement"]).expect("hash");
        assert_eq!(hash, case["commitment_hash"].as_str().expect("hash"));
    }
}
