//! RFC 8785 (JCS) canonical JSON and the response `commitment_hash` (§4).
