//! The optional state file that remembers the latest time a verifier has seen.
//!
//! Offline, the local clock is the only clock, and setting it back would make an expired file
//! valid again. Storing the high-water mark after each verification and refusing clocks well
//! behind it means rolling the clock back gains nothing short of deleting this file
//! (shared/licensing.md §2, §4). The file is JSON, `{"high_water":"<RFC 3339>"}`.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct State {
    high_water: DateTime<Utc>,
}

/// The stored high-water mark: `Ok(None)` when there is no state file yet, an
/// `InvalidData` error when it exists but cannot be read as one.
pub fn read(path: &Path) -> io::Result<Option<DateTime<Utc>>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let state: State = serde_json::from_slice(&bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not an Entitle state file: {e}", path.display()),
        )
    })?;
    Ok(Some(state.high_water))
}

/// Stores `high_water`, or keeps the stored mark if it is later: the mark never goes down.
/// The new content is written to a sibling file and renamed over the old one, so a crash or
/// full disk leaves either the old mark or the new, never a torn file. An unreadable existing
/// file is an error rather than overwritten, so corruption is noticed instead of erasing the
/// mark.
pub fn write(path: &Path, high_water: DateTime<Utc>) -> io::Result<()> {
    let high_water = read(path)?.map_or(high_water, |stored| stored.max(high_water));
    let json = serde_json::to_vec(&State { high_water })?;
    let temporary = sibling(path)?;
    let written = write_synced(&temporary, &json).and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        // Best effort: the error being reported is the write's, not the clean-up's.
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// `<name>.tmp` next to `path`, on the same file system so the rename is atomic.
fn sibling(path: &Path) -> io::Result<PathBuf> {
    let mut name: OsString = path
        .file_name()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} does not name a file", path.display()),
            )
        })?
        .to_owned();
    name.push(".tmp");
    Ok(path.with_file_name(name))
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sibling_keeps_the_whole_name() {
        assert_eq!(
            sibling(Path::new("/var/lib/app/state.json")).unwrap(),
            Path::new("/var/lib/app/state.json.tmp")
        );
        assert_eq!(
            sibling(Path::new("state.tmp")).unwrap(),
            Path::new("state.tmp.tmp")
        );
        assert_eq!(
            sibling(Path::new("/")).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }
}
