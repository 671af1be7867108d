//! The web artifact (`web.artifact`, or `web-release --artifact`): a
//! Next.js static export folder (`out/`) or a .zip of one, checked and
//! packed before anything talks to AWS.
//!
//! Amplify's manual deployments serve static files only: a build with a
//! server part (`.next/server`, or an `.amplify-hosting/compute` bundle) is
//! refused with the reason. A folder is zipped deterministically (entries
//! sorted, fixed timestamps and permissions), so the same build gives the
//! same bytes and the same SHA-256, which is how a release that is already
//! live is recognised.

use std::io::{Cursor, Read as _, Write as _};
use std::path::{Path, PathBuf};

use sha2::Digest as _;

/// A checked artifact, ready to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: PathBuf,
    /// The zip to upload.
    pub zip: Vec<u8>,
    /// SHA-256 of `zip`, lowercase hex.
    pub sha256: String,
    /// Files in it.
    pub files: usize,
}

/// Why an artifact cannot be released, with what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct ArtifactError {
    pub path: PathBuf,
    pub problem: String,
    pub hint: String,
}

fn error(path: &Path, problem: impl Into<String>, hint: impl Into<String>) -> ArtifactError {
    ArtifactError {
        path: path.to_owned(),
        problem: problem.into(),
        hint: hint.into(),
    }
}

const SSR_HINT: &str = "Amplify manual deployments serve static files only (no server-side rendering); build a static export (next.config: output: 'export'; `next build` writes out/) and release that folder";
const STATIC_EXPORT_HINT: &str = "release the folder `next build` writes with output: 'export' (out/), which has index.html at its root";

