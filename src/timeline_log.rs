//! The timeline's files outside the database: the key file and the append-only checkpoint file.
//!
//! The key is what makes the chain's links unforgeable by someone who can write the database;
//! the checkpoint file is what makes a rewrite by someone who also holds the key visible, for
//! every entry up to a checkpointed head. Both live outside the database on purpose.

use std::io::{BufRead, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use rand::RngCore;

use crate::domain::chain::{ChainKey, Checkpoint, LogLine};

/// The file name of the key the portal creates in the data folder when none is configured.
pub const KEY_FILE_NAME: &str = "timeline.key";
/// The file name of the checkpoint file in its folder.
pub const CHECKPOINT_FILE_NAME: &str = "timeline-checkpoints.log";

/// Reads the key file: 64 hex digits.
pub fn read_key(path: &Path) -> anyhow::Result<ChainKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the timeline key file {}", path.display()))?;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "the timeline key file is readable by others than its owner (chmod 600 it)");
        }
    }
    ChainKey::from_hex(&text).with_context(|| format!("in {}", path.display()))
}

/// Reads the key file, first creating it with a random key (mode 0600) if there is none.
pub fn read_or_create_key(path: &Path) -> anyhow::Result<ChainKey> {
    if !path.exists() {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("creating {}", folder.display()))?;
        }
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let key = ChainKey::from_bytes(bytes);
        // create_new: two processes starting at once must not each write their own key.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(mut file) => {
                writeln!(file, "{}", key.to_hex())?;
                file.sync_all()?;
                tracing::warn!(path = %path.display(), "created a new timeline key: keep it and back it up, verification needs it");
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(e).with_context(|| format!("creating {}", path.display()));
            }
        }
    }
    read_key(path)
}

/// The append-only checkpoint file in a folder.
#[derive(Debug, Clone)]
pub struct CheckpointLog {
    path: PathBuf,
}

/// What the checkpoint file says.
#[derive(Debug, Default)]
pub struct LogContents {
    pub checkpoints: Vec<Checkpoint>,
    /// Whether the plain SHA-256 chains were re-linked under the key already.
    pub relinked: bool,
}

impl CheckpointLog {
    pub fn in_folder(folder: &Path) -> Self {
        CheckpointLog {
            path: folder.join(CHECKPOINT_FILE_NAME),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every line, each checked under `key`. A line whose signature does not hold (or that is
    /// not a checkpoint line) is an error naming its number: the file has been tampered with,
    /// or was written under another key. No file yet: nothing recorded.
    pub fn read(&self, key: &ChainKey) -> anyhow::Result<LogContents> {
        let mut contents = LogContents::default();
        self.visit(key, |line| match line {
            LogLine::Checkpoint(c) => contents.checkpoints.push(c),
            LogLine::Relinked { .. } => contents.relinked = true,
        })?;
        Ok(contents)
    }

    /// Whether the file records the re-linking, read line by line (each checked as `read`
    /// checks it) without keeping the checkpoints: at a million chains the file is 200 MB, and
    /// every start asks this (#16: memory flat from the start).
    pub fn relinked(&self, key: &ChainKey) -> anyhow::Result<bool> {
        let mut relinked = false;
        self.visit(key, |line| {
            if let LogLine::Relinked { .. } = line {
                relinked = true;
            }
        })?;
        Ok(relinked)
    }

    /// Calls `each` with every line in the file's order, each checked under `key` (as `read`).
    pub fn visit(&self, key: &ChainKey, mut each: impl FnMut(LogLine)) -> anyhow::Result<()> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", self.path.display())),
        };
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("reading {}", self.path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            each(
                LogLine::parse(key, &line)
                    .with_context(|| format!("{} line {}", self.path.display(), n + 1))?,
            );
        }
        Ok(())
    }

    /// Appends the lines, signed under `key`, in one write, and waits for the disk.
    pub fn append(&self, key: &ChainKey, lines: &[LogLine]) -> anyhow::Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        if let Some(folder) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("creating {}", folder.display()))?;
        }
        let mut text = String::new();
        for line in lines {
            text.push_str(&line.signed(key));
            text.push('\n');
        }
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&self.path)
            .with_context(|| format!("opening {}", self.path.display()))?;
        file.write_all(text.as_bytes())
            .and_then(|_| file.sync_data())
            .with_context(|| format!("writing {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "portal-timeline-log-{name}-{}",
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_created_key_file_is_private_and_read_back_the_same() {
        let dir = folder("key");
        let path = dir.join("sub").join(KEY_FILE_NAME);
        let key = read_or_create_key(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(read_or_create_key(&path).unwrap(), key, "created once");
        assert_eq!(read_key(&path).unwrap(), key);
        std::fs::write(&path, "not a key").unwrap();
        assert!(read_key(&path).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_checkpoint_file_reads_back_its_lines_and_refuses_an_altered_one() {
        let dir = folder("log");
        let log = CheckpointLog::in_folder(&dir);
        let key = ChainKey::from_bytes([3; 32]);
        assert!(log.read(&key).unwrap().checkpoints.is_empty());
        let c = Checkpoint {
            incident_id: uuid::Uuid::from_u128(1),
            seq: 4,
            hash: vec![9; 32],
            at: chrono::Utc::now(),
        };
        log.append(&key, &[LogLine::Checkpoint(c.clone())]).unwrap();
        log.append(
            &key,
            &[LogLine::Relinked {
                at: chrono::Utc::now(),
                entries: 0,
            }],
        )
        .unwrap();
        let read = log.read(&key).unwrap();
        assert_eq!(read.checkpoints.len(), 1);
        assert_eq!(read.checkpoints[0].seq, 4);
        assert!(read.relinked);
        let mode = std::fs::metadata(log.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // Another key, or an edited line, is refused, naming the line.
        assert!(log.read(&ChainKey::from_bytes([4; 32])).is_err());
        let text = std::fs::read_to_string(log.path()).unwrap();
        std::fs::write(log.path(), text.replacen(" 4 ", " 3 ", 1)).unwrap();
        let err = format!("{:#}", log.read(&key).unwrap_err());
        assert!(err.contains("line 1"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
