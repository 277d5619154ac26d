//! Where a benchmark's workers meet: an object store addressed by URL (`s3://bucket/prefix`,
//! `gs://…`, `az://…`, `file:///path`), through `object_store`. Credentials and endpoints come
//! from the environment as each cloud's own tools read them (`AWS_*`, `GOOGLE_*`, `AZURE_*`),
//! never from the URL, so no output shows them. Every key is relative to the URL's path.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, ObjectStoreScheme, PutPayload};
use tokio::io::AsyncWriteExt;
use tokio_stream::StreamExt;
use url::Url;

use crate::ClusterError;

/// The schemes `--results` takes.
pub const SCHEMES: &str = "s3://bucket/prefix, gs://bucket/prefix, az://container/prefix, or file:///absolute/path";

/// A results location: one prefix of one object store.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    prefix: Key,
    /// The URL as errors and notes show it (no query, no credentials).
    shown: String,
    /// For a `file://` location, its directory: files are linked in and read in place there
    /// rather than copied through the store's streams.
    local: Option<PathBuf>,
}

impl Store {
    /// Opens the store at `url`. A relative or bare local path is taken as `file://` of its
    /// absolute form.
    ///
    /// # Errors
    /// [`ClusterError::Url`] for a URL this build cannot use, naming the schemes it can.
    pub fn open(url: &str) -> Result<Self, ClusterError> {
        let shown = aiperf_bench::redact::url(url).into_owned();
        let invalid = |reason: String| ClusterError::Url { url: shown.clone(), reason };
        let parsed = match Url::parse(url) {
            Ok(parsed) => parsed,
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                let absolute = std::path::absolute(url).map_err(|e| invalid(format!("not a path this process can resolve: {e}")))?;
                Url::from_directory_path(&absolute).map_err(|()| invalid(format!("expected {SCHEMES}")))?
            }
            Err(e) => return Err(invalid(format!("{e}; expected {SCHEMES}"))),
        };
        if !parsed.username().is_empty() || parsed.password().is_some() || parsed.query().is_some() {
            return Err(invalid("credentials in a URL would show in logs: give them through the environment (AWS_ACCESS_KEY_ID, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_ACCOUNT_KEY, …)".to_owned()));
        }
        let (scheme, prefix) = ObjectStoreScheme::parse(&parsed).map_err(|e| invalid(format!("{e}; expected {SCHEMES}")))?;
        let built = |e: object_store::Error| invalid(format!("cannot configure the store: {e}"));
        let inner: Arc<dyn ObjectStore> = match scheme {
            ObjectStoreScheme::Local => Arc::new(object_store::local::LocalFileSystem::new()),
            ObjectStoreScheme::AmazonS3 => {
                install_crypto();
                Arc::new(object_store::aws::AmazonS3Builder::from_env().with_url(url).build().map_err(built)?)
            }
            ObjectStoreScheme::GoogleCloudStorage => {
                install_crypto();
                Arc::new(object_store::gcp::GoogleCloudStorageBuilder::from_env().with_url(url).build().map_err(built)?)
            }
            ObjectStoreScheme::MicrosoftAzure => {
                install_crypto();
                Arc::new(object_store::azure::MicrosoftAzureBuilder::from_env().with_url(url).build().map_err(built)?)
            }
            _ => return Err(invalid(format!("expected {SCHEMES}"))),
        };
        let local = (scheme == ObjectStoreScheme::Local).then(|| parsed.to_file_path().ok()).flatten();
        Ok(Self { inner, prefix, shown: shown.trim_end_matches('/').to_owned(), local })
    }

    /// The URL as shown to users.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn key(&self, name: &str) -> Key {
        name.split('/').filter(|part| !part.is_empty()).fold(self.prefix.clone(), |key, part| key.join(part))
    }

    fn error(&self, operation: &'static str, name: &str) -> impl FnOnce(object_store::Error) -> ClusterError {
        let (object, url) = (name.to_owned(), self.shown.clone());
        move |source| ClusterError::Store { operation, object, url, source: Box::new(source) }
    }

    /// Writes `bytes` as `name`.
    ///
    /// # Errors
    /// [`ClusterError::Store`] naming the object.
    pub async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), ClusterError> {
        self.inner.put(&self.key(name), PutPayload::from(bytes)).await.map(drop).map_err(self.error("cannot write", name))
    }

    /// Reads `name`, none if there is no such object.
    ///
    /// # Errors
    /// [`ClusterError::Store`] naming the object.
    pub async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, ClusterError> {
        match self.inner.get(&self.key(name)).await {
            Ok(found) => found.bytes().await.map(|bytes| Some(bytes.to_vec())).map_err(self.error("cannot read", name)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error("cannot read", name)(e)),
        }
    }

    /// The names of the objects under `dir` (recursively), relative to the URL.
    ///
    /// # Errors
    /// [`ClusterError::Store`] naming the directory.
    pub async fn list(&self, dir: &str) -> Result<Vec<String>, ClusterError> {
        let under = self.key(dir);
        let mut listed = self.inner.list(Some(&under));
        let mut names = Vec::new();
        while let Some(meta) = listed.next().await {
            let meta = meta.map_err(self.error("cannot list", dir))?;
            if let Some(parts) = meta.location.prefix_match(&self.prefix) {
                names.push(parts.map(|part| part.as_ref().to_owned()).collect::<Vec<_>>().join("/"));
            }
        }
        names.sort();
        Ok(names)
    }

    /// Where `name` is on this machine's file system, for a `file://` location.
    pub fn local_path(&self, name: &str) -> Option<PathBuf> {
        self.local.as_ref().map(|root| name.split('/').filter(|part| !part.is_empty()).fold(root.clone(), |path, part| path.join(part)))
    }

    /// Uploads the local file `path` as `name`, streamed (multipart for large files); into a
    /// `file://` location, a hard link where the file system allows one (the records of a long
    /// run are gigabytes), else a copy.
    ///
    /// # Errors
    /// [`ClusterError::Io`] or [`ClusterError::Store`] naming the file or object.
    pub async fn upload(&self, path: &Path, name: &str) -> Result<(), ClusterError> {
        if let Some(target) = self.local_path(name) {
            let write = |source| ClusterError::Io { operation: "write", path: target.display().to_string(), source };
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir).map_err(write)?;
            }
            let _ = std::fs::remove_file(&target);
            if std::fs::hard_link(path, &target).is_err() {
                std::fs::copy(path, &target).map_err(write)?;
            }
            return Ok(());
        }
        let read = |source| ClusterError::Io { operation: "read", path: path.display().to_string(), source };
        let mut file = tokio::fs::File::open(path).await.map_err(read)?;
        let mut writer = object_store::buffered::BufWriter::new(Arc::clone(&self.inner), self.key(name));
        let written = async {
            tokio::io::copy(&mut file, &mut writer).await?;
            writer.shutdown().await
        }
        .await;
        written.map_err(|source| ClusterError::Io { operation: "upload", path: format!("{}/{name}", self.shown), source })
    }

    /// Downloads `name` to the local file `path`, streamed.
    ///
    /// # Errors
    /// [`ClusterError::Store`] or [`ClusterError::Io`] naming the object or file.
    pub async fn download(&self, name: &str, path: &Path) -> Result<(), ClusterError> {
        let found = self.inner.get(&self.key(name)).await.map_err(self.error("cannot read", name))?;
        let write = |source| ClusterError::Io { operation: "write", path: path.display().to_string(), source };
        let mut file = tokio::fs::File::create(path).await.map_err(write)?;
        let mut chunks = found.into_stream();
        while let Some(chunk) = chunks.next().await {
            file.write_all(&chunk.map_err(self.error("cannot read", name))?).await.map_err(write)?;
        }
        file.flush().await.map_err(write)
    }
}

/// object_store's HTTP client takes the process's rustls provider: ring, the one the transports
/// build (installed once; a provider already installed stays).
fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
