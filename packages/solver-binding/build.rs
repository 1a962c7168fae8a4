//! napi-build sets the linker flags a Node-API addon needs on each platform (on macOS, undefined
//! `napi_*` symbols are resolved by the host process at load time).
fn main() {
    napi_build::setup();
}
