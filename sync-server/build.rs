//! Picks the folder of the console page that hearth-server embeds: `ui/console/dist` when
//! the console was built (`make ui`/`npm run build:console`), otherwise a one-page
//! placeholder in OUT_DIR saying how to build it, so a clean clone still compiles.
//! Writes `$OUT_DIR/console_assets.rs` with the embed's folder filled in.

use std::path::{Path, PathBuf};
use std::{env, fs};

const PLACEHOLDER: &str = "<!doctype html><meta charset=\"utf-8\"><title>Hearth console</title>\
<p>The console page was not built into this hearth-server. Run <code>make ui</code> \
(or <code>npm run build:console</code>), then build hearth-server again.</p>\
<p>控制台页面尚未构建：请运行 <code>make ui</code> 后重新构建 hearth-server。</p>\n";

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dist = manifest.join("../ui/console/dist");
    // A directory here makes cargo rerun this script when any file under it changes; a
    // missing one makes it rerun on every build, so a console built later is picked up.
    println!("cargo:rerun-if-changed={}", dist.display());
    println!("cargo:rerun-if-changed=build.rs");

    let folder = if dist.join("index.html").is_file() {
        dist.canonicalize().expect("ui/console/dist is readable")
    } else {
        let placeholder = out.join("console-placeholder");
        fs::create_dir_all(&placeholder).expect("OUT_DIR is writable");
        write_if_changed(&placeholder.join("index.html"), PLACEHOLDER);
        placeholder
    };
    let source = format!(
        "/// The console page's files, embedded at build time.\n\
         #[derive(rust_embed::Embed)]\n\
         #[folder = {:?}]\n\
         pub struct ConsoleAssets;\n",
        folder.display().to_string()
    );
    write_if_changed(&out.join("console_assets.rs"), &source);
}

fn write_if_changed(path: &Path, text: &str) {
    if fs::read_to_string(path).ok().as_deref() != Some(text) {
        fs::write(path, text).expect("OUT_DIR is writable");
    }
}
