//! Where the benchmark binaries find the `ayuda` binary built beside them. Shared by the example
//! binaries with `#[path]`.

use std::path::{Path, PathBuf};

/// `target/<profile>/ayuda` for an example at `target/<profile>/examples/<name>`, else `ayuda`
/// from the PATH.
pub fn ayuda_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent()
        .and_then(Path::parent)
        .map(|p| p.join("ayuda"))
        .unwrap_or_else(|| PathBuf::from("ayuda"))
}
