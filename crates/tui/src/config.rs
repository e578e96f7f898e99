//! The console's configuration file and paths (DESIGN.md §10).
//!
//! `$ENTITLE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/entitle`, else `~/.config/entitle`, holds
//! `config.toml` (`server`, `api_key`, `account`) and the console's log, `entitle.log`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;
use uuid::Uuid;

/// What `config.toml` may say; flags and environment variables win over it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub server: Option<String>,
    pub api_key: Option<String>,
    /// The account an admin key opens on.
    pub account: Option<Uuid>,
}

/// Why the configuration could not be read.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
}

/// The directory the console keeps its configuration and log in.
pub fn config_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ENTITLE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("entitle")
}

/// The configuration file's path.
pub fn config_file() -> PathBuf {
    config_dir().join("config.toml")
}

/// The console's log file: logs never go to the screen.
pub fn log_file() -> PathBuf {
    config_dir().join("entitle.log")
}

/// Reads the configuration file; a missing file is an empty configuration.
pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(source) => Err(ConfigError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_an_empty_configuration() {
        let config = load(Path::new("/nonexistent/entitle/config.toml")).expect("empty");
        assert_eq!(config, FileConfig::default());
    }

    #[test]
    fn unknown_settings_are_refused() {
        let dir = std::env::temp_dir().join(format!("entitle-config-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("config.toml");
        std::fs::write(&path, "server = \"http://x\"\nsevrer = 1\n").expect("write");
        assert!(matches!(load(&path), Err(ConfigError::Parse { .. })));
        std::fs::write(&path, "server = \"http://x\"\napi_key = \"k\"\n").expect("write");
        let config = load(&path).expect("valid");
        assert_eq!(config.server.as_deref(), Some("http://x"));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
