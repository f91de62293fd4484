//! Reading a file the linted tree names, on an untrusted pull request: regular files only (a
//! FIFO would block, `/dev/zero` never ends), at most a size cap, and, when a boundary is given,
//! only when the canonical target stays inside it (a symbolic link to `/proc/self/environ` must
//! not print the CI's secrets). A refusal names the path and never any of its content.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Source files, included files, configuration and baselines above this size are refused:
/// generated blobs, not code to review.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug)]
pub enum Refusal {
    /// Its canonical target lies outside the boundary (a symbolic link or `..` out of the tree).
    Outside {
        target: PathBuf,
        boundary: PathBuf,
    },
    /// A FIFO, socket or device.
    NotRegular(&'static str),
    TooLarge,
    NotUtf8 {
        valid_up_to: usize,
    },
    Io(std::io::Error),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Outside { target, boundary } => write!(
                f,
                "it resolves to {}, outside {}: not read",
                display_path(target),
                display_path(boundary)
            ),
            Refusal::NotRegular(kind) => write!(f, "it is {kind}, not a regular file: not read"),
            Refusal::TooLarge => write!(
                f,
                "it is larger than {} MiB: not read",
                MAX_FILE_BYTES >> 20
            ),
            Refusal::NotUtf8 { valid_up_to } => write!(
                f,
                "it is not valid UTF-8 (invalid byte at offset {valid_up_to})"
            ),
            Refusal::Io(e) => write!(f, "cannot read it: {e}"),
        }
    }
}

/// A folder that reads must stay inside, canonicalised once.
#[derive(Debug, Clone)]
pub struct Boundary(PathBuf);

impl Boundary {
    pub fn new(dir: &Path) -> Boundary {
        Boundary(dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The canonical form of `path` when it lies inside, else why not.
    pub fn admit(&self, path: &Path) -> Result<PathBuf, Refusal> {
        let target = path.canonicalize().map_err(Refusal::Io)?;
        if target.starts_with(&self.0) {
            Ok(target)
        } else {
            Err(Refusal::Outside {
                target,
                boundary: self.0.clone(),
            })
        }
    }
}

/// Reads `path` as bytes under the rules above.
pub fn read_bytes(path: &Path, boundary: Option<&Boundary>) -> Result<Vec<u8>, Refusal> {
    let path = match boundary {
        Some(b) => b.admit(path)?,
        None => path.to_path_buf(),
    };
    let file = open_nonblocking(&path).map_err(Refusal::Io)?;
    let meta = file.metadata().map_err(Refusal::Io)?;
    if !meta.is_file() {
        return Err(Refusal::NotRegular(kind_of(&meta.file_type())));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Refusal::TooLarge);
    }
    // The length can lie (procfs reports 0) or grow while reading: the cap holds regardless.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(Refusal::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Refusal::TooLarge);
    }
    Ok(bytes)
}

/// Reads `path` as UTF-8 text under the rules above.
pub fn read_text(path: &Path, boundary: Option<&Boundary>) -> Result<String, Refusal> {
    String::from_utf8(read_bytes(path, boundary)?).map_err(|e| Refusal::NotUtf8 {
        valid_up_to: e.utf8_error().valid_up_to(),
    })
}

/// Reads a file the user or the tree names by path (configuration, baseline): as [`read_text`],
/// bounded by the folder it is named in, so that a committed link cannot lead out of it.
pub fn read_in_own_folder(path: &Path) -> Result<String, Refusal> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    read_text(path, Some(&Boundary::new(folder)))
}

/// What a non-regular file is, for a diagnostic.
pub fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// A path as text that names it unambiguously and is safe on a terminal: bytes that are not
/// UTF-8 and control characters become `\xNN` (`\u{NN}` for the wider control characters), and
/// a backslash is doubled so that no escape can be mistaken for a name.
pub fn display_path(path: &Path) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' if cfg!(unix) => out.push_str("\\\\"),
                c if c.is_control() => push_char_escape(&mut out, c),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Appends the visible escape of `c`: `\x1b` for ASCII, `\u{9b}` beyond.
pub(crate) fn push_char_escape(out: &mut String, c: char) {
    if (c as u32) < 0x80 {
        out.push_str(&format!("\\x{:02x}", c as u32));
    } else {
        out.push_str(&format!("\\u{{{:x}}}", c as u32));
    }
}

/// Opening a FIFO for reading blocks until a writer appears; non-blocking mode returns at once
/// so that the type check on the open handle can refuse it.
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_links_out_of_the_boundary_and_special_files() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret");
        std::fs::write(&secret, "TOKEN=hunter2").unwrap();
        let tree = tempfile::tempdir().unwrap();
        let inside = tree.path().join("inside.sql");
        std::fs::write(&inside, "SELECT 1").unwrap();
        let boundary = Boundary::new(tree.path());
        assert_eq!(read_text(&inside, Some(&boundary)).unwrap(), "SELECT 1");
        #[cfg(unix)]
        {
            let link = tree.path().join("link.sql");
            std::os::unix::fs::symlink(&secret, &link).unwrap();
            let refused = read_text(&link, Some(&boundary)).unwrap_err();
            assert!(matches!(refused, Refusal::Outside { .. }), "{refused}");
            assert!(!refused.to_string().contains("hunter2"));
            let zero = read_bytes(Path::new("/dev/zero"), None).unwrap_err();
            assert!(matches!(zero, Refusal::NotRegular("a device")), "{zero}");
        }
        let dotdot = tree
            .path()
            .join("..")
            .join(outside.path().file_name().unwrap());
        assert!(read_text(&dotdot.join("secret"), Some(&boundary)).is_err());
    }
}
