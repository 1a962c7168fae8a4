//! Property tests: arbitrary JSON-ish text, mutated fixtures and random challenge structures never
//! make the reader, the constraint parser or `build_market` panic, and errors always carry a path.

use nash_solver_core::{build_market, canonicalize, parse_challenge, Constraint};
use proptest::prelude::*;
use serde_json::{json, Value};

const SEED: &str = r#"{"challenge_id":"0x7a3f0000","network":{"latency_ms":{"US":{"EU":38}}},"parties":[
{"id":"b","intent":"buy","resource":"g","quantity":{"min":1,"max":3},"price":{"max":1.8},
 "attributes":{"region":"US","duration_hours":6},"constraints":["latency_ms < 50","region in [US, EU]"],
 "preferences":[{"when":"region = EU","bonus":0.1}]},
{"id":"s","intent":"sell","resource":"g","quantity":{"available":5},"price":{"min":1.3},"constraints":["region = EU"]},
{"id":"d","intent":"defer","resource":"g","quantity":{"current":2},"compensation":{"min":0.2,"per":"hour_deferred"}},
{"id":"w","intent":"swap","give":{"resource":"h","quantity":{"max":4},"price":{"min":1}},
 "get":{"resource":"g","quantity":{"max":2},"price":{"max":3}},"ratio":{"give_per_get_max":2}}]}"#;

fn check(text: &str) {
    match parse_challenge(text) {
        Ok(c) => {
            let m = build_market(&c);
            assert!(m
                .edges
                .iter()
                .all(|e| e.surplus >= 0.0 && e.seller != e.buyer));
        }
        Err(e) => assert!(!e.path.is_empty() && !e.message.is_empty()),
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1e6f64..1e6).prop_map(|x| json!(x)),
        any::<i32>().prop_map(|x| json!(x)),
        prop_oneof![
            Just("buy"),
            Just("sell"),
            Just("defer"),
            Just("swap"),
            Just("g"),
            Just("x = 1"),
            Just("unit")
        ]
        .prop_map(|s| json!(s)),
        "[a-z<>=! \\[\\],'0-9]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("id"),
                        Just("intent"),
                        Just("resource"),
                        Just("quantity"),
                        Just("price"),
                        Just("min"),
                        Just("max"),
                        Just("available"),
                        Just("current"),
                        Just("give"),
                        Just("get"),
                        Just("ratio"),
                        Just("attributes"),
                        Just("constraints"),
                        Just("preferences"),
                        Just("when"),
                        Just("bonus"),
                        Just("weight"),
                        Just("compensation"),
                        Just("per"),
                        Just("region")
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(s in "[\\[\\]{}\",:0-9a-z eE.+\\-\\\\]{0,200}") {
        check(&s);
    }

    #[test]
    fn any_string_never_panics(s in any::<String>()) {
        check(&s);
        let _ = Constraint::parse(&s);
    }

    #[test]
    fn mutated_fixture_never_panics(cut in 0..SEED.len(), len in 0usize..8, insert in "[\\[\\]{}\",:0-9a-z .\\-]{0,4}") {
        // Byte-level edits may split a UTF-8 sequence; the fixture is ASCII, so they cannot.
        let end = (cut + len).min(SEED.len());
        let text = format!("{}{}{}", &SEED[..cut], insert, &SEED[end..]);
        check(&text);
    }

    #[test]
    fn random_parties_never_panic(parties in prop::collection::vec(json_value(), 1..6)) {
        let doc = json!({"challenge_id": "0x0123abcd", "parties": parties});
        check(&doc.to_string());
        prop_assert!(canonicalize(&doc).is_ok());
    }

    #[test]
    fn constraint_text_never_panics(s in "[a-z_ <>=!\\[\\],'\"0-9.eE+\\-]{0,30}") {
        if let Ok(c) = Constraint::parse(&s) {
            prop_assert!(!c.values.is_empty());
            prop_assert_eq!(c.text, s);
        }
    }
}

#[test]
fn seed_is_valid() {
    let c = parse_challenge(SEED).expect("the seed of the mutation test must be valid");
    let m = build_market(&c);
    // s -> b (region EU from its constraint, 38 ms); d -> w and s -> w. d -> b fails b's
    // `region in [US, EU]`: the deferral has no region.
    let pairs: Vec<(&str, &str)> = m
        .edges
        .iter()
        .map(|e| {
            (
                m.parties[e.seller].id.as_str(),
                m.parties[e.buyer].id.as_str(),
            )
        })
        .collect();
    assert_eq!(pairs, [("d", "w"), ("s", "b"), ("s", "w")]);
}