/// Reads, checks and (for a folder) zips the artifact at `path`.
pub fn load(path: &Path) -> Result<Artifact, ArtifactError> {
    let metadata = std::fs::metadata(path).map_err(|e| {
        error(
            path,
            format!("cannot be read ({e})"),
            "build the web app first (e.g. `turbo build`), or fix web.artifact / --artifact",
        )
    })?;
    let (names, zip) = if metadata.is_dir() {
        let files = folder_files(path)?;
        let names: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
        check(path, &names)?;
        (names, zip_folder(path, &files)?)
    } else {
        let bytes = std::fs::read(path)
            .map_err(|e| error(path, format!("cannot be read ({e})"), STATIC_EXPORT_HINT))?;
        let names = zip_names(path, &bytes)?;
        check(path, &names)?;
        (names, bytes)
    };
    Ok(Artifact {
        path: path.to_owned(),
        sha256: sha256_hex(&zip),
        files: names.iter().filter(|n| !n.ends_with('/')).count(),
        zip,
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// The static-export checks on the artifact's entry names (`/`-separated,
/// relative to its root).
fn check(path: &Path, names: &[String]) -> Result<(), ArtifactError> {
    let has = |prefix: &str| {
        names
            .iter()
            .any(|n| n == prefix || n.starts_with(&format!("{prefix}/")))
    };
    if has(".next/server") || has(".next") && !names.iter().any(|n| n == "index.html") {
        return Err(error(
            path,
            "is a Next.js server build (.next/server), not a static export",
            SSR_HINT,
        ));
    }
    if has(".amplify-hosting/compute") {
        return Err(error(
            path,
            "is an Amplify compute (SSR) bundle (.amplify-hosting/compute)",
            SSR_HINT,
        ));
    }
    if !names.iter().any(|n| n == "index.html") {
        let nested = names
            .iter()
            .find(|n| n.ends_with("/index.html"))
            .map(|n| format!(" (there is {n}: zip the folder's contents, not the folder)"))
            .unwrap_or_default();
        return Err(error(
            path,
            format!("has no index.html at its root{nested}"),
            STATIC_EXPORT_HINT,
        ));
    }
    Ok(())
}

/// Every file under `root`, as (`/`-separated relative name, full path),
/// sorted by name. Symbolic links are followed; other special files are
/// refused.
fn folder_files(root: &Path) -> Result<Vec<(String, PathBuf)>, ArtifactError> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_owned()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| {
            error(
                &folder,
                format!("cannot be listed ({e})"),
                STATIC_EXPORT_HINT,
            )
        })?;
        for entry in entries {
            let entry = entry.map_err(|e| {
                error(
                    &folder,
                    format!("cannot be listed ({e})"),
                    STATIC_EXPORT_HINT,
                )
            })?;
            let path = entry.path();
            let metadata = std::fs::metadata(&path)
                .map_err(|e| error(&path, format!("cannot be read ({e})"), STATIC_EXPORT_HINT))?;
            if metadata.is_dir() {
                folders.push(path);
            } else if metadata.is_file() {
                let relative = path.strip_prefix(root).unwrap_or(&path);
                let name = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                files.push((name, path));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A zip of `files` whose bytes depend only on their names and contents.
fn zip_folder(root: &Path, files: &[(String, PathBuf)]) -> Result<Vec<u8>, ArtifactError> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let failed = |e: &dyn std::fmt::Display| error(root, format!("cannot be zipped ({e})"), "");
    for (name, path) in files {
        let bytes = std::fs::read(path)
            .map_err(|e| error(path, format!("cannot be read ({e})"), STATIC_EXPORT_HINT))?;
        writer
            .start_file(name.as_str(), options)
            .map_err(|e| failed(&e))?;
        writer.write_all(&bytes).map_err(|e| failed(&e))?;
    }
    Ok(writer.finish().map_err(|e| failed(&e))?.into_inner())
}

/// The entry names of a zip, checked to be one.
fn zip_names(path: &Path, bytes: &[u8]) -> Result<Vec<String>, ArtifactError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        error(
            path,
            format!("is not a zip archive ({e})"),
            "give a static export folder or a .zip of its contents",
        )
    })?;
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| {
            error(
                path,
                format!("has a broken entry ({e})"),
                STATIC_EXPORT_HINT,
            )
        })?;
        names.push(file.name().trim_start_matches("./").to_owned());
        // Read it through: a corrupt entry is found now, not by Amplify.
        let mut sink = Vec::new();
        file.read_to_end(&mut sink).map_err(|e| {
            error(
                path,
                format!("has a broken entry ({e})"),
                STATIC_EXPORT_HINT,
            )
        })?;
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    const SITE: [(&str, &str); 3] = [
        ("index.html", "<h1>shop</h1>"),
        ("_next/static/app.js", "console.log(1)"),
        ("about/index.html", "<h1>about</h1>"),
    ];

    #[test]
    fn zipping_the_same_folder_twice_gives_identical_bytes() {
        let a = folder(&SITE);
        let first = load(a.path()).unwrap();
        // Another folder, files written in another order, later.
        let mut reversed = SITE;
        reversed.reverse();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = folder(&reversed);
        let second = load(b.path()).unwrap();
        assert_eq!(first.zip, second.zip);
        assert_eq!(first.sha256, second.sha256);
        assert_eq!(first.files, 3);
        let names = zip_names(a.path(), &first.zip).unwrap();
        assert_eq!(
            names,
            ["_next/static/app.js", "about/index.html", "index.html"]
        );
    }

    #[test]
    fn a_zip_is_taken_as_is() {
        let dir = folder(&SITE);
        let zipped = load(dir.path()).unwrap();
        let file = dir.path().join("../site.zip");
        std::fs::write(&file, &zipped.zip).unwrap();
        let from_zip = load(&file).unwrap();
        assert_eq!(from_zip.sha256, zipped.sha256);
        std::fs::remove_file(file).unwrap();
    }

    #[test]
    fn server_builds_and_missing_index_are_refused() {
        let ssr = folder(&[(".next/server/app.js", ""), (".next/BUILD_ID", "x")]);
        let e = load(ssr.path()).unwrap_err();
        assert!(e.problem.contains(".next/server"), "{e}");
        assert!(e.hint.contains("output: 'export'"));

        let compute = folder(&[
            ("index.html", ""),
            (".amplify-hosting/compute/default/server.js", ""),
        ]);
        assert!(
            load(compute.path())
                .unwrap_err()
                .problem
                .contains("compute")
        );

        let nested = folder(&[("out/index.html", "")]);
        let e = load(nested.path()).unwrap_err();
        assert!(
            e.problem
                .contains("no index.html at its root (there is out/index.html"),
            "{e}"
        );

        let not_zip = folder(&[("site.zip", "not a zip")]);
        let e = load(&not_zip.path().join("site.zip")).unwrap_err();
        assert!(e.problem.contains("is not a zip archive"), "{e}");

        let missing = load(Path::new("/nonexistent/out")).unwrap_err();
        assert!(missing.problem.contains("cannot be read"));
    }
}
