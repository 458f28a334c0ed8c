//! Build script: Tauri's context (config, icons, the UI's assets) and the app's command
//! permissions. Listing the commands here makes Tauri generate one `allow-<command>`
//! permission each, so `capabilities/main.json` grants exactly the ones the window may call.
//!
//! The UI is built by `npm run build` into `ui/dist` (make does it first). So that the Rust
//! workspace still compiles without Node (e.g. `cargo test -p hearth-core` on a fresh clone),
//! a missing `ui/dist` is replaced by a page that says how to build the UI.

fn main() {
    let dist = std::path::Path::new("../ui/dist");
    if !dist.join("index.html").exists() {
        let page = "<!doctype html><meta charset=utf-8><title>Hearth</title>\
                    <p>The UI is not built: run <code>npm run build</code>, then build the app again.</p>";
        if let Err(e) =
            std::fs::create_dir_all(dist).and_then(|()| std::fs::write(dist.join("index.html"), page))
        {
            println!("cargo:warning=cannot write a placeholder ui/dist: {e}");
        }
    }
    let manifest = tauri_build::AppManifest::new().commands(&COMMANDS);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri build script: {e:#}");
    }
}

include!("src/command_names.rs");
